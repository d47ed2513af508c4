# ruff: noqa: F811 - the fixtures take the imported fixtures by name
"""Fixtures of the verification tests, on the execution tests' `org` (星辰公司 → 市场部 [赵敏] →
内容组; 销售部 [王强]): `goal`, an active 2026 goal of 市场部 owned by 林晓 (`member`) with the measure
"成交金额" (target 1,000,000 元); `source`, the data source 天猫生意参谋; `metric_for(use)`, its
metric 成交金额 bound to the measure; `points(metric, {date: value})`, series points as imported."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lodestar.execution.tests.conftest import (  # noqa: F401 - the execution tests' fixtures
    api,
    client_for,
    org,
    user_of,
)
from lodestar.goals.services import goal_create
from lodestar.metrics.models import DataSource, MetricPoint, SourceMetric
from lodestar.metrics.signals import points_imported
from lodestar.testing import steps

WEEK = (dt.date(2026, 11, 16), dt.date(2026, 11, 22))  # a Monday to Sunday


@pytest.fixture
def goal(org):
    goal = goal_create(
        actor=user_of(org.mkt_manager),
        name="天猫旗舰店年度成交额",
        department=org.mkt,
        period=org.year,
        owner=org.member,
        measures=[{"name": "成交金额", "unit": "yuan", "target": Decimal(1_000_000), "baseline": None}],
    )
    return steps.activate(goal, org.mkt_manager)


@pytest.fixture
def measure(goal):
    return goal.measures.get()


@pytest.fixture
def source(db):
    return DataSource.objects.create(name="天猫生意参谋")


@pytest.fixture
def metric_for(source, measure):
    def make(use=SourceMetric.Use.VERIFY, **fields) -> SourceMetric:
        return SourceMetric.objects.create(
            source=source, name="成交金额", unit="元", measure=measure, use=use, **fields
        )

    return make


def add_points(metric: SourceMetric, values: dict[dt.date, Decimal | int | str], channel=None) -> None:
    for day, value in values.items():
        MetricPoint.objects.update_or_create(
            metric=metric, channel=channel, date=day, defaults={"value": Decimal(str(value))}
        )


def import_points(metric: SourceMetric, values: dict, channel=None) -> None:
    """Points written as the importer writes them, then its signal (sent on commit there)."""
    add_points(metric, values, channel)
    points_imported.send(
        sender=MetricPoint, metric_ids=[metric.pk], date_from=min(values), date_to=max(values)
    )


def week_of_days(start: dt.date, per_day) -> dict:
    return {start + dt.timedelta(days=i): per_day for i in range(7)}
