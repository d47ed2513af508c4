"""Small helpers shared by the outcome services (improvement plans, feedback, appeals, composites)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.services import Actor
from lodestar.notifications.services import notify
from lodestar.org.models import Person
from lodestar.org.permissions import require_person

TEXT_LIMIT = 4000


def actor_person(actor: Actor) -> Person:
    """The person acting: outcome records name who wrote or decided them."""
    person = require_person(actor)
    if person is None:
        raise PermissionDeniedError(_("Your account is not linked to a person in the organisation."))
    return person


def clean_text(value: str | None, field: str, *, required: bool = False, limit: int = TEXT_LIMIT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(_("This field is required."), field=field, code="required")
    if len(value) > limit:
        raise ApplicationError(
            _("Enter at most %(max)s characters.") % {"max": limit}, field=field, code="too_long"
        )
    return value


def notify_on_commit(recipients: Iterable[Person | None], actor: Person | None, title: str, url: str) -> None:
    people = [p for p in recipients if p is not None]
    if people:
        transaction.on_commit(
            lambda: notify(recipients=people, actor=actor, verb="appraisal", title=title, url=url)
        )
