"""One query per panel, whatever the size of the organisation: a small and a larger generated
organisation are read with the same query budget (pages, API and each panel's selector)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from lodestar.conftest import ApiClient, fresh_user, login, token_for
from lodestar.dashboards import selectors
from lodestar.dashboards.tests.conftest import TODAY, enter
from lodestar.org.permissions import managed_paths, person_of
from lodestar.testing.factories import (
    ActionItemFactory,
    AlertFactory,
    CheckInFactory,
    DepartmentFactory,
    MeasureFactory,
    PersonFactory,
    PlanPointFactory,
    RaciAssignmentFactory,
)

# Per panel (selector): achievement 3 (goals, measures, plan points), plan 3 (measures, plan points,
# check-in series), heatmap 2 (counts, goal types), alerts 2 (counts, newest), overdue 2, check-ins 2;
# budget 1, channel ROI 2, reported vs source 2 (the stored comparisons and the open discrepancies by week
# in one, the newest open ones; test_money_panels.py);
# plus the reader's person and managed departments, read once, and the scope's overlapping periods and
# department paths (two queries, `build_scope`).
PANEL_BUDGET = {
    "achievement": 3,
    "plan": 3,
    "heatmap": 2,
    "alerts": 2,
    "overdue": 2,
    "checkins": 2,
    "budget": 1,
    "channel_roi": 2,
    "verification": 2,
}


def grow(org, q4, make_goal, teams: int) -> None:
    """`teams` teams under 内容组, each with two people, four goals (one with two measures and weekly
    check-ins, one with a plan), two overdue items and an open alert."""
    for t in range(teams):
        team = DepartmentFactory(name=f"小组{t}", parent=org.content)
        people = [PersonFactory(department=team, display_name=f"成员{t}-{i}") for i in range(2)]
        for g in range(4):
            owner = people[g % 2]
            goal = make_goal(
                team,
                owner=owner,
                health=["on_track", "at_risk", "off_track", "achieved"][g],
                goal_type=["sales", "brand"][g % 2],
                measure={"target": Decimal(100), "current": Decimal(10 * g)},
            )
            measure = goal.measures.get()
            MeasureFactory(goal=goal, target=Decimal(50), current=Decimal(5))
            PlanPointFactory(measure=measure, date=dt.date(2026, 12, 31), expected_cumulative=Decimal(100))
            for w in range(3):
                monday = dt.date(2026, 10, 5) + dt.timedelta(weeks=w)
                c = CheckInFactory(
                    measure=measure,
                    period_start=monday,
                    period_end=monday + dt.timedelta(days=6),
                    cumulative=Decimal(5 * (w + 1)),
                    author=owner,
                )
                enter(c, monday + dt.timedelta(days=7))
            AlertFactory(measure=measure, goal=goal)
        for i in range(2):
            item = ActionItemFactory(department=team, due=dt.date(2026, 11, 2 + i), status="todo")
            RaciAssignmentFactory(item=item, person=people[i])
            RaciAssignmentFactory(item=item, person=org.member)


def panel_queries(user, q4, kind: str, **objects) -> dict[str, int]:
    reader = fresh_user(user)
    person_of(reader), managed_paths(reader)  # the reader, read once per request (cached on the user)
    sc = selectors.build_scope(kind, reader, q4, today=TODAY, **objects)
    counts = {}
    for key in selectors.SCOPE_PANELS[kind]:
        with CaptureQueriesContext(connection) as captured:
            selectors.dashboard_panels(sc, only=key)
        counts[key] = len(captured)
    return counts


@pytest.mark.parametrize("teams", [1, 8])
def test_each_panel_keeps_its_query_budget(org, q4, make_goal, teams):
    grow(org, q4, make_goal, teams)
    for kind, objects in (
        ("company", {}),
        ("department", {"department": org.mkt}),
        ("person", {"person": org.member}),
    ):
        for user in (org.admin, org.mkt_manager, org.member):
            counts = panel_queries(user, q4, kind, **objects)
            assert all(counts[k] <= PANEL_BUDGET[k] for k in counts), (kind, counts)


@pytest.mark.parametrize("teams", [1, 8])
@freeze_time(TODAY, tick=True)
def test_pages_and_api_keep_the_same_budget_at_both_sizes(
    org, q4, make_goal, teams, django_assert_max_num_queries
):
    grow(org, q4, make_goal, teams)
    client = login(org.mkt_manager)
    api = ApiClient(token=token_for(org.mkt_manager))
    for url, budget in (
        ("/dashboards/company/", 27),
        (f"/dashboards/department/{org.mkt.pk}/", 28),
        (f"/dashboards/person/{org.member.pk}/", 19),
    ):
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200
    for url, budget in (
        ("/api/v1/dashboards/company", 24),
        (f"/api/v1/dashboards/department/{org.mkt.pk}", 24),
        (f"/api/v1/dashboards/person/{org.member.pk}", 15),
    ):
        with django_assert_max_num_queries(budget):
            assert api.get(url).status_code == 200


@freeze_time(TODAY, tick=True)
def test_query_count_does_not_grow_with_the_organisation(org, q4, make_goal):
    client = login(org.admin)
    grow(org, q4, make_goal, 1)
    counts = []
    for teams in (0, 7):
        grow(org, q4, make_goal, teams)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/dashboards/company/").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
