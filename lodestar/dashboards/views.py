"""The home page answers "what needs me now", per role (docs/user-guide: 首页):

- a manager or admin (the director, a team lead): goals of their departments off track, target
  adjustments waiting for their approval, consensus waiting for their sign-off, and the team's
  check-ins overdue from last week;
- everyone who writes (the specialist, the team lead too): this week's check-ins and the items due
  this week or overdue;
- an HR partner or a guest: a read-only summary of how the goals they may see stand.

Every block comes from a selector of the app that owns the records (goals, execution, tracking), so
the page's query count does not grow with the rows. The dashboards app stands at the top of the
layers: it reads what the apps below it keep and writes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from lodestar.core.http import page_view
from lodestar.core.models import Period, PeriodKind
from lodestar.execution import selectors as execution_selectors
from lodestar.goals import selectors as goal_selectors
from lodestar.goals.models import Goal
from lodestar.org.models import Person
from lodestar.org.permissions import can_write, is_admin, is_hr, is_manager, require_person
from lodestar.tracking import selectors as tracking_selectors


def current_periods(today: dt.date) -> list[Period]:
    """The year, quarter, month and week that contain today, in that order (one query)."""
    found = {
        p.kind: p
        for p in Period.objects.filter(start__lte=today, end__gte=today).exclude(kind=PeriodKind.CUSTOM)
    }
    return [found[k] for k in ("year", "quarter", "month", "week") if k in found]


def home_role(user) -> str:
    """Which home the reader gets: "lead" (admin or manager who writes), "doer" (writes), "reader"
    (HR partner or guest: read-only summary)."""
    if not can_write(user) or is_hr(user):
        return "reader"
    return "lead" if is_admin(user) or is_manager(user) else "doer"


def _needs_of_lead(user, today: dt.date) -> dict:
    missing, missing_total = tracking_selectors.team_missing_checkins(user, today)
    return {
        "off_track": goal_selectors.team_goals_off_track(user, today),
        "adjustments": goal_selectors.adjustments_to_decide(user),
        "missing_checkins": missing,
        "missing_total": missing_total,
    }


def _needs_of_doer(user, person, today: dt.date) -> dict:
    work = execution_selectors.my_work(user, today)
    return {
        "my_checkins": tracking_selectors.my_checkins_this_week(user, person, today),
        "items_overdue": work["overdue"],
        "items_this_week": work["this_week"],
    }


@page_view
def home(request):
    person = require_person(request.user)
    today = timezone.localdate()
    role = home_role(request.user)
    team, goals, pending, needs = [], [], [], {}
    if person is not None:
        team = list(
            Person.objects.filter(Q(department_id=person.department_id) | Q(manager=person), is_active=True)
            .exclude(pk=person.pk)
            .select_related("user", "department")
            .order_by("department__path", "display_name")[:50]
        )
        goals = list(
            Goal.objects.filter(owner=person, period__start__lte=today, period__end__gte=today)
            .exclude(status="cancelled")
            .select_related("period")
            .order_by("period__start", "depth", "sort_order")[:8]
        )
        pending = goal_selectors.consensus_waiting_for(person)
    if role == "lead":
        needs.update(_needs_of_lead(request.user, today))
    if role in ("lead", "doer"):
        needs.update(_needs_of_doer(request.user, person, today))
    if role == "reader":
        needs["health_summary"] = goal_selectors.health_summary(request.user, today)
    return render(
        request,
        "dashboards/home.html",
        {
            "person": person,
            "home_role": role,
            "team": team,
            "goals": goals,
            "pending": pending,
            **needs,
            "periods_now": current_periods(today),
            "today": today,
            "has_departments": person is not None and person.department_id is not None,
        },
    )
