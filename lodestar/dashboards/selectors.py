"""The dashboards' panels (看板, issue 16): read models built by aggregate queries.

A dashboard is a `Scope` (the company, a department's subtree or a person; a period; the reader) and a
list of panels (both in read_model.py). Each panel is one function `<name>_panel(scope) -> Panel` that
reads what it shows with a fixed number of queries whatever the size of the organisation: `values()` + `annotate()` over the
stored roll-ups (goals keep their achievement, progress and health; measures their current value), and
for the few rows a chart draws (the first `GOAL_LIMIT` goals or measures) their plans and check-in
series in one query each. The page, the xlsx export and the API all read the same `Panel`, so what the
API returns is what the page draws.

Every figure comes from what the reader may see: goals through `visible_goals`, items through
`visible_items`, alerts through `visible_alerts`.

Adding a panel (e.g. budget vs spend): write `budget_panel(scope) -> Panel` here or in a module of its own
that imports read_model.py (budget_panels.py, verification_panels.py), add it to `PANELS`
(and to `SCOPE_PANELS` for the dashboards that show it), and add a `draw.<key>` function to the page's
`{% block panel_charts %}` in templates/dashboards/board.html. The table, the xlsx export, the PNG button
and the API come with the `Panel`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import partial, reduce
from operator import or_
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.alerts.access import visible_alerts
from lodestar.alerts.models import Alert, AlertCondition
from lodestar.core.models import Period, PeriodKind
from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.side_by_side import run_side_by_side
from lodestar.dashboards.budget_panels import budget_panel, channel_roi_panel
from lodestar.dashboards.read_model import Column, Panel, Scope
from lodestar.dashboards.verification_panels import verification_panel
from lodestar.execution.access import visible_items
from lodestar.execution.domain import OPEN_STATUSES
from lodestar.execution.models import RaciAssignment
from lodestar.goals import domain as goal_domain
from lodestar.goals.models import (
    Goal,
    GoalStatus,
    GoalType,
    HealthChoice,
    Measure,
    live_parts,
    sums_its_parts_q,
)
from lodestar.goals.rollup import figures_of, plan_of
from lodestar.org.models import Department
from lodestar.tracking.models import CheckIn, CheckInPeriod, PlanPoint
from lodestar.tracking.services import measure_forecast, measure_plan
from lodestar.tracking.services.completion import COVERED_KINDS as COMPLETION_KINDS
from lodestar.tracking.services.completion import late_from_moment

GOAL_LIMIT = 25  # goals (and measures) a bar chart draws; the table says when there are more
LIST_LIMIT = 10  # alerts and items listed under their counts


# --- scope and period ----------------------------------------------------------------------------


def period_choices() -> list[Period]:
    """Years, quarters and months (newest first) for the period picker. One query."""
    return list(
        Period.objects.filter(kind__in=[PeriodKind.YEAR, PeriodKind.QUARTER, PeriodKind.MONTH]).order_by(
            "-start", "kind"
        )
    )


def default_period(today: dt.date) -> Period | None:
    """The current quarter; else the current year; else the latest period. One query."""
    periods = {
        p.kind: p
        for p in Period.objects.filter(
            start__lte=today, end__gte=today, kind__in=[PeriodKind.QUARTER, PeriodKind.YEAR]
        )
    }
    return (
        periods.get(PeriodKind.QUARTER)
        or periods.get(PeriodKind.YEAR)
        or Period.objects.exclude(kind=PeriodKind.WEEK).order_by("-start").first()
    )


def resolve_period(period_id: int | None, today: dt.date) -> Period | None:
    """The chosen period (`?period=<id>`), or the default one when none or an unknown id is given."""
    if period_id is not None:
        chosen = Period.objects.filter(pk=period_id).first()
        if chosen is not None:
            return chosen
    return default_period(today)


def company_rows() -> list[Department]:
    """What the company splits into: the departments of the top three levels (company, 中心, 部),
    a goal counting in the deepest of them above it."""
    return list(Department.objects.filter(is_active=True, depth__lte=2).order_by("path"))


def department_rows(department: Department) -> list[Department]:
    """The department itself (its own goals) and each department directly below it (their subtrees)."""
    return [department, *Department.objects.filter(parent=department, is_active=True).order_by("path")]


def build_scope(kind: str, user, period: Period, *, department=None, person=None, today=None) -> Scope:
    today = today or timezone.localdate()
    rows: list[Department] = []
    if kind == "company":
        rows = company_rows()
    elif kind == "department":
        rows = department_rows(department)
    period_days = {
        pk: (start, end)
        for pk, start, end in Period.objects.filter(start__lte=period.end, end__gte=period.start).values_list(
            "pk", "start", "end"
        )
    }
    department_paths = dict(Department.objects.values_list("pk", "path"))
    return Scope(
        kind,
        user,
        period,
        today,
        department=department,
        person=person,
        rows=rows,
        period_days=period_days,
        department_paths=department_paths,
    )


def _health_label(value: str) -> str:
    return str(dict(HealthChoice.choices).get(value, value))


def _ratio(part, whole) -> Decimal | None:
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


# --- 1. achievement and pace by goal -----------------------------------------------------------


def achievement_panel(scope: Scope) -> Panel:
    """Each goal's achievement and progress (stored roll-ups) as bars, with the plan to date as the marker on
    the progress scale (pace = progress ÷ plan to date, as the goal's health is judged): the
    progress its measures' time-phased plans expect by today (a straight line from the period start
    without a plan; the share of the period elapsed for a goal that rolls up its children) — the same
    `goals.domain.goal_planned_progress` the goal's health is judged by. Three queries."""
    # The first goals are picked from the goals' own columns, then only they are read with their relations:
    # joining four relations to every goal of the company before sorting cost more than the sort.
    first = scope.goals().order_by("depth", "sort_order", "id").values("pk")[: GOAL_LIMIT + 1]
    goals = list(
        Goal.objects.filter(pk__in=first)
        .select_related("department", "owner", "period", "goal_type")
        .prefetch_related(
            Prefetch(
                "measures",
                queryset=Measure.objects.order_by("sort_order", "id").prefetch_related(
                    Prefetch("plan_points", queryset=PlanPoint.objects.order_by("date"))
                ),
            )
        )
        .order_by("depth", "sort_order", "id")
    )
    truncated = len(goals) > GOAL_LIMIT
    rows = []
    for goal in goals[:GOAL_LIMIT]:
        period = goal.period
        day = min(max(scope.today, period.start), period.end)
        measures = list(goal.measures.all())
        if goal.status == GoalStatus.CLOSED or scope.today > period.end:
            planned = Decimal(1)
        elif measures:
            planned = goal_domain.goal_planned_progress(
                [figures_of(m) for m in measures],
                [plan_of(m) for m in measures],
                period.start,
                period.end,
                day,
            )
        else:
            planned = goal_domain.linear_share_to_date(period.start, period.end, day)
        pace = goal.progress / planned if goal.progress is not None and planned else None
        rows.append(
            {
                "goal_id": goal.pk,
                "goal": goal.name,
                "department_id": goal.department_id,
                "department": goal.department.name,
                "owner": goal.owner.display_name if goal.owner else "",
                "goal_type": str(goal.goal_type) if goal.goal_type else "",
                "period": goal.period.label,
                "achievement": rate_str(goal.achievement_rate),
                "progress": rate_str(goal.progress),
                "plan_to_date": rate_str(planned),
                "pace": rate_str(pace),
                "health": goal.health,
                "health_label": _health_label(goal.health),
            }
        )
    return Panel(
        key="achievement",
        title=_("Achievement and pace by goal"),
        columns=[
            Column("goal", _("Goal"), link="goal"),
            Column("department", _("Department"), link="department"),
            Column("owner", _("Owner")),
            Column("achievement", _("Achievement"), "rate"),
            Column("progress", _("Progress"), "rate"),
            Column("plan_to_date", _("Plan to date"), "rate"),
            Column("pace", _("Pace"), "rate"),
            Column("health_label", _("Health"), "health"),
        ],
        rows=rows,
        truncated=truncated,
        note=_(
            "Light bar: achievement (each measure capped at 100%). Solid bar: progress from the baseline, "
            "coloured by health. Marker: the progress the plan expects by today."
        ),
    )


# --- 2. actual vs plan with the forecast band ----------------------------------------------------


def plan_panel(scope: Scope) -> Panel:
    """Each measure's actual against its plan to date and the forecast at the period end with its 80%
    band, from tracking's plan (`measure_plan`) and forecast (`measure_forecast`), the ones the measure
    page shows. Shares of the base target for the chart; the figures in the measure's unit for the
    table. Four queries: measures, plan points, check-in series (and nothing per measure)."""
    order = ("goal__depth", "goal__sort_order", "goal_id", "sort_order", "id")
    takes_checkins = ~Exists(live_parts(OuterRef("pk")))  # per goal walked: the first few suffice
    # The first measures belong to the first goals (in the goals' order) that have one: those goals are
    # found by walking the goals' (depth, sort_order, id) index, not by sorting every measure of the
    # scope (at L 15,000 of them, both years' read to find the quarter's).
    first_goals = (
        scope.goals()
        .filter(Exists(Measure.objects.filter(takes_checkins, goal=OuterRef("pk"))))
        .order_by("depth", "sort_order", "id")
        .values("pk")[: GOAL_LIMIT + 1]
    )
    measures = list(
        Measure.objects.filter(takes_checkins, goal__in=first_goals)
        .select_related("goal__period", "goal__department")
        .prefetch_related(Prefetch("plan_points", queryset=PlanPoint.objects.order_by("date")))
        .order_by(*order)[: GOAL_LIMIT + 1]
    )
    truncated = len(measures) > GOAL_LIMIT
    measures = measures[:GOAL_LIMIT]
    series: dict[int, list[tuple[dt.date, Decimal]]] = {}
    for measure_id, period_end, cumulative in (
        CheckIn.objects.filter(measure__in=measures, cumulative__isnull=False)
        .order_by("period_end", "id")
        .values_list("measure_id", "period_end", "cumulative")
    ):
        series.setdefault(measure_id, []).append((period_end, cumulative))
    rows = []
    for measure in measures:
        goal = measure.goal
        period = goal.period
        day = min(max(scope.today, period.start), period.end)
        expected = goal_domain.expected_at(measure_plan(measure), day)
        forecast = measure_forecast(measure, series.get(measure.pk, []))
        target = measure.target

        def share(value, target=target):
            return rate_str(value / target) if value is not None and target else None

        rows.append(
            {
                "goal_id": goal.pk,
                "measure_id": measure.pk,
                "goal": goal.name,
                "measure": measure.name,
                "unit": measure.unit_display,
                "target": amount_str(target),
                "plan_to_date": amount_str(expected.quantize(Decimal("0.01")))
                if expected is not None
                else None,
                "actual": amount_str(measure.current),
                "forecast": amount_str(forecast.expected.quantize(Decimal("0.01"))) if forecast else None,
                "forecast_low": amount_str(forecast.low.quantize(Decimal("0.01"))) if forecast else None,
                "forecast_high": amount_str(forecast.high.quantize(Decimal("0.01"))) if forecast else None,
                "p_base": rate_str(forecast.p_base) if forecast else None,
                "actual_share": share(measure.current),
                "plan_share": share(expected),
                "forecast_share": share(forecast.expected) if forecast else None,
                "low_share": share(forecast.low) if forecast else None,
                "high_share": share(forecast.high) if forecast else None,
            }
        )
    return Panel(
        key="plan",
        title=_("Actual vs plan, with the forecast band"),
        columns=[
            Column("goal", _("Goal"), link="goal"),
            Column("measure", _("Metric"), link="measure"),
            Column("unit", _("Unit")),
            Column("target", _("Base target"), "amount"),
            Column("plan_to_date", _("Plan to date"), "amount"),
            Column("actual", _("Actual"), "amount"),
            Column("forecast", _("Forecast at period end"), "amount"),
            Column("forecast_low", _("Band low (80%)"), "amount"),
            Column("forecast_high", _("Band high (80%)"), "amount"),
            Column("p_base", _("P(reach base)"), "rate"),
        ],
        rows=rows,
        truncated=truncated,
        note=_(
            "Chart in % of each base target: actual, plan to date, and the forecast at the period end with its 80% band."
        ),
    )


# --- 3. departments × goal types by health ------------------------------------------------------

HEALTH_ORDER = ["on_track", "achieved", "at_risk", "off_track", "missed", "not_started"]


def heatmap_panel(scope: Scope) -> Panel:
    """Goals counted by department (the scope's row departments, each with its subtree) and goal type,
    per health. The cell's colour is its health score: (on track + achieved + ½ at risk) / goals with a
    health other than not started. One query, counted by department (folded into the row departments,
    which come with the scope, by `row_department_of`), and the goal types."""
    if scope.kind == "person":
        person_department = scope.person.department_id if scope.person else None
        rows_by_id = {person_department: scope.person.department} if scope.person else {}

        def row_of(_department: int | None) -> int | None:
            return person_department

    else:
        row_of = scope.row_of()
        rows_by_id = {d.pk: d for d in scope.rows}
    counts = (
        scope.goals()
        .values_list("department_id", "goal_type_id", "health")
        .annotate(n=Count("pk"))
        .order_by()
    )
    cells: dict[tuple, dict[str, int]] = {}
    type_ids: set = set()
    for department, type_id, health, n in counts:
        department_id = row_of(department)
        if department_id is None:
            continue
        by_health = cells.setdefault((department_id, type_id), {})
        by_health[health] = by_health.get(health, 0) + n
        type_ids.add(type_id)
    types = {t.pk: t for t in GoalType.objects.filter(pk__in=[t for t in type_ids if t is not None])}
    ordered_types = sorted(
        type_ids, key=lambda t: (t is None, types[t].sort_order if t in types else 0, t or 0)
    )
    rows = []
    for department in [d for d in rows_by_id.values() if d is not None]:
        for type_id in ordered_types:
            by_health = cells.get((department.pk, type_id))
            if not by_health:
                continue
            total = sum(by_health.values())
            started = total - by_health.get("not_started", 0)
            good = by_health.get("on_track", 0) + by_health.get("achieved", 0)
            score = (Decimal(good) + Decimal(by_health.get("at_risk", 0)) / 2) / started if started else None
            rows.append(
                {
                    "department_id": department.pk,
                    "department": department.name,
                    "goal_type_id": type_id,
                    "goal_type": str(types[type_id]) if type_id in types else _("No type"),
                    "goals": total,
                    **{h: by_health.get(h, 0) for h in HEALTH_ORDER},
                    "health_score": rate_str(score),
                }
            )
    return Panel(
        key="heatmap",
        title=_("Departments × goal types by health"),
        columns=[
            Column("department", _("Department"), link="department"),
            Column("goal_type", _("Goal type")),
            Column("goals", _("Goals"), "int"),
            *[Column(h, _health_label(h), "int") for h in HEALTH_ORDER],
            Column("health_score", _("Health score"), "rate"),
        ],
        rows=rows,
        note=_(
            "Health score = (on track + achieved + ½ at risk) ÷ goals under way. Click a department to open its dashboard."
        ),
    )


# --- 4. open alerts ----------------------------------------------------------------------------


def _alert_scope_q(scope: Scope) -> Q:
    if scope.kind == "department" and scope.department is not None:
        path = scope.department.path
        return (
            Q(goal__department__path__startswith=path)
            | Q(item__department__path__startswith=path)
            | Q(retrospective__department__path__startswith=path)
        )
    if scope.kind == "person" and scope.person is not None:
        return Q(goal__owner=scope.person) | Q(
            pk__in=Alert.recipients.through.objects.filter(person=scope.person).values("alert")
        )
    return Q()


def alerts_panel(scope: Scope) -> Panel:
    """Open and acknowledged alerts the reader may see in the scope, raised in the period (or still
    open from before it), counted by condition; the newest listed. Two queries."""
    alerts = visible_alerts(scope.user).filter(
        _alert_scope_q(scope),
        status__in=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED],
        created_at__date__lte=scope.period.end,
    )
    counts = alerts.values_list("rule__condition", "status").annotate(n=Count("pk", distinct=True)).order_by()
    by_condition: dict[str, dict[str, int]] = {}
    for condition, status, n in counts:
        by_condition.setdefault(condition, {})[status] = n
    labels = dict(AlertCondition.choices)
    rows = [
        {
            "condition": condition,
            "condition_label": str(labels.get(condition, condition)),
            "open": by_condition[condition].get(Alert.Status.OPEN, 0),
            "acknowledged": by_condition[condition].get(Alert.Status.ACKNOWLEDGED, 0),
            "total": sum(by_condition[condition].values()),
        }
        for condition, _label in AlertCondition.choices
        if condition in by_condition
    ]
    newest = list(
        alerts.select_related("rule", "goal").distinct().order_by("-created_at", "-id")[:LIST_LIMIT]
    )
    items = [
        {
            "alert_id": a.pk,
            "subject": a.local_subject,
            "status": str(a.get_status_display()),
            "goal_id": a.goal_id,
            "goal": a.goal.name if a.goal_id else "",
            "created": timezone.localdate(a.created_at).isoformat(),
        }
        for a in newest
    ]
    return Panel(
        key="alerts",
        title=_("Open alerts"),
        columns=[
            Column("condition_label", _("Condition")),
            Column("open", _("Open"), "int"),
            Column("acknowledged", _("Acknowledged"), "int"),
            Column("total", _("Total"), "int"),
        ],
        rows=rows,
        items=items,
        item_columns=[
            Column("subject", _("Alert"), link="alert"),
            Column("status", _("Status")),
            Column("goal", _("Goal"), link="goal"),
            Column("created", _("Raised"), "date"),
        ],
        item_total=sum(r["total"] for r in rows),
    )


# --- 5. overdue action items ---------------------------------------------------------------------


def overdue_panel(scope: Scope) -> Panel:
    """Open items (to do, doing, blocked) due in the period before today, counted by department (the
    scope's row departments) or, on a person's dashboard, by priority (items where they are R); the most
    overdue listed. Two queries."""
    last_day = min(scope.period.end, scope.today - dt.timedelta(days=1))
    items = visible_items(scope.user).filter(
        status__in=OPEN_STATUSES, due__gte=scope.period.start, due__lte=last_day
    )
    if scope.kind == "department" and scope.department is not None:
        items = items.filter(department__path__startswith=scope.department.path)
    elif scope.kind == "person" and scope.person is not None:
        items = items.filter(
            Exists(RaciAssignment.objects.filter(item=OuterRef("pk"), role="R", person=scope.person))
        )
    if scope.kind == "person":
        counts = items.values_list("priority").annotate(n=Count("pk")).order_by("priority")
        rows = [{"group": priority, "department_id": None, "overdue": n} for priority, n in counts]
        group_label = _("Priority")
    else:
        row_of = scope.row_of()
        found: dict[int, int] = {}
        for department, n in items.values_list("department_id").annotate(n=Count("pk")).order_by():
            row = row_of(department)
            if row is not None:
                found[row] = found.get(row, 0) + n
        rows = [
            {"group": d.name, "department_id": d.pk, "overdue": found[d.pk]}
            for d in scope.rows
            if found.get(d.pk)
        ]
        group_label = _("Department")
    oldest = list(items.select_related("department", "goal").order_by("due", "priority", "id")[:LIST_LIMIT])
    listed = [
        {
            "item_id": item.pk,
            "title": item.title,
            "department": item.department.name,
            "priority": item.priority,
            "due": item.due.isoformat() if item.due else None,
            "days_overdue": (scope.today - item.due).days if item.due else None,
        }
        for item in oldest
    ]
    return Panel(
        key="overdue",
        title=_("Overdue action items"),
        columns=[
            Column("group", group_label, link="department" if scope.kind != "person" else ""),
            Column("overdue", _("Overdue items"), "int"),
        ],
        rows=rows,
        items=listed,
        item_columns=[
            Column("title", _("Item"), link="item"),
            Column("department", _("Department")),
            Column("priority", _("Priority")),
            Column("due", _("Due"), "date"),
            Column("days_overdue", _("Days overdue"), "int"),
        ],
        item_total=sum(r["overdue"] for r in rows),
    )


# --- 6. check-in completion ----------------------------------------------------------------------


def _weeks(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The Monday–Sunday weeks that start on or after `start` and end on or before `end`."""
    monday = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    weeks = []
    while monday + dt.timedelta(days=6) <= end:
        weeks.append((monday, monday + dt.timedelta(days=6)))
        monday += dt.timedelta(days=7)
    return weeks


def _weekly_checkins_q(weeks: list[tuple[dt.date, dt.date]]) -> tuple[Q, Q]:
    """(in one of the weeks, and on time) as filters on check-ins. The weeks are consecutive, so "in
    one of them" is one range of the (measure, period_start) index."""
    in_a_week = Q(
        period_start__gte=weeks[0][0], period_start__lte=weeks[-1][1], period_kind=CheckInPeriod.WEEK
    )
    on_time = reduce(
        or_,
        (
            Q(period_start__gte=monday, period_start__lte=sunday, created_at__lt=late_from_moment(monday))
            for monday, sunday in weeks
        ),
        Q(pk__in=[]),
    )
    return in_a_week, on_time


def _reported_from_checkins(scope: Scope, weeks: list[tuple[dt.date, dt.date]], finest: str):
    """(finest group, goal period id, reported, on time) counted from the check-ins of the weeks:
    reads every one of them (through the (measure, period_start) index)."""
    in_a_week, on_time = _weekly_checkins_q(weeks)
    return (
        CheckIn.objects.filter(in_a_week, scope.visible_goal_q_through("measure__goal__"))
        .exclude(sums_its_parts_q("measure__"))
        .values_list(finest, "measure__goal__period_id")
        .annotate(reported=Count("pk"), on_time=Count("pk", filter=on_time))
        .order_by()
    )


def _rollup_counts(scope: Scope, weeks: list[tuple[dt.date, dt.date]]) -> dict[str, Any]:
    """Sum(reported) and Sum(on time) over each measure's row of the period in tracking's stored
    roll-up, as annotations of the measures due (the row joined as "done"; no row, nothing reported).
    The roll-up counts every week wholly inside the period; while the period runs, the weeks that
    have not ended (normally only the current one, the row's `last_week`) are taken off. A measure
    with check-ins for two or more weeks after the last ended one (entered ahead) is counted from its
    check-ins instead."""
    last_monday = weeks[-1][0]
    reported: Any = F("done__reported")
    on_time: Any = F("done__on_time")
    if weeks[-1][1] + dt.timedelta(days=7) <= scope.period.end:  # a full week of the period is still to end
        in_a_week, timely = _weekly_checkins_q(weeks)
        own = CheckIn.objects.filter(in_a_week, measure=OuterRef("pk")).values("measure")
        reported = Case(
            When(
                done__earlier_week__gt=last_monday,
                then=Coalesce(Subquery(own.annotate(n=Count("pk")).values("n")), 0),
            ),
            When(done__last_week__gt=last_monday, then=F("done__reported") - F("done__last_reported")),
            default=F("done__reported"),
            output_field=IntegerField(),
        )
        on_time = Case(
            When(
                done__earlier_week__gt=last_monday,
                then=Coalesce(Subquery(own.filter(timely).annotate(n=Count("pk")).values("n")), 0),
            ),
            When(done__last_week__gt=last_monday, then=F("done__on_time") - F("done__last_on_time")),
            default=F("done__on_time"),
            output_field=IntegerField(),
        )
    return {"reported": Coalesce(Sum(reported), 0), "on_time": Coalesce(Sum(on_time), 0)}


def checkin_panel(scope: Scope) -> Panel:
    """Who checked in on time in the period: for every measure that takes check-ins (of an active or
    closed goal of the scope, not a decomposed parent), each full week of the period that has ended, a
    weekly check-in is due; it is on time when entered by the end of the next Monday
    (`tracking.domain.late_from`). Grouped by department (company), person (department) or measure
    (person). Counted in the database by the finest group (department, owner or measure) and goal
    period: the measures due, and what they reported — for a year, quarter or month in the same
    query, from tracking's stored roll-up `CheckInCompletion` joined to each measure
    (`_rollup_counts`); for other periods in a second query, from the check-ins
    (`_reported_from_checkins`: the same figures, the way they are defined). The departments are folded
    into the scope's rows here (`Scope.row_of`), and the weeks due per goal period counted from the
    scope's periods (`Scope.period_days`)."""
    last_sunday = scope.today - dt.timedelta(days=scope.today.weekday() + 1)
    weeks = _weeks(scope.period.start, min(scope.period.end, last_sunday))
    measures = Measure.objects.filter(scope.visible_goal_q_through("goal__")).exclude(sums_its_parts_q())
    if scope.kind == "company":
        key, labels = "goal__department_id", ()
        link = "department"
    elif scope.kind == "department":
        key, labels = "goal__owner_id", ("goal__owner__display_name",)
        link = "person"
    else:
        key, labels = "id", ("goal__name", "name")
        link = "measure"
    row_of = scope.row_of()
    names = {d.pk: d.name for d in scope.rows}
    # The measures due per group and goal period, with what they reported when the roll-up has it …
    from_rollup = bool(weeks) and scope.period.kind in COMPLETION_KINDS
    counted: dict[str, Any] = {"measures": Count("pk")}
    if from_rollup:
        measures = measures.annotate(
            done=FilteredRelation("completions", condition=Q(completions__period=scope.period))
        )
        counted |= _rollup_counts(scope, weeks)
    groups: dict[tuple, dict] = {}  # (row, goal period start, end) → name and measures
    group_of: dict[tuple, tuple] = {}  # (finest group, goal period id) → its (row, start, end)
    checked: dict[tuple, list[int]] = {}
    for found in measures.values(key, *labels, "goal__period_id").annotate(**counted).order_by():
        if scope.kind == "company":
            row = row_of(found[key])
            name = names.get(row, "")
        elif scope.kind == "department":
            row, name = found[key], found["goal__owner__display_name"]
        else:
            row, name = found[key], f"{found['goal__name']} · {found['name']}"
        if row is None:
            continue
        group = (row, *scope.period_days[found["goal__period_id"]])
        groups.setdefault(group, {"name": name, "measures": 0})["measures"] += found["measures"]
        group_of[(found[key], found["goal__period_id"])] = group
        if from_rollup:
            counts = checked.setdefault(group, [0, 0])
            counts[0] += found["reported"]
            counts[1] += found["on_time"]
    # … or, for other periods, the period's weekly check-ins on them.
    if weeks and not from_rollup:
        finest = "measure_id" if key == "id" else f"measure__{key}"
        for finest_group, period_id, reported, timely in _reported_from_checkins(scope, weeks, finest):
            group = group_of.get((finest_group, period_id))
            if group is not None:
                counts = checked.setdefault(group, [0, 0])
                counts[0] += reported
                counts[1] += timely
    totals: dict = {}
    for (row, start, end), group in groups.items():
        due = group["measures"] * sum(1 for monday, sunday in weeks if monday >= start and sunday <= end)
        reported, timely = checked.get((row, start, end), (0, 0))
        total = totals.setdefault(row, {"name": group["name"], "due": 0, "reported": 0, "on_time": 0})
        total["due"] += due
        total["reported"] += min(reported, due)
        total["on_time"] += min(timely, due)
    order = (
        [d.pk for d in scope.rows]
        if scope.kind == "company"
        else sorted(totals, key=lambda k: (totals[k]["name"], k))  # namesakes in a fixed order
    )
    rows = []
    for row_key in order:
        total = totals.get(row_key)
        if not total or not total["due"]:
            continue
        rows.append(
            {
                "group": total["name"],
                f"{link}_id": row_key,
                "due": total["due"],
                "reported": total["reported"],
                "on_time": total["on_time"],
                "on_time_rate": rate_str(_ratio(total["on_time"], total["due"])),
                "reported_rate": rate_str(_ratio(total["reported"], total["due"])),
            }
        )
    group_label = {"company": _("Department"), "department": _("Person")}.get(scope.kind, _("Metric"))
    return Panel(
        key="checkins",
        title=_("Check-in completion"),
        columns=[
            Column("group", group_label, link=link),
            Column("due", _("Weekly check-ins due"), "int"),
            Column("reported", _("Reported"), "int"),
            Column("on_time", _("On time"), "int"),
            Column("on_time_rate", _("On-time rate"), "rate"),
            Column("reported_rate", _("Reported rate"), "rate"),
        ],
        rows=rows,
        note=_(
            "One weekly check-in is due per metric for each full week of the period that has ended; on time = entered by the end of the following Monday."
        ),
    )


# --- the panels of each dashboard --------------------------------------------------------------

# A panel function returns None when the reader may not see that panel at all (the budget panels for a
# reader who may not see budgets): the dashboard then shows no box for it.
PANELS: dict[str, Callable[[Scope], Panel | None]] = {
    "achievement": achievement_panel,
    "plan": plan_panel,
    "heatmap": heatmap_panel,
    "alerts": alerts_panel,
    "overdue": overdue_panel,
    "checkins": checkin_panel,
    "budget": budget_panel,  # dashboards/budget_panels.py
    "channel_roi": channel_roi_panel,  # dashboards/budget_panels.py
    "verification": verification_panel,  # dashboards/verification_panels.py
}

SCOPE_PANELS: dict[str, list[str]] = {
    "company": [
        "achievement",
        "heatmap",
        "plan",
        "alerts",
        "overdue",
        "checkins",
        "budget",
        "channel_roi",
        "verification",
    ],
    "department": [
        "achievement",
        "heatmap",
        "plan",
        "alerts",
        "overdue",
        "checkins",
        "budget",
        "channel_roi",
        "verification",
    ],
    # No budget panel: budget lines belong to departments, not to people.
    "person": ["achievement", "plan", "alerts", "overdue", "checkins", "verification"],
}


# The panels by how long they take at scale L (bench/README.md), longest first: started first, the two
# helpers then finish at about the same time instead of one starting the check-ins when the other is done.
SLOWEST_FIRST = [
    "checkins",
    "plan",
    "verification",
    "achievement",
    "overdue",
    "channel_roi",
    "heatmap",
    "alerts",
    "budget",
]


def dashboard_panels(scope: Scope, only: str | None = None) -> list[Panel]:
    """The panels of the scope's dashboard the reader may see, in page order (or the one named `only`).
    Each reads on its own, so they run side by side (`core.side_by_side`): one panel's query runs in
    the database while another's rows become figures."""
    keys = SCOPE_PANELS[scope.kind]
    if only is not None:
        keys = [k for k in keys if k == only]
    slowest_first = sorted(keys, key=SLOWEST_FIRST.index)
    built = dict(
        zip(slowest_first, run_side_by_side([partial(PANELS[k], scope) for k in slowest_first]), strict=True)
    )
    return [panel for panel in (built[k] for k in keys) if panel is not None]
