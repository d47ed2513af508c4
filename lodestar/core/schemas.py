"""Schemas shared by every API router: errors and list pages."""

from __future__ import annotations

from ninja import Schema


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


# The largest id a database integer column holds; bigger query values are refused (422) rather than
# overflowing the database driver.
MAX_ID = 2**63 - 1


def page_of(queryset, *, page: int, page_size: int) -> tuple[list, int]:
    """Slice a queryset into one page; returns (items, total count)."""
    count = queryset.count()
    offset = (page - 1) * page_size
    return list(queryset[offset : offset + page_size]), count
