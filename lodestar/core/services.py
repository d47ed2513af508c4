"""Optimistic locking shared by every app's services: `check_version` and `bump_version`.

The writes of fiscal periods and company settings need people (only admins make them): they
live in `lodestar/org/periods_services.py`."""

from __future__ import annotations

from typing import Protocol

from django.utils.translation import gettext as _

from lodestar.core.errors import ConflictError


class Versioned(Protocol):
    """A record with an optimistic-lock `version` (a VersionedModel, or a model that carries the
    column without the timestamps, such as WebhookEndpoint)."""

    version: int


def check_version(obj: Versioned, version: int | None) -> None:
    """Refuse a write based on a stale copy of `obj` (optimistic locking).

    Only meaningful when `obj` was re-read with `select_for_update()` in the current transaction:
    otherwise a concurrent writer could commit between the comparison and the save."""
    if version is not None and version != obj.version:
        raise ConflictError(
            _("This record was changed by someone else. Reload it and apply your change again."),
            code="version_conflict",
            field="version",
        )


def bump_version(obj: Versioned) -> None:
    obj.version += 1
