"""Shared by every app's services: optimistic locking (`check_version`, `bump_version`) and the one way a
new record is validated before it is saved (`validated`, `validated_save`).

The writes of fiscal periods and company settings need people (only admins make them): they
live in `lodestar/org/periods_services.py`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, ConflictError

# Who calls a service: the request's user (None for the worker and the seeds).
type Actor = AbstractBaseUser | None


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


def validated[M: models.Model](
    instance: M, *, exclude: Iterable[str] = (), validate_constraints: bool = True
) -> M:
    """`full_clean()` a new record before it is saved (every create validates; rows for
    `bulk_create` pass through here one by one).

    A foreign key that already holds a loaded object is not fetched again (Django's check is one
    query per key, and the object in hand is the proof). A `ValidationError` the service's own
    checks missed becomes an `ApplicationError` on its field rather than a 500. Where a service
    has already checked a constraint with its own message, `validate_constraints=False` leaves
    the database constraint as the backstop (each check would cost a query)."""
    opts = instance._meta
    loaded = [
        f.name
        for f in opts.concrete_fields
        if f.is_relation and f.is_cached(instance)  # type: ignore[attr-defined]
    ]
    try:
        instance.full_clean(exclude=[*exclude, *loaded], validate_constraints=validate_constraints)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        field_name = None if field == NON_FIELD_ERRORS else field
        if field_name is not None and opts.get_field(field_name).is_relation:
            field_name = f"{field_name}_id"
        raise ApplicationError(" ".join(messages), code="invalid", field=field_name) from exc
    return instance


def validated_save[M: models.Model](
    instance: M, *, exclude: Iterable[str] = (), validate_constraints: bool = True
) -> M:
    """Create a record the one way: `validated()`, then `save()`."""
    validated(instance, exclude=exclude, validate_constraints=validate_constraints)
    instance.save()
    return instance
