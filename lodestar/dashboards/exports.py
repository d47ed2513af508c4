"""A dashboard panel as an xlsx workbook (openpyxl): the panel's table, then its list, as figures
(numbers as numbers, rates as percentages) so Excel can sum and chart them."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from lodestar.dashboards.read_model import Column, Panel, Scope


def _value(value, kind: str):
    if value is None or value == "":
        return None
    if kind in ("rate", "amount", "money", "ratio"):
        return Decimal(value)
    return value


def _write(sheet, columns: list[Column], rows: list[dict]) -> None:
    sheet.append([c.label for c in columns])
    for row in rows:
        sheet.append([_value(row.get(c.key), c.kind) for c in columns])
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=sheet.max_row, column=index)
            if column.kind == "rate":
                cell.number_format = "0.00%"
            elif column.kind in ("amount", "money"):
                cell.number_format = "#,##0.00"
            elif column.kind == "ratio":
                cell.number_format = "0.00"


def panel_workbook(panels: list[Panel], scope: Scope) -> bytes:
    """One sheet per panel (its title, the period, then its table) and one per panel's list."""
    book = Workbook()
    book.remove(book.active)
    for panel in panels:
        sheet = book.create_sheet(panel.key)
        sheet.append([panel.title])
        sheet.append([_("Period"), scope.period.label, scope.period.start, scope.period.end])
        sheet.append([])
        _write(sheet, panel.columns, panel.rows)
        if panel.item_columns:
            listed = book.create_sheet(f"{panel.key}-list")
            _write(listed, panel.item_columns, panel.items)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
