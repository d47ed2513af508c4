"""Writes for tracking: check-ins (which move the goal's figures) and time-phased plans.

A check-in on a measure is its stock-take: goals.figures makes the measure's current value that
cumulative figure plus the item quantities reported after it, and recomputes the roll-ups up to
the root; a check-in on an action item sets its actual quantity, which flows into its measure
through the same writer (goals.domain.combined_current: never overwritten, never counted twice). Both happen in one transaction, and alert
evaluation is queued on commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Final, Literal, TypedDict, Unpack

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, ConflictError, NotFound, PermissionDeniedError
from lodestar.core.services import Actor, bump_version, check_version
from lodestar.core.softdelete import mark_deleted, mark_restored
from lodestar.execution.access import can_work_on_item
from lodestar.execution.models import ActionItem, ItemStatus
from lodestar.goals.access import can_report_on_goal, visible_goals
from lodestar.goals.figures import StockTake, measure_refresh_current
from lodestar.goals.models import Goal, GoalStatus, Measure, MeasureUnit
from lodestar.goals.services import NON_NEGATIVE_UNITS, to_decimal
from lodestar.goals.services.common import Number
from lodestar.org.permissions import person_of, require_admin
from lodestar.tracking import domain
from lodestar.tracking.models import CheckIn, CheckInPeriod, DeviationCategory, PlanPoint
from lodestar.tracking.signals import checkin_recorded


class _Unread(Enum):
    UNKNOWN = "unknown"


UNKNOWN: Final = _Unread.UNKNOWN  # "not read yet", as opposed to None ("there is none")


class CheckInFields(TypedDict, total=False):
    """A check-in's figures and notes as a form or the API sends them; `_clean` parses them."""

    planned: Number | float | None
    actual: Number | float | None
    cumulative: Number | float | None
    resource_budget: Number | float | None
    confidence: int | str | None
    deviation_reason: str | None
    improvement: str | None
    comment: str | None
    resource_people: str | None
    resource_other: str | None


TEXT_LIMITS = {
    "deviation_reason": 4000,
    "improvement": 4000,
    "comment": 4000,
    "resource_people": 200,
    "resource_other": 300,
}


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    for field in ("planned", "actual", "cumulative", "resource_budget"):
        if field in data:
            data[field] = to_decimal(data[field], field)
    for field in ("planned", "resource_budget"):
        if data.get(field) is not None and data[field] < 0:
            raise ApplicationError(_("This value cannot be negative."), field=field, code="negative")
    confidence = data.get("confidence")
    if confidence not in (None, ""):
        try:
            confidence = int(confidence)
        except (TypeError, ValueError) as exc:
            raise ApplicationError(
                _("Confidence is a whole number from 0 to 10."), field="confidence"
            ) from exc
        if not 0 <= confidence <= 10:
            raise ApplicationError(_("Confidence is a whole number from 0 to 10."), field="confidence")
        data["confidence"] = confidence
    else:
        data["confidence"] = None
    for field, limit in TEXT_LIMITS.items():
        if field in data:
            data[field] = (data[field] or "").strip()
            if len(data[field]) > limit:
                raise ApplicationError(_("This text is too long."), field=field)
    return data


def _check_period(kind: str, start: dt.date, end: dt.date) -> None:
    if kind not in CheckInPeriod.values:
        raise ApplicationError(_("Choose day, week or month."), field="period_kind")
    if end < start:
        raise ApplicationError(_("The period ends before it starts."), field="period_end")
    if (end - start).days > 31:
        raise ApplicationError(_("A check-in covers at most a month."), field="period_end")


@transaction.atomic
def checkin_submit(
    *,
    actor: Actor,
    measure: Measure | None = None,
    item: ActionItem | None = None,
    period_start: dt.date,
    period_end: dt.date,
    period_kind: str = CheckInPeriod.WEEK,
    version: int | None = None,
    deviation_category: DeviationCategory | None = None,
    **fields: Unpack[CheckInFields],
) -> CheckIn:
    """Record (or correct) the check-in of one period on a measure or an item.

    When `cumulative` is left empty it is the previous period's cumulative plus `actual`
    ("今日完成小红书笔记3篇,累计完成15篇"); the first check-in continues from where the measure or
    item stood (`domain.opening_cumulative`). Re-submitting the same period corrects that row,
    and only with its `version` (otherwise 409: it was reported already). A check-in outside its
    goal's period, and a negative figure on a measure that cannot be negative, are refused.
    A measure that does not accumulate (a level: 复购率, 单篇平均点赞) reports its level as
    `actual`, so there the cumulative is the actual itself; items always accumulate.
    """
    person = person_of(actor)
    if person is None:
        raise PermissionDeniedError(_("Your account is not linked to a person in the organisation."))
    if (measure is None) == (item is None):
        raise ApplicationError(_("A check-in is about one measure or one action item."), field="measure_id")
    goal: Goal | None
    if measure is not None:
        measure = _locked_measure(actor, measure.pk)
        goal = measure.goal
        if goal.period.is_closed:
            raise ApplicationError(
                _("The period %(name)s is closed.") % {"name": goal.period.label},
                code="period_closed",
                field="measure_id",
            )
        if goal.status != GoalStatus.ACTIVE:
            raise ApplicationError(
                _("Check-ins are recorded on active goals."), code="not_active", field="measure_id"
            )
        if measure.has_parts:  # type: ignore[attr-defined]  # annotated by _locked_measure
            raise ApplicationError(
                _("This measure adds up its parts: report on the sub-goals instead."), field="measure_id"
            )
    else:
        assert item is not None  # exactly one of the two, checked above
        item = (
            ActionItem.objects.select_for_update(of=("self",))
            .select_related("department", "goal__period")
            .get(pk=item.pk)
        )
        if not can_work_on_item(actor, item):
            raise PermissionDeniedError(_("You may view this item but not change it."))
        goal = item.goal
    _check_period(period_kind, period_start, period_end)
    if goal is not None:
        _check_inside_goal_period(goal, period_start, period_end)
    data = _clean(dict(fields))
    if measure is not None:
        _check_not_negative(measure, data)
    neighbours = _neighbours(measure=measure, item=item, period_start=period_start, period_end=period_end)
    existing = neighbours.existing
    if existing is not None:
        _check_correction(existing, version)
    if data.get("actual") is None and data.get("cumulative") is None:
        raise ApplicationError(
            _("Enter the actual amount for the period or the cumulative total."),
            field="actual",
            code="required",
        )
    if data.get("cumulative") is None and measure is not None and not measure.accumulates:
        data["cumulative"] = data["actual"]  # a level: the reported value is where the measure stands
    if data.get("cumulative") is None:
        data["cumulative"] = (
            domain.opening_cumulative(
                previous_cumulative=neighbours.previous.cumulative if neighbours.previous else None,
                same_period=(existing.cumulative, existing.actual) if existing is not None else None,
                value_before=measure.current if measure is not None else _item_quantity(item),
                other_checkins=neighbours.latest_other is not None,
                baseline=measure.baseline if measure is not None else None,
            )
            + data["actual"]
        )
    if measure is not None:
        _check_not_negative(measure, {"cumulative": data["cumulative"]})
    if item is not None and data["cumulative"] < 0:
        raise ApplicationError(_("This value cannot be negative."), field="cumulative", code="negative")
    checkin = existing or CheckIn(
        measure=measure, item=item, period_start=period_start, period_end=period_end, author=person
    )
    for field, value in data.items():
        setattr(checkin, field, value)
    checkin.period_kind = period_kind
    checkin.deviation_category = deviation_category
    if existing is not None:
        bump_version(checkin)
        checkin.author = person
    # Field checks only: the period order, the confidence range and one check-in per period are
    # validated above with clear messages, and the database constraints stay as the backstop;
    # re-checking them here cost six queries per check-in.
    checkin.full_clean(
        exclude=["measure", "item", "author", "deviation_category"], validate_constraints=False
    )
    checkin.save()
    latest = neighbours.latest_other
    if latest is None or (checkin.period_end, checkin.pk) > (latest.period_end, latest.pk):
        latest = checkin
    chain = _apply_latest(measure=measure, item=item, latest=latest, reported_for=period_end)
    # Announced after commit (the alerts app evaluates its rules on it). robust: the check-in is
    # committed by then; a failing receiver (alert evaluation runs in its own transaction, so it
    # leaves no half-raised alerts) is logged rather than answering a saved check-in with a 500.
    # The scheduled evaluation of all rules raises what it missed.
    transaction.on_commit(
        lambda: checkin_recorded.send(sender=CheckIn, checkin_id=checkin.pk, chain=chain), robust=True
    )
    return checkin


def _item_quantity(item: ActionItem | None) -> Decimal | None:
    """Where an item stood before its first check-in (none without an item)."""
    return item.actual_quantity if item is not None else None


def _locked(measure: Measure | None) -> Measure | None:
    """The measure again, locked, before its current value is recomputed."""
    if measure is None:
        return None
    return Measure.objects.select_for_update(of=("self",)).select_related("goal").get(pk=measure.pk)


def _locked_measure(actor: Actor, measure_id: int) -> Measure:
    """The measure, locked, with what the checks need; 404 when the actor may not see its goal,
    403 when they may see it but not report on it. (One query when they may report: the API
    does not read the measure and its goal a second time to check access.)"""
    live_parts = Measure.objects.filter(source=OuterRef("pk"), goal__deleted_at__isnull=True)
    measure = (
        Measure.objects.select_for_update(of=("self",))
        .select_related("goal__period", "goal__department")
        .annotate(has_parts=Exists(live_parts))
        .filter(pk=measure_id, goal__deleted_at__isnull=True)
        .first()
    )
    if measure is None:
        raise NotFound(_("Measure not found."), field="measure_id")
    if not can_report_on_goal(actor, measure.goal):
        if not visible_goals(actor).filter(pk=measure.goal_id).exists():
            raise NotFound(_("Measure not found."), field="measure_id")
        raise PermissionDeniedError(_("Only the goal's owner or a manager can report on it."))
    return measure


@dataclass(frozen=True)
class Neighbours:
    """The check-ins a new one is computed from: the row of the same period (corrected rather
    than duplicated), the latest one starting before it (whose cumulative it continues) and the
    latest one of any other period (which decides the measure's current value)."""

    existing: CheckIn | None
    previous: CheckIn | None
    latest_other: CheckIn | None


def _neighbours(
    *, measure: Measure | None, item: ActionItem | None, period_start: dt.date, period_end: dt.date
) -> Neighbours:
    """All three in one query (three single-row subqueries), instead of one query each."""
    own = (
        CheckIn.objects.filter(measure=measure) if measure is not None else CheckIn.objects.filter(item=item)
    )
    same = Q(period_start=period_start, period_end=period_end)
    previous_pk = own.filter(period_start__lt=period_start).order_by("-period_start", "-id").values("pk")[:1]
    latest_pk = own.exclude(same).order_by("-period_end", "-id").values("pk")[:1]
    rows = list(
        own.select_for_update(of=("self",)).filter(
            same | Q(pk=Subquery(previous_pk)) | Q(pk=Subquery(latest_pk))
        )
    )
    existing = next((r for r in rows if r.period_start == period_start and r.period_end == period_end), None)
    others = [r for r in rows if r is not existing]
    before = [r for r in others if r.period_start < period_start]
    return Neighbours(
        existing=existing,
        previous=max(before, key=lambda r: (r.period_start, r.pk), default=None),
        latest_other=max(others, key=lambda r: (r.period_end, r.pk), default=None),
    )


def _apply_latest(
    *,
    measure: Measure | None,
    item: ActionItem | None,
    latest: CheckIn | Literal[_Unread.UNKNOWN] | None = UNKNOWN,
    reported_for: dt.date | None = None,
) -> list[int] | None:
    """Hand the latest period's cumulative on: to the measure as its stock-take (goals.figures
    combines it with the items reported after it), or to the item as its actual quantity (and
    from there to its measure). `latest` is that check-in when the caller knows it (None: there
    is none); `reported_for` is the period end of the check-in written or deleted, which dates an
    item's change for its measure. Returns the goal chain it rolled up, if it rolled one up."""
    from lodestar.execution.services import feed_measure

    if latest is UNKNOWN:
        latest_qs = CheckIn.objects.filter(measure=measure) if measure else CheckIn.objects.filter(item=item)
        latest = latest_qs.order_by("-period_end", "-id").first()
    if measure is not None:
        return measure_refresh_current(measure=measure, stock_take=_stock_take(measure, latest))
    assert item is not None  # a check-in is on a measure or on an item
    value = latest.cumulative if latest else None
    if item.actual_quantity == value:
        return None
    change = (value or Decimal(0)) - (item.actual_quantity or Decimal(0))
    item.actual_quantity = value
    item.version += 1
    item.save(update_fields=["actual_quantity", "version", "updated_at"])
    return feed_measure(item.measure_id, change=change, reported_for=reported_for)


def _stock_take(measure: Measure, latest: CheckIn | None) -> StockTake | None:
    """The measure's latest own check-in as a stock-take: it includes every item quantity
    reported for periods up to its end, i.e. all the items' total but what item check-ins
    reported for later periods (one query, only when items feed the measure)."""
    if latest is None or latest.cumulative is None:
        return None
    included = Decimal(0)
    if measure.items_total is not None:
        later = (
            CheckIn.objects.filter(
                item__measure=measure, item__deleted_at__isnull=True, period_end__gt=latest.period_end
            )
            .exclude(item__status=ItemStatus.CANCELLED)
            .aggregate(total=Sum("actual"))["total"]
        )
        included = measure.items_total - (later or Decimal(0))
    return StockTake(
        value=latest.cumulative, period_end=latest.period_end, items_included=included, checkin_id=latest.pk
    )


def _check_inside_goal_period(goal: Goal, period_start: dt.date, period_end: dt.date) -> None:
    """A check-in reports on its goal's period: one that ends before the period starts or starts
    after it ends is refused (a week straddling the period's first or last day is accepted)."""
    period = goal.period
    if period_end < period.start:
        raise ApplicationError(
            _("The goal's period runs from %(start)s to %(end)s: this check-in ends before it starts.")
            % {"start": period.start, "end": period.end},
            code="outside_goal_period",
            field="period_end",
        )
    if period_start > period.end:
        raise ApplicationError(
            _("The goal's period runs from %(start)s to %(end)s: this check-in starts after it ends.")
            % {"start": period.start, "end": period.end},
            code="outside_goal_period",
            field="period_start",
        )


def _check_not_negative(measure: Measure, data: dict) -> None:
    """The same refusal as a negative target (goals.services.validate_measure): counts, people and
    amounts are never below zero, and neither is a percentage where the measure stands."""
    fields = ["actual", "cumulative"] if measure.unit in NON_NEGATIVE_UNITS else []
    if measure.unit == MeasureUnit.PERCENT:
        fields = ["cumulative"] if measure.accumulates else ["actual", "cumulative"]
    for field in fields:
        value = data.get(field)
        if value is not None and value < 0:
            raise ApplicationError(
                _("This value cannot be negative for this unit."), field=field, code="negative"
            )


def _check_correction(existing: CheckIn, version: int | None) -> None:
    """Reporting a period that already has a check-in corrects it only with that check-in's
    version: without one (or with the 0 of a page loaded before it existed) it is refused, so a
    second report never silently overwrites the first."""
    if version is None or version == 0:
        raise ConflictError(
            _(
                "%(start)s – %(end)s has already been reported (check-in #%(id)s, version "
                "%(version)s): reload it and correct that check-in instead."
            )
            % {
                "start": existing.period_start,
                "end": existing.period_end,
                "id": existing.pk,
                "version": existing.version,
            },
            code="version_conflict",
            field="version",
        )
    check_version(existing, version)


@transaction.atomic
def checkin_delete(*, actor: Actor, checkin: CheckIn) -> None:
    checkin = CheckIn.objects.select_related("measure__goal", "item").get(pk=checkin.pk)
    if checkin.measure is not None and not can_report_on_goal(actor, checkin.measure.goal):
        raise PermissionDeniedError(_("Only the goal's owner or a manager can report on it."))
    if checkin.item is not None and not can_work_on_item(actor, checkin.item):
        raise PermissionDeniedError(_("You may view this item but not change it."))
    mark_deleted(checkin, actor=actor, person=person_of(actor))
    # The latest live check-in sets the figure again (the measure's current value, or the item's
    # actual quantity and through it the measure), and the roll-up follows to the root.
    _apply_latest(measure=_locked(checkin.measure), item=checkin.item, reported_for=checkin.period_end)


@transaction.atomic
def checkin_restore(*, actor: Actor, checkin_id: int) -> CheckIn:
    """Bring a deleted check-in back (admins only), unless its period was reported again since."""
    require_admin(actor)
    checkin = (
        CheckIn.all_objects.select_for_update(of=("self",))
        .select_related("measure__goal", "item")
        .filter(pk=checkin_id, deleted_at__isnull=False)
        .first()
    )
    if checkin is None:
        raise NotFound(_("There is no deleted check-in with this id."), field="checkin_id")
    if checkin.measure is not None and checkin.measure.goal.is_deleted:
        raise ConflictError(
            _("Its goal “%(name)s” is deleted: restore the goal first.")
            % {"name": checkin.measure.goal.name},
            code="goal_deleted",
            field="measure_id",
        )
    if checkin.item is not None and checkin.item.is_deleted:
        raise ConflictError(
            _("Its action item “%(title)s” is deleted: restore the item first.")
            % {"title": checkin.item.title},
            code="item_deleted",
            field="item_id",
        )
    # The same check as the database's alive-only unique constraint, with a message instead of a 500.
    if CheckIn.objects.filter(
        measure=checkin.measure,
        item=checkin.item,
        period_start=checkin.period_start,
        period_end=checkin.period_end,
    ).exists():
        raise ConflictError(
            _("%(start)s – %(end)s has been reported again since: delete or correct that check-in first.")
            % {"start": checkin.period_start, "end": checkin.period_end},
            code="period_reported",
            field="period_start",
        )
    mark_restored(checkin, actor=actor)
    _apply_latest(measure=_locked(checkin.measure), item=checkin.item, reported_for=checkin.period_end)
    return checkin


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
    start, end = goal.period.start, goal.period.end
    baseline = measure.baseline if measure.baseline is not None else Decimal(0)
    if source == PlanPoint.Source.EVEN:
        plan = domain.even_plan(start, end, baseline, measure.target, step_days=step_days)
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
        plan = domain.curve_plan(sorted(periods), baseline, measure.target)
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


def measure_plan(measure: Measure) -> list[domain.PlanPoint]:
    """The stored plan, or an even straight line over the goal's period when none was set."""
    stored = [domain.PlanPoint(p.date, p.expected_cumulative) for p in measure.plan_points.all()]
    if stored:
        return stored
    goal = measure.goal
    baseline = measure.baseline if measure.baseline is not None else Decimal(0)
    return domain.even_plan(goal.period.start, goal.period.end, baseline, measure.target)


def item_checkin_total(item: ActionItem) -> Decimal:
    return item.check_ins.aggregate(total=Sum("actual"))["total"] or Decimal(0)


def measure_forecast(measure: Measure, observations: list[tuple[dt.date, Decimal]]) -> domain.Forecast | None:
    """The one forecast used by pages, the API and alerts for a measure.

    The check-in series (period end, cumulative) is anchored at the goal period's start with
    the baseline (or 0): the period did start there, and with a single check-in this gives the
    trend its slope instead of a flat line. See `domain.forecast` for the method.

    For a level measure (`accumulates` off: 复购率, 互动率) the series is the reported levels
    rather than running totals; the same trend applies, since a trend of levels is still a trend.
    A range measure's probability is that of ending inside [target, range_max]; with fewer than
    three check-ins the forecast uses a prior (never a point band, never 0% or 100% unless the
    outcome is settled; `domain.forecast`).
    """
    period = measure.goal.period
    series = sorted(observations, key=lambda o: o[0])
    if not series:
        return None
    checkins = len(series)
    baseline = measure.baseline if measure.baseline is not None else Decimal(0)
    if series[0][0] > period.start:
        series.insert(0, (period.start, baseline))
    return domain.forecast(
        series,
        period.end,
        base=measure.target,
        challenge=measure.challenge,
        direction=measure.direction,
        range_max=measure.range_max,
        checkins=checkins,
        cumulative=measure.accumulates,
    )
