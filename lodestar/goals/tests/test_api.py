"""The goals API: authentication and who may read and write, create/read/update/delete, goal types,
error languages and the OpenAPI document. (Bad input: test_api_validation; measures, rates and the
list: test_api_measures; consensus, adjustments, decomposition, templates: test_api_planning.)"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from lodestar.core.testing import assert_documented, err, ok
from lodestar.goals.models import Goal
from lodestar.goals.tests.conftest import Api, fresh
from lodestar.org.services import api_token_create

ROLES = ("admin", "mkt_manager", "sales_manager", "member", "content_member", "sales_member", "hr", "viewer")


def version_of(goal: Goal) -> int:
    return Goal.objects.get(pk=goal.pk).version


# --- authentication and visibility ---------------------------------------------------------------


def test_anonymous_gets_401_everywhere(world, public_goal, api):
    anonymous = api(None)
    measure = public_goal.measures.get()
    for path in (
        "/goals",
        f"/goals/{public_goal.pk}",
        f"/goals/{public_goal.pk}/measures",
        f"/measures/{measure.pk}",
        f"/goals/{public_goal.pk}/adjustments",
        f"/goals/{public_goal.pk}/consensus",
        "/goal-templates",
        "/goal-types",
    ):
        err(anonymous.get(path), 401, "not_authenticated")
    err(
        anonymous.post("/goals", {"name": "x", "department_id": world.mkt.pk, "period_id": world.year.pk}),
        401,
    )
    err(anonymous.patch(f"/goals/{public_goal.pk}", {"version": 1, "name": "x"}), 401)
    err(anonymous.delete(f"/goals/{public_goal.pk}"), 401)
    err(anonymous.post(f"/goals/{public_goal.pk}/consensus", {}), 401)
    assert Goal.objects.get(pk=public_goal.pk).name == public_goal.name


# Who sees a goal of 市场部: (role, public goal, department-private goal).
READ_MATRIX = [
    ("admin", 200, 200),
    ("mkt_manager", 200, 200),  # manager of the goal's department
    ("sales_manager", 200, 404),  # manager elsewhere
    ("member", 200, 200),  # member of the department
    ("content_member", 200, 404),  # member of a sub-department: not the owning department
    ("sales_member", 200, 404),  # member elsewhere
    ("hr", 200, 200),  # HR partner reads everything
    ("viewer", 200, 200),  # read-only person in the department
]


@pytest.mark.parametrize(("role", "public_status", "private_status"), READ_MATRIX)
def test_read_access(role, public_status, private_status, public_goal, private_goal, api):
    client = api(role)
    for goal, status in ((public_goal, public_status), (private_goal, private_status)):
        measure = goal.measures.get()
        for path in (
            f"/goals/{goal.pk}",
            f"/goals/{goal.pk}/measures",
            f"/measures/{measure.pk}",
            f"/goals/{goal.pk}/adjustments",
        ):
            response = client.get(path)
            if status == 200:
                ok(response)
            else:
                err(response, 404, "not_found")
    listed = {item["id"] for item in ok(client.get("/goals", page_size=500))["items"]}
    assert (public_goal.pk in listed) is (public_status == 200)
    assert (private_goal.pk in listed) is (private_status == 200)


# Who may change a draft goal of 市场部 owned by its manager: (role, public goal, private goal).
WRITE_MATRIX = [
    ("admin", 200, 200),
    ("mkt_manager", 200, 200),
    ("sales_manager", 403, 404),
    ("member", 403, 403),
    ("content_member", 403, 404),
    ("sales_member", 403, 404),
    ("hr", 403, 403),
    ("viewer", 403, 403),
]


@pytest.mark.parametrize(("role", "public_status", "private_status"), WRITE_MATRIX)
def test_write_access(role, public_status, private_status, public_goal, private_goal, api):
    client = api(role)
    for goal, status in ((public_goal, public_status), (private_goal, private_status)):
        response = client.patch(f"/goals/{goal.pk}", {"version": version_of(goal), "notes": f"by {role}"})
        measure = goal.measures.get()
        measure_response = client.patch(
            f"/measures/{measure.pk}", {"version": measure.version, "name": "GMV"}
        )
        new_measure = client.post(
            f"/goals/{goal.pk}/measures", {"name": "新客占比", "unit": "percent", "target": "40"}
        )
        if status == 200:
            assert ok(response)["notes"] == f"by {role}"
            assert ok(measure_response)["name"] == "GMV"
            ok(new_measure, 201)
        else:
            code = "not_found" if status == 404 else "permission_denied"
            for r in (response, measure_response, new_measure):
                err(r, status, code)
            assert Goal.objects.get(pk=goal.pk).notes == ""
            assert goal.measures.count() == 1


def test_viewer_reads_but_every_write_is_refused(world, public_goal, api, activate):
    viewer = api("viewer")
    ok(viewer.get(f"/goals/{public_goal.pk}"))
    ok(viewer.get("/goals"))
    goal_id = public_goal.pk
    measure = public_goal.measures.get()
    refused = [
        viewer.post(
            "/goals", {"name": "访客的目标 100篇", "department_id": world.mkt.pk, "period_id": world.year.pk}
        ),
        viewer.delete(f"/goals/{goal_id}"),
        viewer.post(f"/goals/{goal_id}/status", {"status": "cancelled", "version": public_goal.version}),
        viewer.put("/goals/weights", {"weights": [{"goal_id": goal_id, "weight": "100"}]}),
        viewer.delete(f"/measures/{measure.pk}"),
        viewer.post(f"/goals/{goal_id}/consensus", {"participants": [{"person_id": world.viewer.pk}]}),
        viewer.post(
            f"/goals/{goal_id}/decompose",
            {
                "dimension": "time",
                "parts": [
                    {"label": "H1", "share": "50", "period_id": world.q1.pk},
                    {"label": "H2", "share": "50", "period_id": world.q2.pk},
                ],
            },
        ),
        viewer.post("/goal-templates", {"name": "模板", "goal_ids": [goal_id]}),
        viewer.post(
            "/goals/copy",
            {
                "department_id": world.mkt.pk,
                "source_period_id": world.year.pk,
                "target_period_id": world.q1.pk,
            },
        ),
    ]
    for response in refused:
        err(response, 403)
    activate(public_goal)
    err(
        viewer.post(
            f"/goals/{goal_id}/adjustments", {"measure_id": measure.pk, "new_target": "450", "reason": "x"}
        ),
        403,
    )
    assert Goal.objects.count() == 1
    assert public_goal.measures.get().target == Decimal(500)


def test_read_only_token_may_get_but_not_post(world, public_goal):
    _token, secret = api_token_create(actor=fresh(world.mkt_manager), name="bi", scope="read")
    client = Client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/api/v1/goals/{public_goal.pk}", headers=headers).status_code == 200
    response = client.post(
        f"/api/v1/goals/{public_goal.pk}/status",
        {"status": "cancelled", "version": 1},
        content_type="application/json",
        headers=headers,
    )
    err(response, 403, "token_read_only")


def test_members_set_their_own_goals_in_their_own_department(world, api):
    member = api("member")
    body = ok(
        member.post(
            "/goals",
            {
                "name": "2026年Q1发布小红书笔记30篇",
                "department_id": world.mkt.pk,
                "period_id": world.q1.pk,
                "measures": [{"name": "笔记", "target": "30", "unit": "count"}],
            },
        ),
        201,
    )
    assert body["owner_id"] == world.member.pk
    err(
        member.post(
            "/goals", {"name": "销售部目标", "department_id": world.sales.pk, "period_id": world.q1.pk}
        ),
        403,
        field="department_id",
    )
    err(
        member.post(
            "/goals",
            {
                "name": "替人定目标",
                "department_id": world.mkt.pk,
                "period_id": world.q1.pk,
                "owner_id": world.viewer.pk,
            },
        ),
        403,
    )
    err(
        api("sales_manager").post(
            "/goals", {"name": "跨部门", "department_id": world.mkt.pk, "period_id": world.q1.pk}
        ),
        403,
    )
    err(
        api("hr").post(
            "/goals", {"name": "HR 替市场部定目标", "department_id": world.mkt.pk, "period_id": world.q1.pk}
        ),
        403,
    )
    # A manager sets goals anywhere in the subtree they manage.
    body = ok(
        api("mkt_manager").post(
            "/goals",
            {
                "name": "内容组 Q1 发文 90 篇",
                "department_id": world.content.pk,
                "period_id": world.q1.pk,
                "owner_id": world.content_member.pk,
            },
        ),
        201,
    )
    assert body["department_id"] == world.content.pk
    assert Goal.objects.count() == 2


def test_owner_edits_a_draft_but_not_an_active_goal(world, make_goal, api, activate):
    goal = make_goal("林晓 2026年Q1 新增粉丝2万人", owner=world.member, period=world.q1)
    member = api("member")
    ok(member.patch(f"/goals/{goal.pk}", {"version": goal.version, "description": "通过小红书"}))
    activate(goal)
    body = err(member.patch(f"/goals/{goal.pk}", {"version": version_of(goal), "name": "改名"}), 403)
    assert "adjustment" in body["message"]


# --- create, read, update, delete ---------------------------------------------------------------


def test_create_with_measures(world, api):
    response = api("mkt_manager").post(
        "/goals",
        {
            "kind": "objective",
            "name": "2026年Q3 新品A 线上销售额达到500万元",
            "description": "较Q2增长25%",
            "department_id": world.mkt.pk,
            "period_id": world.year.pk,
            "weight": "60",
            "goal_type_id": 1,
            "visibility": "department",
            "collaborating_department_ids": [world.sales.pk],
            "notes": "竞品降价风险",
            "measures": [
                {
                    "name": "销售额",
                    "unit": "yuan",
                    "baseline": "0",
                    "target": "5000000",
                    "challenge": "5500000",
                },
                {"name": "新客占比", "unit": "percent", "target": "40", "current": "12.5"},
            ],
        },
    )
    body = ok(response, 201)
    goal = Goal.objects.get(pk=body["id"])
    assert body["kind"] == "objective"
    assert body["owner_id"] == world.mkt_manager.pk
    assert body["department_id"] == world.mkt.pk and body["period_id"] == world.year.pk
    assert body["parent_id"] is None
    assert body["weight"] == "60.00"
    assert body["goal_type_id"] == 1 and body["goal_type"] == "sales"
    assert body["status"] == "draft" and body["version"] == 1 and body["visibility"] == "department"
    assert body["collaborating_department_ids"] == [world.sales.pk]
    assert body["notes"] == "竞品降价风险"
    assert body["health"] == "not_started" and body["child_count"] == 0
    assert isinstance(body["smart_warnings"], list)
    sales, share = body["measures"]
    assert sales["goal_id"] == goal.pk
    assert (sales["baseline"], sales["target"], sales["challenge"]) == ("0.00", "5000000.00", "5500000.00")
    assert sales["current"] is None and sales["original_target"] is None
    assert sales["achievement_rate"] is None and sales["progress"] is None
    assert share["unit"] == "percent" and share["current"] == "12.50"
    assert share["achievement_rate"] == "0.3125"  # 12.5 / 40
    assert body["achievement_rate"] == "0.3125"
    assert [m.name for m in goal.measures.order_by("sort_order")] == ["销售额", "新客占比"]
    assert goal.history.count() == 1
    assert ok(api("mkt_manager").get(f"/goals/{goal.pk}")) == body


def test_smart_warnings_flag_a_vague_goal(world, api):
    body = ok(
        api("mkt_manager").post(
            "/goals", {"name": "提升品牌影响力", "department_id": world.mkt.pk, "period_id": world.q1.pk}
        ),
        201,
    )
    codes = {w["code"] for w in body["smart_warnings"]}
    assert {"no_number", "no_measure", "vague_verb"} <= codes
    warning = next(w for w in body["smart_warnings"] if w["code"] == "no_number")
    assert warning["message"] == "Measurable: the goal has no number."
    assert warning["suggestion"]
    precise = ok(
        api("mkt_manager").post(
            "/goals",
            {
                "name": "2026年Q1 小红书曝光量达到200万次",
                "department_id": world.mkt.pk,
                "period_id": world.q1.pk,
                "measures": [{"name": "曝光量", "target": "2000000"}],
            },
        ),
        201,
    )
    assert precise["smart_warnings"] == []


def test_patch_changes_fields_and_references(world, public_goal, make_goal, api):
    parent = make_goal("市场部年度目标 2026年 1000万元")
    body = ok(
        api("mkt_manager").patch(
            f"/goals/{public_goal.pk}",
            {
                "version": public_goal.version,
                "name": "新品A 2026年销售额 480万元",
                "parent_id": parent.pk,
                "owner_id": world.member.pk,
                "collaborating_department_ids": [world.sales.pk, world.content.pk],
                "goal_type_id": 2,
                "kind": "key_result",
                "weight": "40",
                "description": None,
            },
        )
    )
    assert body["name"] == "新品A 2026年销售额 480万元"
    assert body["parent_id"] == parent.pk and body["owner_id"] == world.member.pk
    assert sorted(body["collaborating_department_ids"]) == sorted([world.sales.pk, world.content.pk])
    assert body["goal_type"] == "user_growth" and body["kind"] == "key_result" and body["weight"] == "40.00"
    assert body["version"] == public_goal.version + 1
    assert ok(api("mkt_manager").get(f"/goals/{parent.pk}"))["child_count"] == 1
    cleared = ok(
        api("mkt_manager").patch(
            f"/goals/{public_goal.pk}", {"version": body["version"], "collaborating_department_ids": None}
        )
    )
    assert cleared["collaborating_department_ids"] == [] and cleared["name"] == body["name"]
    body = cleared
    err(
        api("mkt_manager").patch(f"/goals/{public_goal.pk}", {"version": body["version"], "name": None}),
        422,
        field="name",
    )
    err(
        api("mkt_manager").patch(f"/goals/{public_goal.pk}", {"version": body["version"], "period_id": None}),
        422,
        field="period_id",
    )
    err(
        api("mkt_manager").patch(
            f"/goals/{public_goal.pk}", {"version": body["version"], "goal_type_id": 99999}
        ),
        404,
        field="goal_type_id",
    )
    err(api("mkt_manager").patch(f"/goals/{public_goal.pk}", {"name": "no version"}), 422, field="version")


def test_stale_version_gets_409(public_goal, api):
    manager = api("mkt_manager")
    ok(manager.patch(f"/goals/{public_goal.pk}", {"version": 1, "name": "第一次修改 500万元"}))
    err(
        manager.patch(f"/goals/{public_goal.pk}", {"version": 1, "name": "第二次修改 500万元"}),
        409,
        "version_conflict",
        "version",
    )
    assert Goal.objects.get(pk=public_goal.pk).name == "第一次修改 500万元"
    measure = public_goal.measures.get()
    ok(manager.patch(f"/measures/{measure.pk}", {"version": 1, "name": "GMV"}))
    err(manager.patch(f"/measures/{measure.pk}", {"version": 1, "name": "销售额"}), 409, "version_conflict")
    err(
        manager.post(f"/goals/{public_goal.pk}/status", {"status": "cancelled", "version": 1}),
        409,
        "version_conflict",
    )


def test_delete_only_drafts(world, make_goal, api, activate):
    manager = api("mkt_manager")
    draft = make_goal("草稿目标 100万元")
    assert manager.delete(f"/goals/{draft.pk}").status_code == 204
    assert not Goal.objects.filter(pk=draft.pk).exists()
    active = activate(make_goal("已生效目标 100万元"))
    err(manager.delete(f"/goals/{active.pk}"), 409, "not_draft")
    parent = make_goal("有子目标的草稿 100万元")
    make_goal("子目标 50万元", parent=parent)
    err(manager.delete(f"/goals/{parent.pk}"), 409, "has_children")
    err(api("sales_manager").delete(f"/goals/{parent.pk}"), 403)
    err(manager.delete("/goals/999999"), 404, "not_found")


def test_status_close_cancel_reopen(world, make_goal, api, activate):
    manager = api("mkt_manager")
    goal = make_goal()
    err(
        manager.post(f"/goals/{goal.pk}/status", {"status": "closed", "version": goal.version}),
        409,
        "invalid_transition",
        "status",
    )
    goal = activate(goal)
    err(api("member").post(f"/goals/{goal.pk}/status", {"status": "closed", "version": goal.version}), 403)
    body = ok(manager.post(f"/goals/{goal.pk}/status", {"status": "closed", "version": goal.version}))
    assert body["status"] == "closed"
    body = ok(manager.post(f"/goals/{goal.pk}/status", {"status": "active", "version": body["version"]}))
    assert body["status"] == "active"
    body = ok(manager.post(f"/goals/{goal.pk}/status", {"status": "cancelled", "version": body["version"]}))
    assert body["status"] == "cancelled"
    err(
        manager.post(f"/goals/{goal.pk}/status", {"status": "finished", "version": body["version"]}),
        422,
        field="status",
    )


# --- goal types and the OpenAPI document -----------------------------------------------------------


def test_goal_types(world, api):
    body = ok(api("viewer").get("/goal-types"))
    assert body["count"] == 7
    assert [t["code"] for t in body["items"]][:3] == ["sales", "user_growth", "brand_exposure"]
    assert body["items"][0]["label"] == "Sales"
    chinese = ok(Api(world.viewer, language="zh-hans").get("/goal-types"))
    assert chinese["items"][0]["label"] == "销售额"


def test_error_messages_follow_the_language(world, public_goal):
    body_en = (
        Api(world.mkt_manager, language="en")
        .post(f"/goals/{public_goal.pk}/measures", {"name": "复购率", "baseline": "15", "target": "15"})
        .json()
    )
    body_zh = (
        Api(world.mkt_manager, language="zh-hans")
        .post(f"/goals/{public_goal.pk}/measures", {"name": "复购率", "baseline": "15", "target": "15"})
        .json()
    )
    assert body_en["field"] == body_zh["field"] == "target"
    assert body_en["message"].startswith("The target equals the baseline")


GOAL_PATHS = {
    "/api/v1/goals": {"get", "post"},
    "/api/v1/goals/weights": {"put"},
    "/api/v1/goals/copy": {"post"},
    "/api/v1/goals/{goal_id}": {"get", "patch", "delete"},
    "/api/v1/goals/{goal_id}/status": {"post"},
    "/api/v1/goals/{goal_id}/measures": {"get", "post"},
    "/api/v1/measures/{measure_id}": {"get", "patch", "delete"},
    "/api/v1/goals/{goal_id}/decompose": {"post"},
    "/api/v1/goals/{goal_id}/adjustments": {"get", "post"},
    "/api/v1/goals/{goal_id}/adjustments/{adjustment_id}/approve": {"post"},
    "/api/v1/goals/{goal_id}/adjustments/{adjustment_id}/reject": {"post"},
    "/api/v1/goals/{goal_id}/adjustments/{adjustment_id}/withdraw": {"post"},
    "/api/v1/goals/{goal_id}/consensus": {"get", "post"},
    "/api/v1/consensus/{record_id}/decisions": {"post"},
    "/api/v1/consensus/{record_id}/withdraw": {"post"},
    "/api/v1/goal-templates": {"get", "post"},
    "/api/v1/goal-templates/{template_id}/apply": {"post"},
    "/api/v1/goal-types": {"get"},
}


def test_openapi_document_validates_and_lists_every_status(openapi_document):
    # Served with status 200 and validated once per session (lodestar/conftest.py `openapi_document`).
    document = openapi_document
    assert_documented(
        document,
        GOAL_PATHS,
        tag="goals",
        ok_posts=("/status", "/decisions", "/withdraw", "/approve", "/reject"),
    )
    goal_schema = document["components"]["schemas"]["GoalOut"]["properties"]
    for field in (
        "id",
        "kind",
        "name",
        "description",
        "goal_type_id",
        "owner_id",
        "department_id",
        "period_id",
        "parent_id",
        "weight",
        "status",
        "visibility",
        "version",
        "achievement_rate",
        "progress",
        "health",
        "smart_warnings",
        "child_count",
        "measures",
        "collaborating_department_ids",
        "notes",
    ):
        assert field in goal_schema, field
