"""Reads for the tracking pages, shaped so a page's query count does not grow with its rows.

- `report_rows`: the check-ins due for a person in an ISO week or on a day (measures of active goals they
  own and open items where they are R), each with its plan for the week, the previous
  cumulative figure, this week's check-in if any, and pace/health at today.
- `department_checkins`: everyone's check-ins of a week in a department subtree.
- `department_goals`, `department_open_items`: goals, exceptions and help requests for a
  department's weekly meeting.
- `due_measure_q`, `due_item_q`: what takes a check-in in a week — the rows of `report_rows` and
  the expected reporters of the weekly meeting (tracking/reporting.py) share them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from lodestar.execution.access import visible_items
from lodestar.execution.models import ActionItem, ItemStatus, RaciAssignment
from lodestar.execution.selectors import item_list
from lodestar.goals import domain as goal_domain
from lodestar.goals.access import visible_goals
from lodestar.goals.closing_rules import frozen_goal_q
from lodestar.goals.models import Goal, GoalStatus, Measure, sums_its_parts_q
from lodestar.org.permissions import is_admin, managed_paths, subtree_q
from lodestar.tracking import domain
from lodestar.tracking.models import CheckIn
from lodestar.tracking.services import item_plan, measure_plan

OPEN_STATUSES = (ItemStatus.TODO, ItemStatus.DOING, ItemStatus.BLOCKED)
WEEK_RE = re.compile(r"^(\d{4})-W(\d{1,2})$")
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HELP_DEVIATION = Decimal("-0.2")


# --- weeks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    start: dt.date  # Monday
    end: dt.date  # Sunday
    kind = "week"  # the CheckIn.period_kind of a report over this period

    @property
    def key(self) -> str:
        year, week, _day = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def query(self) -> str:
        return f"week={self.key}"

    @property
    def number(self) -> int:
        return self.start.isocalendar()[1]

    @property
    def previous(self) -> Week:
        return week_of(self.start - dt.timedelta(days=7))

    @property
    def next(self) -> Week:
        return week_of(self.start + dt.timedelta(days=7))

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def week_of(day: dt.date) -> Week:
    start = day - dt.timedelta(days=day.weekday())
    return Week(start, start + dt.timedelta(days=6))


def parse_week(value: str | None, today: dt.date) -> Week:
    """`2026-W17` → that ISO week; anything else → the week of `today`."""
    match = WEEK_RE.match((value or "").strip())
    if match:
        try:
            return week_of(dt.date.fromisocalendar(int(match[1]), int(match[2]), 1))
        except ValueError:
            pass
    return week_of(today)


@dataclass(frozen=True)
class Day:
    """One day as a report period (日报): start = end = the day. Shares Week's interface."""

    start: dt.date
    kind = "day"

    @property
    def end(self) -> dt.date:
        return self.start

    @property
    def key(self) -> str:
        return self.start.isoformat()

    @property
    def query(self) -> str:
        return f"day={self.key}"

    @property
    def previous(self) -> Day:
        return Day(self.start - dt.timedelta(days=1))

    @property
    def next(self) -> Day:
        return Day(self.start + dt.timedelta(days=1))

    @property
    def week(self) -> Week:
        return week_of(self.start)

    def contains(self, day: dt.date) -> bool:
        return day == self.start


def parse_day(value: str | None, today: dt.date) -> Day:
    """`2026-04-22` → that day; anything else → `today`."""
    text = (value or "").strip()
    if DAY_RE.match(text):
        try:
            return Day(dt.date.fromisoformat(text))
        except ValueError:
            pass
    return Day(today)


def parse_period(params, today: dt.date) -> Week | Day:
    """The report period of a request: `?day=YYYY-MM-DD` (daily mode) or else `?week=YYYY-Www`."""
    if "day" in params:
        return parse_day(params.get("day"), today)
    return parse_week(params.get("week"), today)


def week_plan(plan: list[domain.PlanPoint], week: Week | Day, *, whole: bool = False) -> Decimal | None:
    """The plan's amount for the week (or day): expected cumulative at its end minus at the day
    before it starts (so the weeks, or days, of a period add up to target − baseline); `whole` for a
    countable measure (`domain.planned_between`)."""
    return domain.planned_between(plan, week.start, week.end, whole=whole)


# --- my weekly report ---------------------------------------------------------------------


@dataclass
class ReportRow:
    kind: str  # "measure" or "item"
    obj: Measure | ActionItem
    goal: Goal | None
    checkin: CheckIn | None
    previous: Decimal  # cumulative before this week (or the baseline)
    planned: Decimal | None  # the plan's amount for the week (measures)
    editable: bool
    expected_now: Decimal | None = None
    pace: Decimal | None = None
    health: str = domain.Health.NOT_STARTED
    form: object = None
    saved: bool = False
    responsible: list = field(default_factory=list)
    last: CheckIn | None = None  # the previous period's check-in (last week's figures)

    @property
    def key(self) -> str:
        return f"{self.kind[0]}-{self.obj.pk}"

    @property
    def title(self) -> str:
        return self.obj.name if self.kind == "measure" else self.obj.title

    @property
    def unit(self) -> str:
        return self.obj.unit_display if self.kind == "measure" else self.obj.unit


# A check-in stays alive when its item or goal is deleted (so it comes back with a restore), but it
# must not be shown or counted meanwhile.
LIVE_PARENT_Q = (Q(item__isnull=True) | Q(item__deleted_at__isnull=True)) & (
    Q(measure__isnull=True) | Q(measure__goal__deleted_at__isnull=True)
)


def _this_week_checkins(week: Week | Day):
    return CheckIn.objects.filter(period_start=week.start, period_end=week.end).select_related(
        "deviation_category"
    )


def _previous_cumulative(field_name: str, week: Week | Day):
    return Subquery(
        CheckIn.objects.filter(**{field_name: OuterRef("pk")}, period_start__lt=week.start)
        .order_by("-period_start", "-id")
        .values("cumulative")[:1]
    )


def _other_checkins(field_name: str, week: Week | Day):
    """Whether the measure or item has check-ins of periods other than this one."""
    return Exists(
        CheckIn.objects.filter(**{field_name: OuterRef("pk")}).exclude(
            period_start=week.start, period_end=week.end
        )
    )


def checkin_changes(*, measure=None, item=None, limit: int = 30) -> list:
    """Who entered, corrected, deleted or restored the check-ins of a measure or an item, newest
    first — the history keeps deleted check-ins too, so their values stay traceable."""
    rows = (
        CheckIn.history.filter(measure_id=measure.pk)
        if measure is not None
        else CheckIn.history.filter(item_id=item.pk)
    )
    return list(rows.select_related("history_user").order_by("-history_date", "-history_id")[:limit])


def _last_checkins(week: Week | Day) -> Prefetch:
    previous = week.previous
    return Prefetch(
        "check_ins",
        queryset=CheckIn.objects.filter(period_start=previous.start, period_end=previous.end),
        to_attr="last_checkins",
    )


def due_measure_q(week: Week | Day, prefix: str = "") -> Q:
    """Measures that take a check-in in `week`: of active goals whose (open) period overlaps it.
    Together with "no decomposed parts" (`report_measures`), the rows of the owner's report."""
    return Q(
        **{
            f"{prefix}goal__status": GoalStatus.ACTIVE,
            f"{prefix}goal__period__start__lte": week.end,
            f"{prefix}goal__period__end__gte": week.start,
        }
    ) & ~frozen_goal_q(f"{prefix}goal__")  # a closed period (or department close) takes no check-ins


def due_item_q(prefix: str = "") -> Q:
    """Items that take a check-in: open ones (to do, doing, blocked); their R reports."""
    return Q(**{f"{prefix}status__in": OPEN_STATUSES}) & ~frozen_goal_q(f"{prefix}goal__")


def report_measures(week: Week | Day) -> QuerySet[Measure]:
    """Measures that take check-ins (no decomposed parts), with what a report row needs."""
    return (
        Measure.objects.filter(goal__deleted_at__isnull=True)
        .select_related("goal__period", "goal__department", "goal__owner")
        .annotate(
            part_count=Count("parts", filter=Q(parts__goal__deleted_at__isnull=True)),
            previous_cumulative=_previous_cumulative("measure", week),
            has_other_checkins=_other_checkins("measure", week),
        )
        .filter(part_count=0)
        .prefetch_related(
            "plan_points",
            Prefetch("check_ins", queryset=_this_week_checkins(week), to_attr="week_checkins"),
            _last_checkins(week),
        )
        .order_by("goal__sort_order", "goal_id", "sort_order", "id")
    )


def report_items(user, week: Week | Day) -> QuerySet[ActionItem]:
    return (
        item_list(user)
        .annotate(
            previous_cumulative=_previous_cumulative("item", week),
            has_other_checkins=_other_checkins("item", week),
        )
        .prefetch_related(
            Prefetch("check_ins", queryset=_this_week_checkins(week), to_attr="week_checkins"),
            _last_checkins(week),
        )
        .order_by("due", "priority", "id")
    )


def _opening(obj, checkins: list[CheckIn], *, value_before, baseline) -> Decimal:
    first = checkins[0] if checkins else None
    return domain.opening_cumulative(
        previous_cumulative=obj.previous_cumulative,
        same_period=(first.cumulative, first.actual) if first is not None else None,
        value_before=value_before,
        other_checkins=obj.has_other_checkins,
        baseline=baseline,
    )


def measure_row(user, measure: Measure, week: Week | Day, today: dt.date) -> ReportRow:
    from lodestar.goals.access import can_report_on_goal

    goal = measure.goal
    plan = measure_plan(measure)
    baseline = measure.baseline if measure.baseline is not None else Decimal(0)
    checkins = measure.week_checkins
    # As checkin_submit: the first check-in continues from the current value recorded before.
    previous = _opening(measure, checkins, value_before=measure.current, baseline=measure.baseline)
    expected_now = domain.expected_at(plan, min(max(today, goal.period.start), goal.period.end))
    pace = domain.pace(measure.current, expected_now, baseline) if measure.current is not None else None
    return ReportRow(
        kind="measure",
        obj=measure,
        goal=goal,
        checkin=checkins[0] if checkins else None,
        previous=previous,
        # A level (复购率) plans where it should stand at the period's end, not an amount to add.
        planned=week_plan(plan, week, whole=goal_domain.countable(measure.unit, measure.accumulates))
        if measure.accumulates
        else domain.expected_at(plan, week.end),
        editable=goal.status == GoalStatus.ACTIVE
        and not goal.period.is_closed
        and can_report_on_goal(user, goal),
        expected_now=expected_now,
        pace=pace,
        health=domain.health(pace).value,
        responsible=[goal.owner] if goal.owner else [],
        last=_first(measure, "last_checkins"),
    )


def item_row(user, item: ActionItem, week: Week | Day) -> ReportRow:
    from lodestar.execution.access import can_work_on_item

    checkins = item.week_checkins
    return ReportRow(
        kind="item",
        obj=item,
        goal=item.goal,
        checkin=checkins[0] if checkins else None,
        previous=_opening(item, checkins, value_before=item.actual_quantity, baseline=None),
        # The item's planned quantity spread evenly from its start to its due date.
        planned=week_plan(item_plan(item), week),
        editable=item.status in OPEN_STATUSES and can_work_on_item(user, item),
        responsible=[r.person for r in item.raci.all() if r.role == "R" and r.person_id],
        last=_first(item, "last_checkins"),
    )


def _first(obj, attr: str) -> CheckIn | None:
    rows = getattr(obj, attr, None)
    return rows[0] if rows else None


def report_rows(user, person, week: Week | Day, today: dt.date) -> list[ReportRow]:
    """Every check-in due for `person` in `week`: measures of their active goals, then their open items."""
    if person is None:
        return []
    measures = report_measures(week).filter(due_measure_q(week), goal__owner=person)
    items = report_items(user, week).filter(
        due_item_q(), Exists(RaciAssignment.objects.filter(item=OuterRef("pk"), role="R", person=person))
    )
    rows = [measure_row(user, m, week, today) for m in measures]
    rows += [item_row(user, i, week) for i in items]
    return rows


# --- department report and weekly meeting ---------------------------------------------------


def _seen_by(user) -> Q:
    """Check-ins on goals and items `user` may see: a department report is read by everyone in
    the department tree, but a department-private goal of one team stays private to that team."""
    return Q(measure__goal__in=visible_goals(user).values("pk")) | Q(
        item__in=visible_items(user).values("pk")
    )


def department_checkins(user, department, week: Week) -> list[CheckIn]:
    path = department.path
    return list(
        CheckIn.objects.filter(period_start__gte=week.start, period_start__lte=week.end)
        .filter(
            Q(measure__goal__department__path__startswith=path) | Q(item__department__path__startswith=path)
        )
        .filter(LIVE_PARENT_Q)
        .filter(_seen_by(user))
        .select_related(
            "measure__goal__department",
            "measure__goal__owner",
            "item__goal",
            "item__department",
            "author",
            "deviation_category",
        )
        .order_by("period_start", "id")
    )


def covered_by_measure(checkins: list[CheckIn]) -> dict[int, CheckIn]:
    """Item check-ins whose work a measure check-in of the same period already counts: the item
    feeds that measure, and the measure's check-in is a stock-take that includes it (see
    goals.domain.combined_current). Maps the item check-in's id to the measure's check-in, so a
    report adds each quantity once (合计 7/5, not 14/10)."""
    by_measure = {(c.measure_id, c.period_start, c.period_end): c for c in checkins if c.measure_id}
    covered = {}
    for checkin in checkins:
        if checkin.item_id and checkin.item.measure_id:
            measure_checkin = by_measure.get(
                (checkin.item.measure_id, checkin.period_start, checkin.period_end)
            )
            if measure_checkin is not None:
                covered[checkin.pk] = measure_checkin
    return covered


def report_totals(rows: list[dict], covered: dict[int, CheckIn]) -> dict:
    """Planned and actual of one unit added up, each quantity once: an item's row that its
    measure's row of the same period covers is left out, and so is a level (单篇平均点赞, 转化率:
    `accumulates` off), which is a state, not an amount — 5 篇 and 495 赞 per post, or two rates,
    do not add up. Returns planned, actual, rate."""
    counted = [
        r
        for r in rows
        if r["checkin"].pk not in covered
        and not (r["checkin"].measure_id and not r["checkin"].measure.accumulates)
    ]
    same = len({r["unit"] for r in counted}) == 1  # only add up figures of one unit
    planned = [r["checkin"].planned for r in counted if r["checkin"].planned is not None]
    actual = [r["checkin"].actual for r in counted if r["checkin"].actual is not None]
    planned_sum = sum(planned, Decimal(0)) if same and planned else None
    actual_sum = sum(actual, Decimal(0)) if same and actual else None
    return {
        "planned": planned_sum,
        "actual": actual_sum,
        "rate": domain.completion_rate(planned_sum, actual_sum),
    }


def requested_budget(checkins: list[CheckIn], covered: dict[int, CheckIn]) -> Decimal | None:
    """The budget asked for in a week's check-ins, each request once: the same amount asked on an
    item's row and again on the measure's row that covers it is one request, not two."""
    amounts = [
        c.resource_budget
        for c in checkins
        if c.resource_budget and not (c.pk in covered and covered[c.pk].resource_budget == c.resource_budget)
    ]
    return sum(amounts, Decimal(0)) if amounts else None


def checkin_subject(checkin: CheckIn) -> str:
    return checkin.measure.name if checkin.measure_id else checkin.item.title


def checkin_unit(checkin: CheckIn) -> str:
    return checkin.measure.unit_display if checkin.measure_id else checkin.item.unit


def needs_help(checkin: CheckIn) -> bool:
    """Deviation worse than 20% below plan, or a resource request."""
    rate = domain.deviation_rate(checkin.planned, checkin.actual)
    return (rate is not None and rate < HELP_DEVIATION) or has_resource_request(checkin)


def has_resource_request(checkin: CheckIn) -> bool:
    return bool(checkin.resource_budget or checkin.resource_people or checkin.resource_other)


def department_goals(user, department, week: Week) -> list[Goal]:
    return list(
        visible_goals(user)
        .filter(
            department__path__startswith=department.path,
            status=GoalStatus.ACTIVE,
            period__start__lte=week.end,
            period__end__gte=week.start,
        )
        .select_related("department", "owner", "period")
        .order_by("department__path", "depth", "sort_order", "id")
    )


def department_open_items(user, department, today: dt.date) -> list[ActionItem]:
    """Open items of the subtree that are overdue or blocked (those `user` may see)."""
    return list(
        visible_items(user)
        .filter(department__path__startswith=department.path, status__in=OPEN_STATUSES)
        .filter(Q(status=ItemStatus.BLOCKED) | Q(due__lt=today))
        .select_related("department", "goal", "accountable")
        .prefetch_related(
            Prefetch("raci", queryset=RaciAssignment.objects.filter(role="R").select_related("person"))
        )
        .order_by("due", "priority", "id")
    )


def goals_without_checkins(person, week: Week | Day) -> list[Goal]:
    """The person's own goals of the period that give them nothing to check in on: no measure yet
    (`needs_measure`), or not active yet (a draft or in consensus). Objectives that roll up from
    sub-goals are left out: their figures come from the sub-goals."""
    if person is None:
        return []
    goals = list(
        Goal.objects.filter(
            ~frozen_goal_q(),
            owner=person,
            status__in=(GoalStatus.DRAFT, GoalStatus.CONSENSUS, GoalStatus.ACTIVE),
            period__start__lte=week.end,
            period__end__gte=week.start,
        )
        .annotate(
            live_measures=Count("measures", distinct=True),
            live_children=Count("children", filter=Q(children__deleted_at__isnull=True), distinct=True),
        )
        .filter(live_children=0)
        .filter(Q(live_measures=0) | ~Q(status=GoalStatus.ACTIVE))
        .select_related("department", "owner", "period")
        .order_by("sort_order", "id")
    )
    for goal in goals:
        goal.needs_measure = goal.live_measures == 0
    return goals


# --- the home page: what needs me now (dashboards.views.home) --------------------------------


def _covering(field_name: str, start: dt.date, end: dt.date) -> Exists:
    """Whether the measure or item has a check-in of a period overlapping start..end."""
    return Exists(
        CheckIn.objects.filter(**{field_name: OuterRef("pk")}, period_start__lte=end, period_end__gte=start)
    )


def _taking_checkins(today: dt.date) -> QuerySet[Measure]:
    """Measures of active goals of today's open periods that take check-ins (no decomposed parts)."""
    return Measure.objects.filter(
        ~frozen_goal_q("goal__"),
        goal__deleted_at__isnull=True,
        goal__status=GoalStatus.ACTIVE,
        goal__period__start__lte=today,
        goal__period__end__gte=today,
    ).exclude(sums_its_parts_q())


def team_missing_checkins(user, today: dt.date, *, limit: int = 12) -> tuple[list[Measure], int]:
    """The team's overdue check-ins: measures of active goals in the departments the user manages
    (an admin: all) with no check-in covering last week, oldest first, and how many there are. Two
    queries."""
    last_week = week_of(today).previous
    if not (is_admin(user) or managed_paths(user)):
        return [], 0
    measures = _taking_checkins(today).filter(~_covering("measure", last_week.start, last_week.end))
    if not is_admin(user):
        measures = measures.filter(subtree_q(managed_paths(user), "goal__department__path"))
    rows = list(
        measures.select_related("goal__owner", "goal__department").order_by(
            "goal__department__path", "goal__owner__display_name", "pk"
        )[:limit]
    )
    return rows, measures.count()  # always counted: the page's query count stays the same


def my_checkins_this_week(user, person, today: dt.date) -> list[dict]:
    """The check-ins `person` owes this week: measures of their active goals and open items where
    they are R, each with `done` (a check-in of a period overlapping this week exists). Two queries."""
    if person is None:
        return []
    week = week_of(today)
    measures = (
        _taking_checkins(today)
        .filter(goal__owner=person)
        .annotate(done=_covering("measure", week.start, week.end))
        .select_related("goal")
        .order_by("goal__sort_order", "goal_id", "sort_order", "pk")
    )
    items = (
        visible_items(user)
        .filter(
            Exists(RaciAssignment.objects.filter(item=OuterRef("pk"), role="R", person=person)),
            status__in=OPEN_STATUSES,
            planned_quantity__isnull=False,
        )
        .annotate(done=_covering("item", week.start, week.end))
        .order_by("due", "pk")
    )
    rows = [{"title": m.name, "goal": m.goal, "done": m.done, "measure": m} for m in measures]
    rows += [{"title": i.title, "goal": None, "done": i.done, "item": i} for i in items]
    return rows
