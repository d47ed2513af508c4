"""Query counts do not grow with the data (issue "The core loop at scale and safe").

Every page the page matrix lets the admin (and the owning department's manager) open, and every
API list endpoint (a GET operation with a `page` parameter in the OpenAPI document), is requested
once on the matrix world plus a small batch of extra rows, and again after a big batch: the number
of SQL queries must be the same. Both lists are generated (from the page MATRIX and the OpenAPI
document), so a new page or list endpoint is measured without anyone adding it here; only the
documented exceptions in EXEMPT are skipped, and a stale exception fails.

The batches grow what the pages list: goals in the tree (children of the world's goal, each with a
measure and a check-in), check-ins on the world's measure, target adjustments, items with RACI and
dependencies, comments, item history, alerts with recipients, alert rules, notifications, webhook
endpoints and deliveries, people, departments, phases, root goals, templates, custom periods, goal
types and deviation categories, data sources, source metrics, series points and metric imports. The small batch already has two of each, so a prefetch that is only
run for a non-empty list costs the same at both sizes.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lodestar.alerts import rules as alert_rules
from lodestar.alerts.models import Alert, AlertCondition, AlertRule
from lodestar.core.testing import ApiClient
from lodestar.execution import services as execution
from lodestar.execution.models import ActionItem
from lodestar.goals import services as goals
from lodestar.goals.models import Goal, GoalStatus, GoalType, Measure
from lodestar.goals.services.adjustments import adjustment_approve, adjustment_create
from lodestar.goals.services.reuse import template_create_from_goals
from lodestar.metrics.models import DataSource, MetricImport, MetricPoint, SourceMetric
from lodestar.notifications.models import Delivery, Notification, WebhookEndpoint
from lodestar.org.models import Department
from lodestar.org.periods_services import period_create_custom
from lodestar.org.services import department_create
from lodestar.tests_matrix import test_api_matrix, test_page_matrix
from lodestar.tests_matrix.world import add_person, fresh
from lodestar.tracking.models import DeviationCategory
from lodestar.tracking.services import checkin_submit

SMALL, LARGE = 2, 20
MEASURED_ROLES = ("admin", "manager", "member")

# Targets that are not measured, and why. A stale entry fails `test_exemptions_are_current`.
EXEMPT: dict[str, str] = {}


def page_targets(role: str) -> list[str]:
    return sorted(
        f"page {name}"
        for name, statuses in test_page_matrix.MATRIX.items()
        if statuses[role] == test_page_matrix.OK
    )


@functools.cache
def _schema() -> dict:
    return test_api_matrix.api.get_openapi_schema()


def api_targets(role: str | None = None) -> list[str]:
    """The list endpoints (`page` parameter); for a role, those its API matrix row answers 200."""
    schema = _schema()
    targets = []
    for path, methods in schema["paths"].items():
        get = methods.get("get")
        if get and any(p["name"] == "page" and p["in"] == "query" for p in get.get("parameters", [])):
            key = f"GET {path.removeprefix(test_api_matrix.PREFIX)}"
            if role is None or test_api_matrix.OPS[key].expected[role] == test_api_matrix.OK:
                targets.append(f"api {key}")
    return sorted(targets)


def all_targets() -> list[tuple[str, str]]:
    return [
        (role, target)
        for role in MEASURED_ROLES
        for target in page_targets(role) + api_targets(role)
        if target not in EXEMPT
    ]


# --- growing the world -------------------------------------------------------------------------


def grow(world: dict, count: int, tag: str) -> None:
    """Add `count` rows of every kind the pages and lists show, hanging off the world's goal,
    measure, item and department so that the detail pages grow too."""
    kwargs, people = world["kwargs"], world["people"]
    admin, manager = fresh(people["admin"]), fresh(people["manager"])
    mkt = Department.objects.get(pk=kwargs["department_id"])
    goal = Goal.objects.get(pk=kwargs["goal_id"])
    measure = Measure.objects.get(pk=kwargs["measure_id"])
    item = ActionItem.objects.get(pk=kwargs["item_id"])
    rule = AlertRule.objects.get(pk=kwargs["rule_id"])
    for i in range(count):
        label = f"{tag}{i}"
        person = add_person(f"q_{label}", f"员工{label}", mkt)
        department_create(actor=admin, name=f"小组{label}", parent=mkt, code=f"Q-{label}")
        child = goals.goal_create(
            actor=manager,
            name=f"子目标{label}",
            department=mkt,
            period=goal.period,
            owner=person,
            parent=goal,
            measures=[
                {"name": "笔记", "unit": "count", "direction": "higher", "baseline": None, "target": "10"}
            ],
        )
        # Agreed without a consensus round (the world's goal went through one already): only an
        # active goal takes check-ins.
        Goal.objects.filter(pk=child.pk).update(status=GoalStatus.ACTIVE)
        child_measure = child.measures.get()
        checkin_submit(
            actor=manager,
            measure=child_measure,
            period_start=dt.date(2026, 11, 16),
            period_end=dt.date(2026, 11, 22),
            cumulative=Decimal(i + 1),
        )
        week = measure.check_ins.count()  # earlier weeks, one per new check-in on the world's measure
        start = dt.date(2026, 11, 16) - dt.timedelta(days=7 * week)
        checkin_submit(
            actor=manager,
            measure=measure,
            period_start=start,
            period_end=start + dt.timedelta(days=6),
            cumulative=Decimal(i + 1),
        )
        measure.refresh_from_db()
        new_target = measure.target + 1  # an adjustment must change the target
        adjustment = adjustment_create(
            actor=manager, goal=goal, measure=measure, new_target=new_target, reason="滚动调整"
        )  # a request to the admin, approved: both steps on the page
        adjustment_approve(actor=admin, adjustment=adjustment)
        new_item = execution.item_create(
            actor=manager,
            department=mkt,
            title=f"事项{label}",
            goal=goal,
            responsible=[person, people["member"]],
            accountable=people["manager"],
            consulted=[],
            informed=list({p.pk: p for p in (person, people["viewer"])}.values()),  # a guest: only I
            predecessors=[item],
            due=dt.date(2026, 12, 1) + dt.timedelta(days=i),
        )
        execution.comment_add(actor=fresh(people["member"]), item=item, body=f"进展{label} @赵敏")
        execution.comment_add(actor=manager, item=new_item, body=f"请跟进{label}")
        execution.phase_create(actor=manager, department=mkt, name=f"阶段{label}", goal=goal)
        alert = Alert.objects.create(
            rule=rule, dedupe_key=f"q:{label}", goal=child, measure=child_measure, subject=f"预警{label}"
        )
        alert.recipients.add(people["manager"], people["admin"], person)
        alert_rules.rule_create(
            actor=manager,
            name=f"规则{label}",
            scope=AlertRule.Scope.DEPARTMENT,
            department=mkt,
            condition=AlertCondition.ACHIEVEMENT_BELOW,
            threshold=Decimal("0.5"),
            recipients=["owner"],
        )
        for recipient in ("admin", "manager", "member"):
            Notification.objects.create(
                recipient=people[recipient], actor=people["manager"], verb="mentioned", title=f"通知{label}"
            )
        endpoint = WebhookEndpoint.objects.create(
            name=f"群{label}",
            kind=WebhookEndpoint.Kind.GENERIC,
            url=f"https://example.com/{label}",
            department=mkt,
        )
        Delivery.objects.create(
            channel=Delivery.Channel.WEBHOOK, endpoint=endpoint, alert=alert, title=f"预警{label}"
        )
        # A root goal of the manager's own (the goal table, "my goals", templates) and a change on
        # the world's item (its history).
        root = goals.goal_create(
            actor=manager,
            name=f"目标{label}",
            department=mkt,
            period=goal.period,
            measures=[
                {"name": "线索", "unit": "count", "direction": "higher", "baseline": None, "target": "20"}
            ],
        )
        template_create_from_goals(actor=manager, name=f"模板{label}", goals=[root], department=mkt)
        item.refresh_from_db()
        execution.item_update(actor=manager, item=item, version=item.version, description=f"第{label}版")
        period_create_custom(
            actor=admin,
            name=f"活动{label}",
            start=dt.date(2026, 6, 1),
            end=dt.date(2026, 6, 18),
            parent=goal.period,
        )
        GoalType.objects.create(code=f"q-{label}", name=f"类型{label}")
        # Platform data: sources of 市场部, metrics, points and imports of the world's source.
        DataSource.objects.create(name=f"数据源{label}", department=mkt).metrics.create(name="成交金额")
        SourceMetric.objects.create(source_id=kwargs["source_id"], name=f"指标{label}")
        MetricPoint.objects.create(
            metric_id=kwargs["metric_id"],
            date=dt.date(2025, 1, 1) + dt.timedelta(days=i + (100 if tag == "l" else 0)),
            value=Decimal(i),
        )
        MetricImport.objects.create(
            source_id=kwargs["source_id"],
            filename=f"{label}.csv",
            created_by=person,
            errors=[{"row": 2, "field": "日期", "code": "empty", "value": ""}],
        )
        DeviationCategory.objects.create(code=f"q-{label}", name=f"偏差{label}")
        # Budget: a line of 市场部 per round (channels in turn) with its spend and a month's attribution,
        # and more spend on the world's line (its page lists them).
        from lodestar.budget import services as budget
        from lodestar.budget.models import BudgetCategory, BudgetLine
        from lodestar.metrics.models import Channel

        world_line = BudgetLine.objects.get(pk=kwargs["line_id"])
        channels = list(Channel.objects.order_by("pk"))
        line = budget.budget_line_create(
            actor=manager,
            period=goal.period,
            department=mkt,
            category=BudgetCategory.objects.get(code="events"),
            channel=channels[i % len(channels)],
            planned=Decimal(1000 + i),
        )
        for target in (line, world_line):
            budget.spend_record(
                actor=manager, line=target, date=dt.date(2026, 1 + i % 12, 3), amount=Decimal(10 + i)
            )
            budget.attribution_set(
                actor=manager,
                line=target,
                month=dt.date(2026, 1 + i % 12, 1),
                revenue=Decimal(20 + i),
                leads=i,
            )


# --- measuring ---------------------------------------------------------------------------------


def request(world: dict, role: str, target: str):
    kind, name = target.split(" ", 1)
    if kind == "page":
        client = Client()
        client.force_login(fresh(world["people"][role]))
        return client.get(test_page_matrix.url_for(name, world["kwargs"]))
    _method, path = name.split(" ", 1)
    for param, value in world["kwargs"].items():
        path = path.replace(f"{{{param}}}", str(value))
    return ApiClient(token=world["tokens"][role]).get(path)


def count_queries(world: dict, role: str, target: str) -> tuple[int, int, list[str]]:
    """(status, number of queries, the queries) of one request."""
    # The connection keeps its last 9,000 queries only: once the log is full, a capture's start and
    # end indexes are both 9,000 and it counts nothing. Start each capture on an empty log.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        response = request(world, role, target)
    return response.status_code, len(queries), [q["sql"] for q in queries.captured_queries]


@pytest.fixture(scope="module")
def counts(world, django_db_blocker):
    """{(role, target): (small, large)} measured once for the module (inside the world's transaction,
    rolled back with it)."""
    targets = all_targets()
    with django_db_blocker.unblock():
        grow(world, SMALL, "s")
        # One request of each first: it fills what the code caches lazily (translations, content
        # types, settings), which would otherwise count against whichever target comes first.
        for key in targets:
            request(world, *key)
        small = {key: count_queries(world, *key) for key in targets}
        grow(world, LARGE, "l")
        large = {key: count_queries(world, *key) for key in targets}
    return {key: (small[key], large[key]) for key in targets}


# --- tests -------------------------------------------------------------------------------------


def test_every_page_and_list_endpoint_is_measured():
    """The targets come from the page MATRIX and the OpenAPI document; check they are not empty
    (a broken generator would silently measure nothing) and that the exemptions are current."""
    pages, lists = page_targets("admin"), api_targets()
    assert len(pages) > 30 and "page goals:tree" in pages, pages
    assert "api GET /goals" in lists and "api GET /items" in lists, lists
    stale = sorted(set(EXEMPT) - set(page_targets("admin") + page_targets("manager") + lists))
    assert not stale, f"EXEMPT entries that are no longer pages or list endpoints: {stale}"


@pytest.mark.parametrize(("role", "target"), all_targets())
def test_query_count_does_not_grow(counts, db, role, target):
    (small_status, small, small_sql), (large_status, large, large_sql) = counts[(role, target)]
    assert small_status == large_status == 200, (small_status, large_status)
    if small != large:
        grown = _shapes(large_sql) - _shapes(small_sql)
        pytest.fail(
            f"{target} as {role}: {small} queries with the small batch, {large} with the large; "
            f"the queries that multiplied: {grown.most_common(3)}"
        )


def _shapes(queries: list[str]) -> Counter[str]:
    """Queries with their literal values blanked, so the N copies of an N+1 count as one shape."""
    return Counter(re.sub(r"'[^']*'|\b\d+\b", "?", sql)[:300] for sql in queries)
