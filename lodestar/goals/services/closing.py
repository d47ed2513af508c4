"""Period close: freeze a period's goals (or one department's), snapshot their figures, reopen with a reason.

DOMAIN.md §4: retrospective figures come from the period's snapshot, so later reports never recompute a
closed period from data that changed since. The freeze rule itself lives in `goals/closing_rules.py`.

Forecasts are computed by tracking (above goals, it owns the check-in series). Tracking registers a
bulk forecaster here in its `AppConfig.ready()` (`register_forecaster`): the snapshot rows are then
written once, complete, in one `bulk_create`, and goals never import tracking. Without tracking (or for
a measure without check-ins) the forecast stays empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.models import Period
from lodestar.core.services import Actor
from lodestar.goals import domain
from lodestar.goals.closing_rules import covering_closings
from lodestar.goals.models import (
    Goal,
    GoalStatus,
    Measure,
    PeriodClosing,
    Snapshot,
    SnapshotKind,
    TargetAdjustment,
)
from lodestar.goals.rollup import SIX_PLACES, figures_of
from lodestar.goals.services.common import actor_person
from lodestar.goals.signals import period_closed
from lodestar.org.models import Department
from lodestar.org.periods_services import period_set_closed
from lodestar.org.permissions import can_write, is_admin, manages_department, require_admin

# measures → {measure_id: (expected value at the period end, probability of reaching the base target)}
type Forecaster = Callable[[list[Measure]], dict[int, tuple[Decimal | None, Decimal | None]]]

_forecaster: Forecaster | None = None


def register_forecaster(forecaster: Forecaster | None) -> None:
    """Tracking hands its bulk forecast here (AppConfig.ready); None removes it (tests)."""
    global _forecaster
    _forecaster = forecaster


# --- scope -----------------------------------------------------------------------------------


def goals_in_scope(period: Period, department: Department | None = None) -> QuerySet[Goal]:
    """The live goals a close of `period` (for `department` and its sub-departments) freezes."""
    goals = Goal.objects.filter(period=period)
    if department is not None:
        goals = goals.filter(department__path__startswith=department.path)
    return goals


def pending_adjustments(period: Period, department: Department | None = None) -> QuerySet[TargetAdjustment]:
    return TargetAdjustment.objects.filter(
        goal__in=goals_in_scope(period, department), status=TargetAdjustment.Status.PENDING
    )


def closable_departments(actor: Actor) -> QuerySet[Department]:
    """Departments whose goals the actor may close: an admin any, a manager those they manage (subtrees)."""
    departments = Department.objects.filter(is_active=True)
    if is_admin(actor):
        return departments
    from lodestar.org.permissions import managed_paths, subtree_q

    return departments.filter(subtree_q(managed_paths(actor)))


def can_close(actor: Actor, department: Department | None = None) -> bool:
    if is_admin(actor):
        return True
    return department is not None and can_write(actor) and manages_department(actor, department)


def can_reopen(actor: Actor) -> bool:
    return is_admin(actor)


# --- snapshots -------------------------------------------------------------------------------


def _q(value: Decimal | None) -> Decimal | None:
    return value.quantize(SIX_PLACES) if value is not None else None


def _original_achievement(measure: Measure) -> Decimal | None:
    if measure.current is None or measure.original_target is None:
        return None
    return _q(
        domain.achievement_rate(
            measure.current,
            measure.original_target,
            domain.Direction(measure.direction),
            measure.range_max,
            measure.baseline,
        )
    )


def snapshot_rows(
    goals: Iterable[Goal],
    *,
    kind: str,
    taken_at: dt.datetime,
    week: dt.date | None = None,
    closing: PeriodClosing | None = None,
) -> list[Snapshot]:
    """Unsaved snapshot rows of the goals (measures prefetched as `measures`): one per measure, or
    one for a goal without measures. Figures are those the pages show now (the roll-up's stored
    achievement and progress, the goal's health); the achievement against the original target is
    computed with the same domain function (DOMAIN.md: 480万 of 500万 → 96%, of 450万 → 106.67%)."""
    goals = list(goals)
    measures = [m for g in goals for m in g.measures.all()]
    for goal in goals:
        for measure in goal.measures.all():
            measure.goal = goal  # the forecaster reads the goal's period without a query per measure
    forecasts = _forecaster(measures) if _forecaster is not None and measures else {}
    rows = []
    for goal in goals:
        common = {
            "goal": goal,
            "period_id": goal.period_id,
            "kind": kind,
            "closing": closing,
            "taken_at": taken_at,
            "week": week,
            "goal_name": goal.name,
            "goal_achievement_rate": goal.achievement_rate,
            "goal_achievement_rate_uncapped": goal.achievement_rate_uncapped,
            "health": goal.health or "",
        }
        goal_measures = list(goal.measures.all())
        if not goal_measures:
            rows.append(Snapshot(**common, achievement_rate=goal.achievement_rate, progress=goal.progress))
            continue
        for measure in goal_measures:
            figures = figures_of(measure)
            forecast, p_base = forecasts.get(measure.pk, (None, None))
            rows.append(
                Snapshot(
                    **common,
                    measure=measure,
                    measure_name=measure.name,
                    unit=measure.unit,
                    unit_label=measure.unit_label,
                    direction=measure.direction,
                    weight=measure.weight,
                    target=measure.target,
                    original_target=measure.original_target,
                    challenge=measure.challenge,
                    baseline=measure.baseline,
                    actual=measure.current,
                    achievement_rate=_q(domain.measure_achievement(figures)),
                    original_achievement_rate=_original_achievement(measure),
                    progress=_q(domain.measure_progress(figures)),
                    forecast=forecast,
                    forecast_p_base=_q(p_base),
                )
            )
    return rows


def _with_measures(goals: QuerySet[Goal]) -> QuerySet[Goal]:
    return goals.select_related("period").prefetch_related("measures").order_by("id")


# --- close and reopen ------------------------------------------------------------------------


@transaction.atomic
def period_close(
    *,
    actor: Actor,
    period: Period,
    department: Department | None = None,
    withdraw_pending: bool = False,
    note: str = "",
) -> PeriodClosing:
    """Close `period` — as a whole (admin) or for `department` and its sub-departments (admin, or a
    manager of that department) — snapshot every goal in scope, and announce it (`period_closed`).

    Pending target adjustments would change a frozen target: the close is refused (409
    `pending_adjustments`) unless `withdraw_pending`, which withdraws them in the closer's name with the
    reason recorded on each request.
    """
    person = actor_person(actor)
    if not can_close(actor, department):
        if department is None:
            raise PermissionDeniedError(
                _("Only an admin can close a whole period; a manager closes their department's goals."),
                field="department_id",
            )
        raise PermissionDeniedError(
            _("Only an admin or a manager of the department can close its goals."), field="department_id"
        )
    period = Period.objects.select_for_update().get(pk=period.pk)
    note = (note or "").strip()
    if len(note) > 4000:
        raise ApplicationError(_("The note can be at most 4,000 characters."), field="note")
    if period.is_closed or covering_closings(period.pk, department).exists():
        raise ConflictError(
            _("%(name)s is already closed for these goals.") % {"name": period.label},
            code="already_closed",
            field="department_id" if department is not None else "period_id",
        )
    now = timezone.now()
    pending = list(pending_adjustments(period, department).select_for_update(of=("self",)))
    if pending and not withdraw_pending:
        raise ConflictError(
            _(
                "%(count)s target adjustment request(s) still wait for a decision: decide them first, or "
                "choose to withdraw them with the close."
            )
            % {"count": len(pending)},
            code="pending_adjustments",
            field="withdraw_pending",
        )
    closing = PeriodClosing.objects.create(
        period=period, department=department, closed_by=person, closed_at=now, note=note
    )
    for adjustment in pending:
        adjustment.status = TargetAdjustment.Status.WITHDRAWN
        adjustment.decided_by = person
        adjustment.decided_at = now
        adjustment.decision_comment = _("Withdrawn by the close of %(period)s by %(who)s.") % {
            "period": period.label,
            "who": person.display_name,
        }
        adjustment.save(
            update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"]
        )
    if department is None:
        period_set_closed(actor=actor, period=period, is_closed=True)
    goals = _with_measures(goals_in_scope(period, department))
    Snapshot.objects.bulk_create(snapshot_rows(goals, kind=SnapshotKind.CLOSE, taken_at=now, closing=closing))
    closing_id = closing.pk
    transaction.on_commit(
        lambda: period_closed.send(sender=PeriodClosing, closing_id=closing_id), robust=True
    )
    return closing


@transaction.atomic
def period_reopen(
    *, actor: Actor, period: Period, reason: str, department: Department | None = None
) -> list[PeriodClosing]:
    """Reopen a closed period (or one department's close): admins only, with a reason kept in the history.

    The whole period: every active close of it is reopened. A department: its active closes and those of
    its sub-departments; refused (409 `closed_above`) while a close of the whole period or of a parent
    department still freezes it. The snapshots stay: they are what the close saw."""
    require_admin(actor)
    person = actor_person(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the period is reopened."), field="reason", code="required")
    if len(reason) > 4000:
        raise ApplicationError(_("The reason can be at most 4,000 characters."), field="reason")
    period = Period.objects.select_for_update().get(pk=period.pk)
    active = PeriodClosing.objects.select_for_update().filter(period=period, reopened_at__isnull=True)
    if department is not None:
        if (
            period.is_closed
            or covering_closings(period.pk, department).exclude(department=department).exists()
        ):
            raise ConflictError(
                _(
                    "A close of the whole period or of a parent department still covers these goals: reopen that."
                ),
                code="closed_above",
                field="department_id",
            )
        active = active.filter(department__path__startswith=department.path)
    closings = list(active)
    if not closings and not (department is None and period.is_closed):
        raise ConflictError(
            _("%(name)s is not closed.") % {"name": period.label}, code="not_closed", field="period_id"
        )
    now = timezone.now()
    for closing in closings:
        closing.reopened_by = person
        closing.reopened_at = now
        closing.reopen_reason = reason
        closing.save(update_fields=["reopened_by", "reopened_at", "reopen_reason"])
    if department is None and period.is_closed:
        period_set_closed(actor=actor, period=period, is_closed=False)
    return closings


def closing_history(period: Period) -> QuerySet[PeriodClosing]:
    return PeriodClosing.objects.filter(period=period).select_related(
        "department", "closed_by", "reopened_by"
    )


# --- weekly snapshots ------------------------------------------------------------------------


def week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def take_weekly_snapshots(today: dt.date | None = None) -> int:
    """Snapshot every goal of the periods running in `today`'s week (Monday key), once per week:
    goals already snapshotted that week are skipped, so running it twice adds nothing. Returns the
    number of rows written."""
    today = today or timezone.localdate()
    monday = week_monday(today)
    sunday = monday + dt.timedelta(days=6)
    taken = Snapshot.objects.filter(kind=SnapshotKind.WEEKLY, week=monday).values("goal_id")
    goals = _with_measures(
        Goal.objects.filter(period__start__lte=sunday, period__end__gte=monday)
        .filter(~Q(pk__in=taken))
        .exclude(status__in=[GoalStatus.DRAFT, GoalStatus.CANCELLED])
    )
    rows = snapshot_rows(goals, kind=SnapshotKind.WEEKLY, taken_at=timezone.now(), week=monday)
    with transaction.atomic():
        Snapshot.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
