"""Dependencies across departments: an item may wait on any item its planner can see (a 市场部
item on 销售部 or 内容组 work), never on one they cannot see and never in a loop — the same rule
in the services, the API and the pages; the timeline shows the other department's linked items
and marks them. Fixtures: execution/tests/conftest.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from lodestar.core.errors import ApplicationError, NotFound
from lodestar.execution import services
from lodestar.execution.models import Dependency
from lodestar.execution.tests.conftest import user_of

OCT_20, OCT_31, NOV_1, NOV_11 = (
    dt.date(2026, 10, 20),
    dt.date(2026, 10, 31),
    dt.date(2026, 11, 1),
    dt.date(2026, 11, 11),
)


@pytest.fixture
def plan(org, make_item):
    """市场部's 直播 waits for 销售部's 主视觉 (visible to 赵敏: she is consulted on it); 销售部 also
    has a private 报价单 that 市场部 cannot see; 内容组 (under 市场部) has 脚本."""
    live = make_item("天猫直播", start=NOV_1, due=NOV_11)
    visual = make_item(
        "大促主视觉",
        actor=org.sales_manager,
        department=org.sales,
        responsible=[org.sales_member],
        accountable=org.sales_manager,
        consulted=[org.mkt_manager],
        start=OCT_20,
        due=OCT_31,
    )
    private = make_item(
        "报价单", actor=org.sales_manager, department=org.sales, responsible=[org.sales_member],
        accountable=org.sales_manager,
    )  # fmt: skip
    script = make_item("直播脚本", department=org.content, start=OCT_20, due=OCT_31)
    return {"live": live, "visual": visual, "private": private, "script": script}


# --- services ---------------------------------------------------------------------------------


def test_an_item_waits_on_another_departments_item_it_can_see(org, plan):
    actor = user_of(org.mkt_manager)
    services.dependency_add(actor=actor, predecessor=plan["visual"], successor=plan["live"])
    services.dependency_add(actor=actor, predecessor=plan["script"], successor=plan["live"])
    assert set(Dependency.objects.values_list("predecessor__title", flat=True)) == {"大促主视觉", "直播脚本"}


def test_an_item_one_cannot_see_or_a_loop_is_refused(org, plan):
    actor = user_of(org.mkt_manager)
    with pytest.raises(NotFound):
        services.dependency_add(actor=actor, predecessor=plan["private"], successor=plan["live"])
    with pytest.raises(NotFound):
        services.item_create(actor=actor, department=org.mkt, title="偷看", predecessors=[plan["private"]])
    services.dependency_add(actor=actor, predecessor=plan["visual"], successor=plan["live"])
    admin = user_of(org.admin)
    with pytest.raises(ApplicationError) as exc:
        services.dependency_add(actor=admin, predecessor=plan["live"], successor=plan["visual"])
    assert exc.value.code == "cycle"
    assert Dependency.objects.count() == 1


# --- API --------------------------------------------------------------------------------------


def test_api_follows_the_same_rule(org, plan, api):
    client = api("mkt_manager")
    live = plan["live"]
    response = client.post(f"/items/{live.pk}/dependencies", {"predecessor_id": plan["visual"].pk})
    assert response.status_code == 201
    assert [p["title"] for p in response.json()["predecessors"]] == ["大促主视觉"]
    response = client.post(f"/items/{live.pk}/dependencies", {"predecessor_id": plan["private"].pk})
    assert response.status_code == 404 and response.json()["field"] == "predecessor_id"
    response = api("admin").post(f"/items/{plan['visual'].pk}/dependencies", {"predecessor_id": live.pk})
    assert response.status_code == 422 and response.json()["code"] == "cycle"
    response = client.post(
        "/items", {"title": "跨部门创建", "department_id": org.mkt.pk, "predecessor_ids": [plan["visual"].pk]}
    )
    assert response.status_code == 201 and response.json()["predecessor_ids"] == [plan["visual"].pk]


# --- pages ------------------------------------------------------------------------------------


def test_the_detail_page_offers_any_visible_item_own_department_first(org, plan, client_for):
    client = client_for("mkt_manager")
    page = client.get(reverse("execution:detail", args=[plan["live"].pk])).content.decode()
    form = page.split('data-testid="dependency-form"', 1)[1].split("</form>", 1)[0]
    assert "大促主视觉 · 销售部" in form and "直播脚本 · 内容组" in form
    assert "报价单" not in form and "天猫直播" not in form
    assert form.index("直播脚本") < form.index("大促主视觉")  # its own department (and below) first
    assert "dashuzhushijue" not in form and "dacuzhushijue" in form  # pinyin to search by
    response = client.post(
        reverse("execution:dependency", args=[plan["live"].pk]),
        {"predecessor": plan["visual"].pk},
        follow=True,
    )
    page = response.content.decode()
    assert Dependency.objects.filter(successor=plan["live"], predecessor=plan["visual"]).exists()
    assert 'data-testid="other-department">销售部<' in page
    client.post(reverse("execution:dependency", args=[plan["live"].pk]), {"predecessor": plan["private"].pk})
    assert not Dependency.objects.filter(predecessor=plan["private"]).exists()  # refused as not found


def test_the_timeline_shows_and_marks_the_other_departments_items(org, plan, client_for):
    actor = user_of(org.mkt_manager)
    services.dependency_add(actor=actor, predecessor=plan["visual"], successor=plan["live"])
    services.dependency_add(actor=actor, predecessor=plan["script"], successor=plan["live"])
    client = client_for("mkt_manager")
    data = client.get(reverse("execution:timeline_data"), {"department": org.mkt.pk}).json()
    by_id = {item["id"]: item for item in data["items"]}
    visual = by_id[plan["visual"].pk]
    assert visual["external"] is True and visual["department"] == "销售部" and visual["can_edit"] is False
    assert visual["phase"] == "outside" and data["phases"][-1]["id"] == "outside"
    assert by_id[plan["script"].pk]["external"] is False  # 内容组 is inside 市场部's plan
    assert sorted((d["from"], d["to"], d["cross"]) for d in data["dependencies"]) == sorted(
        [(plan["visual"].pk, plan["live"].pk, True), (plan["script"].pk, plan["live"].pk, True)]
    )
    page = client.get(reverse("execution:timeline"), {"department": org.mkt.pk}).content.decode()
    outside = page.split('data-testid="timeline-outside"', 1)[1]
    assert "销售部" in outside and "大促主视觉" in outside
    assert page.count('data-testid="waits-on-other"') == 2
    # 销售部's own member sees the link from the other side; a private item stays hidden.
    data = (
        client_for("sales_member")
        .get(reverse("execution:timeline_data"), {"department": org.sales.pk})
        .json()
    )
    assert [i["title"] for i in data["items"] if i["external"]] == []  # 天猫直播 is not theirs to see


def test_the_timeline_keeps_its_query_budget_with_outside_links(
    org, plan, make_item, client_for, django_assert_max_num_queries
):
    actor = user_of(org.mkt_manager)
    for index in range(6):
        first = make_item(
            f"外部{index}", actor=org.sales_manager, department=org.sales, responsible=[org.sales_member],
            accountable=org.sales_manager, consulted=[org.mkt_manager],
        )  # fmt: skip
        then = make_item(f"本部{index}", start=NOV_1, due=NOV_11)
        services.dependency_add(actor=actor, predecessor=first, successor=then)
    client = client_for("mkt_manager")
    for name in ("execution:timeline", "execution:timeline_data"):
        client.get(reverse(name), {"department": org.mkt.pk})
        with django_assert_max_num_queries(20):
            response = client.get(reverse(name), {"department": org.mkt.pk})
        assert response.status_code == 200
