"""Reading a report's PDF back in tests: the text layer of its pages and how much ink page 1 has
(pypdfium2 rasterises it), so a test can tell Chinese text from a page of empty boxes; and where each
character sits, so a table too wide for A4 shows as text past the margins."""

from __future__ import annotations

import pypdfium2 as pdfium


def pdf_text(content: bytes) -> str:
    """The text of every page of the PDF `content`."""
    document = pdfium.PdfDocument(content)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def first_page_ink(content: bytes) -> int:
    """The number of pixels darker than light grey on page 1 (a blank page has none)."""
    page = pdfium.PdfDocument(content)[0]
    image = page.render(scale=1).to_pil().convert("L")
    return sum(image.histogram()[:200])


def assert_pdf_shows(response, *texts: str) -> str:
    """The response is a PDF whose page 1 is not blank, whose text holds every one of `texts` and
    runs past no page's side margins (`text_beyond_margins`)."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    for expected in texts:
        assert expected in text, f"{expected!r} not in the PDF's text: {text[:500]!r}"
    ink = first_page_ink(response.content)
    assert ink > 2000, f"page 1 looks blank ({ink} dark pixels)"
    outside = text_beyond_margins(response.content)
    assert not outside, f"text printed past the side margins (a table too wide for A4?): {outside[:20]}"
    return text


def text_beyond_margins(content: bytes, margin_mm: float = 14) -> list[tuple[int, str]]:
    """The characters (page number from 1, character) printed left or right of the page's side margins
    (`core/print.html`: 14 mm): a table too wide for A4 or a clipped line puts its text there."""
    document = pdfium.PdfDocument(content)
    margin = margin_mm * 72 / 25.4 - 1  # points, and one point of rounding
    outside = []
    for number, page in enumerate(document, start=1):
        width = page.get_width()
        text = page.get_textpage()
        for index in range(text.count_chars()):
            char = text.get_text_range(index, 1)
            if not char.strip():
                continue
            left, _bottom, right, _top = text.get_charbox(index)
            if left < margin or right > width - margin:
                outside.append((number, char))
    return outside
