"""The timed cases: what a user of a 2,000-person organisation opens most, and its target.

Each case is a list of requests (method, path, JSON body) sent as one person, in-process through
Django's test client and over HTTP to gunicorn. Subjects are picked from the generated data by
rule (the department whose tree is nearest 300 goals, …) so every scale and database times the
same kind of page. `floor` is a hand-written SQL query returning the same figures as the page.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from lodestar.core.models import Period, PeriodKind
from lodestar.execution.models import ActionItem, RaciAssignment
from lodestar.goals.models import Goal, Measure
from lodestar.org.models import Department, Person


@dataclass
class Case:
    name: str
    title: str
    target_ms: float
    person: Person
    requests: list[tuple[str, str, dict | None]]  # one per repetition (writes need fresh subjects)
    api: bool = False  # Bearer token instead of a session
    floor_sql: str | None = None
    floor_params: list = field(default_factory=list)
    floor_ratio: float | None = None  # our time ÷ floor must stay under this
    subject: str = ""

    def request(self, i: int) -> tuple[str, str, dict | None]:
        return self.requests[i % len(self.requests)]


def _current_year() -> Period:
    today = timezone.localdate()
    year = Period.objects.filter(kind=PeriodKind.YEAR, start__lte=today, end__gte=today).first()
    return year or Period.objects.filter(kind=PeriodKind.YEAR).order_by("-start").first()


def _nearest(counts: dict[int, int], wanted: int) -> int:
    return min(counts, key=lambda pk: (abs(counts[pk] - wanted), pk))


def tree_department(year: Period) -> tuple[Department, int]:
    """The department whose alignment tree for the year is nearest 300 goals."""
    counts = {}
    for department in Department.objects.filter(depth__in=(1, 2)).only("path"):
        counts[department.pk] = Goal.objects.filter(
            department__path__startswith=department.path, period=year
        ).count()
    pk = _nearest(counts, 300)
    return Department.objects.get(pk=pk), counts[pk]


def kanban_department() -> tuple[Department, int]:
    """The team whose board (all items but cancelled ones) is nearest 500 cards."""
    counts = dict(
        ActionItem.objects.exclude(status="cancelled")
        .values_list("department")
        .annotate(n=Count("id"))
        .values_list("department", "n")
    )
    pk = _nearest(counts, 500)
    return Department.objects.get(pk=pk), counts[pk]


TREE_FLOOR = """
SELECT g.id, g.name, g.parent_id, g.depth, g.weight, g.achievement_rate, g.progress, g.health,
       g.status, g.child_count, p.display_name, d.name, per.name, per.start
FROM goals_goal g
JOIN org_department d ON d.id = g.department_id
JOIN core_period per ON per.id = g.period_id
LEFT JOIN org_person p ON p.id = g.owner_id
WHERE d.path LIKE %s AND per.start <= %s AND per."end" >= %s AND g.deleted_at IS NULL
ORDER BY per.start, g.sort_order, g.id
"""

API_LIST_FLOOR = """
SELECT g.id, g.kind, g.name, g.description, g.goal_type_id, t.code, g.owner_id, g.department_id,
       g.period_id, g.parent_id, g.weight, g.status, g.visibility, g.version, g.notes, g.context,
       g.sort_order, g.depth, g.achievement_rate, g.progress, g.health, g.child_count,
       g.created_at, g.updated_at,
       m.id, m.name, m.unit, m.direction, m.baseline, m.target, m.challenge, m.current,
       m.achievement_rate, m.progress, m.version,
       (SELECT COUNT(*) FROM goals_goal c JOIN org_department cd ON cd.id = c.department_id
        WHERE cd.path LIKE %s AND c.period_id = %s AND c.status = 'active' AND c.deleted_at IS NULL)
FROM (
    SELECT g.* FROM goals_goal g JOIN org_department d ON d.id = g.department_id
    WHERE d.path LIKE %s AND g.period_id = %s AND g.status = 'active' AND g.deleted_at IS NULL
    ORDER BY g.sort_order, g.id LIMIT 50
) g
LEFT JOIN goals_goaltype t ON t.id = g.goal_type_id
LEFT JOIN goals_measure m ON m.goal_id = g.id
ORDER BY g.sort_order, g.id, m.sort_order, m.id
"""


def build_cases(repeat: int) -> list[Case]:
    year = _current_year()
    tree_dep, tree_size = tree_department(year)
    kanban_dep, kanban_size = kanban_department()
    last_year = Period.objects.filter(kind=PeriodKind.YEAR, start__lt=year.start).order_by("-start").first()
    detail_goal = (
        Goal.objects.filter(period=last_year or year, measures__isnull=False, kind="kpi")
        .annotate(n=Count("measures__check_ins"))
        .order_by("-n", "id")
        .first()
    )
    busiest = (
        RaciAssignment.objects.filter(role="R", item__status__in=["todo", "doing", "blocked"])
        .values("person")
        .annotate(n=Count("id"))
        .order_by("-n", "person")
        .first()
    )
    division = Department.objects.filter(depth=1).order_by("path").first()
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    # Distinct personal measures of the current year, each reported once for this week: in-process
    # (warm-ups, timed runs and the counted one) and then over HTTP, on measures of its own.
    write_measures = list(
        Measure.objects.filter(goal__period=year, goal__kind="kpi", goal__status="active", parts__isnull=True)
        .filter(~Q(check_ins__period_start=monday))
        .order_by("id")[: 2 * (repeat + 4)]
    )
    cases = [
        Case(
            "tree",
            f"Alignment tree of {tree_dep.name}, whole year expanded",
            100,
            tree_dep.manager,
            [("GET", f"/goals/tree/?department={tree_dep.pk}&period={year.pk}&expand=all", None)],
            floor_sql=TREE_FLOOR,
            floor_params=[tree_dep.path + "%", year.end, year.start],
            floor_ratio=3,
            subject=f"{tree_size} goals",
        ),
        Case(
            "goal_detail",
            "Goal detail with a year of weekly check-ins",
            80,
            detail_goal.owner,
            [("GET", f"/goals/{detail_goal.pk}/", None)],
            subject=f"goal {detail_goal.pk}, {detail_goal.n} check-ins",
        ),
        Case(
            "my_work",
            "My work (items where I am R or A)",
            50,
            Person.objects.get(pk=busiest["person"]),
            [("GET", "/execution/mine/", None)],
            subject=f"{busiest['n']} open items as R",
        ),
        Case(
            "kanban",
            f"Kanban of {kanban_dep.name}",
            100,
            kanban_dep.manager,
            [("GET", f"/execution/board/?department={kanban_dep.pk}", None)],
            subject=f"{kanban_size} cards",
        ),
        Case(
            "api_goal_list",
            "API goal list, page of 50, filtered by department and period",
            50,
            division.manager,
            [
                (
                    "GET",
                    f"/api/v1/goals?department_id={division.pk}&period_id={year.pk}&status=active&page_size=50",
                    None,
                )
            ],
            api=True,
            floor_sql=API_LIST_FLOOR,
            floor_params=[division.path + "%", year.pk, division.path + "%", year.pk],
            floor_ratio=3,
            subject=f"{division.name} and below",
        ),
    ]
    # 看板: the company dashboard of the current quarter (the year's goals run through it), as the admin,
    # who sees every goal: the page and its API, the same panels (issue 16: < 150 ms at L).
    cases += [
        Case(
            "dashboard_company",
            "Company dashboard, current quarter, every panel",
            150,
            Person.objects.get(pk=1),
            [("GET", "/dashboards/company/", None)],
            subject="the whole organisation",
        ),
        Case(
            "api_dashboard_company",
            "API company dashboard, current quarter",
            150,
            Person.objects.get(pk=1),
            [("GET", "/api/v1/dashboards/company", None)],
            api=True,
            subject="the whole organisation",
        ),
    ]
    cases.append(
        Case(
            "checkin_write",
            "Check-in write with roll-up to the root and alert evaluation",
            25,
            Person.objects.get(pk=1),  # admin: may report on any goal
            [
                (
                    "POST",
                    "/api/v1/check-ins",
                    {
                        "measure_id": m.pk,
                        "period_start": monday.isoformat(),
                        "period_end": (monday + dt.timedelta(days=6)).isoformat(),
                        "actual": "12",
                        "comment": "bench",
                    },
                )
                for m in write_measures
            ],
            api=True,
            subject="a personal KPI measure, new week",
        )
    )
    return cases


def time_floor(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall())


def encode(body: dict | None) -> bytes | None:
    return json.dumps(body).encode() if body is not None else None
