"""Check-ins, which move the goal's figures: submit (or correct), delete, restore.

A check-in on a measure is its stock-take: goals.figures makes the measure's current value that
cumulative figure plus the item quantities reported after it, and recomputes the roll-ups up to
the root; a check-in on an action item sets its actual quantity, which flows into its measure
through the same writer (goals.domain.combined_current: never overwritten, never counted twice).
Both happen in one transaction, and alert evaluation is queued on commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Final, Literal, Unpack

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, ConflictError, NotFound, PermissionDeniedError
from lodestar.core.services import Actor, bump_version
from lodestar.core.softdelete import mark_deleted, mark_restored
from lodestar.execution.access import can_work_on_item
from lodestar.execution.models import ActionItem, ItemStatus
from lodestar.goals.access import can_report_on_goal, visible_goals
from lodestar.goals.closing_rules import check_goal_period_open
from lodestar.goals.figures import StockTake, measure_refresh_current
from lodestar.goals.models import Goal, GoalStatus, Measure, live_parts
from lodestar.org.permissions import person_of, require_admin
from lodestar.tracking import domain
from lodestar.tracking.models import CheckIn, CheckInOrigin, CheckInPeriod, DeviationCategory
from lodestar.tracking.services.checks import (
    CheckInFields,
    check_correction,
    check_inside_goal_period,
    check_not_negative,
    check_period,
    clean_fields,
)
from lodestar.tracking.services.completion import completion_refresh
from lodestar.tracking.signals import checkin_recorded
from lodestar.tracking.webhooks import emit_checkin


class _Unread(Enum):
    UNKNOWN = "unknown"


UNKNOWN: Final = _Unread.UNKNOWN  # "not read yet", as opposed to None ("there is none")


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
        check_goal_period_open(goal, field="measure_id")
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
        check_goal_period_open(goal, field="item_id")
    check_period(period_kind, period_start, period_end)
    if goal is not None:
        check_inside_goal_period(goal, period_start, period_end)
    data = clean_fields(dict(fields))
    if measure is not None:
        check_not_negative(measure, data)
    neighbours = _neighbours(measure=measure, item=item, period_start=period_start, period_end=period_end)
    existing = neighbours.existing
    if existing is not None:
        check_correction(existing, version)
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
        check_not_negative(measure, {"cumulative": data["cumulative"]})
    if item is not None and data["cumulative"] < 0:
        raise ApplicationError(_("This value cannot be negative."), field="cumulative", code="negative")
    checkin = existing or CheckIn(
        measure=measure, item=item, period_start=period_start, period_end=period_end, author=person
    )
    for field, value in data.items():
        setattr(checkin, field, value)
    checkin.period_kind = period_kind
    checkin.deviation_category = deviation_category
    checkin.origin = CheckInOrigin.REPORTED  # a person's figure, even where it corrects source data
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
    completion_refresh(measure_ids=[checkin.measure_id])  # the dashboards' completion roll-up
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
    emit_checkin(checkin)
    return checkin


@transaction.atomic
def checkin_record_source(
    *, measure: Measure, period_start: dt.date, period_end: dt.date, actual: Decimal
) -> CheckIn | None:
    """Write a period's figure that a source metric feeds (`lodestar.metrics.feeding`): the
    check-in of that period marked as source data (`origin` "source", 来源数据), through the
    same arithmetic, roll-up and alert hook as a reported one. An accumulating measure's
    cumulative continues the previous period's, so the feeder writes the periods in date order.

    No person reports it: the author is the goal's owner (or its department's manager). Writing the
    same figure again changes nothing (idempotent); a changed figure corrects the same check-in.
    A period a person has reported is left as they reported it (the comparison with the source is
    `lodestar.metrics.verification`'s); so are measures not open for check-ins (goal not active,
    period closed, a measure adding up its parts): those return None.
    """
    measure = (
        Measure.objects.select_for_update(of=("self",))
        .select_related("goal__period", "goal__department__manager", "goal__owner")
        .annotate(has_parts=Exists(live_parts(OuterRef("pk"))))
        .get(pk=measure.pk)
    )
    goal = measure.goal
    if goal.is_deleted or goal.status != GoalStatus.ACTIVE or measure.has_parts:  # type: ignore[attr-defined]
        return None
    author = goal.owner or goal.department.manager
    if author is None:
        return None
    try:
        check_goal_period_open(goal, field="measure_id")
        check_period(CheckInPeriod.WEEK, period_start, period_end)
        check_inside_goal_period(goal, period_start, period_end)
    except ApplicationError:
        return None
    neighbours = _neighbours(measure=measure, item=None, period_start=period_start, period_end=period_end)
    existing = neighbours.existing
    if existing is not None and existing.origin != CheckInOrigin.SOURCE:
        return None
    if measure.accumulates:
        cumulative = (
            domain.opening_cumulative(
                previous_cumulative=neighbours.previous.cumulative if neighbours.previous else None,
                same_period=(existing.cumulative, existing.actual) if existing is not None else None,
                value_before=measure.current,
                other_checkins=neighbours.latest_other is not None,
                baseline=measure.baseline,
            )
            + actual
        )
    else:
        cumulative = actual
    if existing is not None and (existing.actual, existing.cumulative) == (actual, cumulative):
        return existing  # fed again with the same figures: nothing to write
    checkin = existing or CheckIn(
        measure=measure,
        period_start=period_start,
        period_end=period_end,
        author=author,
        origin=CheckInOrigin.SOURCE,
        period_kind=CheckInPeriod.WEEK,
    )
    checkin.actual = actual
    checkin.cumulative = cumulative
    if existing is not None:
        bump_version(checkin)
    checkin.full_clean(
        exclude=["measure", "item", "author", "deviation_category"], validate_constraints=False
    )
    checkin.save()
    completion_refresh(measure_ids=[checkin.measure_id])
    latest = neighbours.latest_other
    if latest is None or (checkin.period_end, checkin.pk) > (latest.period_end, latest.pk):
        latest = checkin
    chain = _apply_latest(measure=measure, item=None, latest=latest, reported_for=period_end)
    transaction.on_commit(
        lambda: checkin_recorded.send(sender=CheckIn, checkin_id=checkin.pk, chain=chain), robust=True
    )
    emit_checkin(checkin)
    return checkin


def checkin_goal(checkin: CheckIn) -> Goal | None:
    """The goal a check-in reports on: its measure's, or its item's (None for an item without a goal)."""
    if checkin.measure is not None:
        return checkin.measure.goal
    return checkin.item.goal if checkin.item is not None else None


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
    measure = (
        Measure.objects.select_for_update(of=("self",))
        .select_related("goal__period", "goal__department")
        .annotate(has_parts=Exists(live_parts(OuterRef("pk"))))
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


@transaction.atomic
def checkin_delete(*, actor: Actor, checkin: CheckIn) -> None:
    checkin = CheckIn.objects.select_related("measure__goal", "item").get(pk=checkin.pk)
    if checkin.measure is not None and not can_report_on_goal(actor, checkin.measure.goal):
        raise PermissionDeniedError(_("Only the goal's owner or a manager can report on it."))
    if checkin.item is not None and not can_work_on_item(actor, checkin.item):
        raise PermissionDeniedError(_("You may view this item but not change it."))
    check_goal_period_open(checkin_goal(checkin), field="checkin_id")
    mark_deleted(checkin, actor=actor, person=person_of(actor))
    completion_refresh(measure_ids=[checkin.measure_id])
    # The latest live check-in sets the figure again (the measure's current value, or the item's
    # actual quantity and through it the measure), and the roll-up follows to the root.
    chain = _apply_latest(
        measure=_locked(checkin.measure), item=checkin.item, reported_for=checkin.period_end
    )
    _announce(checkin, chain)


def _announce(checkin: CheckIn, chain: list[int] | None) -> None:
    """A deleted or restored check-in changes figures too: announced as a recorded one (the alert
    rules and the cross-verification of reported figures look again)."""
    checkin_id = checkin.pk
    transaction.on_commit(
        lambda: checkin_recorded.send(sender=CheckIn, checkin_id=checkin_id, chain=chain), robust=True
    )


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
    check_goal_period_open(checkin_goal(checkin), field="checkin_id")
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
    completion_refresh(measure_ids=[checkin.measure_id])
    chain = _apply_latest(
        measure=_locked(checkin.measure), item=checkin.item, reported_for=checkin.period_end
    )
    _announce(checkin, chain)
    return checkin
