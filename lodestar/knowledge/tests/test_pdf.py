"""The annual report as a PDF with Chinese text: WeasyPrint renders it, pypdfium2 rasterises page 1 (it
must not be blank) and reads its text layer back (it must hold Chinese); without a CJK font the page
says so instead of serving a PDF of empty boxes."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from lodestar.core import pdf
from lodestar.testing.factories import CaseFactory
from lodestar.testing.pdf import text_beyond_margins

pytestmark = pytest.mark.skipif(not pdf.cjk_fonts(), reason="no CJK font installed (make fonts)")


def test_the_annual_report_pdf_shows_chinese_text(client_as, case, org, q1):
    CaseFactory(title="直播大促失败", outcome="failure", department=org.mkt, period=q1, reasons="备货不足")
    response = client_as("mkt_manager").get(
        "/knowledge/report/pdf/", {"year": 2026, "department": org.mkt.pk}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    document = pdfium.PdfDocument(response.content)
    page = document[0]
    text = page.get_textpage().get_text_range()
    assert "营销白皮书" in text or "whitepaper" in text
    assert "市场部" in text and "小红书种草带动新品首月销售" in text
    image = page.render(scale=1).to_pil().convert("L")
    dark = sum(image.histogram()[:200])  # pixels darker than light grey
    assert dark > 2000, f"page 1 looks blank ({dark} dark pixels)"
    assert text_beyond_margins(response.content) == []  # no table too wide for A4


def test_without_a_cjk_font_the_pdf_is_refused_clearly(client_as, org, monkeypatch):
    monkeypatch.setattr("lodestar.core.pdf.cjk_fonts", lambda: ())
    response = client_as("admin").get("/knowledge/report/pdf/", {"year": 2026})
    assert response.status_code == 503
    html = response.content.decode()
    assert 'data-testid="font-missing"' in html and "fonts-noto-cjk" in html


def test_render_pdf_raises_without_a_font(monkeypatch):
    monkeypatch.setattr(pdf, "cjk_fonts", lambda: ())
    with pytest.raises(pdf.MissingFontError):
        pdf.render_pdf("<p>你好</p>")
