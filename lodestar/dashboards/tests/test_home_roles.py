"""Each role's home page answers "what needs me now" (issue 13, "Every role sees a consistent product").

The manager (赵敏, 市场部) sees 市场部's goals off track, the adjustment requests waiting for her,
consensus waiting for her sign-off and the team's overdue check-ins; the member (林晓) this week's
check-ins and the items due; the HR partner and the guest a read-only summary — with a constant
number of queries however many rows there are.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from lodestar.conftest import fresh_user, login
from lodestar.core.models import Period, PeriodKind
from lodestar.execution import services as execution
from lodestar.goals.models import Goal, GoalStatus, HealthChoice
from lodestar.goals.services import consensus, goal_create
from lodestar.goals.services.adjustments import adjustment_create
from lodestar.org.periods_services import period_generate_fiscal_year


def _active_goal(org, name: str, owner, health: str, quarter) -> Goal:
    goal = goal_create(
        actor=fresh_user(org.mkt_manager),
        name=name,
        department=org.mkt,
        period=quarter,
        owner=owner,
        measures=[{"name": f"{name}·篇数", "unit": "count", "target": Decimal(50)}],
    )
    Goal.objects.filter(pk=goal.pk).update(
        status=GoalStatus.ACTIVE, health=health, achievement_rate=Decimal("0.2")
    )
    goal.refresh_from_db()
    return goal


def _world(org, n: int = 1):
    """n goals off track owned by the member (no check-ins: all overdue), one pending adjustment per
    goal, one consensus waiting for the manager and the member, n items of the member due this week."""
    today = timezone.localdate()
    period_generate_fiscal_year(actor=fresh_user(org.admin), year=today.year)
    quarter = Period.objects.get(kind=PeriodKind.QUARTER, start__lte=today, end__gte=today)
    for i in range(n):
        goal = _active_goal(org, f"小红书曝光{i}", org.member, HealthChoice.OFF_TRACK, quarter)
        adjustment_create(
            actor=fresh_user(org.member),
            goal=goal,
            measure=goal.measures.get(),
            new_target="40",
            reason="预算调整",
            approved_by=org.mkt_manager,
        )
        execution.item_create(
            actor=fresh_user(org.mkt_manager),
            department=org.mkt,
            title=f"投放KOL{i}",
            goal=goal,
            responsible=[org.member],
            due=today + dt.timedelta(days=6 - today.weekday()),
        )
    draft = goal_create(
        actor=fresh_user(org.mkt_manager),
        name="门店陈列",
        department=org.mkt,
        period=quarter,
        owner=org.member,
        measures=[{"name": "到店人数", "unit": "count", "target": Decimal(500)}],
    )
    consensus.consensus_start(
        actor=fresh_user(org.mkt_manager),
        goals=[draft],
        participants=[
            {"person": org.mkt_manager, "required": True},
            {"person": org.member, "required": True},
        ],
        minutes="待确认",
    )


def test_the_managers_home_shows_what_needs_her(org):
    _world(org)
    response = login(org.mkt_manager).get("/")
    assert response.context["home_role"] == "lead"
    assert [g.name for g in response.context["off_track"]] == ["小红书曝光0"]
    assert [a.goal.name for a in response.context["adjustments"]] == ["小红书曝光0"]
    assert response.context["missing_total"] == 1
    assert [r.goals.get().name for r in response.context["pending"]] == ["门店陈列"]
    html = response.content.decode()
    for testid in ("needs-off-track", "needs-adjustments", "needs-missing-checkins", "needs-my-checkins"):
        assert f'data-testid="{testid}"' in html
    assert 'data-testid="needs-summary"' not in html


def test_another_departments_manager_sees_none_of_it(org):
    _world(org)
    response = login(org.sales_manager).get("/")
    assert response.context["off_track"] == []
    assert response.context["adjustments"] == []
    assert response.context["missing_total"] == 0


def test_the_specialists_home_shows_this_weeks_checkins_and_items_due(org):
    _world(org)
    response = login(org.member).get("/")
    assert response.context["home_role"] == "doer"
    assert [(r["title"], r["done"]) for r in response.context["my_checkins"]] == [("小红书曝光0·篇数", False)]
    assert [i.title for i in response.context["items_this_week"]] == ["投放KOL0"]
    html = response.content.decode()
    assert 'data-testid="needs-off-track"' not in html
    assert 'data-testid="needs-items-due"' in html


@pytest.mark.parametrize("role", ["hr", "viewer"])
def test_hr_and_guest_get_a_read_only_summary(org, role):
    _world(org)
    response = login(org.person(role)).get("/")
    assert response.context["home_role"] == "reader"
    assert [(v, c) for v, _label, c in response.context["health_summary"]] == [("off_track", 1)]
    html = response.content.decode()
    assert 'data-testid="needs-summary"' in html
    assert 'data-testid="needs-my-checkins"' not in html
    assert ('href="/goals/new/"' in html) == (role == "hr")  # the guest is not invited to 新建目标


# Measured with one row of each kind; six rows of each must cost no more.
HOME_QUERIES = {"mkt_manager": 19, "member": 14, "hr": 10, "viewer": 10}


@pytest.mark.parametrize("role", sorted(HOME_QUERIES))
def test_home_query_count_does_not_grow_with_rows(org, role, django_assert_max_num_queries):
    _world(org, n=6)
    client = login(org.person(role))
    client.get("/")  # warm the session and the caches a first request fills
    with django_assert_max_num_queries(HOME_QUERIES[role]):
        assert client.get("/").status_code == 200
