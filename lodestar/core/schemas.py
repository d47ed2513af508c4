"""Schemas shared by every API router: errors and list pages."""

from __future__ import annotations

import datetime as dt
import re
import types
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError, PydanticKnownError


class ErrorItemOut(Schema):
    code: str
    message: str
    field: str | None = None
    row: int | None = None
    detail: dict[str, Any] = Field(
        default_factory=dict,
        description="Facts about this item a client can act on, keyed by name (ids end in `_id`); which keys "
        "appear depends on `code` (e.g. `unscored`: `appraisal_id`, `person_id`; `already_appraised`: "
        "`person_id`, `cycle_id`). Always an object, "
        "empty when the item has none.",
    )


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    errors: list[ErrorItemOut] = []


# The dates the API takes: ISO 8601 calendar dates (`2024-07-01`) of the years 1900–2999. Pydantic alone
# would also read `0` or `86400` as a date (seconds since 1970) and take any year from 1; the document
# (config/api.py adds this pattern to every `format: date`) and the server enforce the same thing.
DATE_PATTERN = r"^(19[0-9]{2}|2[0-9]{3})-[0-9]{2}-[0-9]{2}$"
_DATE_RE = re.compile(DATE_PATTERN)

# Decimal strings as API.md writes them ("5000000.00", "-3", "0.25"): no exponent, spaces or "NaN".
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
_DECIMAL_RE = re.compile(DECIMAL_PATTERN)
NON_NEGATIVE_DECIMAL_PATTERN = r"^[0-9]+(\.[0-9]+)?$"


def _plain(annotation):
    """The annotation without `Annotated[...]` and `| None`; None when it is a union of several types."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(args) != 1:
                return None
            annotation = args[0]
        else:
            return annotation


def check_date_text(value) -> None:
    """Refuse a date that is not written `YYYY-MM-DD` with a year from 1900 to 2999."""
    if isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value
    else:
        raise PydanticKnownError("date_type")
    if not _DATE_RE.match(text):
        raise PydanticCustomError(
            "date_format", "Give a date as YYYY-MM-DD between 1900-01-01 and 2999-12-31", {}
        )


def check_json_type(annotation, value) -> None:
    """Refuse a JSON value whose type is not the one the document declares for `annotation`.

    Pydantic's lax mode reads "5" as 5, "yes" as true and 86400 as a date; the OpenAPI document says
    integer, boolean and a date string, so the server must refuse them (422) rather than guess.
    Decimals stay lenient: the document declares them as a number or a decimal string.
    """
    if value is None:
        return
    annotation = _plain(annotation)
    if annotation is None or annotation is Any:
        return
    origin = get_origin(annotation)
    if origin is list:
        if isinstance(value, list):
            (item,) = get_args(annotation) or (Any,)
            for element in value:
                check_json_type(item, element)
        return
    if origin is Literal:
        return
    if annotation is bool:
        if not isinstance(value, bool):
            raise PydanticKnownError("bool_type")
    elif annotation is int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PydanticKnownError("int_type")
    elif annotation is Decimal or annotation is float:
        if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
            raise PydanticKnownError("decimal_type")
        if isinstance(value, str) and not _DECIMAL_RE.match(value):
            raise PydanticKnownError("decimal_parsing")
    elif annotation is dt.datetime:
        if not isinstance(value, (str, dt.datetime)):
            raise PydanticKnownError("datetime_type")
    elif annotation is dt.date:
        check_date_text(value)
    elif annotation is dt.time and not isinstance(value, (str, dt.time)):
        raise PydanticKnownError("time_type")


class InputSchema(Schema):
    """A request body (POST/PUT/PATCH): exactly the declared fields, in the declared JSON types.

    An unknown field is refused with 422 `unknown_field` naming it (a typo such as `targte` must not
    be ignored while the version goes up); the OpenAPI document says `additionalProperties: false`.
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _declared_json_type(cls, value, info: ValidationInfo):
        field = cls.model_fields.get(info.field_name or "")
        if field is not None:
            check_json_type(field.annotation, value)
        return value


class FilterSchema(Schema):
    """List filters from the query string: dates must be written YYYY-MM-DD (not `0` for 1970-01-01)."""

    @field_validator("*", mode="before")
    @classmethod
    def _declared_date_format(cls, value, info: ValidationInfo):
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and value not in (None, "") and _plain(field.annotation) is dt.date:
            check_date_text(value)
        return value


# Every app's lists take this one PageIn: the OpenAPI document names components by class name alone, so
# a second `PageIn` elsewhere would silently replace this one in the document.
class PageIn(FilterSchema):
    """A page of a list: `page` from 1, `page_size` from 1 to 500."""

    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


# The error statuses an endpoint can answer with, for `response={...}` declarations.
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
LIST_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _without_offset(value: dt.time) -> dt.time:
    # Pydantic reads a number as seconds since midnight UTC and keeps a given offset; the database
    # columns hold local wall-clock times (SQLite refuses aware times with a 500).
    if value.tzinfo is not None:
        raise ValueError(_("Give a local time without a UTC offset, e.g. 16:00."))
    return value


# A Decimal that may not be negative, documented as such for both JSON forms: the string form is
# DECIMAL_PATTERN without its minus sign (pydantic's own schema lets the string carry a sign that
# `ge=0` or `check_json_type` then refuses).
NonNegativeDecimal = Annotated[
    Decimal,
    Field(ge=0),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": NON_NEGATIVE_DECIMAL_PATTERN},
            ]
        }
    ),
]

# A wall-clock time such as "16:00" or "16:00:00". JSON Schema's `format: time` is RFC 3339's full-time,
# which requires a UTC offset that these local times never carry, so the document gives the real shape.
LocalTime = Annotated[
    dt.time,
    AfterValidator(_without_offset),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "example": "16:00",
        }
    ),
]


# The largest id a database integer column holds; bigger query values are refused (422) rather than
# overflowing the database driver.
MAX_ID = 2**63 - 1


def page_of(queryset, *, page: int, page_size: int) -> tuple[list, int]:
    """Slice a queryset into one page; returns (items, total count)."""
    count = queryset.count()
    offset = (page - 1) * page_size
    return list(queryset[offset : offset + page_size]), count


def page_out(queryset, page: int, page_size: int) -> dict:
    """A list endpoint's answer (API.md: `{"items", "count", "page", "page_size"}`)."""
    items, count = page_of(queryset, page=page, page_size=page_size)
    return {"items": items, "count": count, "page": page, "page_size": page_size}
