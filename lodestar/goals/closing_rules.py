"""The freeze rule of a period close — its one home (DOMAIN.md §4: results are frozen at the close).

A goal is frozen when its period is closed as a whole (`Period.is_closed`), or when an active (not
reopened) `PeriodClosing` of its period covers its department: the closing's department is the goal's
department or one of its ancestors (`Department.path`). Every write service of goals, tracking and
execution asks `check_goal_period_open` (or `check_period_open` before a goal exists), and the `{% may %}`
checks for editing goals and items ask `goal_is_frozen`, so pages hide what the API would refuse with
`422 period_closed`.
"""

from __future__ import annotations

from django.db.models import CharField, Exists, ExpressionWrapper, F, OuterRef, Q
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


def frozen_goal_q(prefix: str = "") -> Q:
    """Q on goals (or on rows reaching a goal through `prefix`, e.g. "goal__") that are frozen: their
    period is closed, or an active close of their period covers their department (the close's department
    path is a prefix of theirs). One subquery, so lists ask it for all their goals in one query."""
    closings = (
        PeriodClosing.objects.filter(period_id=OuterRef(f"{prefix}period_id"), reopened_at__isnull=True)
        .annotate(
            goal_path=ExpressionWrapper(OuterRef(f"{prefix}department__path"), output_field=CharField())
        )
        .filter(Q(department__isnull=True) | Q(goal_path__startswith=F("department__path")))
    )
    return Q(**{f"{prefix}period__is_closed": True}) | Q(Exists(closings))


def period_frozen_for(period: Period, department: Department | None = None) -> bool:
    """Whether writes into `period` (for goals of `department`) are refused, in one query.

    Reads the database, not the caller's copy of the period, which may be older than a close."""
    closings = covering_closings(period.pk, department)
    return Period.objects.filter(Q(is_closed=True) | Q(Exists(closings)), pk=period.pk).exists()


def _goal_frozen_now(goal: Goal) -> bool:
    return Goal.all_objects.filter(frozen_goal_q(), pk=goal.pk).exists()


def goal_is_frozen(goal: Goal | None) -> bool:
    """Whether a goal's figures, measures, check-ins, items and adjustments are read-only now.

    Cached on the goal object for the request (pages ask it once per control)."""
    if goal is None:
        return False
    cached = getattr(goal, "_frozen_cache", None)
    if cached is None:
        cached = _goal_frozen_now(goal)
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
    if goal is not None and _goal_frozen_now(goal):
        raise _refusal(goal.period, field)


def frozen_goal_ids(goals) -> set[int]:
    """The ids of the given goals that are frozen, in one query (none for no goals); each goal object
    keeps the answer for `goal_is_frozen`."""
    goals = [g for g in goals if g is not None]
    if not goals:
        return set()
    frozen = set(
        Goal.all_objects.filter(frozen_goal_q(), pk__in={g.pk for g in goals}).values_list("pk", flat=True)
    )
    for goal in goals:
        goal._frozen_cache = goal.pk in frozen  # type: ignore[attr-defined]
    return frozen
