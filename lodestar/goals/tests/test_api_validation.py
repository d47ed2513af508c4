"""The goals API on bad input: a clear message on the field, and nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lodestar.core.testing import err, ok
from lodestar.goals.models import Goal, GoalStatus
from lodestar.goals.tests.conftest import fresh
from lodestar.org.periods_services import period_set_closed

# --- bad input: a clear message on the field, and nothing written ------------------------------


def test_weights_over_100_on_create(world, make_goal, api):
    make_goal("新品A 销售额 500万元", weight=Decimal(60))
    make_goal("小红书曝光 200万次", weight=Decimal(30))
    before = Goal.objects.count()
    body = err(
        api("mkt_manager").post(
            "/goals",
            {
                "name": "复购率 15%→20%",
                "department_id": world.mkt.pk,
                "period_id": world.year.pk,
                "weight": "20",
            },
        ),
        422,
        "weights_over_100",
        "weight",
    )
    assert "110" in body["message"]
    assert Goal.objects.count() == before
    ok(
        api("mkt_manager").post(
            "/goals",
            {
                "name": "复购率 15%→20%",
                "department_id": world.mkt.pk,
                "period_id": world.year.pk,
                "weight": "10",
            },
        ),
        201,
    )


def test_sibling_weights_must_sum_to_100(world, make_goal, api):
    goals = [make_goal(f"目标{i} 100万元") for i in range(3)]
    manager = api("mkt_manager")
    err(
        manager.put(
            "/goals/weights",
            {
                "weights": [
                    {"goal_id": g.pk, "weight": w} for g, w in zip(goals, ("60", "30", "20"), strict=True)
                ]
            },
        ),
        422,
        "weights_not_100",
        "weight",
    )
    assert all(g.weight is None for g in Goal.objects.all())
    body = ok(
        manager.put(
            "/goals/weights",
            {
                "weights": [
                    {"goal_id": g.pk, "weight": w} for g, w in zip(goals, ("60", "30", "10"), strict=True)
                ]
            },
        )
    )
    assert [g["weight"] for g in body["goals"]] == ["60.00", "30.00", "10.00"]
    err(
        manager.put(
            "/goals/weights",
            {"weights": [{"goal_id": goals[0].pk, "weight": "50"}, {"goal_id": goals[0].pk, "weight": "50"}]},
        ),
        422,
        field="weights",
    )
    err(
        api("member").put(
            "/goals/weights",
            {
                "weights": [
                    {"goal_id": g.pk, "weight": w} for g, w in zip(goals, ("50", "30", "20"), strict=True)
                ]
            },
        ),
        403,
    )


def test_target_equal_to_baseline(world, public_goal, api):
    manager = api("mkt_manager")
    err(
        manager.post(
            f"/goals/{public_goal.pk}/measures",
            {"name": "复购率", "unit": "percent", "baseline": "15", "target": "15"},
        ),
        422,
        "target_equals_baseline",
        "target",
    )
    before = Goal.objects.count()
    err(
        manager.post(
            "/goals",
            {
                "name": "复购率 15%→15%",
                "department_id": world.mkt.pk,
                "period_id": world.q1.pk,
                "measures": [{"name": "复购率", "unit": "percent", "baseline": "15", "target": "15"}],
            },
        ),
        422,
        "target_equals_baseline",
        "target",
    )
    assert Goal.objects.count() == before
    assert public_goal.measures.count() == 1


@pytest.mark.parametrize("field", ["target", "baseline", "current"])
def test_negative_count(field, public_goal, api):
    data = {"name": "新增粉丝", "unit": "count", "baseline": "0", "target": "20000", field: "-5"}
    err(api("mkt_manager").post(f"/goals/{public_goal.pk}/measures", data), 422, "negative", field)
    assert public_goal.measures.count() == 1


def test_malformed_numbers_and_choices(public_goal, api):
    manager = api("mkt_manager")
    err(
        manager.post(f"/goals/{public_goal.pk}/measures", {"name": "x", "target": "abc"}), 422, field="target"
    )
    err(
        manager.post(f"/goals/{public_goal.pk}/measures", {"name": "x", "target": "1", "direction": "up"}),
        422,
        field="direction",
    )
    err(
        manager.post(f"/goals/{public_goal.pk}/measures", {"name": "x", "target": "1e20"}),
        422,
        field="target",
    )
    response = manager.client.post(
        f"/api/v1/goals/{public_goal.pk}/measures", "{not json", content_type="application/json"
    )
    err(response, 400, "malformed")


def test_period_outside_the_parents(world, make_goal, api):
    parent = make_goal("Q1 目标 100万元", period=world.q1)
    before = Goal.objects.count()
    err(
        api("mkt_manager").post(
            "/goals",
            {
                "name": "Q2 子目标 50万元",
                "department_id": world.mkt.pk,
                "period_id": world.q2.pk,
                "parent_id": parent.pk,
            },
        ),
        422,
        "period_outside_parent",
        "period_id",
    )
    assert Goal.objects.count() == before


def test_parent_cycle(world, make_goal, api):
    top = make_goal("年度目标 1000万元")
    middle = make_goal("子目标 500万元", parent=top)
    bottom = make_goal("孙目标 200万元", parent=middle)
    manager = api("mkt_manager")
    err(
        manager.patch(f"/goals/{top.pk}", {"version": top.version, "parent_id": bottom.pk}),
        422,
        "cycle",
        "parent_id",
    )
    err(
        manager.patch(f"/goals/{top.pk}", {"version": top.version, "parent_id": top.pk}),
        422,
        "cycle",
        "parent_id",
    )
    assert Goal.objects.get(pk=top.pk).parent_id is None


def test_closed_period(world, make_goal, api):
    goal = make_goal("Q1 目标 100万元", period=world.q1)
    period_set_closed(actor=fresh(world.admin), period=world.q1, is_closed=True)
    manager = api("mkt_manager")
    err(
        manager.post(
            "/goals", {"name": "Q1 新目标 50万元", "department_id": world.mkt.pk, "period_id": world.q1.pk}
        ),
        422,
        "period_closed",
        "period_id",
    )
    err(manager.patch(f"/goals/{goal.pk}", {"version": goal.version, "name": "改名"}), 422, "period_closed")
    err(manager.post(f"/goals/{goal.pk}/measures", {"name": "x", "target": "1"}), 422, "period_closed")
    assert Goal.objects.get(pk=goal.pk).name == "Q1 目标 100万元"


def test_unknown_references_are_404_on_their_field(world, make_goal, api):
    manager = api("mkt_manager")
    err(
        manager.post("/goals", {"name": "x", "department_id": 999999, "period_id": world.q1.pk}),
        404,
        field="department_id",
    )
    err(
        manager.post("/goals", {"name": "x", "department_id": world.mkt.pk, "period_id": 999999}),
        404,
        field="period_id",
    )
    err(
        manager.post(
            "/goals",
            {"name": "x", "department_id": world.mkt.pk, "period_id": world.q1.pk, "parent_id": 999999},
        ),
        404,
        field="parent_id",
    )
    err(
        manager.post(
            "/goals",
            {"name": "x", "department_id": world.mkt.pk, "period_id": world.q1.pk, "owner_id": 999999},
        ),
        404,
        field="owner_id",
    )
    err(manager.get("/goals", owner_id=999999), 404, field="owner_id")
    err(manager.get("/goals/99999999999999999999999"), 422)
    assert Goal.objects.count() == 0
    goal = make_goal()
    split = {
        "dimension": "time",
        "parts": [{"share": "50", "period_id": world.q1.pk}, {"share": "50", "period_id": 999999}],
    }
    err(manager.post(f"/goals/{goal.pk}/decompose", split), 404, field="parts")
    err(
        manager.post(f"/goals/{goal.pk}/consensus", {"participants": [{"person_id": 999999}]}),
        404,
        field="participants",
    )
    err(
        manager.patch(
            f"/goals/{goal.pk}", {"version": goal.version, "collaborating_department_ids": [999999]}
        ),
        404,
        field="collaborating_department_ids",
    )
    assert Goal.objects.count() == 1 and Goal.objects.get().status == GoalStatus.DRAFT
