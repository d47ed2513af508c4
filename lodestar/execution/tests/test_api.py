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
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lodestar.core.testing import assert_documented, err, ok
from lodestar.execution.models import ActionItem, Comment, Phase
from lodestar.execution.tests import api_support
from lodestar.execution.tests.api_support import JULY_1, JULY_10, JULY_20, fresh, letters
from lodestar.goals.models import Measure

# The API tests' default item (a fixture), bound as a plain name (pytest finds fixtures by name).
item = api_support.item


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
    "/api/v1/phases/{phase_id}": {"patch"},
    "/api/v1/phases/{phase_id}/move": {"post"},
}
OK_200_POSTS = ("/bulk", "/move", "/reschedule", "/request")


def test_openapi_document_validates_and_lists_every_status(openapi_document):
    # Served with status 200 and validated once per session (lodestar/conftest.py `openapi_document`).
    document = openapi_document
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
