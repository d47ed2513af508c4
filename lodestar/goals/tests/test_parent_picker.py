"""对齐到 (issue 11): the parent goal is a searchable choice validated against every goal the user may
align to. The old form offered the first 500 goals as a cut (sliced) queryset, so every choice failed
validation ("选择一个有效的选项").

The organisation comes from conftest.py (`world`, `make_goal`).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lodestar.goals.models import Goal, GoalStatus, Visibility
from lodestar.goals.tests.conftest import fresh

MANY = 520  # more than the 500 the old form offered


def client_for(person) -> Client:
    client = Client()
    client.force_login(fresh(person))
    return client


def bulk_goals(world, count: int, *, prefix: str = "批量目标", department=None) -> list[Goal]:
    """Many public goals of 市场部 for fiscal 2026, written in one statement (the services would take
    minutes for hundreds; the picker only reads them)."""
    department = department or world.mkt
    Goal.objects.bulk_create(
        Goal(
            name=f"{prefix}{index:04d}",
            department=department,
            period=world.year,
            owner=world.mkt_manager,
            visibility=Visibility.PUBLIC,
            status=GoalStatus.ACTIVE,
        )
        for index in range(count)
    )
    return list(Goal.objects.filter(name__startswith=prefix).order_by("name"))


def new_goal(world, parent_value, **extra) -> dict:
    return {
        "kind": "kpi",
        "name": "内容组 小红书笔记",
        "owner": world.mkt_manager.pk,
        "department": world.mkt.pk,
        "period": world.q1.pk,
        "visibility": "public",
        "parent": parent_value,
        **extra,
    }


def test_a_goal_beyond_the_first_500_can_be_chosen(world):
    goals = bulk_goals(world, MANY)
    chosen = goals[-1]  # last by name: past the old cut of 500
    response = client_for(world.mkt_manager).post(reverse("goals:create"), new_goal(world, chosen.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Goal.objects.get(name="内容组 小红书笔记")
    assert created.parent_id == chosen.pk


def test_an_invisible_goal_is_refused(world, make_goal):
    hidden = make_goal("销售部内部目标", department=world.sales, visibility="department")
    response = client_for(world.mkt_manager).post(reverse("goals:create"), new_goal(world, hidden.pk))
    assert response.status_code == 200
    assert 'data-field-error="parent"' in response.content.decode()
    assert not Goal.objects.filter(name="内容组 小红书笔记").exists()


def test_text_typed_without_picking_a_goal_is_refused_with_a_clear_message(world):
    bulk_goals(world, 3)
    response = client_for(world.mkt_manager).post(
        reverse("goals:create"), new_goal(world, "", parent_search="批量")
    )
    assert response.status_code == 200
    assert "请从搜索结果中选择目标" in response.content.decode()
    assert not Goal.objects.filter(name="内容组 小红书笔记").exists()
    # Search box and id both empty: no alignment.
    response = client_for(world.mkt_manager).post(
        reverse("goals:create"), new_goal(world, "", parent_search="")
    )
    assert response.status_code == 302
    assert Goal.objects.get(name="内容组 小红书笔记").parent_id is None


def test_the_edit_form_shows_and_keeps_the_chosen_parent(world, make_goal):
    parent = make_goal("年度品牌曝光")
    child = make_goal("Q1 小红书曝光", parent=parent, period=world.q1)
    page = client_for(world.mkt_manager).get(reverse("goals:edit", args=[child.pk])).content.decode()
    assert f'name="parent" value="{parent.pk}"' in page
    assert "年度品牌曝光 · 市场部" in page


def test_the_picker_searches_by_name_and_department_and_hides_invisible_goals(world, make_goal):
    bulk_goals(world, 30)
    make_goal("销售部内部目标", department=world.sales, visibility="department")
    make_goal("销售部公开目标", department=world.sales)
    client = client_for(world.mkt_manager)
    url = reverse("goals:parent_options")

    page = client.get(url, {"parent_search": "批量目标0029"}).content.decode()
    assert "批量目标0029" in page and "批量目标0028" not in page

    page = client.get(url, {"parent_search": "销售部"}).content.decode()
    assert "销售部公开目标" in page
    assert "销售部内部目标" not in page  # not visible to 市场部

    page = client.get(url, {"parent_search": "批量"}).content.decode()
    assert page.count('role="option"') == 20
    assert "仅显示前 20 条" in page

    page = client.get(url, {"parent_search": "没有这个目标"}).content.decode()
    assert "没有匹配的目标" in page
    # A NUL character or a bad exclude id is no server error.
    assert client.get(url, {"parent_search": "批量\x00", "exclude": "abc"}).status_code == 200


def test_the_picker_leaves_out_the_goal_being_edited(world, make_goal):
    goal = make_goal("年度品牌曝光")
    page = client_for(world.mkt_manager).get(
        reverse("goals:parent_options"), {"parent_search": "年度", "exclude": goal.pk}
    )
    assert "年度品牌曝光" not in page.content.decode()


def test_anonymous_cannot_search_goals(world):
    response = Client().get(reverse("goals:parent_options"))
    assert response.status_code == 302


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url_name", ["goals:create", "goals:edit", "goals:parent_options"])
def test_goal_form_queries_do_not_grow_with_visible_goals(world, make_goal, url_name):
    goal = make_goal("年度品牌曝光")
    url = reverse(url_name, args=[goal.pk]) if url_name == "goals:edit" else reverse(url_name)
    client = client_for(world.mkt_manager)
    bulk_goals(world, 5)
    few = _queries(client, url)
    bulk_goals(world, MANY, prefix="更多目标")
    assert _queries(client, url) == few
