"""The execution pages: query counts that do not grow with the items, and one filter for pages and API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lodestar.execution import services
from lodestar.execution.models import (
    ActionItem,
    ItemStatus,
    Phase,
)
from lodestar.execution.tests import views_support
from lodestar.execution.tests.views_support import DUE, START, html, url

# The page tests' default item (a fixture), bound as a plain name (pytest finds fixtures by name).
item = views_support.item


# --- query counts -------------------------------------------------------------------------------


def _plan(org, goal, phase, hub, start: int, count: int) -> None:
    """`count` more items of 市场部 and 内容组 with mixed RACI, goals, phases, states and dates,
    each waiting for `hub`, with a comment (mentioning someone) and now and then a file on `hub`."""
    manager = org.user("mkt_manager")
    today = timezone.localdate()
    for index in range(start, start + count):
        due = [dt.date(2020, 1, 10), today, today + dt.timedelta(days=30)][index % 3]
        services.item_create(
            actor=manager,
            department=org.content if index % 4 == 0 else org.mkt,
            title=f"任务 {index}",
            goal=goal if index % 2 else None,
            phase=phase if index % 3 and index % 4 else None,
            start=due - dt.timedelta(days=3),
            due=due,
            responsible=[org.responsible, org.member] if index % 2 else [org.responsible],
            accountable=org.accountable if index % 5 else org.mkt_manager,
            consulted=[org.content] if index % 4 == 0 else (),
            informed=[org.viewer],
            predecessors=[hub],
            requested_department=org.sales if index % 6 == 0 else None,
            is_milestone=index % 7 == 0,
            budget=1000 if index % 2 else None,
            planned_quantity=5 if index % 3 == 0 else None,
            status=[ItemStatus.TODO, ItemStatus.DOING, ItemStatus.BLOCKED][index % 3],
        )
        services.comment_add(actor=org.user("member"), item=hub, body=f"进展 {index} @responsible")
        if index % 5 == 0:
            upload = SimpleUploadedFile(f"file-{index}.pdf", b"%PDF", content_type="application/pdf")
            services.attachment_add(actor=manager, item=hub, upload=upload)


PAGES = {
    "table": ("member", lambda org, hub: url("execution:table", department=org.mkt.pk)),
    "raci": ("member", lambda org, hub: url("execution:raci", department=org.mkt.pk)),
    "mine": ("responsible", lambda org, hub: url("execution:mine")),
    "mine_requests": ("sales_manager", lambda org, hub: url("execution:mine")),
    "detail": ("mkt_manager", lambda org, hub: url("execution:detail", hub.pk)),
}
# Measured with CaptureQueriesContext (the same on SQLite and PostgreSQL): session, user, person
# and managed departments, the page's own reads, the navbar's unread count.
# +1 on the pages with item controls since the period close: one query tells which goals are frozen.
# detail: +1 for the retrospective an item was promoted from (its link back, issue #14).
QUERY_BOUNDS = {"table": 13, "raci": 11, "mine": 10, "mine_requests": 10, "detail": 25}


def _count(client, page) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page_name", list(PAGES))
def test_query_count_does_not_grow_with_the_items(
    org, make_item, make_goal, client_for, django_assert_max_num_queries, page_name
):
    role, page_url = PAGES[page_name]
    goal = make_goal()
    phase = Phase.objects.create(department=org.mkt, name="预热期", sort_order=1)
    hub = make_item("枢纽任务", start=START, due=DUE, goal=goal, informed=[org.sales_manager])
    services.item_update(actor=org.user("mkt_manager"), item=hub, version=hub.version, deliverable="方案")
    _plan(org, goal, phase, hub, 0, 2)
    assert ActionItem.objects.count() == 3
    client = client_for(role)
    page = page_url(org, hub)
    client.get(page)  # warm the session
    with django_assert_max_num_queries(QUERY_BOUNDS[page_name]):
        few = _count(client, page)
    _plan(org, goal, phase, hub, 2, 37)
    assert ActionItem.objects.count() == 40
    with django_assert_max_num_queries(QUERY_BOUNDS[page_name]):
        many = _count(client, page)
    assert many == few, (page_name, few, many)
    body = html(client.get(page))
    if page_name in ("table", "raci"):
        assert "任务 38" in body
    if page_name == "detail":
        assert "进展 38 @responsible" in body and "file-35.pdf" in body


# --- one filter for pages and API ----------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["execution:table", "execution:raci", "execution:kanban", "execution:timeline"]
)
def test_plan_pages_and_the_api_list_the_same_items_of_a_scope(org, make_item, client_for, api, page):
    """The plan pages filter through ItemFilter, like GET /api/v1/items: a department with its
    sub-departments, a goal, cancelled items left out unless asked for."""
    upper = make_item("上级部门任务 A")
    lower = make_item("子部门任务 B", department=org.content, actor=org.mkt_manager)
    client, manager = client_for("mkt_manager"), api("mkt_manager")
    for department, expected in ((org.mkt, {upper, lower}), (org.content, {lower})):
        listed = {row["id"] for row in manager.get("/items", department_id=department.pk).json()["items"]}
        assert listed == {item.pk for item in expected}
        body = html(client.get(url(page, department=department.pk)))
        if page == "execution:timeline":  # the chart's rows come from its data feed
            body = client.get(url("execution:timeline_data", department=department.pk)).content.decode()
        for item in (upper, lower):
            assert (item.title in body) == (item in expected), (page, department.name, item.title)
