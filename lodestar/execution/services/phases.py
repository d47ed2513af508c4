"""Phases of a plan (预热期, 爆发期, 返场期)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.services import Actor, validated_save
from lodestar.execution.access import can_plan_in
from lodestar.execution.models import Phase
from lodestar.execution.services.common import check_dates
from lodestar.goals.models import Goal
from lodestar.org.models import Department

# --- phases and recurring items ------------------------------------------------------------


DEFAULT_PHASES = ("预热期", "爆发期", "返场期")


@transaction.atomic
def phase_create(
    *,
    actor: Actor,
    department: Department,
    name: str,
    goal: Goal | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Phase:
    if not can_plan_in(actor, department):
        raise PermissionDeniedError(
            _("You can plan items in your own department or in departments you manage.")
        )
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Name the phase."), field="name", code="required")
    check_dates(start, end)
    return validated_save(
        Phase(
            department=department,
            goal=goal,
            name=name[:60],
            start=start,
            end=end,
            sort_order=Phase.objects.filter(department=department, goal=goal).count(),
        )
    )
