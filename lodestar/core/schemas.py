"""Schemas shared by every API router: errors and list pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, WithJsonSchema


class ErrorItemOut(Schema):
    code: str
    message: str
    field: str | None = None
    row: int | None = None


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    errors: list[ErrorItemOut] = []


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
