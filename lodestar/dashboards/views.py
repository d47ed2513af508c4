"""The home page: my team, my goals of the current periods, consensus waiting for me, today's periods.

The dashboards app stands at the top of the layers: it reads what the apps below it keep and writes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from lodestar.core.http import page_view
from lodestar.core.models import Period, PeriodKind
from lodestar.goals.models import ConsensusRecord, Goal
from lodestar.org.models import Person
from lodestar.org.permissions import require_person


def current_periods(today: dt.date) -> list[Period]:
    """The year, quarter, month and week that contain today, in that order (one query)."""
    found = {
        p.kind: p
        for p in Period.objects.filter(start__lte=today, end__gte=today).exclude(kind=PeriodKind.CUSTOM)
    }
    return [found[k] for k in ("year", "quarter", "month", "week") if k in found]


@page_view
def home(request):
    person = require_person(request.user)
    today = timezone.localdate()
    team, goals, pending = [], [], []
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
        pending = list(
            ConsensusRecord.objects.filter(
                state="open", participants__person=person, participants__decision="pending"
            )
            .prefetch_related("goals")
            .distinct()[:10]
        )
    return render(
        request,
        "dashboards/home.html",
        {
            "person": person,
            "team": team,
            "goals": goals,
            "pending": pending,
            "periods_now": current_periods(today),
            "today": today,
            "has_departments": person is not None and person.department_id is not None,
        },
    )
