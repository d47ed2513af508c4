"""The freeze rule of a period close — its one home (DOMAIN.md §4: results are frozen at the close).

A goal is frozen when its period is closed as a whole (`Period.is_closed`), or when an active (not
reopened) `PeriodClosing` of its period covers its department: the closing's department is the goal's
department or one of its ancestors (`Department.path`). Every write service of goals, tracking and
execution asks `check_goal_period_open` (or `check_period_open` before a goal exists), and the `{% may %}`
checks for editing goals and items ask `goal_is_frozen`, so pages hide what the API would refuse with
`422 period_closed`.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError
from lodestar.core.models import Period
from lodestar.goals.models import Goal, PeriodClosing
from lodestar.org.models import Department


def _ancestor_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def covering_closings(period_id: int, department: Department | None):
    """Active closings of the period that cover `department` (whole-period closings always do)."""
    q = Q(department__isnull=True)
    if department is not None:
        q |= Q(department_id__in=_ancestor_ids(department.path) or [department.pk])
    return PeriodClosing.objects.filter(q, period_id=period_id, reopened_at__isnull=True)


def period_frozen_for(period: Period, department: Department | None = None) -> bool:
    """Whether writes into `period` (for goals of `department`) are refused.

    Reads the database, not the caller's copy of the period, which may be older than a close."""
    if Period.objects.filter(pk=period.pk, is_closed=True).exists():
        return True
    return covering_closings(period.pk, department).exists()


def goal_is_frozen(goal: Goal | None) -> bool:
    """Whether a goal's figures, measures, check-ins, items and adjustments are read-only now.

    Cached on the goal object for the request (pages ask it once per control)."""
    if goal is None:
        return False
    cached = getattr(goal, "_frozen_cache", None)
    if cached is None:
        cached = period_frozen_for(goal.period, goal.department)
        goal._frozen_cache = cached  # type: ignore[attr-defined]
    return cached


def _refusal(period: Period, field: str) -> ApplicationError:
    return ApplicationError(
        _("The period %(name)s is closed: its goals can no longer be changed.") % {"name": period.label},
        code="period_closed",
        field=field,
    )


def check_period_open(
    period: Period, *, department: Department | None = None, field: str = "period_id"
) -> None:
    """Refuse (422 `period_closed`) a write into a closed period, or into the closed part of it that
    covers `department`."""
    if period_frozen_for(period, department):
        raise _refusal(period, field)


def check_goal_period_open(goal: Goal | None, *, field: str = "period_id") -> None:
    """Refuse (422 `period_closed`) a write that touches a frozen goal (not cached: services read fresh)."""
    if goal is not None and period_frozen_for(goal.period, goal.department):
        raise _refusal(goal.period, field)


def frozen_goal_ids(goals) -> set[int]:
    """The ids of the given goals that are frozen: two queries (three when department closes exist)."""
    goals = [g for g in goals if g is not None]
    if not goals:
        return set()
    period_ids = {g.period_id for g in goals}
    closed_periods = set(
        Period.objects.filter(pk__in=period_ids, is_closed=True).values_list("pk", flat=True)
    )
    closings = list(
        PeriodClosing.objects.filter(period_id__in=period_ids, reopened_at__isnull=True).values_list(
            "period_id", "department_id"
        )
    )
    paths: dict[int, str] = {}
    if any(d is not None for _p, d in closings):
        paths = dict(
            Department.objects.filter(pk__in={g.department_id for g in goals}).values_list("pk", "path")
        )
    frozen = set()
    for goal in goals:
        if goal.period_id in closed_periods:
            frozen.add(goal.pk)
            continue
        ancestors = set(_ancestor_ids(paths.get(goal.department_id, ""))) | {goal.department_id}
        if any(p == goal.period_id and (d is None or d in ancestors) for p, d in closings):
            frozen.add(goal.pk)
    return frozen
