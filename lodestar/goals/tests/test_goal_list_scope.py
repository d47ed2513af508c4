"""A department's goals with or without its sub-departments: one selector criterion, used by the
goal-setting table (own goals only) and by GET /goals (`subdepartments=false`)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from lodestar.goals.tests.conftest import fresh


def test_the_api_gives_the_subtree_or_the_departments_own_goals(world, make_goal, api):
    own = make_goal("市场部 年度品牌声量")
    sub = make_goal("内容组 笔记篇数", department=world.content, owner=world.member)
    manager = api("mkt_manager")
    subtree = manager.get(f"/goals?department_id={world.mkt.pk}").json()["items"]
    assert {g["id"] for g in subtree} == {own.pk, sub.pk}
    only = manager.get(f"/goals?department_id={world.mkt.pk}&subdepartments=false").json()["items"]
    assert [g["id"] for g in only] == [own.pk]
    refused = manager.get(f"/goals?department_id={world.mkt.pk}&subdepartments=maybe")
    assert refused.status_code == 422


def test_the_goal_table_is_one_departments_sheet(world, make_goal):
    make_goal("市场部 年度品牌声量")
    make_goal("内容组 笔记篇数", department=world.content, owner=world.member)
    client = Client()
    client.force_login(fresh(world.mkt_manager))
    page = client.get(reverse("goals:table"), {"department": world.mkt.pk, "period": world.year.pk})
    text = page.content.decode()
    assert "市场部 年度品牌声量" in text and "内容组 笔记篇数" not in text
