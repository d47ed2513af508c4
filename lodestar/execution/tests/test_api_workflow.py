"""The execution API at work: dependencies, feeding the goal, comments and mentions, cross-department
requests, bulk edits, phases and history."""

from __future__ import annotations

from decimal import Decimal

from lodestar.core.testing import err, ok
from lodestar.execution.models import ActionItem, Comment, Dependency, Phase
from lodestar.execution.tests import api_support
from lodestar.execution.tests.api_support import JULY_10, fresh, letters
from lodestar.goals.models import Goal, Measure
from lodestar.notifications.models import Notification

# The API tests' default item (a fixture), bound as a plain name (pytest finds fixtures by name).
item = api_support.item

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
