"""The goals API: measures, rates as four-place strings, the goal list's filters and query count."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.testing import err, ok

# --- measures ------------------------------------------------------------------------------------


def test_measure_crud(world, public_goal, api, activate):
    manager = api("mkt_manager")
    created = ok(
        manager.post(
            f"/goals/{public_goal.pk}/measures",
            {
                "name": "库存周转天数",
                "unit": "custom",
                "unit_label": "天",
                "direction": "range",
                "target": "20",
                "range_max": "30",
            },
        ),
        201,
    )
    assert created["unit_label"] == "天" and created["range_max"] == "30.00" and created["version"] == 1
    listed = ok(manager.get(f"/goals/{public_goal.pk}/measures"))
    assert listed["count"] == 2 and [m["id"] for m in listed["items"]][-1] == created["id"]
    assert ok(manager.get(f"/measures/{created['id']}")) == created
    patched = ok(manager.patch(f"/measures/{created['id']}", {"version": 1, "current": "25"}))
    assert patched["current"] == "25.00" and patched["achievement_rate"] == "1.0000"
    err(manager.patch(f"/measures/{created['id']}", {"version": 2, "unit": None}), 422, field="unit")
    assert manager.delete(f"/measures/{created['id']}").status_code == 204
    err(manager.get(f"/measures/{created['id']}"), 404, "not_found")
    activate(public_goal)
    measure = public_goal.measures.get()
    err(manager.delete(f"/measures/{measure.pk}"), 409, "not_draft")
    err(
        manager.patch(f"/measures/{measure.pk}", {"version": measure.version, "target": "450"}),
        422,
        "adjustment_required",
        "target",
    )


def test_measure_accumulates_round_trips_and_percent_defaults_to_a_level(world, public_goal, api):
    manager = api("mkt_manager")
    url = f"/goals/{public_goal.pk}/measures"
    count = ok(manager.post(url, {"name": "笔记篇数", "unit": "count", "target": "50"}), 201)
    assert count["accumulates"] is True
    rate = ok(manager.post(url, {"name": "复购率", "unit": "percent", "baseline": "15", "target": "20"}), 201)
    assert rate["accumulates"] is False
    level = ok(manager.post(url, {"name": "单篇平均点赞", "target": "500", "accumulates": False}), 201)
    assert level["accumulates"] is False and level["unit"] == "count"
    forced = ok(
        manager.post(url, {"name": "增长点数", "unit": "percent", "target": "5", "accumulates": True}), 201
    )
    assert forced["accumulates"] is True
    assert ok(manager.get(f"/measures/{level['id']}"))["accumulates"] is False
    patched = ok(manager.patch(f"/measures/{level['id']}", {"version": 1, "accumulates": True}))
    assert patched["accumulates"] is True and patched["version"] == 2
    # Other changes keep it: a percent measure switched on stays on when renamed.
    renamed = ok(manager.patch(f"/measures/{forced['id']}", {"version": 1, "name": "增长百分点"}))
    assert renamed["accumulates"] is True
    err(
        manager.patch(f"/measures/{level['id']}", {"version": 2, "accumulates": None}),
        422,
        field="accumulates",
    )


def test_owner_reports_current_value_of_an_active_goal(world, make_goal, api, activate):
    goal = activate(make_goal("林晓 新品A 销售额 500万元", owner=world.member))
    measure = goal.measures.get()
    body = ok(api("member").patch(f"/measures/{measure.pk}", {"version": measure.version, "current": "480"}))
    assert body["current"] == "480.00"
    assert body["achievement_rate"] == "0.9600" and body["progress"] == "0.9600"
    err(api("viewer").patch(f"/measures/{measure.pk}", {"version": body["version"], "current": "490"}), 403)


# --- rates -----------------------------------------------------------------------------------------


def test_rates_are_four_place_strings(world, make_goal, api):
    goal = make_goal(
        "新品A Q3销售额500万元",
        measures=[{"name": "销售额", "unit": "wan_yuan", "target": "500", "current": "480"}],
    )
    body = ok(api("member").get(f"/goals/{goal.pk}"))
    assert body["achievement_rate"] == "0.9600"
    assert body["progress"] == "0.9600"
    measure = body["measures"][0]
    assert (measure["target"], measure["current"]) == ("500.00", "480.00")
    assert (measure["achievement_rate"], measure["progress"]) == ("0.9600", "0.9600")


def test_number_formatting_helpers():
    assert rate_str(Decimal(480) / Decimal(500)) == "0.9600"
    assert rate_str(Decimal(5) / Decimal(7)) == "0.7143"
    assert rate_str(Decimal("0.00005")) == "0.0001"  # half up
    assert rate_str(Decimal("1.100000")) == "1.1000"
    assert rate_str(Decimal("-0.00001")) == "0.0000"
    assert rate_str(None) is None
    assert amount_str(Decimal("5000000.0000")) == "5000000.00"
    assert amount_str(Decimal("0.1234")) == "0.1234"
    assert amount_str(Decimal("15.5000")) == "15.50"
    assert amount_str(Decimal("5E+6")) == "5000000.00"
    assert amount_str("60") == "60.00"
    assert amount_str(Decimal("-0.0000")) == "0.00"
    assert amount_str(None) is None


# --- the list --------------------------------------------------------------------------------------


def test_list_filters(world, make_goal, api, activate):
    top = make_goal("市场部 年度 销售额 1000万元", kind="objective")
    content = make_goal(
        "内容组 发文 90篇", department=world.content, parent=top, owner=world.content_member, period=world.q1
    )
    sales = make_goal("销售部 回款 800万元", department=world.sales)
    activate(top)
    admin = api("admin")

    def ids(**query):
        return [item["id"] for item in ok(admin.get("/goals", **query))["items"]]

    assert ids(department_id=world.mkt.pk) == [top.pk, content.pk]  # with sub-departments
    assert ids(department_id=world.content.pk) == [content.pk]
    assert ids(period_id=world.q1.pk) == [content.pk]
    assert ids(owner_id=world.content_member.pk) == [content.pk]
    assert ids(parent_id=top.pk) == [content.pk]
    assert sorted(ids(root="true")) == sorted([top.pk, sales.pk])
    assert ids(root="false") == [content.pk]
    assert ids(kind="objective") == [top.pk]
    assert ids(status="active") == [top.pk]
    assert ids(visibility="public", department_id=world.sales.pk) == [sales.pk]
    assert ids(q="回款") == [sales.pk]
    assert ids(goal_type_id=1) == []
    assert ids(ordering="-name") == [
        g.pk for g in sorted([top, content, sales], key=lambda g: g.name, reverse=True)
    ]
    page = ok(admin.get("/goals", page=2, page_size=2))
    assert page["count"] == 3 and page["page"] == 2 and page["page_size"] == 2 and len(page["items"]) == 1
    err(admin.get("/goals", page_size=501), 422, field="page_size")
    err(admin.get("/goals", kind="wish"), 422, field="kind")
    err(admin.get("/goals", ordering="password"), 422, field="ordering")
    err(admin.get("/goals", department_id=999999), 404, field="department_id")


def _seed_goals(world, make_goal, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        department = world.content if i % 2 else world.mkt
        make_goal(
            f"目标 {i} 2026年 {i + 1}00万元",
            department=department,
            owner=world.content_member,
            visibility="public" if i % 3 else "department",
            collaborating_departments=[world.sales],
            measures=[
                {"name": "销售额", "unit": "wan_yuan", "target": "500", "current": "480"},
                {"name": "新客占比", "unit": "percent", "baseline": "20", "target": "40"},
            ],
        )


# session, user, person, managed departments, count, goals (+ owner, department, period, type, parent),
# measures, collaborating departments — measured: 8 for 5 goals and for 50.
LIST_QUERY_BOUND = 8


def test_list_query_count_does_not_grow_with_the_goals(world, make_goal, api, django_assert_max_num_queries):
    manager = api("mkt_manager")  # a manager: the visibility filter has every branch
    _seed_goals(world, make_goal, 5)
    with django_assert_max_num_queries(LIST_QUERY_BOUND), CaptureQueriesContext(connection) as few:
        body = ok(manager.get("/goals", page_size=500))
    assert body["count"] == 5 and all(len(item["measures"]) == 2 for item in body["items"])
    _seed_goals(world, make_goal, 45, start=5)
    with django_assert_max_num_queries(LIST_QUERY_BOUND), CaptureQueriesContext(connection) as many:
        body = ok(manager.get("/goals", page_size=500))
    assert body["count"] == 50
    assert all(
        item["smart_warnings"] is not None and item["collaborating_department_ids"] == [world.sales.pk]
        for item in body["items"]
    )
    assert len(few.captured_queries) == len(many.captured_queries)


def test_measure_reports_achievement_against_original_and_adjusted_targets(world, api, make_goal, activate):
    goal = activate(make_goal())
    measure = goal.measures.get()
    client = api("mkt_manager")
    client.patch(f"/measures/{measure.pk}", {"version": measure.version, "current": "480"})
    response = client.post(
        f"/goals/{goal.pk}/adjustments",
        {"measure_id": measure.pk, "new_target": "400", "reason": "市场萎缩", "trigger": "竞品降价超过15%"},
    )
    assert response.status_code == 201, response.content
    approved = api("admin").post(f"/goals/{goal.pk}/adjustments/{response.json()['id']}/approve", {})
    assert approved.status_code == 200, approved.content
    body = client.get(f"/measures/{measure.pk}").json()
    assert body["original_target"] == "500.00"
    assert body["original_achievement_rate"] == "0.9600"  # 480 / 500
    assert body["achievement_rate"] == "1.2000"  # 480 / 400
