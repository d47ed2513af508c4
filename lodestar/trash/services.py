"""Restoring a deleted record: each kind through its own app's restore service."""

from __future__ import annotations

from lodestar.core.services import Actor
from lodestar.execution.models import ActionItem
from lodestar.execution.services import item_restore
from lodestar.goals.models import Goal
from lodestar.goals.services import goal_restore
from lodestar.knowledge.models import Case, Sop
from lodestar.knowledge.services import case_restore, sop_restore
from lodestar.tracking.models import CheckIn
from lodestar.tracking.services import checkin_restore


def restore(user: Actor, *, kind: str, record_id: int) -> Goal | ActionItem | CheckIn | Case | Sop:
    """Restore one deleted record through its service (each checks admin and its own rules)."""
    if kind == "goal":
        return goal_restore(actor=user, goal_id=record_id)
    if kind == "item":
        return item_restore(actor=user, item_id=record_id)
    if kind == "case":
        return case_restore(actor=user, case_id=record_id)
    if kind == "sop":
        return sop_restore(actor=user, sop_id=record_id)
    return checkin_restore(actor=user, checkin_id=record_id)
