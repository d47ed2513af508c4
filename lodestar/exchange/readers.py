"""Read an uploaded spreadsheet (xlsx or csv) into a header row and data rows of strings.

Our users save files from Excel on Chinese Windows, so csv files arrive as UTF-8, UTF-8 with
a BOM, UTF-16 ("Unicode text") or GBK/GB18030; we try them in that order, strictly, and say
so clearly when none fits. xlsx files are zip archives: the declared uncompressed size is
checked before anything is inflated, so a zip bomb is refused instead of filling memory.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError
from lodestar.core.streaming import ReaderError, check_xlsx_archive

MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]  # data rows only; row i is spreadsheet line i + 2
    encoding: str


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value).strip()


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode csv bytes; returns (text, encoding name)."""
    candidates = [("utf-8", "utf-8"), ("gb18030", "gb18030")]
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = [("utf-8-sig", "utf-8-sig")]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = [("utf-16", "utf-16")]
    elif _utf16_without_bom(data):
        candidates = [(_utf16_without_bom(data), "utf-16")]
    for codec, name in candidates:
        try:
            text = data.decode(codec, errors="strict")
        except UnicodeDecodeError:
            continue
        if codec == "gb18030" and _looks_misdecoded(text):
            break
        return text, name
    raise ApplicationError(
        _("The file's text encoding was not recognised. Save it as UTF-8 or as an Excel workbook (.xlsx)."),
        code="bad_encoding",
        field="file",
    )


def _utf16_without_bom(data: bytes) -> str | None:
    """Some tools write UTF-16 without a byte-order mark; mostly-ASCII csv text then has a NUL in
    every other byte (after the character in little-endian, before it in big-endian)."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    if sample[1::2].count(0) * 10 >= pairs * 4:
        return "utf-16-le"
    if sample[0::2].count(0) * 10 >= pairs * 4:
        return "utf-16-be"
    return None


def _looks_misdecoded(text: str) -> bool:
    """GB18030 decodes almost any byte sequence, so a Japanese (Shift-JIS) or Big5 file "succeeds"
    as rare characters. Real GBK text from Excel uses GB2312's common characters nearly always
    (a rare name character here and there), mis-decoded text mostly characters outside it."""
    rare = common = 0
    for char in text:
        if "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff":
            try:
                char.encode("gb2312")
            except UnicodeEncodeError:
                rare += 1
            else:
                common += 1
    return rare >= 4 and rare * 3 > rare + common


def _read_csv(data: bytes) -> Table:
    text, encoding = decode_text(data)
    if "\x00" in text:
        raise ApplicationError(_("The file is not a valid CSV file."), code="bad_file", field="file")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        rows = [[cell.strip() for cell in row] for row in reader]
    except csv.Error as exc:
        raise ApplicationError(
            _("The CSV file could not be read: %(error)s") % {"error": exc}, code="bad_file", field="file"
        ) from exc
    return _table_from_rows(rows, encoding)


def _read_xlsx(data: bytes) -> Table:
    try:
        check_xlsx_archive(io.BytesIO(data), len(data), MAX_UNCOMPRESSED_BYTES)
    except ReaderError as exc:
        if exc.code == "file_too_large":
            raise ApplicationError(
                _("The Excel file expands to more data than we accept. Split it into smaller files."),
                code="file_too_large",
                field="file",
            ) from exc
        raise ApplicationError(
            _("The Excel file is damaged or not an .xlsx file."), code="bad_file", field="file"
        ) from exc
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        rows = [[_cell_text(cell) for cell in row] for row in sheet.to_python(skip_empty_area=False)]
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise ApplicationError(
            _("The Excel file is damaged or not an .xlsx file."), code="bad_file", field="file"
        ) from exc
    return _table_from_rows(rows, "xlsx")


def _table_from_rows(rows: list[list[str]], encoding: str) -> Table:
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows or not any(rows[0]):
        raise ApplicationError(
            _("The file is empty: it needs a header row and data rows."), code="empty", field="file"
        )
    if len(rows) - 1 > settings.LODESTAR_IMPORT_MAX_ROWS:
        raise ApplicationError(
            _("The file has more than %(max)s rows. Split it into smaller files.")
            % {"max": settings.LODESTAR_IMPORT_MAX_ROWS},
            code="too_many_rows",
            field="file",
        )
    headers = [h.strip().lstrip("\ufeff") for h in rows[0]]
    return Table(headers=headers, rows=rows[1:], encoding=encoding)


def read_table(data: bytes, filename: str = "") -> Table:
    """Read an xlsx or csv file given as bytes."""
    if len(data) > settings.LODESTAR_IMPORT_MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than %(mb)s MB.")
            % {"mb": settings.LODESTAR_IMPORT_MAX_BYTES // (1024 * 1024)},
            code="file_too_large",
            field="file",
        )
    if not data:
        raise ApplicationError(
            _("The file is empty: it needs a header row and data rows."), code="empty", field="file"
        )
    name = filename.lower()
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    if name.endswith(".xls"):
        raise ApplicationError(
            _("Old .xls files are not supported. Save the file as .xlsx or .csv."),
            code="bad_file",
            field="file",
        )
    return _read_csv(data)
