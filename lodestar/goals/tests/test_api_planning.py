"""The goals API: consensus, target adjustments, decomposition, templates and copying."""

from __future__ import annotations

from decimal import Decimal

from lodestar.core.testing import err, ok
from lodestar.goals.models import ConsensusRecord, Goal, GoalStatus, Measure, TargetAdjustment

# --- consensus -------------------------------------------------------------------------------------


def test_consensus_flow(world, make_goal, api):
    goal = make_goal("林晓 新品A Q3销售额500万元", owner=world.member)
    manager = api("mkt_manager")
    err(manager.get(f"/goals/{goal.pk}/consensus"), 404)
    started = ok(
        manager.post(
            f"/goals/{goal.pk}/consensus",
            {
                "minutes": "目标共识纪要:新品A Q3 销售额500万元。",
                "participants": [
                    {"person_id": world.member.pk, "role_note": "负责人"},
                    {"person_id": world.mkt_manager.pk, "role_note": "部门经理"},
                    {"person_id": world.sales_member.pk, "required": False, "role_note": "协作方"},
                ],
            },
        ),
        201,
    )
    assert started["state"] == "open" and started["goal_ids"] == [goal.pk]
    assert started["minutes"] == "目标共识纪要:新品A Q3 销售额500万元。"
    assert started["started_by_id"] == world.mkt_manager.pk
    assert [(p["person_id"], p["required"], p["decision"]) for p in started["participants"]] == [
        (world.member.pk, True, "pending"),
        (world.mkt_manager.pk, True, "pending"),
        (world.sales_member.pk, False, "pending"),
    ]
    assert started["participants"][0]["display_name"] == "林晓"
    assert ok(manager.get(f"/goals/{goal.pk}"))["status"] == "consensus"
    assert ok(manager.get(f"/goals/{goal.pk}/consensus")) == started
    record_id = started["id"]
    path = f"/consensus/{record_id}/decisions"

    err(api("member").post(path, {"decision": "objected"}), 422, "required", "comment")
    err(api("content_member").post(path, {"decision": "agreed"}), 403, "not_a_participant")
    err(api("member").post(path, {"decision": "maybe"}), 422, field="decision")
    body = ok(api("member").post(path, {"decision": "agreed", "comment": "同意"}))
    assert body["state"] == "open"
    assert body["participants"][0]["decision"] == "agreed" and body["participants"][0]["decided_at"]
    # An optional participant's objection does not block the consensus.
    ok(api("sales_member").post(path, {"decision": "objected", "comment": "资源不足"}))
    assert Goal.objects.get(pk=goal.pk).status == GoalStatus.CONSENSUS
    body = ok(manager.post(path, {"decision": "agreed"}))
    assert body["state"] == "agreed" and body["completed_at"]
    detail = ok(manager.get(f"/goals/{goal.pk}"))
    assert detail["status"] == "active"
    assert detail["measures"][0]["original_target"] == "500.00"
    err(api("member").post(path, {"decision": "agreed"}), 409, "consensus_closed")
    err(manager.post(f"/goals/{goal.pk}/consensus", {}), 409, "not_draft")


def test_consensus_with_default_participants_and_withdrawal(world, make_goal, api):
    goal = make_goal("林晓 小红书曝光 200万次", owner=world.member, visibility="department")
    extra = make_goal(
        "赵敏 复购率 15%→20%",
        visibility="department",
        measures=[{"name": "复购率", "unit": "percent", "baseline": "15", "target": "20"}],
    )
    manager = api("mkt_manager")
    err(api("member").post(f"/goals/{goal.pk}/consensus", {}), 403)
    err(api("sales_manager").post(f"/goals/{goal.pk}/consensus", {}), 404)
    started = ok(
        manager.post(f"/goals/{goal.pk}/consensus", {"minutes": "两项目标", "goal_ids": [extra.pk]}), 201
    )
    assert started["goal_ids"] == sorted([goal.pk, extra.pk])
    assert {p["person_id"] for p in started["participants"]} == {world.member.pk, world.mkt_manager.pk}
    record_id = started["id"]
    ok(
        api("member").post(
            f"/consensus/{record_id}/decisions", {"decision": "objected", "comment": "目标过高"}
        )
    )
    err(api("member").post(f"/consensus/{record_id}/withdraw"), 403)
    err(api("sales_member").post(f"/consensus/{record_id}/withdraw"), 404)
    body = ok(manager.post(f"/consensus/{record_id}/withdraw"))
    assert body["state"] == "withdrawn"
    assert set(Goal.objects.filter(pk__in=[goal.pk, extra.pk]).values_list("status", flat=True)) == {"draft"}
    err(manager.post(f"/consensus/{record_id}/withdraw"), 409, "consensus_closed")
    err(manager.post("/consensus/999999/decisions", {"decision": "agreed"}), 404)
    # A new round starts from the revised draft; GET shows the latest record.
    again = ok(manager.post(f"/goals/{goal.pk}/consensus", {"minutes": "第二轮"}), 201)
    assert ok(manager.get(f"/goals/{goal.pk}/consensus"))["id"] == again["id"]
    assert ConsensusRecord.objects.count() == 2


# --- target adjustments ----------------------------------------------------------------------------


def test_adjustment_flow(world, make_goal, api, activate):
    goal = make_goal()
    measure = goal.measures.get()
    manager = api("mkt_manager")
    data = {
        "measure_id": measure.pk,
        "new_target": "450",
        "reason": "竞品降价超过15%,下调目标",
        "trigger": "竞品降价超过15%",
    }
    err(manager.post(f"/goals/{goal.pk}/adjustments", data), 409, "not_active")
    activate(goal)
    body = ok(manager.post(f"/goals/{goal.pk}/adjustments", data), 201)
    assert body["goal_id"] == goal.pk and body["measure_id"] == measure.pk
    assert (body["old_target"], body["new_target"]) == ("500.00", "450.00")
    assert body["reason"] == data["reason"] and body["trigger"] == "竞品降价超过15%"
    # A manager cannot approve their own request: it goes to the nearest approver above (here an admin).
    assert body["approved_by_id"] == world.admin.pk and body["created_by_id"] == world.mkt_manager.pk
    assert body["created_at"] and body["status"] == "pending" and body["decided_by_id"] is None
    assert ok(manager.get(f"/measures/{measure.pk}"))["target"] == "500.00"  # unchanged while pending
    err(manager.post(f"/goals/{goal.pk}/adjustments/{body['id']}/approve", {}), 403, "own_request")
    body = ok(api("admin").post(f"/goals/{goal.pk}/adjustments/{body['id']}/approve", {"comment": "同意"}))
    assert body["status"] == "approved" and body["decided_by_id"] == world.admin.pk
    assert body["decision_comment"] == "同意" and body["decided_at"] and not body["applied_directly"]
    measure_body = ok(manager.get(f"/measures/{measure.pk}"))
    assert (measure_body["target"], measure_body["original_target"]) == ("450.00", "500.00")
    history = list(Measure.objects.get(pk=measure.pk).history.order_by("history_date", "history_id"))
    assert history[-1].target == Decimal(450) and history[-1].history_change_reason == data["reason"]
    assert any(row.target == Decimal(500) for row in history[:-1])
    listed = ok(api("member").get(f"/goals/{goal.pk}/adjustments"))
    assert listed["count"] == 1 and listed["items"][0] == body


def test_adjustment_by_the_owner_needs_an_approver(world, make_goal, api, activate):
    goal = activate(make_goal("林晓 新品A 销售额 500万元", owner=world.member))
    measure = goal.measures.get()
    member = api("member")
    data = {"measure_id": measure.pk, "new_target": "550", "reason": "渠道扩张"}
    err(
        member.post(f"/goals/{goal.pk}/adjustments", {**data, "approved_by_id": world.sales_manager.pk}),
        422,
        "not_an_approver",
        "approved_by_id",
    )
    err(
        member.post(f"/goals/{goal.pk}/adjustments", {**data, "approved_by_id": 999999}),
        404,
        field="approved_by_id",
    )
    err(
        member.post(
            f"/goals/{goal.pk}/adjustments",
            {**data, "new_target": "500", "approved_by_id": world.mkt_manager.pk},
        ),
        422,
        field="new_target",
    )
    other = make_goal("另一个目标 100万元")
    err(
        member.post(
            f"/goals/{goal.pk}/adjustments",
            {**data, "measure_id": other.measures.get().pk, "approved_by_id": world.mkt_manager.pk},
        ),
        422,
        field="measure_id",
    )
    assert TargetAdjustment.objects.count() == 0
    body = ok(
        member.post(f"/goals/{goal.pk}/adjustments", {**data, "approved_by_id": world.mkt_manager.pk}), 201
    )
    assert body["approved_by_id"] == world.mkt_manager.pk and body["created_by_id"] == world.member.pk
    assert body["status"] == "pending"
    err(api("sales_member").post(f"/goals/{goal.pk}/adjustments", data), 403)
    # Naming nobody sends the request to the nearest manager above (after this one is withdrawn).
    err(member.post(f"/goals/{goal.pk}/adjustments", data), 409, "adjustment_pending", "measure_id")
    ok(member.post(f"/goals/{goal.pk}/adjustments/{body['id']}/withdraw"))
    again = ok(member.post(f"/goals/{goal.pk}/adjustments", data), 201)
    assert again["approved_by_id"] == world.mkt_manager.pk


# --- decomposition ---------------------------------------------------------------------------------


def _time_split(world, shares):
    return {
        "dimension": "time",
        "mode": "percent",
        "parts": [
            {"label": f"Q{i + 1}", "share": share, "period_id": quarter.pk}
            for i, (share, quarter) in enumerate(zip(shares, world.quarters, strict=True))
        ],
    }


def test_time_decomposition(world, make_goal, api):
    goal = make_goal("2026 新品A 销售额 500", measures=[{"name": "销售额", "unit": "count", "target": "500"}])
    measure = goal.measures.get()
    payload = _time_split(world, ["20", "30", "35", "15"]) | {"measure_id": measure.pk}
    body = ok(api("mkt_manager").post(f"/goals/{goal.pk}/decompose", payload), 201)
    children = body["children"]
    assert [c["measures"][0]["target"] for c in children] == ["100.00", "150.00", "175.00", "75.00"]
    assert [c["period_id"] for c in children] == [q.pk for q in world.quarters]
    assert {c["parent_id"] for c in children} == {goal.pk}
    assert sum(Decimal(c["weight"]) for c in children) == Decimal(100)
    assert [c["weight"] for c in children] == ["20.00", "30.00", "35.00", "15.00"]
    assert all(c["measures"][0]["source_id"] == measure.pk for c in children)
    assert ok(api("mkt_manager").get(f"/goals/{goal.pk}"))["child_count"] == 4


def test_decomposition_refuses_parts_not_summing_to_100(world, make_goal, api):
    goal = make_goal("2026 新品A 销售额 500", measures=[{"name": "销售额", "unit": "count", "target": "500"}])
    before = Goal.objects.count()
    manager = api("mkt_manager")
    body = err(
        manager.post(f"/goals/{goal.pk}/decompose", _time_split(world, ["20", "30", "35", "5"])),
        422,
        "parts_not_100",
        "parts",
    )
    assert "90" in body["message"]
    amounts = {
        "dimension": "department",
        "mode": "amount",
        "parts": [
            {"amount": "300", "department_id": world.mkt.pk},
            {"amount": "100", "department_id": world.content.pk},
        ],
    }
    err(manager.post(f"/goals/{goal.pk}/decompose", amounts), 422, "parts_not_target", "parts")
    err(
        manager.post(f"/goals/{goal.pk}/decompose", {**amounts, "measure_id": 999999}),
        422,
        field="measure_id",
    )
    err(api("member").post(f"/goals/{goal.pk}/decompose", _time_split(world, ["25", "25", "25", "25"])), 403)
    err(
        manager.post(f"/goals/{goal.pk}/decompose", {"dimension": "galaxy", "parts": []}),
        422,
        field="dimension",
    )
    assert Goal.objects.count() == before


def test_department_decomposition_by_amounts(world, make_goal, api):
    goal = make_goal(
        "2026 市场部 销售额 500", measures=[{"name": "销售额", "unit": "count", "target": "500"}]
    )
    body = ok(
        api("mkt_manager").post(
            f"/goals/{goal.pk}/decompose",
            {
                "dimension": "department",
                "mode": "amount",
                "parts": [
                    {"amount": "400", "department_id": world.mkt.pk, "owner_id": world.member.pk},
                    {"amount": "100", "department_id": world.content.pk, "owner_id": world.content_member.pk},
                ],
            },
        ),
        201,
    )
    assert [(c["department_id"], c["owner_id"], c["weight"]) for c in body["children"]] == [
        (world.mkt.pk, world.member.pk, "80.00"),
        (world.content.pk, world.content_member.pk, "20.00"),
    ]


# --- templates and copying -------------------------------------------------------------------------


def test_templates_create_and_apply(world, make_goal, api):
    first = make_goal(
        "渠道专员 KPI:新增线索 300条", measures=[{"name": "线索", "unit": "count", "target": "300"}]
    )
    second = make_goal(
        "渠道专员 KPI:转化率 5%",
        measures=[{"name": "转化率", "unit": "percent", "baseline": "3", "target": "5"}],
    )
    manager = api("mkt_manager")
    template = ok(
        manager.post(
            "/goal-templates",
            {"name": "渠道专员三件套", "goal_ids": [first.pk, second.pk], "department_id": world.mkt.pk},
        ),
        201,
    )
    assert template["department_id"] == world.mkt.pk and template["created_by_id"] == world.mkt_manager.pk
    assert [item["name"] for item in template["items"]] == [first.name, second.name]
    assert template["items"][1]["measures"][0] == {
        "name": "转化率",
        "unit": "percent",
        "unit_label": "",
        "direction": "higher",
        "baseline": "3.00",
        "target": "5.00",
        "challenge": None,
        "range_max": None,
    }
    assert ok(manager.get("/goal-templates"))["count"] == 1
    assert ok(api("sales_member").get("/goal-templates"))["count"] == 0  # another department's template
    err(manager.post("/goal-templates", {"name": " ", "goal_ids": [first.pk]}), 422, field="name")

    body = ok(
        manager.post(
            f"/goal-templates/{template['id']}/apply",
            {
                "period_id": world.q2.pk,
                "assignments": [
                    {"owner_id": world.member.pk, "targets": {"0.0": "123"}},
                    {"owner_id": world.content_member.pk},
                ],
            },
        ),
        201,
    )
    goals = body["goals"]
    assert len(goals) == 4
    assert [(g["owner_id"], g["department_id"]) for g in goals] == [
        (world.member.pk, world.mkt.pk),
        (world.member.pk, world.mkt.pk),
        (world.content_member.pk, world.content.pk),
        (world.content_member.pk, world.content.pk),
    ]
    assert {g["period_id"] for g in goals} == {world.q2.pk} and {g["status"] for g in goals} == {"draft"}
    assert goals[0]["measures"][0]["target"] == "123.00"
    assert goals[2]["measures"][0]["target"] == "300.00"
    err(
        api("sales_manager").post(
            f"/goal-templates/{template['id']}/apply",
            {"period_id": world.q2.pk, "assignments": [{"owner_id": world.sales_member.pk}]},
        ),
        404,
    )
    err(
        api("member").post(
            f"/goal-templates/{template['id']}/apply",
            {"period_id": world.q2.pk, "assignments": [{"owner_id": world.content_member.pk}]},
        ),
        403,
    )
    assert Goal.objects.count() == 6


def test_copy_goals_to_the_next_period(world, make_goal, api, activate):
    parent = make_goal("Q1 市场部 销售额 500万元", period=world.q1)
    child = make_goal(
        "Q1 内容组 发文 90篇",
        period=world.q1,
        department=world.content,
        parent=parent,
        owner=world.content_member,
        measures=[{"name": "发文", "unit": "count", "target": "90", "current": "60"}],
    )
    activate(parent)
    make_goal("Q1 销售部 目标 100万元", period=world.q1, department=world.sales)
    body = ok(
        api("mkt_manager").post(
            "/goals/copy",
            {"department_id": world.mkt.pk, "source_period_id": world.q1.pk, "target_period_id": world.q2.pk},
        ),
        201,
    )
    copies = body["goals"]
    assert [c["name"] for c in copies] == [parent.name, child.name]
    assert {c["period_id"] for c in copies} == {world.q2.pk} and {c["status"] for c in copies} == {"draft"}
    assert copies[1]["parent_id"] == copies[0]["id"]
    assert copies[1]["owner_id"] == world.content_member.pk
    assert copies[1]["measures"][0]["target"] == "90.00" and copies[1]["measures"][0]["current"] is None
    err(
        api("sales_manager").post(
            "/goals/copy",
            {
                "department_id": world.mkt.pk,
                "source_period_id": world.q1.pk,
                "target_period_id": world.quarters[2].pk,
            },
        ),
        403,
    )
    err(
        api("mkt_manager").post(
            "/goals/copy",
            {"department_id": world.mkt.pk, "source_period_id": world.q1.pk, "target_period_id": world.q1.pk},
        ),
        422,
        field="target_period_id",
    )
