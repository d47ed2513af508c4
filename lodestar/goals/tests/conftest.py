"""Fixtures for the goal tests: a small organisation with one person per role, fiscal year 2026,
helpers to create goals through the services, and a JSON client for /api/v1.

    星辰公司 (company; admin and HR sit here)
    ├── 市场部 MKT (manager 赵敏; member 林晓, viewer 访客)
    │   └── 内容组 MKT-C (member 陈静)
    └── 销售部 SALES (manager 王强; member 周杰)

The organisation is the shared one (lodestar/testing/organisation.py, roster GOALS; the service
tests' `w`: roster GOAL_SERVICES), built with the factories of lodestar/testing/factories.py.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from lodestar.core.models import Period
from lodestar.core.testing import ApiClient
from lodestar.goals import services
from lodestar.goals.models import Goal
from lodestar.goals.tests import services_support as goal_services
from lodestar.org.models import Department, Person
from lodestar.testing import steps
from lodestar.testing.organisation import (
    GOAL_SERVICES,
    GOALS,
    Organisation,
    add_simple_person,
    build_organisation,
    fresh_user,
)

FISCAL_YEAR = 2026
World = Organisation  # the `world` fixture's type (lodestar/testing/organisation.py, roster GOALS)

# The person's user straight from the database (nothing cached from earlier calls).
fresh = fresh_user


_person = add_simple_person


@pytest.fixture
def world(db) -> World:
    return build_organisation(GOALS)


Api = ApiClient


@pytest.fixture
def api(world):
    """`api("mkt_manager")` → an Api signed in as that person of the world; `api(None)` → anonymous."""

    def make(who: str | None, **kwargs) -> Api:
        return Api(world.person(who) if who else None, **kwargs)

    return make


SALES_MEASURE = {
    "name": "销售额",
    "unit": "wan_yuan",
    "direction": "higher",
    "baseline": None,
    "target": "500",
}


@pytest.fixture
def make_goal(world):
    """Create a goal through the service, as the department's manager (or `actor`) by default."""

    def make(
        name: str = "新品A Q3销售额500万元",
        *,
        department: Department | None = None,
        period: Period | None = None,
        actor: Person | None = None,
        measures=None,
        **fields,
    ) -> Goal:
        department = department or world.mkt
        actor = actor or (world.sales_manager if department == world.sales else world.mkt_manager)
        fields.setdefault("owner", world.mkt_manager if department != world.sales else world.sales_manager)
        return services.goal_create(
            actor=fresh(actor),
            name=name,
            department=department,
            period=period or world.year,
            measures=[dict(SALES_MEASURE)] if measures is None else measures,
            **fields,
        )

    return make


@pytest.fixture
def public_goal(make_goal):
    return make_goal("新品A Q3销售额500万元", visibility="public")


@pytest.fixture
def private_goal(make_goal):
    return make_goal("市场部内部预算目标 2026年 300万元", visibility="department")


@pytest.fixture
def activate(world):
    """Take a draft goal through consensus (the manager signs off alone) so it becomes active."""

    def run(goal: Goal, manager: Person | None = None) -> Goal:
        return steps.activate(goal, manager or world.mkt_manager)

    return run


def dec(value: str) -> Decimal:
    return Decimal(value)


# --- the service tests' world (test_services*.py) -------------------------------------------


@pytest.fixture
def w(db) -> Organisation:
    """The goal service tests' organisation (roster GOAL_SERVICES): fiscal years 2024 and 2025;
    `w.fy` is 2024, `w.q1`…`w.q4` its quarters, `w.next_q1` the first quarter of 2025."""
    organisation = build_organisation(GOAL_SERVICES)
    organisation.fy = organisation.year
    organisation.next_q1 = Period.objects.get(key="FY2025-Q1")
    return organisation


@pytest.fixture
def active_goal(w):
    """An active goal of 内容组 owned by 林晓 (current 480 of 500, challenge 550)."""
    goal = goal_services.make_goal(
        w,
        "新品A Q3销售额",
        by=w.mkt_mgr,
        owner=w.member,
        department=w.content,
        measures=[goal_services.measure(current="480", challenge="550")],
    )
    goal_services.activate(w, [goal])
    return goal_services.fresh(goal)
