"""Reading the figures and dates people type into spreadsheets (plain functions, no Django).

Every import (platform metrics, the seeds' tables) reads cells through these two functions, so "933,940",
"12.5万", "3.2%" and "2031年7月1日" mean the same thing everywhere. A cell that cannot be read raises
`CellError` with a machine-readable `code`:

- ``empty``            nothing in the cell (or only spaces);
- ``not_available``    a placeholder for a missing figure: N/A, NA, #N/A, -, --, 无, 暂无, null …;
- ``not_a_number``     text that is not a number;
- ``not_a_date``       text that is not a date in a known shape;
- ``impossible_date``  a date shape with an impossible day (2031/2/30, month 13) or a serial out of range.

Numbers (`parse_number`):
- full-width digits, signs, commas and points (Excel on Chinese Windows, IME input) are read as ASCII;
- thousands separators: "933,940", "1,234,567.5" (a comma must separate groups of three digits);
- a leading minus or plus, a trailing minus ("123-" as some finance exports write), or parentheses
  "(1,234)" for a negative figure;
- the suffixes 万 (×10,000) and 亿 (×100,000,000): "12.5万" → 125000;
- percent and per mille: "3.2%" → 0.032, "5‰" → 0.005. **Rates are stored as fractions**, the way
  Lodestar keeps every rate (API.md "Numbers": 96% is "0.9600"). A metric whose unit is "%" shows its
  points ×100 on the pages; the stored value is always the fraction, so a file with "3.2%" and a file with
  "0.032" in the same column import the same value;
- a value already read by the spreadsheet library (int, float, Decimal) is taken as it is (floats through
  their shortest repr, so 0.1 stays 0.1).

Dates (`parse_date`):
- 2031/7/1, 2031-07-01, 2031.7.1, 2031年7月1日 (an optional time after the date is ignored:
  "2031/7/1 0:00:00" as Excel writes a date cell to csv);
- Excel serial dates, as numbers (an xlsx cell without a date format) or as text ("47299"): days since
  1899-12-30 in the 1900 date system (the serial 60, Excel's phantom 1900-02-29, is refused);
- date and datetime objects (an xlsx date cell read by calamine).

Fast paths: a platform export has millions of cells, nearly all plain ASCII ("933,940.12", "1234", "3.50%",
"2031/7/1"). Those shapes are read without the normalising of the general path; each fast path gives exactly
what the general path gives for the same text (`parse_number_general`, `parse_date_general`; a hypothesis
test in lodestar/core/tests/test_parsing.py holds them equal). Anything else takes the general path.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

__all__ = [
    "CellError",
    "is_blank",
    "parse_date",
    "parse_date_general",
    "parse_number",
    "parse_number_general",
]

NOT_AVAILABLE = frozenset(
    {
        "n/a",
        "na",
        "#n/a",
        "n.a.",
        "-",
        "--",
        "—",
        "——",
        "/",
        "null",
        "none",
        "nan",
        "无",
        "暂无",
        "空",
        "#value!",
        "#div/0!",
    }
)
_WAN = Decimal(10_000)
_YI = Decimal(100_000_000)
_SUFFIXES = {"万": _WAN, "亿": _YI, "%": Decimal("0.01"), "‰": Decimal("0.001")}
_PLAIN = re.compile(r"^[0-9]+(\.[0-9]*)?$|^\.[0-9]+$")
_GROUPED = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$")
# Excel's serials: 1 is 1900-01-01; 2958465 is 9999-12-31. We accept the years 1900–2999.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_MIN, _SERIAL_MAX = 61, 401768  # 1900-03-01 … 2999-12-31
_DATE_SHAPES = (
    re.compile(r"^(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
)
_SERIAL_TEXT = re.compile(r"^\d{2,6}(\.0+)?$")
# Fast paths, ASCII only, one match: a plain number "-1234.5" (group 1), grouped thousands "933,940.12"
# (group 2), a plain percentage "3.50%" (group 3).
_FAST_NUMBER = re.compile(
    r"(-?[0-9]+(?:\.[0-9]+)?)\Z|([0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?)\Z|([0-9]+(?:\.[0-9]*)?)%\Z"
)
_FAST_DATE = re.compile(r"([0-9]{4})[/\-.]([0-9]{1,2})[/\-.]([0-9]{1,2})\Z")
_PERCENT = _SUFFIXES["%"]
# At most 28 characters, so at most 28 digits: the general path's `Decimal(text) * factor` then rounds nothing
# (the default context keeps 28 digits), and the fast paths need not multiply by 1.
_FAST_MAX = 28


class CellError(ValueError):
    """A cell that cannot be read; `code` says why (see the module docstring)."""

    def __init__(self, code: str, text: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.text = text


def _normal(value: str) -> str:
    # NFKC folds full-width digits, letters, "，", "．", "－", "％" to their ASCII forms.
    return unicodedata.normalize("NFKC", value).strip().replace("\u00a0", "").replace(" ", "")


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_number(value: object) -> Decimal:
    """A cell as a Decimal (rates as fractions); raises CellError (empty, not_available, not_a_number)."""
    if type(value) is str and len(value) <= _FAST_MAX:
        match = _FAST_NUMBER.match(value)
        if match is not None:
            shape = match.lastindex
            if shape == 1:
                return Decimal(value)
            if shape == 2:
                return Decimal(value.replace(",", ""))
            return Decimal(match[3]) * _PERCENT
    return parse_number_general(value)


def parse_number_general(value: object) -> Decimal:
    """`parse_number` without the fast paths: every shape the module docstring lists."""
    if isinstance(value, bool):
        raise CellError("not_a_number", str(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError("not_a_number", repr(value))
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise CellError("not_a_number", str(value))
        return value
    if is_blank(value):
        raise CellError("empty")
    original = str(value)
    text = _normal(original)
    if text.lower() in NOT_AVAILABLE:
        raise CellError("not_available", original)
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    factor = Decimal(1)
    if text and text[-1] in _SUFFIXES:
        factor, text = _SUFFIXES[text[-1]], text[:-1]
        if text and text[-1] in ("万", "亿") and factor in (_WAN, _YI):  # 万亿
            factor, text = factor * _SUFFIXES[text[-1]], text[:-1]
    if text.startswith(("-", "+")):
        negative, text = negative != (text[0] == "-"), text[1:]
    elif text.endswith("-") and len(text) > 1:
        negative, text = not negative, text[:-1]
    if _GROUPED.match(text):
        text = text.replace(",", "")
    elif not _PLAIN.match(text):
        raise CellError("not_a_number", original)
    try:
        number = Decimal(text) * factor
    except InvalidOperation as exc:  # pragma: no cover - the patterns above admit only valid decimals
        raise CellError("not_a_number", original) from exc
    return -number if negative else number


def date_from_serial(serial: float | int | Decimal) -> dt.date:
    """An Excel serial date (1900 date system) as a date; raises CellError(impossible_date)."""
    whole = int(serial)
    if whole != serial and (serial - whole) < 0:  # pragma: no cover - negative fractions refused below
        whole -= 1
    if not _SERIAL_MIN <= whole <= _SERIAL_MAX:
        raise CellError("impossible_date", str(serial))
    return _EXCEL_EPOCH + dt.timedelta(days=whole)


def parse_date(value: object) -> dt.date:
    """A cell as a date; raises CellError (empty, not_available, not_a_date, impossible_date)."""
    if type(value) is str and value.strip():
        return _date_from_text(value)
    return parse_date_general(value)


def parse_date_general(value: object) -> dt.date:
    """`parse_date` without the fast paths."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellError("not_a_date", str(value))
    if isinstance(value, (int, float, Decimal)):
        if isinstance(value, float) and value != value:
            raise CellError("not_a_date", repr(value))
        return date_from_serial(value)
    if is_blank(value):
        raise CellError("empty")
    return _date_from_text_general(str(value))


@functools.lru_cache(maxsize=4096)
def _date_from_text(original: str) -> dt.date:
    """Text dates, cached: an export repeats each date once per channel. 2031/7/1 and 2031-07-01 in ASCII
    are read directly (NFKC leaves ASCII as it is, and the shape has no spaces to strip)."""
    match = _FAST_DATE.match(original)
    if match is None:
        return _date_from_text_general(original)
    year, month, day = int(match[1]), int(match[2]), int(match[3])
    if not 1900 <= year <= 2999:
        raise CellError("impossible_date", original)
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise CellError("impossible_date", original) from exc


def _date_from_text_general(original: str) -> dt.date:
    text = unicodedata.normalize("NFKC", original).strip()
    if text.lower() in NOT_AVAILABLE:
        raise CellError("not_available", original)
    for shape in _DATE_SHAPES:
        match = shape.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            if not 1900 <= year <= 2999:
                raise CellError("impossible_date", original)
            try:
                return dt.date(year, month, day)
            except ValueError as exc:
                raise CellError("impossible_date", original) from exc
    if _SERIAL_TEXT.match(text):
        return date_from_serial(int(Decimal(text)))
    raise CellError("not_a_date", original)
