"""Read a large csv or xlsx file row by row, with its line numbers (header = line 1).

The whole-file reader of the seeds' tables (lodestar/exchange/readers.py) holds a file in memory; platform
exports reach a million rows, so these readers stream:

- csv: the encoding is found first (a byte-order mark says UTF-8 or UTF-16; UTF-16 without a mark shows as
  NUL bytes in every other byte; otherwise the file is checked as strict UTF-8 in 1 MB chunks, and read as
  GB18030 — the superset of GBK that Excel on Chinese Windows writes — when that fails); then the text is
  decoded incrementally and parsed by the csv module (quoted "933,940", CRLF or LF, commas, tabs or
  semicolons as the delimiter, sniffed from the first 4 KB).
- xlsx: python-calamine reads the first sheet (it keeps the sheet's cells in memory, compact Rust values,
  about 20 bytes a cell; the declared uncompressed size is checked first, so a zip bomb is refused).
  Cells keep their types: numbers as int/float, date cells as date/datetime, text as str.

`open_rows(path)` returns a `Rows`: `headers` (stripped strings), `encoding` and `rows`, an iterator of
(line number, cells). Blank lines are skipped but counted, so a line number is the line Excel shows.
Errors are `ReaderError` with a code: bad_encoding, bad_file, empty, file_too_large.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
csv.field_size_limit(1024 * 1024)


class ReaderError(ValueError):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass
class Rows:
    headers: list[str]
    encoding: str
    rows: Iterator[tuple[int, list]]


def detect_encoding(path: str | Path) -> str:
    """The text encoding of a csv file: utf-8-sig, utf-16, utf-16-le/-be, utf-8 or gb18030."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        pairs = len(head) // 2
        if pairs >= 4:
            if head[1::2].count(0) * 10 >= pairs * 4:
                return "utf-16-le"
            if head[0::2].count(0) * 10 >= pairs * 4:
                return "utf-16-be"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        try:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            pass
        else:
            return "utf-8"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("gb18030")("strict")
        try:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise ReaderError("bad_encoding") from exc
    return "gb18030"


def _numbered(rows: Iterator[list], first_line: int) -> Iterator[tuple[int, list]]:
    line = first_line
    for cells in rows:
        line += 1
        if any(not (cell is None or (isinstance(cell, str) and not cell.strip())) for cell in cells):
            yield line, cells


def _numbered_text(rows: Iterator[list[str]], first_line: int) -> Iterator[tuple[int, list]]:
    """`_numbered` for csv rows, whose cells are all strings: a row is blank when its joined text is."""
    line = first_line
    for cells in rows:
        line += 1
        if "".join(cells).strip():
            yield line, cells


def _headers(cells: list) -> list[str]:
    headers = ["" if cell is None else str(cell).strip().lstrip("\ufeff") for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise ReaderError("empty")
    return headers


def _csv_rows(path: Path) -> Rows:
    encoding = detect_encoding(path)
    handle = open(path, encoding=encoding, newline="", errors="strict")  # noqa: SIM115 - closed by the generator
    sample = handle.read(4096)
    if "\x00" in sample:
        handle.close()
        raise ReaderError("bad_file")
    handle.seek(0)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(handle, dialect)
    try:
        first = next(reader, None)
    except csv.Error as exc:
        handle.close()
        raise ReaderError("bad_file", str(exc)) from exc
    if first is None:
        handle.close()
        raise ReaderError("empty")
    headers = _headers(first)

    def rows() -> Iterator[tuple[int, list]]:
        try:
            yield from _numbered_text(reader, 1)
        except csv.Error as exc:
            raise ReaderError("bad_file", str(exc)) from exc
        finally:
            handle.close()

    return Rows(headers=headers, encoding=encoding, rows=rows())


def check_xlsx_archive(source, size: int, limit: int = MAX_XLSX_UNCOMPRESSED) -> None:
    """Refuse an xlsx file (a path or a binary file object of `size` bytes) before anything is inflated:
    "bad_file" when it is no zip archive, "file_too_large" when its declared uncompressed size passes
    `limit` or expands more than MAX_COMPRESSION_RATIO times (a zip bomb). Every xlsx reader calls it."""
    try:
        with zipfile.ZipFile(source) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ReaderError("bad_file") from exc
    if declared > limit or declared > MAX_COMPRESSION_RATIO * max(size, 1):
        raise ReaderError("file_too_large")


def _xlsx_rows(path: Path) -> Rows:
    check_xlsx_archive(path, path.stat().st_size)
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        iterator = iter(sheet.iter_rows())
        first = next(iterator, None)
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise ReaderError("bad_file") from exc
    if first is None:
        raise ReaderError("empty")
    headers = _headers(list(first))
    return Rows(headers=headers, encoding="xlsx", rows=_numbered((list(r) for r in iterator), 1))


def open_rows(path: str | Path, filename: str = "") -> Rows:
    """Open a csv or xlsx file for streaming; see the module docstring."""
    path = Path(path)
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if not magic:
        raise ReaderError("empty")
    name = (filename or path.name).lower()
    if magic == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        return _xlsx_rows(path)
    if name.endswith(".xls"):
        raise ReaderError("bad_file", "xls")
    return _csv_rows(path)
