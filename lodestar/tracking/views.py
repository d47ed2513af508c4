"""Tracking pages: my weekly report (template 2, row by row with HTMX), the department's weekly
report and a measure's plan vs actual. The weekly meeting (周例会) is in meeting_views.py.

Views are thin: they fetch through the access helpers, read through tracking/selectors.py and
write through the services; a service's ApplicationError becomes a form error on the right field.
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.http import add_error_to_form, int_param, page_view
from lodestar.execution.access import access_item
from lodestar.goals import domain as goal_domain
from lodestar.goals.access import access_goal, access_measure, can_edit_goal, can_report_on_goal
from lodestar.goals.models import Goal, Measure
from lodestar.org.models import Department
from lodestar.org.permissions import (
    access_department,
    can_write,
    is_admin,
    is_hr,
    manages_department,
    require_person,
)
from lodestar.tracking import domain, selectors, services
from lodestar.tracking.forms import CheckInForm, PlanForm
from lodestar.tracking.models import CheckIn, DeviationCategory
from lodestar.tracking.services.checkins import checkin_goal

HELP_DEVIATION = selectors.HELP_DEVIATION


def _plain(value: Decimal | None) -> str:
    """A Decimal as an input value: 12.5000 → "12.5", 1E+2 → "100"; None → ""."""
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    return text


def _categories() -> list[DeviationCategory]:
    return list(DeviationCategory.objects.filter(is_active=True).order_by("sort_order", "id"))


# --- my weekly report ------------------------------------------------------------------------


def _row_initial(row: selectors.ReportRow, week: selectors.Week | selectors.Day) -> dict:
    planned = row.planned.quantize(Decimal("0.01")) if row.planned is not None else None
    initial = {"period_start": week.start, "period_end": week.end, "planned": _plain(planned)}
    checkin = row.checkin
    if checkin is not None:
        initial.update(
            version=checkin.version,
            planned=_plain(checkin.planned),
            actual=_plain(checkin.actual),
            deviation_category=str(checkin.deviation_category_id or ""),
            deviation_reason=checkin.deviation_reason,
            improvement=checkin.improvement,
            resource_budget=_plain(checkin.resource_budget),
            resource_people=checkin.resource_people,
            resource_other=checkin.resource_other,
            confidence=checkin.confidence,
            comment=checkin.comment,
        )
    return initial


def _attach_form(
    row: selectors.ReportRow, week: selectors.Week | selectors.Day, categories, data=None
) -> CheckInForm:
    form = CheckInForm(data, prefix=row.key, initial=_row_initial(row, week), categories=categories)
    row.form = form
    return form


def _live_figures(row: selectors.ReportRow) -> None:
    """Cumulative and completion rate as shown before the user types (the saved row, or the plan)."""
    checkin = row.checkin
    if checkin is not None:
        row.cumulative = checkin.cumulative
        row.rate = domain.completion_rate(checkin.planned, checkin.actual)
    else:
        row.cumulative = None
        row.rate = None


@page_view
def report(request):
    """My weekly report (?week=) or daily report (?day=): every check-in due for me in the period,
    one template-2 row each."""
    person = require_person(request.user)
    today = timezone.localdate()
    period = selectors.parse_period(request.GET, today)
    daily = period.kind == "day"
    rows = selectors.report_rows(request.user, person, period, today)
    categories = _categories()
    for row in rows:
        _attach_form(row, period, categories)
        _live_figures(row)
    idle_goals = selectors.goals_without_checkins(person, period)
    for goal in idle_goals:
        goal.can_add_measure = goal.needs_measure and can_edit_goal(request.user, goal)
    return render(
        request,
        "tracking/report.html",
        {
            "period": period,
            "daily": daily,
            "week": period.week if daily else period,  # the week of the other tracking pages' links
            "this_week": selectors.week_of(today),
            "today": selectors.Day(today),
            "rows": rows,
            "measure_rows": [r for r in rows if r.kind == "measure"],
            "item_rows": [r for r in rows if r.kind == "item"],
            "submitted": sum(1 for r in rows if r.checkin is not None),
            "idle_goals": idle_goals,
            "person": person,
            "section": "report",
            "nav_department": person.department if person else None,
        },
    )


def _single_row(request, kind: str, pk: int, week: selectors.Week | selectors.Day, today):
    if kind not in ("measure", "item"):
        raise Http404
    if kind == "measure":
        measure = Measure.objects.filter(pk=pk).values_list("goal_id", flat=True).first()
        if measure is None:
            raise Http404(_("Measure not found."))
        access_goal(request.user, measure)  # 404 when the goal is not visible
        found = selectors.report_measures(week).filter(pk=pk).first()
        if found is None:
            raise Http404(_("This measure adds up its parts: report on the sub-goals instead."))
        return selectors.measure_row(request.user, found, week, today)
    access_item(request.user, pk)
    found = selectors.report_items(request.user, week).filter(pk=pk).first()
    return selectors.item_row(request.user, found, week)


@page_view
@require_POST
def checkin_row(request, kind: str, pk: int):
    """HTMX: save one row of the weekly (?week=) or daily (?day=) report and answer with the row
    (errors or saved state)."""
    require_person(request.user)
    today = timezone.localdate()
    week = selectors.parse_period(request.GET, today)
    row = _single_row(request, kind, pk, week, today)
    if not row.editable:
        raise PermissionDeniedError(_("You may view this but not report on it."))
    categories = _categories()
    form = _attach_form(row, week, categories, data=request.POST)
    if form.is_valid():
        data = form.cleaned_data
        by_id = {str(c.pk): c for c in categories}
        try:
            services.checkin_submit(
                actor=request.user,
                measure=row.obj if kind == "measure" else None,
                item=row.obj if kind == "item" else None,
                period_start=data["period_start"],
                period_end=data["period_end"],
                period_kind=week.kind,
                # A row loaded without a check-in carries no version: 0 ("there was none") makes a
                # check-in someone else saved meanwhile a conflict instead of being overwritten.
                version=data["version"] if data["version"] is not None else 0,
                deviation_category=by_id.get(data["deviation_category"] or ""),
                planned=data["planned"],
                actual=data["actual"],
                deviation_reason=data["deviation_reason"],
                improvement=data["improvement"],
                resource_budget=data["resource_budget"],
                resource_people=data["resource_people"],
                resource_other=data["resource_other"],
                confidence=data["confidence"],
                comment=data["comment"],
            )
        except ApplicationError as exc:
            if isinstance(exc, PermissionDeniedError):
                raise
            add_error_to_form(form, exc)
        else:
            # Re-read: the new version, the stored cumulative, the measure's new current value.
            row = _single_row(request, kind, pk, week, today)
            row.saved = True
            _attach_form(row, week, categories)
    _live_figures(row)
    if row.form.is_bound:
        row.form.mark_invalid()
    return render(request, "tracking/report.html#report-row", {"row": row, "period": week})


# --- department report ------------------------------------------------------------------------


def _department_scope(request):
    """The department of a department page (?department=, default mine) and its read check."""
    person = require_person(request.user)
    department_id = int_param(request.GET.get("department"))
    if department_id:
        department = access_department(request.user, department_id)
    elif person is not None and person.department_id:
        department = person.department
    else:
        department = Department.objects.filter(parent__isnull=True, is_active=True).order_by("path").first()
        if department is None:
            raise Http404(_("Department not found."))
    if not _may_read_department(request.user, person, department):
        raise PermissionDeniedError(
            _("The weekly report of a department is for its members, its managers, HR and admins.")
        )
    return person, department


def _may_read_department(user, person, department) -> bool:
    if is_admin(user) or is_hr(user) or manages_department(user, department):
        return True
    return bool(person and person.department and person.department.path.startswith(department.path))


def _departments():
    return list(Department.objects.filter(is_active=True).order_by("path"))


def _checkin_view(checkin) -> dict:
    rate = domain.completion_rate(checkin.planned, checkin.actual)
    deviation = domain.deviation_rate(checkin.planned, checkin.actual)
    return {
        "checkin": checkin,
        "subject": selectors.checkin_subject(checkin),
        "unit": selectors.checkin_unit(checkin),
        "rate": rate,
        "deviation": deviation,
        "behind": deviation is not None and deviation < HELP_DEVIATION,
        "resources": selectors.has_resource_request(checkin),
    }


def _same_request(checkin: CheckIn, covered: dict) -> bool:
    """An item's request repeated on the measure's row that covers it: listed once, on that row."""
    measure_checkin = covered.get(checkin.pk)
    return measure_checkin is not None and (
        measure_checkin.resource_budget,
        measure_checkin.resource_people,
        measure_checkin.resource_other,
    ) == (checkin.resource_budget, checkin.resource_people, checkin.resource_other)


@page_view
def department_report(request):
    """A department's weekly report: everyone's check-ins of the week, grouped by goal."""
    _person, department = _department_scope(request)
    today = timezone.localdate()
    week = selectors.parse_week(request.GET.get("week"), today)
    checkins = selectors.department_checkins(request.user, department, week)
    # An item's row that its measure's row of the same week already counts is shown, marked,
    # and left out of the sums: each quantity and each budget request is counted once.
    covered = selectors.covered_by_measure(checkins)
    groups: OrderedDict = OrderedDict()
    for checkin in checkins:
        goal = checkin_goal(checkin)
        group = groups.setdefault(goal.pk if goal else None, {"goal": goal, "rows": []})
        row = _checkin_view(checkin)
        row["covered_by"] = covered.get(checkin.pk)
        group["rows"].append(row)
    for group in groups.values():
        group.update(selectors.report_totals(group["rows"], covered))
    rows = [r for g in groups.values() for r in g["rows"]]
    confidences = [r["checkin"].confidence for r in rows if r["checkin"].confidence is not None]
    totals = {
        "checkins": len(rows),
        "people": len({r["checkin"].author_id for r in rows}),
        "behind": sum(1 for r in rows if r["behind"] and r["checkin"].pk not in covered),
        "budget": selectors.requested_budget(checkins, covered),
        "confidence": (Decimal(sum(confidences)) / len(confidences)) if confidences else None,
    }
    return render(
        request,
        "tracking/department_report.html",
        {
            "department": department,
            "departments": _departments(),
            "week": week,
            "groups": list(groups.values()),
            "totals": totals,
            "deviations": [
                r for r in rows if r["checkin"].deviation_reason or r["checkin"].deviation_category
            ],
            "resources": [r for r in rows if r["resources"] and not _same_request(r["checkin"], covered)],
            "section": "department",
        },
    )


# --- measure page -----------------------------------------------------------------------------


def _measure_with_plan(request, measure_id: int) -> Measure:
    """The measure (goals.access rule) with its plan points, as the measure page shows them."""
    measure = access_measure(request.user, measure_id)
    prefetch_related_objects([measure], "plan_points")
    return measure


def expected_now_shown(measure: Measure, expected: Decimal | None) -> Decimal | None:
    """The plan by today as the measure page shows it: in whole things for a counted measure
    (rounded half up, as the weeks' plans are: `domain.planned_between`), else as planned."""
    if expected is not None and goal_domain.countable(measure.unit, measure.accumulates):
        return expected.to_integral_value(rounding=ROUND_HALF_UP)
    return expected


def _measure_context(request, measure: Measure, plan_form: PlanForm) -> dict:
    goal: Goal = measure.goal
    today = timezone.localdate()
    plan = services.measure_plan(measure)
    checkins = list(
        measure.check_ins.select_related("author", "deviation_category").order_by("period_start", "id")
    )
    baseline = measure.baseline if measure.baseline is not None else Decimal(0)
    expected_now = domain.expected_at(plan, min(max(today, goal.period.start), goal.period.end))
    pace = domain.pace(measure.current, expected_now, baseline) if measure.current is not None else None
    observations = [(c.period_end, c.cumulative) for c in checkins if c.cumulative is not None]
    chart_actual = list(observations)
    if measure.current is not None and (not chart_actual or chart_actual[-1][1] != measure.current):
        # The line ends where the measure stands (its check-in plus items reported since, or the
        # value typed before check-ins): the chart shows the same figure as the goal page.
        day = min(max(today, goal.period.start), goal.period.end)
        if chart_actual and day < chart_actual[-1][0]:
            day = chart_actual[-1][0]
        chart_actual.append((day, measure.current))
    forecast = services.measure_forecast(measure, observations)
    chart = {
        "plan": [
            [p.day.isoformat(), float(p.expected_cumulative)] for p in sorted(plan, key=lambda p: p.day)
        ],
        "actual": [[d.isoformat(), float(v)] for d, v in chart_actual],
        "today": today.isoformat() if goal.period.start <= today <= goal.period.end else None,
        "target": float(measure.target),
        "challenge": float(measure.challenge) if measure.challenge is not None else None,
        "labels": {
            "plan": _("Plan (cumulative)"),
            "actual": _("Actual (cumulative)"),
            "today": _("Today"),
            "target": _("Base target"),
            "challenge": _("Challenge"),
        },
    }
    history = []
    for c in reversed(checkins):
        history.append(
            {
                "checkin": c,
                "rate": domain.completion_rate(c.planned, c.actual),
                "deviation": domain.deviation_rate(c.planned, c.actual),
            }
        )
    stored = measure.plan_points.all()
    return {
        "measure": measure,
        "goal": goal,
        "plan": sorted(plan, key=lambda p: p.day),
        "plan_source": stored[0].get_source_display() if stored else None,
        "expected_now": expected_now_shown(measure, expected_now),
        "pace": pace,
        "health": domain.health(pace).value,
        "forecast": forecast,
        "history": history,
        "checkin_changes": selectors.checkin_changes(measure=measure),
        "chart": chart,
        "can_plan": can_report_on_goal(request.user, goal) and can_write(request.user),
        "plan_form": plan_form,
        "week": selectors.week_of(today),
        "section": "measure",
    }


@page_view
def measure_detail(request, measure_id: int):
    """A measure's plan vs actual: chart, check-in history, forecast and the plan editor."""
    measure = _measure_with_plan(request, measure_id)
    stored = measure.plan_points.all()
    initial = {"source": stored[0].source if stored else "even", "version": measure.version}
    if stored and stored[0].source == "manual":
        initial["points"] = "\n".join(f"{p.date.isoformat()} {_plain(p.expected_cumulative)}" for p in stored)
    return render(
        request, "tracking/measure.html", _measure_context(request, measure, PlanForm(initial=initial))
    )


@page_view
@require_POST
def measure_plan(request, measure_id: int):
    """Replace the measure's time-phased plan (owner and managers)."""
    measure = _measure_with_plan(request, measure_id)
    if not can_report_on_goal(request.user, measure.goal):
        raise PermissionDeniedError(_("Only the goal's owner or a manager can plan it."))
    form = PlanForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.plan_set(
                actor=request.user,
                measure=measure,
                source=data["source"],
                points=data["points"] or None,
                step_days=data["step_days"] or 7,
                version=data["version"],
            )
        except ApplicationError as exc:
            if isinstance(exc, PermissionDeniedError):
                raise
            add_error_to_form(form, exc)
        else:
            messages.success(request, _("The plan was saved."))
            return redirect("tracking:measure", measure_id=measure.pk)
    measure = _measure_with_plan(request, measure_id)
    return render(request, "tracking/measure.html", _measure_context(request, measure, form), status=200)
