"""The execution API on bad input: refused clearly (the error shape, the field), nothing written."""

from __future__ import annotations

from lodestar.core.testing import err, ok
from lodestar.execution.models import ActionItem
from lodestar.execution.tests import api_support
from lodestar.execution.tests.api_support import JULY_1, JULY_10, fresh, letters
from lodestar.notifications.models import Notification

# The API tests' default item (a fixture), bound as a plain name (pytest finds fixtures by name).
item = api_support.item

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
