"""Write a table (columns.TableSpec) as a real spreadsheet, streaming.

openpyxl's write-only mode keeps one row in memory at a time (rows go to a temporary file as they are
appended), so a 50,000-row export uses a bounded amount of memory. The workbook has:

- the data sheet: a bold, filled, frozen header row with an autofilter, column widths, number formats
  (元, %, dates), data-validation lists for the enumerations, the id and version columns hidden;
- a second sheet explaining each column (what it holds, its format or its values, whether import reads it);
- a hidden third sheet with the enumerations' values, which the validation lists point at (a list written
  inside the rule is limited to 255 characters).

Text that a spreadsheet would run as a formula (it starts with = + - @) is written as a text cell with
Excel's "quote prefix", so it shows and round-trips exactly as typed and is never evaluated (formula
injection).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterable, Mapping
from copy import copy
from decimal import Decimal
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from lodestar.exchange.columns import TableSpec, current_language, is_formula_like

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_BORDER = Border(bottom=Side(style="thin", color="000000"))
HEADER_ALIGN = Alignment(vertical="center", wrap_text=True)
VALIDATION_ROWS = 5000  # the validation lists reach this far below the header (new rows typed in)
MAX_CELL_TEXT = 32767  # Excel's limit; longer text is cut rather than producing a file Excel repairs


def _cell(sheet, value: Any, style: Any) -> Any:
    """A value as written: text that would run as a formula becomes a quoted text cell; a figure or a date
    of a formatted column a cell with that column's style (`style`: a prototype cell's style array,
    copied, which is much cheaper than setting number_format on every cell)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value[:MAX_CELL_TEXT]
        if is_formula_like(text):
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"  # never a formula
            cell.quotePrefix = True
            return cell
        return text
    if style is not None and isinstance(value, (Decimal, int, float, dt.date)):
        cell = WriteOnlyCell(sheet, value=value)
        cell._style = copy(style)
        return cell
    return value


def write_table(
    spec: TableSpec, rows: Iterable[Mapping[str, Any]], out: IO[bytes] | str, *, language: str | None = None
) -> int:
    """Write `rows` (dicts keyed by column key) to `out` (a path or a binary file); returns the row count."""
    language = current_language(language)
    with override(language):
        workbook = Workbook(write_only=True)
        data = workbook.create_sheet(spec.sheet_en if language == "en" else spec.sheet_zh)
        guide = workbook.create_sheet(_("Columns"))
        lists = workbook.create_sheet("lists")
        lists.sheet_state = "hidden"

        for index, column in enumerate(spec.columns, start=1):
            letter = get_column_letter(index)
            data.column_dimensions[letter].width = column.width
            if column.hidden:
                data.column_dimensions[letter].hidden = True
        data.freeze_panes = "B2"
        last = get_column_letter(len(spec.columns))
        data.auto_filter.ref = f"A1:{last}1"

        list_values = _write_lists(spec, lists)
        for index, column in enumerate(spec.columns, start=1):
            if column.key not in list_values:
                continue
            letter = get_column_letter(index)
            list_letter, count = list_values[column.key]
            rule = DataValidation(
                type="list",
                formula1=f"{quote_sheetname('lists')}!${list_letter}$1:${list_letter}${max(count, 1)}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=_("Not in the list"),
                error=_("Choose one of the listed values."),
            )
            rule.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
            data.data_validations.append(rule)

        header = []
        for column in spec.columns:
            cell = WriteOnlyCell(data, value=column.header(language))
            cell.font, cell.fill, cell.border, cell.alignment = (
                HEADER_FONT,
                HEADER_FILL,
                HEADER_BORDER,
                HEADER_ALIGN,
            )
            header.append(cell)
        data.append(header)

        count = 0
        styles = []
        for column in spec.columns:
            style = None
            if column.number_format:
                prototype = WriteOnlyCell(data, value=0)
                prototype.number_format = column.number_format
                style = prototype._style
            styles.append(style)
        keys = [column.key for column in spec.columns]
        for row in rows:
            data.append([_cell(data, row.get(key), style) for key, style in zip(keys, styles, strict=True)])
            count += 1

        _write_guide(spec, guide, language)
        workbook.save(out)
    return count


def _write_lists(spec: TableSpec, lists) -> dict[str, tuple[str, int]]:
    """The enumerations, one per column of the hidden sheet; returns key → (column letter, count)."""
    columns = [column for column in spec.columns if column.choices is not None and not column.read_only]
    values = [list(column.choices()) for column in columns]  # type: ignore[misc]
    if not columns:
        return {}
    height = max((len(v) for v in values), default=0)
    for i in range(height):
        lists.append([v[i] if i < len(v) else None for v in values])
    return {
        column.key: (get_column_letter(n), len(v))
        for n, (column, v) in enumerate(zip(columns, values, strict=True), start=1)
    }


def _write_guide(spec: TableSpec, guide, language: str) -> None:
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 70
    guide.column_dimensions["C"].width = 40
    guide.column_dimensions["D"].width = 18
    title = WriteOnlyCell(guide, value=spec.title(language))
    title.font = Font(bold=True, size=14)
    guide.append([title])
    if spec.help:
        guide.append([str(spec.help)])
    guide.append([])
    header = []
    for text in (_("Column"), _("What it holds"), _("Format or values"), _("On import")):
        cell = WriteOnlyCell(guide, value=text)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header.append(cell)
    guide.append(header)
    for column in spec.columns:
        if column.choices is not None:
            shown = "、".join(column.choices())
        else:
            shown = _format_words(column.number_format)
        if column.hidden:
            on_import = _("Hidden: keep it as it is")
        elif column.read_only:
            on_import = _("Read only (ignored)")
        elif column.required:
            on_import = _("Required")
        else:
            on_import = _("Optional")
        guide.append(
            [column.header(language), str(column.help), shown[:MAX_CELL_TEXT] if shown else None, on_import]
        )


def _format_words(number_format: str | None) -> str:
    from lodestar.exchange import columns as c

    return {
        c.YUAN: _("Amount in yuan (元), e.g. 5000000 or 500万"),
        c.PERCENT: _("Percentage, e.g. 60% (a number above 1 is read as percent points: 60 = 60%)"),
        c.DATE: _("Date, e.g. 2031-07-01, 2031/7/1 or 2031年7月1日"),
        c.INTEGER: _("Whole number"),
        c.DECIMAL: _("Number, e.g. 1200, 12.5万"),
    }.get(number_format or "", "")


def temporary_export(spec: TableSpec, rows: Iterable[Mapping[str, Any]], *, language: str | None = None):
    """Write the workbook to a named temporary file (deleted when closed) and return it, rewound: a
    response streams it from disk instead of holding the workbook in memory."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the response closes it
    write_table(spec, rows, handle.name, language=language)
    handle.seek(0, os.SEEK_SET)
    return handle
