"""Turning the `*_id` fields of an API payload into records, with errors that name the payload's field.

Every router fetches referenced records through an app's access helper (`access_person`,
`access_goal`, …). Those helpers name their own field (`person_id`); a payload's integrator needs
the field they sent (`owner_id`, `responsible_ids`), so the 404 is relabelled here, in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, NotFound


def on_field[T](field: str, fetch: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call an access helper; a 404 names the request's field (`owner_id`, not `person_id`)."""
    try:
        return fetch(*args, **kwargs)
    except NotFound as exc:
        exc.field = field
        raise


def optional_ref[T](field: str, fetch: Callable[..., T], user: Any, pk: int | None) -> T | None:
    """`on_field` for a reference that may be null (null stays None)."""
    return on_field(field, fetch, user, pk) if pk is not None else None


def require_values(data: dict, fields: Iterable[str]) -> None:
    """A PATCH may not set these fields to null (the model has no empty value for them)."""
    for field in fields:
        if field in data and data[field] is None:
            raise ApplicationError(_("This field cannot be empty."), field=field, code="required")
