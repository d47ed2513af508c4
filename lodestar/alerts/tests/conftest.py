# ruff: noqa: F811 - the fixtures take the imported fixtures by name
"""Fixtures of the alert tests, on the execution tests' `org` (星辰公司 → 市场部 [赵敏] → 内容组;
销售部 [王强]): `goal`, an active goal of 市场部 owned by 林晓 (`member`) with one measure "小红书笔记"
(target 50); `measure`, its measure; `ceo`, the company's manager; `endpoint`, a webhook endpoint on the
local webhook server; `alert`, an open alert on the goal after a check-in of 10 (20%, below the 80% rule).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from lodestar.alerts import evaluation
from lodestar.alerts.tests.support import activate, make_rule, report
from lodestar.execution.tests.conftest import (  # noqa: F401 - the execution tests' fixtures
    api,
    client_for,
    make_item,
    make_person,
    org,
    user_of,
)
from lodestar.goals.services import goal_create
from lodestar.notifications.models import WebhookEndpoint
from lodestar.notifications.tests.test_delivery import webhook_server  # noqa: F401 - fixture
from lodestar.org.models import Department


@pytest.fixture
def ceo(org):
    """The company's manager (赵敏's manager up the department line)."""
    person = make_person("ceo", "总经理", org.company)
    Department.objects.filter(pk=org.company.pk).update(manager=person)
    org.company.refresh_from_db()
    return person


@pytest.fixture
def goal(org):
    goal = goal_create(
        actor=user_of(org.mkt_manager),
        name="Q4 小红书种草笔记50篇",
        department=org.mkt,
        period=org.year,
        owner=org.member,
        measures=[{"name": "小红书笔记", "unit": "count", "target": Decimal(50), "baseline": None}],
    )
    return activate(goal, org.mkt_manager)


@pytest.fixture
def measure(goal):
    return goal.measures.get()


@pytest.fixture
def endpoint(webhook_server):
    return WebhookEndpoint.objects.create(
        name="市场部群", kind=WebhookEndpoint.Kind.GENERIC, url=webhook_server.url("/hook"), secret="s3cret"
    )


@pytest.fixture
def alert(org, goal, measure):
    report(org, measure, 10)
    make_rule(org, recipients=["owner"], channels=["inbox"])
    return evaluation.evaluate_rules()[0]
