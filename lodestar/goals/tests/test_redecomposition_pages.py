"""Re-decomposition through the page and the API: the page edits the split that exists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lodestar.goals.models import Goal
from lodestar.goals.services.decomposition import goal_decompose
from lodestar.goals.tests.conftest import fresh
from lodestar.tracking.models import CheckIn

D = Decimal
GMV = {
    "name": "线上GMV",
    "unit": "yuan",
    "direction": "higher",
    "target": "10000000",
    "challenge": "12000000",
}


def client_for(person) -> Client:
    client = Client()
    client.force_login(fresh(person))
    return client


@pytest.fixture
def split_goal(world, make_goal):
    goal = make_goal(
        "12月线上GMV 1000万",
        department=world.company,
        actor=world.admin,
        owner=world.admin,
        measures=[dict(GMV)],
    )
    response = client_for(world.admin).post(
        reverse("goals:decompose", args=[goal.pk]),
        {
            "dimension": "department",
            "mode": "percent",
            "measure": goal.measures.get().pk,
            "goal_id": ["", ""],
            "label": ["市场部", "销售部"],
            "value": ["40", "60"],
            "owner": ["", ""],
            "department": [world.mkt.pk, world.sales.pk],
            "period": ["", ""],
        },
    )
    assert response.status_code == 302
    return goal


def children_of(goal):
    return list(Goal.objects.filter(parent=goal).order_by("sort_order", "id"))


def test_the_page_shows_the_existing_split_within_a_query_budget(
    world, split_goal, django_assert_max_num_queries
):
    client = client_for(world.admin)
    mkt, sales = children_of(split_goal)
    url = reverse("goals:decompose", args=[split_goal.pk])
    with django_assert_max_num_queries(18):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as two_parts:
        client.get(url)
    goal_decompose(
        actor=fresh(world.admin),
        goal=split_goal,
        dimension="department",
        measure=None,
        mode="percent",
        parts=[
            {"goal_id": mkt.pk, "share": "40"},
            {"goal_id": sales.pk, "share": "40"},
            {"department": world.content, "share": "20"},
        ],
    )
    with CaptureQueriesContext(connection) as three_parts:
        client.get(url)
    assert len(three_parts) == len(two_parts)  # a constant number, however many parts
    rows = response.context["rows"]
    assert [(r["part"].goal.pk, r["label"], r["value"]) for r in rows] == [
        (mkt.pk, "市场部", "40"),
        (sales.pk, "销售部", "60"),
    ]
    html = response.content.decode()
    assert 'data-testid="resplit-intro"' in html and 'data-testid="split-history"' in html
    assert f'name="goal_id" value="{mkt.pk}"' in html
    assert mkt.name == "12月线上GMV · 市场部"


def test_editing_the_shares_on_the_page_keeps_the_parts(world, split_goal):
    client = client_for(world.admin)
    mkt, sales = children_of(split_goal)
    CheckIn.objects.create(
        measure=mkt.measures.get(),
        period_start=dt.date(2026, 12, 1),
        period_end=dt.date(2026, 12, 6),
        actual=D(1),
        author=world.mkt_manager,
    )
    data = {
        "dimension": "department",
        "mode": "percent",
        "measure": split_goal.measures.get().pk,
        "goal_id": [mkt.pk, sales.pk],
        "label": ["市场部", "销售部"],
        "value": ["30", "60"],
        "owner": ["", ""],
        "department": ["", ""],
        "period": ["", ""],
        "reason": "预算削减",
    }
    response = client.post(
        reverse("goals:decompose", args=[split_goal.pk]), data, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    assert "90%" in response.context["error"]  # the form shows the error, with the rows as typed
    assert [r["value"] for r in response.context["rows"]] == ["30", "60"]
    assert [r["part"].goal.pk for r in response.context["rows"]] == [mkt.pk, sales.pk]
    data["value"] = ["30", "70"]
    response = client.post(reverse("goals:decompose", args=[split_goal.pk]), data)
    assert response.status_code == 302
    assert [(c.pk, c.weight, c.measures.get().target) for c in children_of(split_goal)] == [
        (mkt.pk, D(30), D(3_000_000)),
        (sales.pk, D(70), D(7_000_000)),
    ]
    # Removing the part with a check-in is refused on the page, with the reason.
    data |= {"goal_id": [sales.pk, ""], "label": ["销售部", "内容组"], "department": ["", world.content.pk]}
    response = client.post(
        reverse("goals:decompose", args=[split_goal.pk]), data, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200 and "进度填报" in response.context["error"]
    assert len(children_of(split_goal)) == 2


def test_only_managers_of_the_goal_re_split_it(world, split_goal):
    url = reverse("goals:decompose", args=[split_goal.pk])
    assert client_for(world.mkt_manager).get(url).status_code == 403
    assert client_for(world.member).post(url, {"dimension": "department"}).status_code == 403


def test_re_split_through_the_api(world, split_goal, api):
    mkt, sales = children_of(split_goal)
    admin = api("admin")
    response = admin.post(
        f"/goals/{split_goal.pk}/decompose",
        {
            "dimension": "department",
            "parts": [
                {"goal_id": mkt.pk, "label": "市场部", "share": "35"},
                {"goal_id": sales.pk, "label": "销售部", "share": "45"},
                {"department_id": world.content.pk, "share": "20"},
            ],
            "reason": "内容组加入",
        },
    )
    assert response.status_code == 201, response.content
    children = response.json()["children"]
    assert [c["id"] for c in children[:2]] == [mkt.pk, sales.pk]
    assert children[2]["name"] == "12月线上GMV · 内容组"
    bad = admin.post(
        f"/goals/{split_goal.pk}/decompose",
        {
            "dimension": "department",
            "parts": [{"goal_id": mkt.pk, "share": "60"}, {"goal_id": sales.pk, "share": "60"}],
        },
    )
    assert bad.status_code == 422 and bad.json()["field"] == "parts" and bad.json()["code"] == "parts_not_100"
    assert len(children_of(split_goal)) == 3
    CheckIn.objects.create(
        measure=sales.measures.get(),
        period_start=dt.date(2026, 12, 1),
        period_end=dt.date(2026, 12, 6),
        actual=D(1),
        author=world.sales_manager,
    )
    refused = admin.post(
        f"/goals/{split_goal.pk}/decompose",
        {
            "dimension": "department",
            "parts": [{"goal_id": mkt.pk, "share": "50"}, {"department_id": world.sales.pk, "share": "50"}],
        },
    )
    assert refused.status_code == 409 and refused.json()["code"] == "part_has_records"
    assert len(children_of(split_goal)) == 3
