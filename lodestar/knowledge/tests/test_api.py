"""The API of the knowledge library: /cases and /sops (+ versions) per API.md, errors and statuses."""

from __future__ import annotations

import pytest

from lodestar.knowledge.models import Case
from lodestar.testing.factories import CaseFactory, RetrospectiveFactory


def test_case_crud_with_figures_from_the_snapshot(api_as, goal, org):
    api = api_as("member")
    response = api.post(
        "/cases",
        {
            "title": "小红书种草",
            "outcome": "success",
            "body": "腰部达人",
            "tags": ["新品上市期", "小红书"],
            "goal_ids": [goal.pk],
            "context": "预算有限",
            "reasons": "内容差异化",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body["tags"]) == {"新品上市期", "小红书"}
    assert {t["kind"] for t in body["tag_details"]} == {"scenario"}  # new names become scenarios
    assert body["goal_ids"] == [goal.pk] and body["department_id"] == org.content.pk
    assert body["figures"][0]["kind"] == "close" and body["figures"][0]["measure"] == "销售额"
    case_id = body["id"]
    assert api.get(f"/cases/{case_id}").json()["title"] == "小红书种草"
    response = api.patch(f"/cases/{case_id}", {"title": "小红书达人种草", "version": body["version"]})
    assert response.status_code == 200 and response.json()["version"] == 2
    assert api.patch(f"/cases/{case_id}", {"title": "x", "version": 1}).status_code == 409
    assert api.patch(f"/cases/{case_id}", {"figures": [], "version": 2}).json()["code"] == "unknown_field"
    assert api.patch(f"/cases/{case_id}", {"title": None, "version": 2}).status_code == 422
    assert api_as("sales_manager").patch(f"/cases/{case_id}", {"title": "x", "version": 2}).status_code == 403
    assert api_as("viewer").get(f"/cases/{case_id}").status_code == 200
    assert api.delete(f"/cases/{case_id}").status_code == 204
    assert api.get(f"/cases/{case_id}").status_code == 404


def test_case_list_filters(api_as, case, org, goal):
    CaseFactory(title="私域大促失败", outcome="failure", department=org.sales)
    api = api_as("hr")
    assert [c["id"] for c in api.get("/cases", q="小红书").json()["items"]] == [case.pk]
    assert api.get("/cases", q="新品上市期，客户分层").json()["count"] == 1
    assert api.get("/cases", outcome="failure").json()["items"][0]["title"] == "私域大促失败"
    assert api.get("/cases", tag="小红书").json()["count"] == 1
    assert api.get("/cases", department_id=org.sales.pk).json()["count"] == 1
    assert api.get("/cases", goal_id=goal.pk).json()["count"] == 1
    assert api.get("/cases", outcome="draw").status_code == 422
    assert api.get("/cases", department_id=999999).status_code == 404


def test_a_case_from_a_retrospective_takes_its_department_and_goal(api_as, goal, org):
    retro = RetrospectiveFactory(goal=goal)
    response = api_as("mkt_manager").post(
        "/cases", {"title": "复盘案例", "outcome": "failure", "retrospective_id": retro.pk}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (
        body["retrospective_id"] == retro.pk
        and body["goal_ids"] == [goal.pk]
        and body["department_id"] == org.mkt.pk
    )
    assert (
        api_as("member")
        .post("/cases", {"title": "x", "outcome": "success", "retrospective_id": 99999})
        .status_code
        == 404
    )


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("member", 201), ("admin", 201)])
def test_who_may_post_a_case(api_as, org, role, status):
    assert api_as(role).post("/cases", {"title": "x", "outcome": "success"}).status_code == status


def test_sop_and_versions(api_as, org, case):
    manager = api_as("mkt_manager")
    response = manager.post(
        "/sops",
        {
            "title": "线索孵化SOP",
            "owner_id": org.member.pk,
            "department_id": org.mkt.pk,
            "review_date": "2026-06-30",
            "body_markdown": "## 步骤\n1. 入库",
            "case_ids": [case.pk],
        },
    )
    assert response.status_code == 201, response.json()
    sop = response.json()
    assert sop["latest_version"] == 1 and sop["case_ids"] == [case.pk]
    owner = api_as("member")
    response = owner.post(
        f"/sops/{sop['id']}/versions",
        {"body_markdown": "## 步骤\n1. 入库\n2. <script>x</script>首触", "change_note": "加首触"},
    )
    assert response.status_code == 201, response.json()
    version = response.json()
    assert (
        version["number"] == 2
        and "<h2>步骤</h2>" in version["body_html"]
        and "<script" not in version["body_html"]
    )
    listing = owner.get(f"/sops/{sop['id']}/versions").json()
    assert [v["number"] for v in listing["items"]] == [2, 1]
    assert owner.get(f"/sops/{sop['id']}/versions/1").json()["change_note"]
    assert owner.get(f"/sops/{sop['id']}/versions/9").status_code == 404
    assert (
        api_as("sales_manager").post(f"/sops/{sop['id']}/versions", {"body_markdown": "x"}).status_code == 403
    )
    response = owner.patch(f"/sops/{sop['id']}", {"review_date": "2026-12-31", "version": 2})
    assert response.status_code == 200 and response.json()["review_date"] == "2026-12-31"
    assert owner.patch(f"/sops/{sop['id']}", {"title": "x", "version": 1}).status_code == 409
    assert api_as("viewer").get("/sops").json()["count"] == 1
    assert (
        api_as("member")
        .post(
            "/sops",
            {"title": "x", "department_id": org.mkt.pk, "review_date": "2026-01-01", "body_markdown": "x"},
        )
        .status_code
        == 403
    )
    assert owner.delete(f"/sops/{sop['id']}").status_code == 403
    assert manager.delete(f"/sops/{sop['id']}").status_code == 204
    assert manager.get(f"/sops/{sop['id']}").status_code == 404


def test_unauthenticated_calls_answer_401(db):
    from lodestar.conftest import ApiClient

    assert ApiClient().get("/cases").status_code == 401
    assert ApiClient().get("/sops").status_code == 401
    assert not Case.objects.exists()
