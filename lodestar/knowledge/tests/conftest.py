"""Fixtures of the knowledge tests, on the root conftest's `org` (星辰公司 › 市场部 [赵敏] › 内容组 [林晓];
销售部 [王强]; admin, HR 孙丽, viewer 访客 in 市场部).

`year`: fiscal year 2026 with its closed Q1; `goal`: a 市场部 goal "新品上市小红书种草" of Q1 with a close
snapshot (500万 target adjusted to 450万, 480万 actual) and an older weekly one; `case`: a success case on it
written by the member, tagged 新品上市期 and 小红书; `sop`: a 线索孵化SOP of 市场部 owned by the member with
two versions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from lodestar.core.models import PeriodKind
from lodestar.goals.models import SnapshotKind
from lodestar.knowledge import services
from lodestar.knowledge.models import Tag
from lodestar.testing.factories import GoalFactory, MeasureFactory, PeriodFactory, SnapshotFactory


@pytest.fixture
def year(db):
    return PeriodFactory(
        kind=PeriodKind.YEAR,
        name="2026年",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
        fiscal_year=2026,
    )


@pytest.fixture
def q1(year):
    return PeriodFactory(
        kind=PeriodKind.QUARTER,
        name="2026 Q1",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
        fiscal_year=2026,
        parent=year,
        is_closed=True,
    )


@pytest.fixture
def goal(org, q1):
    goal = GoalFactory(name="新品上市小红书种草", department=org.mkt, period=q1, owner=org.member)
    measure = MeasureFactory(
        goal=goal, name="销售额", target=Decimal(4500000), original_target=Decimal(5000000)
    )
    SnapshotFactory(
        measure=measure,
        kind=SnapshotKind.WEEKLY,
        week=dt.date(2026, 3, 2),
        taken_at=timezone.now() - dt.timedelta(days=30),
        actual=Decimal(3000000),
        achievement_rate=Decimal("0.666667"),
    )
    SnapshotFactory(measure=measure, goal_achievement_rate=Decimal("1.066667"))
    return goal


@pytest.fixture
def case(org, goal):
    return services.case_create(
        actor=org.user("member"),
        title="小红书种草带动新品首月销售",
        outcome="success",
        department=org.content,
        context="新品上市期，预算有限",
        body="30位腰部达人同步种草，私域承接",
        reasons="内容差异化，客户分层",
        tags={Tag.Kind.SCENARIO: ["新品上市期"], Tag.Kind.CHANNEL: ["小红书"]},
        goals=[goal],
    )


@pytest.fixture
def sop(org):
    sop = services.sop_create(
        actor=org.user("mkt_manager"),
        title="线索孵化SOP",
        owner=org.member,
        department=org.mkt,
        review_date=dt.date(2026, 6, 30),
        body_markdown="## 步骤\n1. 线索入库\n2. 48小时内首次触达",
        change_note="初版",
    )
    services.sop_add_version(
        actor=org.user("member"),
        sop=sop,
        body_markdown="## 步骤\n1. 线索入库\n2. 24小时内首次触达\n3. 每周跟进",
        change_note="缩短首触时限",
    )
    sop.refresh_from_db()
    return sop
