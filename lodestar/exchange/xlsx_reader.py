"""Read a filled-in table back: find its header row, map the columns, give each data row with its line.

Files come back from Excel, WPS and LibreOffice, and people add to them, so:

- cells keep their types as python-calamine reads them: numbers (a percent-formatted 60% is 0.6), dates
  (date cells as dates; a date typed in a general cell as its serial number, read by core.parsing), and
  for a formula its cached value, the figure the spreadsheet showed when it was saved;
- a title (often merged across the columns) and blank lines may stand above the header: the header row is
  the first of the first 20 rows in which the table's headers are found (at least half of the required
  ones and three in all), and line numbers stay the lines the spreadsheet shows;
- headers are matched in Chinese or English, ignoring spaces, full-width forms, case and a trailing "*";
  unknown columns are ignored, and their headers listed so the report can say so;
- csv files (UTF-8, UTF-8 with BOM, UTF-16, GBK) are read too, every cell a string.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError
from lodestar.core.streaming import ReaderError, check_xlsx_archive, open_rows
from lodestar.exchange.columns import TableSpec, header_key

HEADER_SEARCH_ROWS = 20
MAX_XLSX_UNCOMPRESSED = 256 * 1024 * 1024


@dataclass
class SheetRows:
    """The located table: column key → index in a row, the header's line, the data rows."""

    columns: dict[str, int]
    header_line: int
    rows: list[tuple[int, list]]
    unknown_headers: list[str] = field(default_factory=list)

    def value(self, cells: list, key: str) -> object:
        index = self.columns.get(key)
        if index is None or index >= len(cells):
            return None
        value = cells[index]
        return None if value == "" else value


def _reader_error(code: str) -> ApplicationError:
    messages = {
        "bad_encoding": _(
            "The file's text encoding was not recognised. Save it as UTF-8 or as an Excel workbook (.xlsx)."
        ),
        "empty": _("The file is empty: it needs a header row and data rows."),
        "file_too_large": _(
            "The Excel file expands to more data than we accept. Split it into smaller files."
        ),
    }
    message = messages.get(code, _("The file is damaged or not a .csv or .xlsx file."))
    return ApplicationError(message, code=code, field="file")


def _xlsx_grid(path: Path) -> list[list]:
    try:
        check_xlsx_archive(path, path.stat().st_size, MAX_XLSX_UNCOMPRESSED)
    except ReaderError as exc:
        raise _reader_error(exc.code) from exc
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        # The first visible sheet: our exports put the data first; a hidden helper sheet never comes first.
        sheet = workbook.get_sheet_by_index(0)
        # skip_empty_area=False keeps the grid anchored at A1, so row i is spreadsheet line i + 1.
        return sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise _reader_error("bad_file") from exc


def _csv_grid(path: Path, filename: str) -> list[list]:
    try:
        rows = open_rows(path, filename)
        grid: list[list] = [list(rows.headers)]
        line = 1
        for number, cells in rows.rows:
            while line + 1 < number:  # keep blank lines, so indexes stay line numbers
                grid.append([])
                line += 1
            grid.append(list(cells))
            line = number
    except ReaderError as exc:
        raise _reader_error(exc.code) from exc
    return grid


def read_sheet(spec: TableSpec, path: str | Path, filename: str = "") -> SheetRows:
    """The table of `spec` in the file at `path` (xlsx or csv); ApplicationError(field="file") when the
    file cannot be read or no header row of this table is found."""
    path = Path(path)
    name = (filename or path.name).lower()
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if not magic:
        raise _reader_error("empty")
    if magic == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        grid = _xlsx_grid(path)
    elif name.endswith(".xls"):
        raise ApplicationError(
            _("Old .xls files are not supported. Save the file as .xlsx or .csv."),
            code="bad_file",
            field="file",
        )
    else:
        grid = _csv_grid(path, name)
    return locate_table(spec, grid)


def locate_table(spec: TableSpec, grid: list[list]) -> SheetRows:
    lookup = spec.header_lookup()
    required = {column.key for column in spec.columns if column.required}
    for index, cells in enumerate(grid[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        unknown: list[str] = []
        for position, cell in enumerate(cells):
            key = lookup.get(header_key(cell))
            if key is not None and key not in columns:
                columns[key] = position
            elif cell not in (None, ""):
                unknown.append(str(cell))
        if len(columns) >= min(3, len(spec.columns)) and required <= columns.keys():
            data = [(number, cells) for number, cells in enumerate(grid[index + 1 :], start=index + 2)]
            while data and not any(c not in (None, "") for c in data[-1][1]):
                data.pop()
            data = [(n, c) for n, c in data if any(v not in (None, "") for v in c)]
            if len(data) > settings.LODESTAR_IMPORT_MAX_ROWS:
                raise ApplicationError(
                    _("The file has more than %(max)s rows. Split it into smaller files.")
                    % {"max": settings.LODESTAR_IMPORT_MAX_ROWS},
                    code="too_many_rows",
                    field="file",
                )
            return SheetRows(columns=columns, header_line=index + 1, rows=data, unknown_headers=unknown)
    headers = "、".join(column.zh for column in spec.columns if column.required)
    raise ApplicationError(
        _(
            "No header row of the %(table)s was found in the first %(rows)s rows (it needs at least: %(headers)s)."
        )
        % {"table": spec.title_zh, "rows": HEADER_SEARCH_ROWS, "headers": headers},
        code="no_header",
        field="file",
    )


def iter_rows(sheet: SheetRows) -> Iterator[tuple[int, dict[str, object]]]:
    """Each data row as (line, {column key: cell value or None})."""
    for line, cells in sheet.rows:
        yield line, {key: sheet.value(cells, key) for key in sheet.columns}
