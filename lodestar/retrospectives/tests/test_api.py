import datetime as dt

import pytest

from lodestar.core.models import Period
from lodestar.testing.factories import GoalFactory


@pytest.fixture
def created(rw, api_as):
    response = api_as("mkt_manager").post("/retrospectives", {"goal_id": rw.goal.pk, "period_id": rw.q3.pk})
    assert response.status_code == 201, response.json()
    return response.json()


def test_create_and_read_the_figures(created, api_as):
    assert created["original_achievement_rate"] == "0.9600"
    assert created["achievement_rate"] == "1.0667"
    assert created["target"] == "4500000.00" and created["original_target"] == "5000000.00"
    assert created["cadence"] == "quarter" and created["status"] == "open"
    body = api_as("member").get(f"/retrospectives/{created['id']}").json()
    assert body["figures"]["source"] == "close"


def test_list_filters_and_visibility(created, rw, api_as):
    assert api_as("member").get("/retrospectives", period_id=rw.q3.pk).json()["count"] == 1
    assert api_as("member").get("/retrospectives", status="completed").json()["count"] == 0
    assert (
        api_as("member").get("/retrospectives", owner_id=rw.org.member.pk, cadence="quarter").json()["count"]
        == 1
    )
    assert api_as("sales_manager").get("/retrospectives").json()["count"] == 0
    assert api_as("sales_manager").get(f"/retrospectives/{created['id']}").status_code == 404
    assert api_as("member").get("/retrospectives", status="nope").status_code == 422


def test_patch_version_and_permissions(created, api_as):
    rid = created["id"]
    ok = api_as("member").patch(
        f"/retrospectives/{rid}", {"version": 1, "highlights": "素人笔记占比提升至40%"}
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = api_as("member").patch(f"/retrospectives/{rid}", {"version": 1, "problems": "x"})
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    assert (
        api_as("viewer").patch(f"/retrospectives/{rid}", {"version": 2, "problems": "x"}).status_code == 403
    )
    assert api_as("member").patch(f"/retrospectives/{rid}", {"version": 2, "target": "1"}).status_code == 422


def test_complete_needs_a_why_then_sign_off(created, api_as):
    rid = created["id"]
    member = api_as("member")
    member.patch(f"/retrospectives/{rid}", {"version": 1, "problems": "3篇笔记违规限流"})
    refused = member.post(f"/retrospectives/{rid}/complete")
    assert refused.status_code == 422 and refused.json()["field"] == "whys"
    why = member.post(
        f"/retrospectives/{rid}/whys", {"question": "为什么违规？", "answer": "内容审核流程不严谨"}
    )
    assert why.status_code == 201 and why.json()["position"] == 1
    assert member.get(f"/retrospectives/{rid}/whys").json()[0]["answer"] == "内容审核流程不严谨"
    assert member.post(f"/retrospectives/{rid}/complete").status_code == 200
    assert member.post(f"/retrospectives/{rid}/sign-off").status_code == 403
    signed = api_as("mkt_manager").post(f"/retrospectives/{rid}/sign-off")
    assert signed.status_code == 200 and signed.json()["signed_off_by_id"] is not None
    assert api_as("mkt_manager").post(f"/retrospectives/{rid}/sign-off").status_code == 409


def test_whys_patch_move_delete(created, api_as):
    rid = created["id"]
    member = api_as("member")
    a = member.post(f"/retrospectives/{rid}/whys", {"question": "转化率低", "answer": "话术无差异化"}).json()
    b = member.post(
        f"/retrospectives/{rid}/whys", {"question": "话术无差异化", "answer": "未做客户分层"}
    ).json()
    moved = member.patch(f"/retrospectives/{rid}/whys/{b['id']}", {"position": 1})
    assert moved.status_code == 200 and moved.json()["position"] == 1
    assert member.delete(f"/retrospectives/{rid}/whys/{a['id']}").status_code == 204
    assert member.delete(f"/retrospectives/{rid}/whys/{a['id']}").status_code == 404


def test_actions_and_promote(created, rw, api_as):
    rid = created["id"]
    manager = api_as("mkt_manager")
    action = manager.post(
        f"/retrospectives/{rid}/actions",
        {
            "title": "提前1周进行服务器压力测试",
            "owner_id": rw.org.member.pk,
            "due": "2024-10-15",
            "promote_as": "item",
        },
    )
    assert action.status_code == 201, action.json()
    aid = action.json()["id"]
    patched = manager.patch(
        f"/retrospectives/{rid}/actions/{aid}", {"version": 1, "title": "压力测试+应急预案"}
    )
    assert patched.status_code == 200
    promoted = manager.post(f"/retrospectives/{rid}/actions/{aid}/promote", {})
    assert promoted.status_code == 200, promoted.json()
    assert promoted.json()["item_id"] and promoted.json()["status"] == "promoted"
    assert manager.post(f"/retrospectives/{rid}/actions/{aid}/promote", {}).status_code == 409
    assert manager.delete(f"/retrospectives/{rid}/actions/{aid}").status_code == 409


def test_promote_without_next_period_is_422(rw, api_as):
    q4 = Period.objects.get(kind="quarter", key="FY2024-Q4")
    goal = GoalFactory(department=rw.org.mkt, period=q4, owner=rw.org.member)
    admin = api_as("admin")
    rid = admin.post("/retrospectives", {"goal_id": goal.pk, "period_id": q4.pk}).json()["id"]
    aid = admin.post(
        f"/retrospectives/{rid}/actions",
        {"title": "积分体系", "owner_id": rw.org.member.pk, "due": "2025-01-31"},
    ).json()["id"]
    refused = admin.post(f"/retrospectives/{rid}/actions/{aid}/promote", {"promote_as": "goal"})
    assert refused.status_code == 422 and refused.json()["code"] == "next_period_missing"
    done = admin.post(
        f"/retrospectives/{rid}/actions/{aid}/promote", {"promote_as": "goal", "create_next_period": True}
    )
    assert done.status_code == 200 and done.json()["goal_id"]
    assert Period.objects.filter(kind="quarter", key="FY2025-Q1").exists()
    assert dt.date(2025, 1, 1) == Period.objects.get(kind="quarter", key="FY2025-Q1").start


def test_create_errors(rw, api_as):
    assert api_as("mkt_manager").post("/retrospectives", {"period_id": rw.q3.pk}).status_code == 422
    assert (
        api_as("mkt_manager")
        .post("/retrospectives", {"period_id": 999999, "goal_id": rw.goal.pk})
        .status_code
        == 404
    )
    assert (
        api_as("sales_manager")
        .post("/retrospectives", {"period_id": rw.q3.pk, "goal_id": rw.goal.pk})
        .status_code
        == 404
    )
    assert (
        api_as("viewer").post("/retrospectives", {"period_id": rw.q3.pk, "goal_id": rw.goal.pk}).status_code
        == 403
    )
