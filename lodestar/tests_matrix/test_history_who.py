"""Issue 11: history rows written outside a request (the demo seed, management commands, nightly tasks
— here the world's own set-up through the services) name 系统 as who, on the pages and in the API;
a row written through a page names the user who wrote it.
"""

from __future__ import annotations

import re

from django.urls import reverse

from lodestar.core.testing import ApiClient
from lodestar.execution.models import ActionItem
from lodestar.tests_matrix.world import fresh


def history_lines(page: str) -> list[str]:
    block = re.search(r'data-testid="history">(.*?)</div>\s*</div>', page, re.S)
    assert block, page[:2000]
    return re.findall(r'<div class="list-group-item">(.*?)</div>', block.group(1), re.S)


def test_goal_and_item_history_name_the_system(world, db, client):
    client.force_login(fresh(world["people"]["manager"]))
    goal_page = client.get(reverse("goals:detail", args=[world["kwargs"]["goal_id"]])).content.decode()
    lines = history_lines(goal_page)
    assert lines and all(" · 系统 · " in line for line in lines), lines
    item_page = client.get(reverse("execution:detail", args=[world["kwargs"]["item_id"]])).content.decode()
    assert " · 系统 · " in item_page
    assert " · — · " not in goal_page + item_page


def test_a_change_through_a_page_names_its_user(world, db, client):
    client.force_login(fresh(world["people"]["manager"]))
    item = ActionItem.objects.get(pk=world["kwargs"]["item_id"])
    response = client.post(
        reverse("execution:edit", args=[item.pk]),
        {"title": "投放KOL（改）", "priority": item.priority, "version": item.version},
    )
    assert response.status_code == 302
    page = client.get(reverse("execution:detail", args=[item.pk])).content.decode()
    assert " · m_manager · " in page and " · 系统 · " in page


def test_api_history_names_the_system(world, db):
    api = ApiClient(world["people"]["manager"], language="zh-Hans")
    body = api.get(f"/items/{world['kwargs']['item_id']}/history").json()
    assert body["items"] and {row["who"] for row in body["items"]} == {"系统"}
    assert {row["who_id"] for row in body["items"]} == {None}
