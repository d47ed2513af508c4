"""Writing to people's inboxes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils import timezone

from lodestar.notifications.models import Notification

if TYPE_CHECKING:
    from lodestar.org.models import Person


def notify(
    *, recipients: Iterable[Person | None], actor: Person | None, verb: str, title: str, url: str = ""
) -> int:
    """Create one notification per recipient (never to the actor themself, empty slots skipped); returns how many."""
    rows = [
        Notification(recipient=person, actor=actor, verb=verb, title=title[:300], url=url[:300])
        for person in {p.pk: p for p in recipients if p is not None}.values()
        if actor is None or person.pk != actor.pk
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def mark_read(*, person: Person, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=person, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
