"""Errors raised by services and access helpers, mapped to form errors (HTML) and JSON (API).

The API maps them to `{"code", "message", "field", "errors"}` (see config/api.py);
HTML views add them to the form (`form.add_error(field, message)`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


class ApplicationError(Exception):
    """A rule was broken; `status` is the HTTP status the API answers with."""

    status = 422
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        errors: list[ErrorItem] | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.errors = errors or []


@dataclass
class ErrorItem:
    """One problem of several (a row of an import, an appraisal blocking a publish).

    `extra` holds facts a client can act on, keyed by API field names (`{"appraisal_id": 12}`); the API
    sends it as the item's `detail` object.
    """

    code: str
    message: str
    field: str | None = None
    row: int | None = None
    extra: dict = dataclasses.field(default_factory=dict)


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class PermissionDeniedError(ApplicationError):
    status = 403
    code = "permission_denied"


class ConflictError(ApplicationError):
    """A stale `version` or a state that does not allow the change."""

    status = 409
    code = "conflict"
