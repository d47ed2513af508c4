"""A dashboard world: the root `org` (星辰公司 › 市场部 › 内容组, 销售部) with fiscal year 2026, read on
Wednesday 2026-11-18 (Q4: Oct 1 – Dec 31, day 49 of 92)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from lodestar.conftest import fresh_user
from lodestar.core.models import Period, PeriodKind
from lodestar.org.periods_services import period_generate_fiscal_year
from lodestar.testing.factories import GoalFactory, GoalTypeFactory, MeasureFactory
from lodestar.tracking.models import CheckIn
from lodestar.tracking.services.completion import completion_refresh

TODAY = dt.date(2026, 11, 18)


@pytest.fixture
def q4(org):
    period_generate_fiscal_year(actor=fresh_user(org.admin), year=2026)
    return Period.objects.get(kind=PeriodKind.QUARTER, start=dt.date(2026, 10, 1))


@pytest.fixture
def types(db):
    return {
        "sales": GoalTypeFactory(code="sales-d", name="销售额"),
        "brand": GoalTypeFactory(code="brand-d", name="品牌曝光"),
    }


@pytest.fixture
def make_goal(q4, types):
    def make(
        department,
        *,
        owner=None,
        health="on_track",
        achievement="0.5000",
        progress="0.5000",
        goal_type="sales",
        period=None,
        visibility="public",
        measure=None,
        **kwargs,
    ):
        goal = GoalFactory(
            department=department,
            owner=owner,
            period=period or q4,
            status="active",
            health=health,
            achievement_rate=Decimal(achievement) if achievement is not None else None,
            progress=Decimal(progress) if progress is not None else None,
            goal_type=types[goal_type],
            visibility=visibility,
            **kwargs,
        )
        if measure is not None:
            MeasureFactory(goal=goal, **measure)
        return goal

    return make


def entered(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def enter(checkin, day: dt.date, hour: int = 10) -> None:
    """Date a check-in as entered on `day` (the factory wrote now), and keep the stored completion
    roll-up in step, as the demo does."""
    CheckIn.objects.filter(pk=checkin.pk).update(created_at=entered(day, hour))
    completion_refresh(measure_ids=[checkin.measure_id])
