"""A measure's time-phased plan: set (even, curve or by hand) and read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.services import Actor, check_version
from lodestar.execution.models import ActionItem
from lodestar.goals import domain as goal_domain
from lodestar.goals.access import can_report_on_goal
from lodestar.goals.closing_rules import check_goal_period_open
from lodestar.goals.models import Measure
from lodestar.goals.services import to_decimal
from lodestar.tracking import domain
from lodestar.tracking.models import PlanPoint


@transaction.atomic
def plan_set(
    *,
    actor: Actor,
    measure: Measure,
    source: str = PlanPoint.Source.EVEN,
    points: list[tuple[dt.date, Decimal | str]] | None = None,
    step_days: int = 7,
    version: int | None = None,
) -> list[PlanPoint]:
    """Replace a measure's time-phased plan: an even split over the goal's period, the goal's time
    decomposition curve, or points entered by hand (dates inside the period, cumulative values).

    The plan is part of the measure: `version` is the measure's version the caller read (409
    `version_conflict` when stale) and saving a plan moves it on, so two editors never overwrite
    each other's plan silently.
    """
    measure = (
        Measure.objects.select_for_update(of=("self",))
        .select_related("goal__period", "goal__department")
        .get(pk=measure.pk)
    )
    check_version(measure, version)
    goal = measure.goal
    if not can_report_on_goal(actor, goal):
        raise PermissionDeniedError(_("Only the goal's owner or a manager can plan it."))
    check_goal_period_open(goal, field="measure_id")
    start, end = goal.period.start, goal.period.end
    baseline = measure.baseline if measure.baseline is not None else Decimal(0)
    if source == PlanPoint.Source.EVEN:
        plan = generated_plan(
            measure, domain.even_plan(start, end, baseline, measure.target, step_days=step_days)
        )
    elif source == PlanPoint.Source.CURVE:
        decomposition = goal.decompositions.filter(dimension="time").first()
        if decomposition is None:
            raise ApplicationError(_("This goal has no time decomposition to follow."), field="source")
        from lodestar.goals.models import Goal

        children = {
            c.pk: c
            for c in Goal.objects.filter(pk__in=[p["goal_id"] for p in decomposition.parts]).select_related(
                "period"
            )
        }
        periods = [
            (children[p["goal_id"]].period.start, children[p["goal_id"]].period.end, Decimal(p["share"]))
            for p in decomposition.parts
            if p.get("goal_id") in children
        ]
        plan = generated_plan(measure, domain.curve_plan(sorted(periods), baseline, measure.target))
    elif source == PlanPoint.Source.MANUAL:
        if not points:
            raise ApplicationError(_("Enter at least one point."), field="points", code="required")
        plan = []
        for day, value in points:
            if not start <= day <= end:
                raise ApplicationError(_("Plan dates must lie inside the goal's period."), field="points")
            plan.append(domain.PlanPoint(day, to_decimal(value, "points", required=True)))
        days = [p.day for p in plan]
        if len(set(days)) != len(days):
            raise ApplicationError(_("Each date may appear only once."), field="points")
    else:
        raise ApplicationError(_("Choose even, curve or manual."), field="source")
    Measure.objects.filter(pk=measure.pk).update(version=F("version") + 1)
    PlanPoint.objects.filter(measure=measure).delete()
    return PlanPoint.objects.bulk_create(
        [
            PlanPoint(measure=measure, date=p.day, expected_cumulative=p.expected_cumulative, source=source)
            for p in plan
        ]
    )


def generated_plan(measure: Measure, plan: list[domain.PlanPoint]) -> list[domain.PlanPoint]:
    """An even or curve plan as the measure's kind wants it: a level without a baseline (转化率,
    客单价) at its target level every period (`goals.domain.planned_as_level`), a countable measure
    (篇, 场, 人) in whole numbers that still reach the target (`goals.domain.countable`)."""
    period = measure.goal.period
    return _shaped(plan, period.start, period.end, measure.baseline, measure.target, *_shape_of(measure))


def measure_plan(measure: Measure) -> list[domain.PlanPoint]:
    """The stored plan, or an even straight line over the goal's period when none was set
    (`generated_plan`: whole numbers for counted things, the target level for a level)."""
    stored = [domain.PlanPoint(p.date, p.expected_cumulative) for p in measure.plan_points.all()]
    if stored:
        return stored
    period = measure.goal.period
    baseline = str(measure.baseline) if measure.baseline is not None else None
    return list(_default_plan(period.start, period.end, baseline, str(measure.target), *_shape_of(measure)))


def _shape_of(measure: Measure) -> tuple[bool, bool]:
    """(planned as a level, in whole numbers)."""
    return (
        goal_domain.planned_as_level(measure.accumulates, measure.baseline),
        goal_domain.countable(measure.unit, measure.accumulates),
    )


def _shaped(
    plan: list[domain.PlanPoint],
    start: dt.date,
    end: dt.date,
    baseline: Decimal | None,
    target: Decimal,
    level: bool,
    whole: bool,
) -> list[domain.PlanPoint]:
    if level:
        return domain.level_plan(start, end, target)
    if whole:
        return domain.whole_plan(plan, baseline if baseline is not None else Decimal(0))
    return plan


@lru_cache(maxsize=4096)
def _default_plan(
    start: dt.date, end: dt.date, baseline: str | None, target: str, level: bool, whole: bool
) -> tuple[domain.PlanPoint, ...]:
    """The generated even plan, by what it depends on. Kept: a dashboard draws 25 measures' plans a
    request, and a year's weekly plan in whole numbers (53 points apportioned) took 0.4 ms each. The
    figures come as text, so 100 and 100.00 are kept apart as the plan's points would show them; the
    points are frozen, so the lists handed out share them safely."""
    base = Decimal(baseline) if baseline is not None else None
    even = domain.even_plan(start, end, base if base is not None else Decimal(0), Decimal(target))
    return tuple(_shaped(even, start, end, base, Decimal(target), level, whole))


def item_plan(item: ActionItem) -> list[domain.PlanPoint]:
    """An action item's time-phased plan: its planned quantity spread evenly from its start (or
    the day it was created) to its due date, each day's share due by the end of that day — 10篇
    from Monday to Friday plans 2篇 a day, 10 in that week, nothing after. No plan (empty) without
    a planned quantity or a due date."""
    if item.planned_quantity is None or item.due is None:
        return []
    start = item.start or (timezone.localtime(item.created_at).date() if item.created_at else item.due)
    start = min(start, item.due)
    return [
        domain.PlanPoint(start - dt.timedelta(days=1), Decimal(0)),
        domain.PlanPoint(item.due, Decimal(item.planned_quantity)),
    ]
