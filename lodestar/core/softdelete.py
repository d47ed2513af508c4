"""Marking a soft-deletable record deleted or restored, so that the history shows who and when.

The services of goals, items and check-ins call these inside their transaction, after their own
permission and rule checks; the figures that depend on the record are recomputed by the caller.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from lodestar.core.models import SoftDeletableModel

# Stored in simple-history's `history_change_reason`, so history pages can say "deleted"/"restored"
# rather than a bare "changed" (language-neutral codes: the pages translate them).
DELETED_REASON = "deleted"
RESTORED_REASON = "restored"


def _attribute_history(obj: SoftDeletableModel, actor, reason: str) -> None:
    # simple-history takes the user from the request (HistoryRequestMiddleware); services also run
    # outside a request (API tokens resolve the user late, commands, tests), so name it explicitly.
    if isinstance(actor, get_user_model()) and actor.pk is not None:
        obj._history_user = actor  # type: ignore[attr-defined]
    obj._change_reason = reason  # type: ignore[attr-defined]


def mark_deleted(obj: SoftDeletableModel, *, actor, person) -> None:
    """Hide `obj` from every default manager; its links (RACI, dependencies, check-ins) are kept."""
    obj.deleted_at = timezone.now()
    obj.deleted_by = person
    if hasattr(obj, "version"):
        obj.version += 1  # an edit form opened before the delete must not save over it
    _attribute_history(obj, actor, DELETED_REASON)
    obj.save()


def mark_restored(obj: SoftDeletableModel, *, actor) -> None:
    obj.deleted_at = None
    obj.deleted_by = None
    if hasattr(obj, "version"):
        obj.version += 1
    _attribute_history(obj, actor, RESTORED_REASON)
    obj.save()
