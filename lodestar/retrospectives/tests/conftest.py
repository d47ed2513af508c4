"""The retrospectives' world: FY2024 with its quarters; 新品A销售额 (市场部, owner 林晓) in Q3 with one measure
whose target 500万 was adjusted to 450万, actual 480万, and its close snapshot (DOMAIN.md "Numbers")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from lodestar.core.models import Period
from lodestar.goals.models import Goal, GoalStatus, Measure, Visibility
from lodestar.org.periods_services import period_generate_fiscal_year
from lodestar.testing.factories import GoalFactory, MeasureFactory, SnapshotFactory


@dataclass
class RetroWorld:
    org: object
    q3: Period
    goal: Goal
    measure: Measure


@pytest.fixture
def rw(org) -> RetroWorld:
    period_generate_fiscal_year(actor=org.user("admin"), year=2024)
    q3 = Period.objects.get(kind="quarter", key="FY2024-Q3")
    goal = GoalFactory(
        name="新品A Q3销售额",
        department=org.mkt,
        period=q3,
        owner=org.member,
        status=GoalStatus.ACTIVE,
        visibility=Visibility.DEPARTMENT,
    )
    measure = MeasureFactory(
        goal=goal,
        name="销售额",
        unit="yuan",
        target=Decimal(4500000),
        original_target=Decimal(5000000),
        current=Decimal(4800000),
    )
    SnapshotFactory(measure=measure, period=q3)
    return RetroWorld(org=org, q3=q3, goal=goal, measure=measure)


TODAY = dt.date(2024, 10, 3)
