"""The execution API (/api/v1/items, /phases): who may read and change items, RACI rules, bad
input that writes nothing, dependencies and the done-with-open-predecessor rule, feeding the
goal's measure, @mentions, cross-department requests, all-or-nothing bulk edits, constant list
queries and the OpenAPI document.

The organisation and `make_item` come from conftest.py: a default item belongs to 市场部, was
planned by its manager, has `responsible` (a member of the sub-department 内容组) as R and
`accountable` (a member of 市场部) as A.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lodestar.core.testing import assert_documented, err, ok
from lodestar.execution.models import ActionItem, Comment, Dependency, Phase, RaciAssignment
from lodestar.goals.models import Goal, Measure
from lodestar.notifications.models import Notification

JULY_1, JULY_10, JULY_20 = dt.date(2026, 7, 1), dt.date(2026, 7, 10), dt.date(2026, 7, 20)


def fresh(item: ActionItem) -> ActionItem:
    return ActionItem.objects.get(pk=item.pk)


def letters(item: ActionItem) -> set[tuple]:
    return set(RaciAssignment.objects.filter(item=item).values_list("role", "person_id", "department_id"))


@pytest.fixture
def item(make_item):
    return make_item(
        "小红书种草笔记发布",
        start=JULY_1,
        due=JULY_10,
        planned_quantity=Decimal(20),
        unit="篇",
        done_standard="点赞≥500, 评论≥100",
    )


# --- authentication --------------------------------------------------------------------------------


def test_anonymous_gets_401_everywhere(org, item, api):
    anonymous = api(None)
    for path in (
        "/items",
        f"/items/{item.pk}",
        f"/items/{item.pk}/dependencies",
        f"/items/{item.pk}/comments",
        f"/items/{item.pk}/history",
        "/phases",
    ):
        err(anonymous.get(path), 401, "not_authenticated")
    err(anonymous.post("/items", {"title": "x", "department_id": org.mkt.pk}), 401, "not_authenticated")
    err(anonymous.patch(f"/items/{item.pk}", {"version": item.version, "title": "x"}), 401)
    err(anonymous.delete(f"/items/{item.pk}"), 401)
    err(anonymous.put(f"/items/{item.pk}/raci", {"version": 1}), 401)
    err(anonymous.post(f"/items/{item.pk}/move", {"status": "doing", "version": 1}), 401)
    err(anonymous.post(f"/items/{item.pk}/reschedule", {"version": 1}), 401)
    err(anonymous.post("/items/bulk", {"item_ids": [item.pk], "status": "doing"}), 401)
    err(anonymous.post(f"/items/{item.pk}/dependencies", {"predecessor_id": item.pk}), 401)
    err(anonymous.delete(f"/items/{item.pk}/dependencies/{item.pk}"), 401)
    err(anonymous.post(f"/items/{item.pk}/comments", {"body": "hi"}), 401)
    err(anonymous.post(f"/items/{item.pk}/request", {"accept": False}), 401)
    err(anonymous.post("/phases", {"department_id": org.mkt.pk, "name": "预热期"}), 401)
    assert fresh(item).title == "小红书种草笔记发布" and fresh(item).status == "todo"
    assert ActionItem.objects.count() == 1 and not Comment.objects.exists() and not Phase.objects.exists()


def test_read_only_token_reads_but_never_writes(org, item, api):
    client = api("mkt_manager", token="read")
    assert ok(client.get(f"/items/{item.pk}"))["id"] == item.pk
    assert ok(client.get("/items"))["count"] == 1
    err(client.patch(f"/items/{item.pk}", {"version": item.version, "title": "x"}), 403, "token_read_only")
    err(client.post("/items", {"title": "x", "department_id": org.mkt.pk}), 403, "token_read_only")
    err(
        client.post(f"/items/{item.pk}/move", {"status": "doing", "version": item.version}),
        403,
        "token_read_only",
    )
    err(client.post(f"/items/{item.pk}/comments", {"body": "hi"}), 403, "token_read_only")
    err(client.delete(f"/items/{item.pk}"), 403, "token_read_only")
    assert fresh(item).title == "小红书种草笔记发布" and ActionItem.objects.count() == 1
    assert not Comment.objects.exists()
    # A read-write token of the same person writes.
    writer = api("mkt_manager", token="read_write")
    assert ok(writer.patch(f"/items/{item.pk}", {"version": item.version, "title": "x"}))["title"] == "x"


# --- who may see and change an item --------------------------------------------------------------

# (role, read status) for an item of 市场部.
READ_MATRIX = [
    ("admin", 200),
    ("mkt_manager", 200),  # manager of the item's department
    ("sales_manager", 404),  # manager elsewhere
    ("responsible", 200),  # the R, sitting in a sub-department: sees it through the letter
    ("accountable", 200),  # the A
    ("member", 200),  # member of the department
    ("sales_member", 404),  # member elsewhere
    ("hr", 200),  # HR partner reads everything
    ("viewer", 200),  # read-only person of the department
]


@pytest.mark.parametrize(("role", "status"), READ_MATRIX)
def test_read_access(role, status, item, api):
    client = api(role)
    for path in (
        f"/items/{item.pk}",
        f"/items/{item.pk}/dependencies",
        f"/items/{item.pk}/comments",
        f"/items/{item.pk}/history",
    ):
        if status == 200:
            ok(client.get(path))
        else:
            err(client.get(path), 404, "not_found")
    listed = {row["id"] for row in ok(client.get("/items", page_size=500))["items"]}
    assert (item.pk in listed) is (status == 200)


# (role, re-plan status, work status): re-plan = change title/dates/RACI; work = move, report.
WRITE_MATRIX = [
    ("admin", 200, 200),
    ("mkt_manager", 200, 200),
    ("sales_manager", 404, 404),
    ("responsible", 403, 200),  # the R works on it but does not re-plan it
    ("accountable", 200, 200),
    ("member", 403, 403),
    ("sales_member", 404, 404),
    ("hr", 403, 403),
    ("viewer", 403, 403),
]


@pytest.mark.parametrize(("role", "replan", "work"), WRITE_MATRIX)
def test_write_access(role, replan, work, org, item, api):
    client = api(role)
    before_letters = letters(item)
    responses = [
        client.patch(f"/items/{item.pk}", {"version": item.version, "title": f"by {role}"}),
        client.post(
            f"/items/{item.pk}/reschedule",
            {"version": item.version, "start": "2026-07-02", "due": "2026-07-12"},
        ),
        client.put(
            f"/items/{item.pk}/raci",
            {
                "version": item.version,
                "responsible_ids": [org.member.pk],
                "accountable_id": org.accountable.pk,
            },
        ),
    ]
    if replan == 200:
        assert ok(responses[0])["title"] == f"by {role}"
        for response in responses[1:]:
            err(response, 409, "version_conflict", "version")  # the first write bumped the version
    else:
        code = "not_found" if replan == 404 else "permission_denied"
        for response in responses:
            err(response, replan, code)
        stored = fresh(item)
        assert (stored.title, stored.start, stored.due, stored.version) == (
            "小红书种草笔记发布",
            JULY_1,
            JULY_10,
            item.version,
        )
        assert letters(item) == before_letters
    version = fresh(item).version
    move = client.post(f"/items/{item.pk}/move", {"status": "doing", "version": version})
    report = client.patch(f"/items/{item.pk}", {"version": version + 1, "actual_quantity": "3"})
    if work == 200:
        assert ok(move)["status"] == "doing"
        assert ok(report)["actual_quantity"] == "3.00"
    else:
        code = "not_found" if work == 404 else "permission_denied"
        err(move, work, code)
        err(report, work, code)
        assert fresh(item).status == "todo" and fresh(item).actual_quantity is None


# (role, status) for deleting an item of 市场部.
DELETE_MATRIX = [
    ("admin", 204),
    ("mkt_manager", 204),
    ("sales_manager", 404),
    ("responsible", 403),
    ("accountable", 204),
    ("member", 403),
    ("sales_member", 404),
    ("hr", 403),
    ("viewer", 403),
]


@pytest.mark.parametrize(("role", "status"), DELETE_MATRIX)
def test_delete_access(role, status, item, api):
    response = api(role).delete(f"/items/{item.pk}")
    if status == 204:
        assert response.status_code == 204
        assert not ActionItem.objects.filter(pk=item.pk).exists()
    else:
        err(response, status, "not_found" if status == 404 else "permission_denied")
        assert ActionItem.objects.filter(pk=item.pk).exists()


# (role, status) for creating an item in 市场部's plan: admin, its managers, its members.
CREATE_MATRIX = [
    ("admin", 201),
    ("mkt_manager", 201),
    ("sales_manager", 403),
    ("responsible", 403),  # a member of the sub-department 内容组, not of 市场部
    ("accountable", 201),
    ("member", 201),
    ("sales_member", 403),
    ("hr", 403),
    ("viewer", 403),
]


@pytest.mark.parametrize(("role", "status"), CREATE_MATRIX)
def test_create_access(role, status, org, api):
    response = api(role).post("/items", {"title": "抖音短视频投放", "department_id": org.mkt.pk})
    if status == 201:
        body = ok(response, 201)
        caller = org.person(role)
        assert body["responsible_ids"] == [caller.pk] and body["accountable_id"] == caller.pk
        assert body["created_by_id"] == caller.pk and body["department_id"] == org.mkt.pk
    else:
        err(response, status, "permission_denied")
        assert not ActionItem.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("member", 201), ("responsible", 201), ("hr", 201), ("viewer", 403), ("sales_member", 404)],
)
def test_comment_access(role, status, item, api):
    response = api(role).post(f"/items/{item.pk}/comments", {"body": f"{role} 已阅"})
    if status == 201:
        assert ok(response, 201)["body"] == f"{role} 已阅"
    else:
        err(response, status)
        assert not Comment.objects.exists()


# --- create, read and list ---------------------------------------------------------------------------


def test_create_with_full_raci_and_read_it_back(org, api, make_item, make_goal):
    goal = make_goal()
    measure = goal.measures.get()
    first = make_item("KOL筛选", goal=goal)
    phase = ok(api("mkt_manager").post("/phases", {"department_id": org.mkt.pk, "name": "预热期"}), 201)
    payload = {
        "title": "KOL签约",
        "department_id": org.mkt.pk,
        "goal_id": goal.pk,
        "measure_id": measure.pk,
        "phase_id": phase["id"],
        "description": "## 签约\n- 合同",
        "start": "2026-07-01",
        "due": "2026-07-10",
        "is_milestone": True,
        "done_standard": "签约≥5位",
        "deliverable": "合同扫描件",
        "people_needed": "法务1人",
        "materials": "KOL名单",
        "budget": "50000",
        "priority": "P0",
        "status": "doing",
        "planned_quantity": "7",
        "actual_quantity": "5",
        "unit": "位",
        "responsible_ids": [org.responsible.pk, org.member.pk, org.responsible.pk],
        "accountable_id": org.accountable.pk,
        "consulted_ids": [org.sales_member.pk],
        "consulted_department_ids": [org.content.pk],
        "informed_ids": [org.hr.pk],
        "informed_department_ids": [org.sales.pk],
        "predecessor_ids": [first.pk],
    }
    body = ok(api("mkt_manager").post("/items", payload), 201)
    assert body["responsible_ids"] == [org.responsible.pk, org.member.pk]
    assert body["accountable_id"] == org.accountable.pk
    assert body["consulted_ids"] == [org.sales_member.pk]
    assert body["consulted_department_ids"] == [org.content.pk]
    assert body["informed_ids"] == [org.hr.pk] and body["informed_department_ids"] == [org.sales.pk]
    assert body["predecessor_ids"] == [first.pk]
    assert (body["phase_id"], body["phase"]) == (phase["id"], "预热期")
    assert (body["goal_id"], body["measure_id"]) == (goal.pk, measure.pk)
    assert body["budget"] == "50000.00" and body["planned_quantity"] == "7.00"
    assert body["actual_quantity"] == "5.00" and body["completion_rate"] == "0.7143"  # 5/7
    assert body["priority"] == "P0" and body["status"] == "doing" and body["is_milestone"] is True
    assert body["request_state"] == "" and body["requested_department_id"] is None
    assert body["version"] == 1 and body["is_overdue"] is (JULY_10 < timezone.localdate())
    # The measure now counts the item's actual quantity.
    assert Measure.objects.get(pk=measure.pk).current == Decimal(5)
    # Read back as the R (a member of the sub-department) and in the list.
    detail = ok(api("responsible").get(f"/items/{body['id']}"))
    assert detail == body
    listed = ok(api("responsible").get("/items", goal_id=goal.pk))
    assert {row["id"] for row in listed["items"]} == {first.pk, body["id"]}


def test_create_defaults_department_to_the_goal_and_else_the_caller(org, api, make_goal):
    goal = make_goal(department=org.content, owner=org.responsible)
    from_goal = ok(api("mkt_manager").post("/items", {"title": "内容排期", "goal_id": goal.pk}), 201)
    assert from_goal["department_id"] == org.content.pk
    own = ok(api("member").post("/items", {"title": "周报"}), 201)
    assert own["department_id"] == org.mkt.pk
    admin_without_department = ok(api("admin").post("/items", {"title": "总部周会"}), 201)
    assert admin_without_department["department_id"] == org.company.pk


def test_overdue_and_completion_rate_are_read_only(org, api, make_item):
    late = make_item(
        "逾期任务", due=dt.date(2020, 1, 1), planned_quantity=Decimal(10), actual_quantity=Decimal(12)
    )
    body = ok(api("member").get(f"/items/{late.pk}"))
    assert body["is_overdue"] is True and body["completion_rate"] == "1.2000"
    # Read-only fields sent in a PATCH are refused, naming the field, and nothing changes (issue #11).
    refused = api("mkt_manager").patch(
        f"/items/{late.pk}", {"version": late.version, "completion_rate": "0.1", "is_overdue": False}
    )
    assert refused.status_code == 422
    assert (refused.json()["code"], refused.json()["field"]) == ("unknown_field", "completion_rate")
    late.refresh_from_db()
    assert late.version == body["version"]
    assert ok(api("member").get(f"/items/{late.pk}"))["completion_rate"] == "1.2000"


def test_list_filters_and_pagination(org, api, make_item):
    a = make_item("A 预热", priority="P0", due=JULY_1)
    b = make_item("B 爆发", responsible=[org.member], due=JULY_10)
    c = make_item("C 内容", department=org.content, actor=org.mkt_manager, due=JULY_20)
    ok(api("mkt_manager").post(f"/items/{b.pk}/move", {"status": "doing", "version": b.version}))
    manager = api("mkt_manager")

    def ids(**query):
        return [row["id"] for row in ok(manager.get("/items", **query))["items"]]

    assert set(ids()) == {a.pk, b.pk, c.pk}
    assert set(ids(department_id=org.mkt.pk)) == {a.pk, b.pk, c.pk}  # with its sub-departments
    assert ids(department_id=org.content.pk) == [c.pk]
    assert ids(status="doing") == [b.pk]
    assert set(ids(status=["todo", "doing"])) == {a.pk, b.pk, c.pk}
    assert ids(priority="P0") == [a.pk]
    assert ids(responsible_id=org.member.pk) == [b.pk]
    assert set(ids(accountable_id=org.accountable.pk)) == {a.pk, b.pk, c.pk}
    assert ids(q="爆发") == [b.pk]
    assert ids(due_before="2026-07-05") == [a.pk]
    assert ids(ordering="-due") == [c.pk, b.pk, a.pk]
    page = ok(manager.get("/items", ordering="due", page=2, page_size=2))
    assert (page["count"], page["page"], page["page_size"]) == (3, 2, 2)
    assert [row["id"] for row in page["items"]] == [c.pk]
    err(manager.get("/items", page_size=501), 422, "invalid", "page_size")
    err(manager.get("/items", status="finished"), 422, "invalid")
    err(manager.get("/items", ordering="title"), 422, "invalid", "ordering")
    err(manager.get("/items", department_id=999999), 404, "not_found", "department_id")
    err(manager.get("/items", responsible_id=999999), 404, "not_found", "responsible_id")


# --- bad input: refused clearly, nothing written -------------------------------------------------------


def test_due_before_start_is_refused_everywhere(org, item, api):
    manager = api("mkt_manager")
    body = err(
        manager.post(
            "/items",
            {"title": "倒挂日期", "department_id": org.mkt.pk, "start": "2026-07-10", "due": "2026-07-01"},
        ),
        422,
        "due_before_start",
        "due",
    )
    assert "due date" in body["message"]
    assert ActionItem.objects.count() == 1
    err(
        manager.patch(f"/items/{item.pk}", {"version": item.version, "due": "2026-06-01"}),
        422,
        "due_before_start",
        "due",
    )
    err(
        manager.post(
            f"/items/{item.pk}/reschedule",
            {"version": item.version, "start": "2026-07-05", "due": "2026-07-04"},
        ),
        422,
        "due_before_start",
        "due",
    )
    err(
        manager.post("/items/bulk", {"item_ids": [item.pk], "due": "2026-06-30"}),
        422,
        "due_before_start",
        "due",
    )
    stored = fresh(item)
    assert (stored.start, stored.due, stored.version) == (JULY_1, JULY_10, item.version)


def test_raci_needs_one_accountable_and_a_responsible(org, item, api, django_capture_on_commit_callbacks):
    manager = api("mkt_manager")
    before = letters(item)
    url = f"/items/{item.pk}/raci"
    err(
        manager.put(url, {"version": item.version, "responsible_ids": [org.member.pk]}),
        422,
        "no_accountable",
        "accountable_id",
    )
    err(
        manager.put(url, {"version": item.version, "responsible_ids": [], "accountable_id": org.member.pk}),
        422,
        "no_responsible",
        "responsible_ids",
    )
    err(manager.put(url, {"version": item.version}), 422, "no_accountable", "accountable_id")
    # Two A's cannot even be said: accountable_id is one id.
    err(
        manager.put(
            url,
            {
                "version": item.version,
                "responsible_ids": [org.member.pk],
                "accountable_id": [org.member.pk, org.hr.pk],
            },
        ),
        422,
        "invalid",
        "accountable_id",
    )
    err(
        manager.post(
            "/items",
            {"title": "两个A", "department_id": org.mkt.pk, "accountable_id": [org.member.pk, org.hr.pk]},
        ),
        422,
        "invalid",
        "accountable_id",
    )
    assert letters(item) == before and fresh(item).version == item.version
    assert ActionItem.objects.count() == 1
    # A valid RACI replaces the letters.
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.put(
            url,
            {
                "version": item.version,
                "responsible_ids": [org.member.pk, org.responsible.pk],
                "accountable_id": org.mkt_manager.pk,
                "consulted_department_ids": [org.content.pk],
                "informed_ids": [org.hr.pk, org.hr.pk],
            },
        )
    body = ok(response)
    assert body["responsible_ids"] == [org.member.pk, org.responsible.pk]
    assert body["accountable_id"] == org.mkt_manager.pk
    assert body["consulted_department_ids"] == [org.content.pk] and body["informed_ids"] == [org.hr.pk]
    assert body["version"] == item.version + 1
    assert Notification.objects.filter(recipient=org.member, verb="assigned").exists()


def test_people_outside_the_organisation(org, item, api):
    """The organisation is the company directory: everyone signed in reads all of it, so a person of
    another department can be C or R. An id that names no one is outside it → 404 on the list field;
    a former (inactive) person is refused with 422 on the RACI field. Nothing is written either way."""
    manager = api("mkt_manager")
    missing = 987654
    err(
        manager.post(
            "/items",
            {"title": "外部R", "department_id": org.mkt.pk, "responsible_ids": [org.member.pk, missing]},
        ),
        404,
        "not_found",
        "responsible_ids",
    )
    err(
        manager.post("/items", {"title": "外部A", "department_id": org.mkt.pk, "accountable_id": missing}),
        404,
        "not_found",
        "accountable_id",
    )
    err(
        manager.post(
            "/items", {"title": "外部C", "department_id": org.mkt.pk, "consulted_department_ids": [missing]}
        ),
        404,
        "not_found",
        "consulted_department_ids",
    )
    err(
        manager.put(
            f"/items/{item.pk}/raci",
            {"version": item.version, "responsible_ids": [missing], "accountable_id": org.accountable.pk},
        ),
        404,
        "not_found",
        "responsible_ids",
    )
    err(
        manager.post(
            "/items", {"title": "离职R", "department_id": org.mkt.pk, "responsible_ids": [org.inactive.pk]}
        ),
        422,
        "invalid",
        "responsible_ids",
    )
    assert ActionItem.objects.count() == 1
    err(
        manager.post("/items/bulk", {"item_ids": [item.pk], "responsible_id": missing}),
        404,
        "not_found",
        "responsible_id",
    )
    assert letters(item) == {("R", org.responsible.pk, None), ("A", org.accountable.pk, None)}
    # Someone of another department is part of the visible organisation.
    body = ok(
        manager.post(
            "/items",
            {"title": "跨部门R", "department_id": org.mkt.pk, "responsible_ids": [org.sales_member.pk]},
        ),
        201,
    )
    assert body["responsible_ids"] == [org.sales_member.pk]


def test_references_the_caller_may_not_see(org, api, make_item, make_goal):
    secret_goal = make_goal(
        "销售部内部目标",
        department=org.sales,
        owner=org.sales_manager,
        actor=org.sales_manager,
        visibility="department",
    )
    sales_item = make_item(
        "销售部任务",
        department=org.sales,
        actor=org.sales_manager,
        responsible=[org.sales_member],
        accountable=org.sales_manager,
    )
    manager = api("mkt_manager")
    err(manager.post("/items", {"title": "x", "goal_id": secret_goal.pk}), 404, "not_found", "goal_id")
    err(
        manager.post(
            "/items", {"title": "x", "department_id": org.mkt.pk, "predecessor_ids": [sales_item.pk]}
        ),
        404,
        "not_found",
        "predecessor_ids",
    )
    err(manager.post("/items", {"title": "x", "department_id": 99999}), 404, "not_found", "department_id")
    assert ActionItem.objects.count() == 1


def test_bad_request_bodies(org, item, api):
    manager = api("mkt_manager")
    err(manager.post("/items", {"department_id": org.mkt.pk}), 422, "invalid", "title")
    err(manager.post("/items", {"title": "  ", "department_id": org.mkt.pk}), 422, "required", "title")
    err(manager.post("/items", {"title": "x", "priority": "P9"}), 422, "invalid", "priority")
    err(manager.post("/items", {"title": "x", "budget": "-5"}), 422, "negative", "budget")
    err(manager.post("/items", {"title": "x", "status": "done"}), 422, "invalid", "status")
    err(manager.post("/items", {"title": "x", "status": "cancelled"}), 422, "invalid", "status")
    err(manager.patch(f"/items/{item.pk}", {"title": "no version"}), 422, "invalid", "version")
    err(
        manager.patch(f"/items/{item.pk}", {"version": item.version, "title": None}), 422, "required", "title"
    )
    response = manager.client.post("/api/v1/items", "{not json", content_type="application/json")
    err(response, 400, "malformed")
    err(manager.get("/items/999999"), 404, "not_found")
    assert ActionItem.objects.count() == 1 and fresh(item).version == item.version


def test_stale_version_on_patch_and_move_is_a_conflict(org, item, api):
    manager = api("mkt_manager")
    ok(manager.patch(f"/items/{item.pk}", {"version": item.version, "title": "第一次修改"}))
    stale = item.version
    err(
        manager.patch(f"/items/{item.pk}", {"version": stale, "title": "过期修改"}),
        409,
        "version_conflict",
        "version",
    )
    body = err(
        api("responsible").post(f"/items/{item.pk}/move", {"status": "doing", "version": stale}),
        409,
        "version_conflict",
        "version",
    )
    assert "小红书种草笔记发布" not in body["message"] and "第一次修改" in body["message"]
    err(
        manager.put(
            f"/items/{item.pk}/raci",
            {"version": stale, "responsible_ids": [org.member.pk], "accountable_id": org.member.pk},
        ),
        409,
    )
    err(manager.post(f"/items/{item.pk}/reschedule", {"version": stale, "due": "2026-07-30"}), 409)
    stored = fresh(item)
    assert (stored.title, stored.status, stored.due, stored.version) == (
        "第一次修改",
        "todo",
        JULY_10,
        stale + 1,
    )


# --- dependencies --------------------------------------------------------------------------------------


def test_dependencies_and_cycles(org, api, make_item):
    kol_select, kol_sign, kol_track = (make_item(t) for t in ("KOL筛选", "KOL签约", "KOL跟踪"))
    manager = api("mkt_manager")
    body = ok(manager.post(f"/items/{kol_sign.pk}/dependencies", {"predecessor_id": kol_select.pk}), 201)
    assert [row["id"] for row in body["predecessors"]] == [kol_select.pk] and body["predecessors"][0][
        "is_open"
    ]
    ok(manager.post(f"/items/{kol_track.pk}/dependencies", {"predecessor_id": kol_sign.pk}), 201)
    # track → select would close the loop select → sign → track → select.
    body = err(
        manager.post(f"/items/{kol_select.pk}/dependencies", {"predecessor_id": kol_track.pk}),
        422,
        "cycle",
        "predecessor_id",
    )
    assert "loop" in body["message"]
    err(manager.post(f"/items/{kol_select.pk}/dependencies", {"predecessor_id": kol_select.pk}), 422, "cycle")
    assert Dependency.objects.count() == 2
    listed = ok(api("member").get(f"/items/{kol_sign.pk}/dependencies"))
    assert [r["id"] for r in listed["predecessors"]] == [kol_select.pk]
    assert [r["id"] for r in listed["successors"]] == [kol_track.pk]
    assert ok(manager.get(f"/items/{kol_track.pk}"))["predecessor_ids"] == [kol_sign.pk]
    # Only those who re-plan the successor add or remove links.
    err(
        api("responsible").post(f"/items/{kol_select.pk}/dependencies", {"predecessor_id": kol_track.pk}), 403
    )
    err(api("responsible").delete(f"/items/{kol_track.pk}/dependencies/{kol_sign.pk}"), 403)
    err(
        manager.delete(f"/items/{kol_track.pk}/dependencies/{kol_select.pk}"),
        404,
        "not_found",
        "predecessor_id",
    )
    assert manager.delete(f"/items/{kol_track.pk}/dependencies/{kol_sign.pk}").status_code == 204
    assert Dependency.objects.count() == 1


def test_done_with_an_open_predecessor_needs_a_reason(org, api, make_item):
    design = make_item("海报设计")
    publish = make_item("海报发布", predecessors=[design])
    r = api("responsible")
    body = err(
        r.post(f"/items/{publish.pk}/move", {"status": "done", "version": publish.version}),
        409,
        "predecessor_open",
        "status",
    )
    assert "海报设计" in body["message"]
    err(
        r.patch(f"/items/{publish.pk}", {"version": publish.version, "status": "done"}),
        409,
        "predecessor_open",
    )
    err(r.post("/items/bulk", {"item_ids": [publish.pk], "status": "done"}), 409, "predecessor_open")
    assert fresh(publish).status == "todo" and fresh(publish).version == publish.version
    body = ok(
        r.post(
            f"/items/{publish.pk}/move",
            {"status": "done", "version": publish.version, "override_reason": "设计稿已线下确认"},
        )
    )
    assert body["status"] == "done" and body["done_override_reason"] == "设计稿已线下确认"
    assert body["completed_at"] is not None
    # Once the predecessor is done, no reason is needed.
    other = make_item("海报复盘", predecessors=[design])
    ok(r.post(f"/items/{design.pk}/move", {"status": "done", "version": design.version}))
    body = ok(r.patch(f"/items/{other.pk}", {"version": other.version, "status": "done"}))
    assert body["status"] == "done" and body["done_override_reason"] == ""


def test_kanban_move_orders_the_column(org, api, make_item):
    first, second, third = (make_item(t) for t in ("一", "二", "三"))
    r = api("responsible")
    for entry in (first, second):
        ok(r.post(f"/items/{entry.pk}/move", {"status": "doing", "version": fresh(entry).version}))
    body = ok(
        r.post(
            f"/items/{third.pk}/move", {"status": "doing", "version": third.version, "before_id": second.pk}
        )
    )
    column = list(ActionItem.objects.filter(status="doing").order_by("position").values_list("pk", flat=True))
    assert column == [first.pk, third.pk, second.pk] and body["status"] == "doing"
    err(r.post(f"/items/{first.pk}/move", {"status": "finished", "version": 2}), 422, "invalid", "status")


# --- feeding the goal ------------------------------------------------------------------------------------


def test_actual_quantity_feeds_the_goal_measure(org, api, make_goal):
    goal = make_goal()  # 小红书笔记: target 50 篇, from 0
    measure = goal.measures.get()
    manager = api("mkt_manager")
    base = {"department_id": org.mkt.pk, "goal_id": goal.pk, "measure_id": measure.pk, "unit": "篇"}
    first = ok(
        manager.post(
            "/items",
            {
                **base,
                "title": "第一批笔记",
                "planned_quantity": "20",
                "responsible_ids": [org.responsible.pk],
            },
        ),
        201,
    )
    second = ok(
        manager.post(
            "/items", {**base, "title": "第二批笔记", "planned_quantity": "30", "actual_quantity": "10"}
        ),
        201,
    )
    assert Measure.objects.get(pk=measure.pk).current == Decimal(10)
    # The R reports 15 notes published on the first item.
    body = ok(
        api("responsible").patch(
            f"/items/{first['id']}", {"version": first["version"], "actual_quantity": "15"}
        )
    )
    assert body["actual_quantity"] == "15.00" and body["completion_rate"] == "0.7500"
    stored = Measure.objects.get(pk=measure.pk)
    assert stored.current == Decimal(25)
    assert stored.progress == Decimal("0.5")  # 25 of 50
    assert Goal.objects.get(pk=goal.pk).progress == Decimal("0.5")
    goal_out = ok(manager.get(f"/goals/{goal.pk}"))
    assert goal_out["progress"] == "0.5000" and goal_out["measures"][0]["current"] == "25.00"
    # A cancelled item no longer counts.
    ok(manager.post(f"/items/{second['id']}/move", {"status": "cancelled", "version": second["version"]}))
    assert Measure.objects.get(pk=measure.pk).current == Decimal(15)
    assert Goal.objects.get(pk=goal.pk).progress == Decimal("0.3")
    # A measure of another goal is refused.
    other = make_goal("抖音短视频20条")
    err(
        manager.patch(
            f"/items/{first['id']}", {"version": body["version"], "measure_id": other.measures.get().pk}
        ),
        422,
        "invalid",
        "measure_id",
    )


# --- comments and mentions ------------------------------------------------------------------------------


def test_mention_notifies_the_person(org, item, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api("responsible").post(
            f"/items/{item.pk}/comments", {"body": "@林晓 素材已上传，请审核；@member"}
        )
    body = ok(response, 201)
    assert body["mention_ids"] == [org.member.pk] and body["author_id"] == org.responsible.pk
    assert body["author_name"] == "陈静"
    notes = Notification.objects.filter(recipient=org.member, verb="mentioned")
    assert notes.count() == 1
    assert notes.get().url == f"/execution/items/{item.pk}/" and "小红书种草笔记发布" in notes.get().title
    assert not Notification.objects.filter(recipient=org.responsible, verb="mentioned").exists()
    listed = ok(api("member").get(f"/items/{item.pk}/comments"))
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    err(api("member").post(f"/items/{item.pk}/comments", {"body": "   "}), 422, "required", "body")
    assert Comment.objects.count() == 1


# --- cross-department requests -----------------------------------------------------------------------------


def test_cross_department_request_accepted_by_the_requested_manager(
    org, api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api("mkt_manager").post(
            "/items",
            {
                "title": "设计支持海报",
                "department_id": org.mkt.pk,
                "requested_department_id": org.sales.pk,
                "due": "2026-07-20",
            },
        )
    asked = ok(response, 201)
    assert asked["request_state"] == "pending" and asked["requested_department_id"] == org.sales.pk
    assert Notification.objects.filter(recipient=org.sales_manager, verb="requested").exists()
    pending = ok(api("sales_manager").get("/items", request_state="pending"))
    assert [row["id"] for row in pending["items"]] == [asked["id"]]
    url = f"/items/{asked['id']}/request"
    # A member of the requested department sees it but cannot answer; the R must come from that department.
    err(
        api("sales_member").post(url, {"accept": True, "responsible_id": org.sales_member.pk}),
        403,
        "permission_denied",
    )
    err(api("sales_manager").post(url, {"accept": True}), 422, "required", "responsible_id")
    err(
        api("sales_manager").post(url, {"accept": True, "responsible_id": org.member.pk}),
        422,
        "invalid",
        "responsible_id",
    )
    assert ActionItem.objects.get(pk=asked["id"]).request_state == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        response = api("sales_manager").post(url, {"accept": True, "responsible_id": org.sales_member.pk})
    body = ok(response)
    assert body["request_state"] == "accepted" and body["responsible_ids"] == [org.sales_member.pk]
    assert body["accountable_id"] == org.mkt_manager.pk
    assert Notification.objects.filter(recipient=org.sales_member, verb="assigned").exists()
    assert Notification.objects.filter(recipient=org.mkt_manager, verb="request_answered").exists()
    err(api("sales_manager").post(url, {"accept": False}), 409, "request_answered")
    # The new R works on it.
    ok(
        api("sales_member").post(
            f"/items/{asked['id']}/move", {"status": "doing", "version": body["version"]}
        )
    )


def test_request_declined_keeps_the_comment(org, api):
    asked = ok(
        api("member").post("/items", {"title": "技术支持H5", "requested_department_id": org.sales.pk}), 201
    )
    body = ok(
        api("sales_manager").post(
            f"/items/{asked['id']}/request", {"accept": False, "comment": "本月排期已满"}
        )
    )
    assert body["request_state"] == "declined"
    assert Comment.objects.get(item_id=asked["id"]).body == "本月排期已满"


def test_request_to_a_sub_department_is_answered_by_the_manager_above(org, api):
    """The manager of 市场部 manages 内容组 too, though they sit in 市场部 itself."""
    asked = ok(
        api("sales_manager").post(
            "/items",
            {
                "title": "内容支持: 销售海报文案",
                "department_id": org.sales.pk,
                "requested_department_id": org.content.pk,
            },
        ),
        201,
    )
    assert asked["id"] in {row["id"] for row in ok(api("mkt_manager").get("/items"))["items"]}
    body = ok(
        api("mkt_manager").post(
            f"/items/{asked['id']}/request", {"accept": True, "responsible_id": org.responsible.pk}
        )
    )
    assert body["responsible_ids"] == [org.responsible.pk]


# --- bulk edits ------------------------------------------------------------------------------------


def test_bulk_update_is_all_or_nothing(org, api, make_item):
    mine = make_item("我负责的A", due=JULY_10)
    not_mine = make_item("别人负责的B", accountable=org.member, responsible=[org.accountable], due=JULY_10)
    client = api("accountable")  # the A of `mine`, only the R of `not_mine`
    before = {i.pk: (fresh(i).due, fresh(i).version, letters(i)) for i in (mine, not_mine)}
    body = err(
        client.post("/items/bulk", {"item_ids": [mine.pk, not_mine.pk], "due": "2026-07-25"}),
        403,
        "permission_denied",
    )
    assert "别人负责的B" in body["message"]
    err(
        client.post("/items/bulk", {"item_ids": [mine.pk, not_mine.pk], "responsible_id": org.member.pk}), 403
    )
    assert {i.pk: (fresh(i).due, fresh(i).version, letters(i)) for i in (mine, not_mine)} == before
    # Status is work: the R may change it on both.
    body = ok(client.post("/items/bulk", {"item_ids": [mine.pk, not_mine.pk], "status": "doing"}))
    assert [row["status"] for row in body["items"]] == ["doing", "doing"]
    # An item the caller does not see → 404, nothing changed.
    sales_item = make_item(
        "销售部任务",
        department=org.sales,
        actor=org.sales_manager,
        responsible=[org.sales_member],
        accountable=org.sales_manager,
    )
    err(
        client.post("/items/bulk", {"item_ids": [mine.pk, sales_item.pk], "status": "blocked"}),
        404,
        "not_found",
        "item_ids",
    )
    assert fresh(mine).status == "doing"
    # The manager re-plans both.
    body = ok(
        api("mkt_manager").post(
            "/items/bulk",
            {"item_ids": [not_mine.pk, mine.pk], "due": "2026-07-25", "responsible_id": org.member.pk},
        )
    )
    assert [row["id"] for row in body["items"]] == [not_mine.pk, mine.pk]
    assert all(
        row["due"] == "2026-07-25" and row["responsible_ids"] == [org.member.pk] for row in body["items"]
    )
    err(api("mkt_manager").post("/items/bulk", {"item_ids": []}), 422, "invalid", "item_ids")
    err(api("mkt_manager").post("/items/bulk", {"item_ids": [mine.pk]}), 422, "invalid")


# --- phases and history ------------------------------------------------------------------------------


def test_phases(org, api, make_item, make_goal):
    manager = api("mkt_manager")
    warm = ok(
        manager.post(
            "/phases",
            {"department_id": org.mkt.pk, "name": "预热期", "start": "2026-06-01", "end": "2026-06-15"},
        ),
        201,
    )
    burst = ok(manager.post("/phases", {"department_id": org.mkt.pk, "name": "爆发期"}), 201)
    assert (warm["sort_order"], burst["sort_order"]) == (0, 1)
    err(
        manager.post(
            "/phases",
            {"department_id": org.mkt.pk, "name": "返场期", "start": "2026-07-01", "end": "2026-06-01"},
        ),
        422,
        "due_before_start",
        "end",
    )
    err(api("viewer").post("/phases", {"department_id": org.mkt.pk, "name": "返场期"}), 403)
    err(api("sales_manager").post("/phases", {"department_id": org.mkt.pk, "name": "返场期"}), 403)
    assert Phase.objects.count() == 2
    assert [p["name"] for p in ok(api("member").get("/phases", department_id=org.mkt.pk))["items"]] == [
        "预热期",
        "爆发期",
    ]
    assert ok(api("sales_member").get("/phases"))["count"] == 0
    assert ok(api("hr").get("/phases"))["count"] == 2
    # Items join a phase of their plan, not another department's.
    item = make_item("预热种草")
    body = ok(manager.patch(f"/items/{item.pk}", {"version": item.version, "phase_id": warm["id"]}))
    assert (body["phase_id"], body["phase"]) == (warm["id"], "预热期")
    assert ok(manager.get("/items", phase_id=warm["id"]))["count"] == 1
    sales_phase = ok(
        api("sales_manager").post("/phases", {"department_id": org.sales.pk, "name": "大促期"}), 201
    )
    err(
        api("admin").patch(f"/items/{item.pk}", {"version": body["version"], "phase_id": sales_phase["id"]}),
        422,
        "invalid",
        "phase_id",
    )
    err(
        manager.patch(f"/items/{item.pk}", {"version": body["version"], "phase_id": sales_phase["id"]}),
        404,
        "not_found",
        "phase_id",
    )
    assert fresh(item).phase_id == warm["id"]


def test_history_lists_who_changed_what(org, item, api):
    ok(
        api("accountable").patch(
            f"/items/{item.pk}", {"version": item.version, "title": "笔记发布（第一批）", "priority": "P0"}
        )
    )
    ok(api("responsible").post(f"/items/{item.pk}/move", {"status": "doing", "version": item.version + 1}))
    body = ok(api("member").get(f"/items/{item.pk}/history"))
    assert body["count"] >= 3
    latest, edit = body["items"][0], body["items"][1]
    assert latest["change_type"] == "changed" and "status" in latest["changed_fields"]
    assert latest["who_id"] == org.responsible.pk and latest["who"] == "陈静"
    assert edit["who_id"] == org.accountable.pk
    assert set(edit["changed_fields"]) >= {"title", "priority"}
    title = next(c for c in edit["changes"] if c["field"] == "title")
    assert (title["old"], title["new"]) == ("小红书种草笔记发布", "笔记发布（第一批）")
    assert body["items"][-1]["change_type"] == "created"
    paged = ok(api("member").get(f"/items/{item.pk}/history", page_size=1))
    assert len(paged["items"]) == 1 and paged["items"][0]["changed_fields"] == latest["changed_fields"]


# --- query counts --------------------------------------------------------------------------------------


def _seed(org, make_item, count: int, start: int = 0) -> None:
    phase = Phase.objects.get_or_create(department=org.mkt, name="爆发期")[0]
    previous = ActionItem.objects.order_by("-id").first()
    for index in range(start, start + count):
        previous = make_item(
            f"任务 {index}",
            phase=phase,
            consulted=[org.member, org.content],
            informed=[org.hr, org.sales],
            predecessors=[previous] if previous else [],
            planned_quantity=Decimal(10),
            actual_quantity=Decimal(index % 10),
            due=JULY_10,
        )


# session, user, person, managed departments, the department filter (checked, then its path),
# count, items (+ phase), RACI rows, predecessor links — measured: 10 for 5 items and for 50.
LIST_QUERY_BOUND = 10


def test_list_query_count_does_not_grow_with_the_items(org, make_item, api, django_assert_max_num_queries):
    manager = api("mkt_manager")  # a manager: the visibility filter has every branch
    _seed(org, make_item, 5)
    with django_assert_max_num_queries(LIST_QUERY_BOUND), CaptureQueriesContext(connection) as few:
        body = ok(manager.get("/items", page_size=500, department_id=org.mkt.pk))
    assert body["count"] == 5
    _seed(org, make_item, 45, start=5)
    with django_assert_max_num_queries(LIST_QUERY_BOUND), CaptureQueriesContext(connection) as many:
        body = ok(manager.get("/items", page_size=500, department_id=org.mkt.pk))
    assert body["count"] == 50
    assert all(
        row["consulted_ids"] == [org.member.pk]
        and row["informed_department_ids"] == [org.sales.pk]
        and row["phase"] == "爆发期"
        for row in body["items"]
    )
    assert sum(len(row["predecessor_ids"]) for row in body["items"]) == 49
    assert len(few.captured_queries) == len(many.captured_queries)


# --- the OpenAPI document ------------------------------------------------------------------------------

EXECUTION_PATHS = {
    "/api/v1/items": {"get", "post"},
    "/api/v1/items/bulk": {"post"},
    "/api/v1/items/{item_id}": {"get", "patch", "delete"},
    "/api/v1/items/{item_id}/raci": {"put"},
    "/api/v1/items/{item_id}/move": {"post"},
    "/api/v1/items/{item_id}/reschedule": {"post"},
    "/api/v1/items/{item_id}/dependencies": {"get", "post"},
    "/api/v1/items/{item_id}/dependencies/{predecessor_id}": {"delete"},
    "/api/v1/items/{item_id}/comments": {"get", "post"},
    "/api/v1/items/{item_id}/request": {"post"},
    "/api/v1/items/{item_id}/history": {"get"},
    "/api/v1/phases": {"get", "post"},
}
OK_200_POSTS = ("/bulk", "/move", "/reschedule", "/request")


def test_openapi_document_validates_and_lists_every_status(db):
    from openapi_spec_validator import validate

    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert_documented(document, EXECUTION_PATHS, tag="execution", ok_posts=OK_200_POSTS)
    item_schema = document["components"]["schemas"]["ItemOut"]["properties"]
    for field in (
        "id",
        "goal_id",
        "department_id",
        "title",
        "description",
        "responsible_ids",
        "accountable_id",
        "consulted_ids",
        "informed_ids",
        "start",
        "due",
        "is_milestone",
        "done_standard",
        "deliverable",
        "priority",
        "status",
        "planned_quantity",
        "actual_quantity",
        "unit",
        "budget",
        "predecessor_ids",
        "phase",
        "phase_id",
        "version",
        "completion_rate",
        "is_overdue",
        "request_state",
        "requested_department_id",
        "measure_id",
    ):
        assert field in item_schema, field
