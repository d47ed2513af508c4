"""The shape of a seeds' table in a spreadsheet: its columns, their headers in both languages, formats.

A table (goals, items, check-ins …) is a `TableSpec`: a declaration of `Column`s in the seed's order (the
Chinese headers exactly as DOMAIN.md's templates write them), then the columns Lodestar adds (department,
kind …), then two hidden columns, the record's id and its version, which let an edited file find its
records again and notice a record changed in the app since the export. The writer (xlsx_writer.py) and the
reader (xlsx_reader.py) know nothing of goals or items: they work from the spec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import get_language

# Number formats Excel, WPS and LibreOffice all show the same way.
TEXT = "@"
YUAN = '#,##0.00" 元"'
PERCENT = "0.00%"
DATE = "yyyy-mm-dd"
INTEGER = "0"
DECIMAL = "#,##0.####"

ID_KEY = "id"
VERSION_KEY = "version"


@dataclass(frozen=True)
class Column:
    """One column: `key` is what rows are keyed by; `zh`/`en` the headers; `help` the explanation sheet's
    line (translatable); `number_format` an Excel format; `choices` a callable giving the allowed values
    (a data-validation list); `read_only` columns are exported for reading and ignored on import;
    `hidden` columns are the id and version; `width` in Excel's character units."""

    key: str
    zh: str
    en: str
    help: str | Promise = ""
    width: float = 14
    number_format: str | None = None
    choices: Callable[[], list[str]] | None = None
    read_only: bool = False
    hidden: bool = False
    required: bool = False

    def header(self, language: str) -> str:
        return self.en if language.startswith("en") else self.zh


@dataclass(frozen=True)
class TableSpec:
    """A table: its API name (`goals`), its titles, its columns in file order."""

    name: str
    title_zh: str
    title_en: str
    columns: tuple[Column, ...]
    help: str | Promise = ""
    sheet_zh: str = "数据"
    sheet_en: str = "Data"
    extra: dict = field(default_factory=dict)

    def title(self, language: str) -> str:
        return self.title_en if language.startswith("en") else self.title_zh

    def headers(self, language: str) -> list[str]:
        return [column.header(language) for column in self.columns]

    def header_lookup(self) -> dict[str, str]:
        """Every accepted header (Chinese or English, case and spaces ignored) → the column key: a file
        exported in English imports for a Chinese reader and the other way round."""
        lookup: dict[str, str] = {}
        for column in self.columns:
            for text in (column.zh, column.en):
                lookup[header_key(text)] = column.key
        return lookup


def normal_header(text: object) -> str:
    """A header as compared: no spaces, no full-width forms, lower case, without a trailing asterisk
    (some templates mark required columns with one)."""
    import unicodedata

    value = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return "".join(value.split()).lower().rstrip("*")


def header_key(text: object) -> str:
    """A header as matched: `normal_header` without an explanation in brackets, as the seeds write them
    ("目标类型(如销售额/用户增长/品牌曝光)" is 目标类型)."""
    value = normal_header(text)
    if value.endswith(")") and "(" in value:
        value = value[: value.rindex("(")]
    return value


def current_language(language: str | None = None) -> str:
    """The language a file is written in: the one asked for, else the request's, else Chinese."""
    value = language or get_language() or "zh-hans"
    return "en" if value.lower().startswith("en") else "zh-hans"


# Characters that make a spreadsheet treat a typed cell as a formula (OWASP "CSV injection"); a tab or a
# carriage return in front hides one from a quick look.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)
