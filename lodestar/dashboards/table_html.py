"""The bodies of a panel's tables as HTML, built here rather than in the template.

The company dashboard at scale L shows about 1,250 cells; through the template engine (a loop, two
conditions and an escape per cell) they took 14 ms of the page (bench/README.md, fifth pass), here
about 1 ms. The markup is the one the templates wrote (`_panel_table.html`, `_panel_items.html` keep
the headers): a figure right-aligned (in a list: left-aligned) and unbroken, a short word (单位, 未处理) unbroken, a linked cell an
`<a>`. Every text and address is escaped.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

NUMERIC_EXCEPT = ("text", "health")  # cell kinds shown as words; every other kind is a figure
SHORT = 4  # characters: a word this short stays on one line


def _content(cell: dict) -> str:
    text = escape(cell["text"])
    return f'<a href="{escape(cell["href"])}">{text}</a>' if cell["href"] else text


def table_body(table: list[list[dict]]) -> SafeString:
    """The `<tr>` rows of a panel's table (`board_views._cells`)."""
    rows = []
    for cells in table:
        tds = []
        for cell in cells:
            if cell["kind"] not in NUMERIC_EXCEPT:
                attrs = ' class="text-end text-nowrap"'
            elif len(cell["text"]) <= SHORT:
                attrs = ' class="text-nowrap"'
            else:
                attrs = ""
            tds.append(f"<td{attrs}>{_content(cell)}</td>")
        rows.append(f"<tr>{''.join(tds)}</tr>")
    return mark_safe("".join(rows))  # every part escaped above


def _unbroken(cell: dict) -> bool:
    """A figure (a date, a count) or a short word is not broken over lines: "2026-11-18" split after its
    year in a narrow list column read as two figures."""
    return cell["kind"] not in NUMERIC_EXCEPT or len(cell["text"]) <= SHORT


def items_body(table: list[list[dict]]) -> SafeString:
    """The `<tr>` rows of the short list under a panel (open alerts, overdue items …)."""
    rows = []
    for cells in table:
        tds = "".join(
            f'<td class="small{" text-nowrap" if _unbroken(cell) else ""}">{_content(cell)}</td>'
            for cell in cells
        )
        rows.append(f"<tr>{tds}</tr>")
    return mark_safe("".join(rows))  # every part escaped above
