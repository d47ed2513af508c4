"""Execution pages: the task table (inline and bulk edit), my work, the RACI matrix, item create,
edit and detail (status, RACI, comments, files, dependencies, cross-department requests), the
inbox with the navbar's unread count, and query counts that do not grow with the items.

Fixtures come from execution/tests/conftest.py: a default item belongs to 市场部, R = 陈静
(`responsible`), A = 李雷 (`accountable`), planned by `mkt_manager`; `member` (林晓) and `viewer`
(访客) read it, `sales_member` (周杰) and `sales_manager` (王强) do not see it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lodestar.execution import services
from lodestar.execution.models import (
    ActionItem,
    Attachment,
    Comment,
    Dependency,
    ItemStatus,
    Phase,
    RaciAssignment,
    RequestState,
)
from lodestar.notifications.models import Notification

HX = {"HX-Request": "true"}
START, DUE = dt.date(2026, 3, 2), dt.date(2026, 3, 20)


@pytest.fixture
def english(client_for):
    """A client in English (the language cookie), so messages can be compared with the services' text."""

    def make(role: str):
        client = client_for(role)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def item(make_item):
    return make_item("小红书种草笔记发布", start=START, due=DUE, deliverable="笔记链接")


def url(name: str, *args, **query) -> str:
    base = reverse(name, args=args)
    if query:
        base += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return base


def html(response) -> str:
    return response.content.decode("utf-8")


def state(item: ActionItem) -> tuple:
    """What a refused write must leave untouched."""
    fresh = ActionItem.objects.get(pk=item.pk)
    return (
        fresh.title,
        fresh.start,
        fresh.due,
        fresh.status,
        fresh.version,
        sorted(RaciAssignment.objects.filter(item=fresh).values_list("role", "person_id", "department_id")),
    )


def responsible_ids(item: ActionItem) -> set[int]:
    return set(RaciAssignment.objects.filter(item=item, role="R").values_list("person_id", flat=True))


def row_data(item: ActionItem, **changes) -> dict:
    data = {
        "title": item.title,
        "start": item.start.isoformat() if item.start else "",
        "due": item.due.isoformat() if item.due else "",
        "deliverable": item.deliverable,
        "priority": item.priority,
        "status": item.status,
        "people_needed": item.people_needed,
        "budget": "" if item.budget is None else str(item.budget),
        "version": item.version,
    }
    data.update(changes)
    return data


def edit_data(item: ActionItem, **changes) -> dict:
    """The full item form (editing) as the page posts it."""
    data = {
        "title": item.title,
        "goal": item.goal_id or "",
        "measure": item.measure_id or "",
        "phase": item.phase_id or "",
        "description": item.description,
        "start": item.start.isoformat() if item.start else "",
        "due": item.due.isoformat() if item.due else "",
        "priority": item.priority,
        "done_standard": item.done_standard,
        "deliverable": item.deliverable,
        "planned_quantity": "" if item.planned_quantity is None else str(item.planned_quantity),
        "actual_quantity": "" if item.actual_quantity is None else str(item.actual_quantity),
        "unit": item.unit,
        "budget": "" if item.budget is None else str(item.budget),
        "people_needed": item.people_needed,
        "materials": item.materials,
        "version": item.version,
    }
    data.update(changes)
    return data


# --- opening the pages ---------------------------------------------------------------------


def test_every_page_opens_for_a_member_of_the_department(org, item, client_for):
    client = client_for("member")
    pages = [
        url("execution:table", department=org.mkt.pk),
        url("execution:raci", department=org.mkt.pk),
        url("execution:mine"),
        url("execution:create"),
        url("execution:detail", item.pk),
        url("execution:row", item.pk),
        url("notifications:inbox"),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
    assert item.title in html(client.get(pages[0]))
    assert item.title in html(client.get(pages[1]))
    assert item.title in html(client.get(pages[4]))


def test_my_work_lists_items_where_i_am_r_or_a(org, make_item, client_for):
    today = timezone.localdate()
    make_item("逾期的笔记", start=dt.date(2020, 1, 1), due=dt.date(2020, 1, 10))
    make_item("本周的笔记", start=today, due=today)
    make_item("卡住的笔记", status=ItemStatus.BLOCKED)
    make_item("不是我的", responsible=[org.member], accountable=org.mkt_manager)
    page = html(client_for("responsible").get(url("execution:mine")))
    assert "逾期的笔记" in page and "本周的笔记" in page and "卡住的笔记" in page
    assert "不是我的" not in page
    assert "不是我的" in html(client_for("member").get(url("execution:mine")))


def test_table_without_a_scope_asks_for_one(org, item, client_for):
    client = client_for("member")
    assert item.title in html(client.get(url("execution:table")))  # defaults to my department
    everything = client.get(url("execution:table") + "?department=&goal=")
    assert everything.status_code == 200 and item.title not in html(everything)


def test_anonymous_is_sent_to_login(org, item):
    client = Client()
    gets = [
        url("execution:table"),
        url("execution:mine"),
        url("execution:raci"),
        url("execution:create"),
        url("execution:detail", item.pk),
        url("execution:edit", item.pk),
        url("execution:row", item.pk) + "?edit=1",
        url("notifications:inbox"),
    ]
    for page in gets:
        response = client.get(page)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], page
    before = state(item)
    posts = {
        url("execution:row", item.pk): row_data(item, title="匿名修改"),
        url("execution:bulk"): {"items": [item.pk], "status": "doing"},
        url("execution:status", item.pk): {"status": "done", "version": item.version},
        url("execution:comment", item.pk): {"body": "匿名评论"},
        url("execution:dependency", item.pk): {"predecessor": item.pk},
        url("execution:request", item.pk): {"accept": "1"},
        url("notifications:read"): {},
    }
    for page, data in posts.items():
        response = client.post(page, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], page
    assert state(item) == before
    assert not Comment.objects.exists()


# --- who may see and change ----------------------------------------------------------------


def test_another_department_does_not_see_the_item(org, item, client_for):
    client = client_for("sales_member")
    assert client.get(url("execution:detail", item.pk)).status_code == 404
    assert client.get(url("execution:edit", item.pk)).status_code == 404
    assert client.get(url("execution:row", item.pk) + "?edit=1").status_code == 404
    before = state(item)
    assert client.post(url("execution:row", item.pk), row_data(item, title="改")).status_code == 404
    assert client.post(url("execution:status", item.pk), {"status": "doing"}).status_code == 404
    assert client.post(url("execution:comment", item.pk), {"body": "看不见"}).status_code == 404
    assert state(item) == before and not Comment.objects.exists()
    table = html(client.get(url("execution:table", department=org.mkt.pk)))
    assert item.title not in table
    assert item.title not in html(client.get(url("execution:raci", department=org.mkt.pk)))


@pytest.mark.parametrize("role", ["member", "sales_member"])
def test_a_reader_without_rights_cannot_edit(org, make_item, client_for, role):
    """The member reads their department's item; the sales member reads it as I (informed)."""
    item = make_item(start=START, due=DUE, informed=[org.sales_member])
    client = client_for(role)
    assert client.get(url("execution:detail", item.pk)).status_code == 200
    before = state(item)
    assert client.get(url("execution:edit", item.pk)).status_code == 403
    assert client.post(url("execution:edit", item.pk), edit_data(item, title="改名")).status_code == 403
    assert client.get(url("execution:row", item.pk) + "?edit=1").status_code == 403
    response = client.post(url("execution:row", item.pk), row_data(item, title="改名"), headers=HX)
    assert response.status_code == 403
    status = client.post(url("execution:status", item.pk), {"status": "doing", "version": item.version})
    assert status.status_code == 403
    assert client.post(url("execution:dependency", item.pk), {"predecessor": item.pk}).status_code == 403
    assert state(item) == before
    page = html(client.get(url("execution:detail", item.pk)))
    assert 'data-testid="status-form"' not in page and 'data-testid="raci-form"' not in page
    assert url("execution:edit", item.pk) not in page


def test_viewer_cannot_create_or_change(org, item, english):
    client = english("viewer")
    assert client.get(url("execution:create")).status_code == 403
    created = client.post(
        url("execution:create"),
        {"title": "访客的任务", "department": org.mkt.pk, "priority": "P1"},
    )
    assert created.status_code == 403
    assert not ActionItem.objects.filter(title="访客的任务").exists()
    before = state(item)
    assert client.get(url("execution:edit", item.pk)).status_code == 403
    assert client.get(url("execution:row", item.pk) + "?edit=1").status_code == 403
    assert client.post(url("execution:status", item.pk), {"status": "doing"}).status_code == 403
    upload = SimpleUploadedFile("brief.pdf", b"%PDF-1.4", content_type="application/pdf")
    assert client.post(url("execution:attachment", item.pk), {"file": upload}).status_code == 403
    bulk = client.post(
        url("execution:bulk"), {"items": [item.pk], "status": "doing"}, follow=True
    )  # refused by the service, with a message
    assert "Nothing was changed" in html(bulk)
    comment = client.post(url("execution:comment", item.pk), {"body": "看看"}, follow=True)
    assert "You may not comment on this item." in html(comment)
    assert state(item) == before
    assert not Comment.objects.exists() and not Attachment.objects.exists()
    page = html(client.get(url("execution:table", department=org.mkt.pk)))
    assert url("execution:create") not in page
    assert url("execution:row", item.pk) + "?edit=1" not in page


@pytest.mark.parametrize("role", ["accountable", "mkt_manager"])
def test_the_a_and_the_department_manager_can_edit(org, item, client_for, role):
    client = client_for(role)
    assert client.get(url("execution:edit", item.pk)).status_code == 200
    table = html(client.get(url("execution:table", department=org.mkt.pk)))
    assert url("execution:row", item.pk) + "?edit=1" in table
    response = client.post(
        url("execution:edit", item.pk),
        edit_data(item, title="小红书笔记 第二批", due="2026-03-27", budget="8000"),
    )
    assert response.status_code == 302
    assert response["Location"] == url("execution:detail", item.pk)
    item.refresh_from_db()
    assert (item.title, item.due, item.budget, item.version) == (
        "小红书笔记 第二批",
        dt.date(2026, 3, 27),
        8000,
        2,
    )
    detail = html(client.get(url("execution:detail", item.pk)))
    assert "小红书笔记 第二批" in detail and 'data-testid="raci-form"' in detail


def test_edit_page_shows_rule_errors_on_the_field(org, item, english):
    client = english("accountable")
    before = state(item)
    response = client.post(url("execution:edit", item.pk), edit_data(item, due="2026-03-01"))
    assert response.status_code == 200
    assert "The due date is before the start date." in html(response)
    assert state(item) == before


def test_member_creates_an_item_in_their_department(org, client_for):
    client = client_for("member")
    form = html(client.get(url("execution:create", department=org.mkt.pk)))
    assert 'name="title"' in form and 'name="responsible"' in form
    response = client.post(
        url("execution:create"),
        {
            "title": "抖音直播脚本",
            "department": org.mkt.pk,
            "priority": "P0",
            "start": "2026-04-01",
            "due": "2026-04-10",
            "responsible": [org.member.pk, org.responsible.pk],
            "accountable": org.accountable.pk,
            "informed": [org.viewer.pk],
        },
    )
    created = ActionItem.objects.get(title="抖音直播脚本")
    assert response.status_code == 302 and response["Location"] == url("execution:detail", created.pk)
    assert (created.department, created.priority, created.due) == (org.mkt, "P0", dt.date(2026, 4, 10))
    assert responsible_ids(created) == {org.member.pk, org.responsible.pk}
    assert created.accountable == org.accountable
    assert created.created_by == org.member


def test_create_refuses_a_department_one_may_not_plan_in(org, english):
    response = english("member").post(
        url("execution:create"),
        {"title": "越权任务", "department": org.sales.pk, "priority": "P1"},
    )
    assert response.status_code == 200
    assert "You can plan items in your own department" in html(response)
    assert not ActionItem.objects.filter(title="越权任务").exists()


# --- inline row edit ------------------------------------------------------------------------


def test_inline_row_edit_opens_and_saves(org, item, client_for):
    client = client_for("accountable")
    form = client.get(url("execution:row", item.pk) + "?edit=1", headers=HX)
    assert form.status_code == 200
    body = html(form)
    assert f'hx-post="{url("execution:row", item.pk)}"' in body and "<html" not in body
    assert f'value="{item.version}"' in body and 'value="2026-03-02"' in body
    response = client.post(
        url("execution:row", item.pk),
        row_data(item, title="小红书笔记(改)", due="2026-03-25", priority="P0", budget="1200"),
        headers=HX,
    )
    assert response.status_code == 200
    row = html(response)
    assert f'id="item-row-{item.pk}"' in row and "小红书笔记(改)" in row and "hx-post" not in row
    assert "03-25" in row and "P0" in row
    item.refresh_from_db()
    assert (item.title, item.due, item.priority, item.budget) == (
        "小红书笔记(改)",
        dt.date(2026, 3, 25),
        "P0",
        1200,
    )
    assert item.version == 2


def test_inline_row_edit_due_before_start_shows_the_field_error_and_writes_nothing(org, item, english):
    before = state(item)
    response = english("accountable").post(
        url("execution:row", item.pk), row_data(item, title="不会保存", due="2026-03-01"), headers=HX
    )
    assert response.status_code == 200
    body = html(response)
    assert 'data-field-error="due"' in body
    assert "The due date is before the start date." in body
    assert 'value="不会保存"' in body  # the typed values stay in the form
    assert state(item) == before


def test_inline_row_edit_with_a_stale_version_shows_the_conflict(org, item, client_for):
    services.item_update(actor=org.user("mkt_manager"), item=item, version=item.version, deliverable="新链接")
    item.refresh_from_db()
    before = state(item)
    client = client_for("accountable")  # the page is in Chinese by default
    response = client.post(
        url("execution:row", item.pk),
        row_data(item, title="过期的修改", version=item.version - 1),
        headers=HX,
    )
    assert response.status_code == 200
    assert "该记录已被他人修改" in html(response)
    assert state(item) == before
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    again = client.post(
        url("execution:row", item.pk),
        row_data(item, title="过期的修改", version=item.version - 1),
        headers=HX,
    )
    assert "This record was changed by someone else." in html(again)
    assert state(item) == before


def test_inline_row_edit_with_a_missing_title_writes_nothing(org, item, client_for):
    before = state(item)
    response = client_for("accountable").post(
        url("execution:row", item.pk), row_data(item, title=""), headers=HX
    )
    assert response.status_code == 200
    assert 'data-field-error="title"' in html(response)
    assert state(item) == before


# --- bulk edit --------------------------------------------------------------------------------


def test_bulk_edit_changes_r_due_and_status_of_the_ticked_rows(org, make_item, english):
    a = make_item("批量一", start=START, due=DUE)
    b = make_item("批量二", start=START, due=DUE)
    untouched = make_item("没勾选", start=START, due=DUE)
    back = url("execution:table", department=org.mkt.pk)
    response = english("mkt_manager").post(
        url("execution:bulk"),
        {
            "items": [a.pk, b.pk],
            "responsible": org.member.pk,
            "due": "2026-04-30",
            "status": "doing",
            "next": back,
        },
    )
    assert response.status_code == 302 and response["Location"] == back
    for ticked in (a, b):
        ticked.refresh_from_db()
        assert (ticked.due, ticked.status, ticked.version) == (dt.date(2026, 4, 30), ItemStatus.DOING, 2)
        assert responsible_ids(ticked) == {org.member.pk}
    untouched.refresh_from_db()
    assert (untouched.due, untouched.status) == (DUE, ItemStatus.TODO)
    assert responsible_ids(untouched) == {org.responsible.pk}
    page = html(english("mkt_manager").get(back))
    assert page.count("林晓") >= 2


def test_bulk_edit_shows_the_success_message(org, make_item, english):
    a = make_item("批量一", start=START, due=DUE)
    response = english("mkt_manager").post(
        url("execution:bulk"), {"items": [a.pk], "status": "doing"}, follow=True
    )
    assert "1 items were updated." in html(response)


def test_bulk_edit_is_all_or_nothing(org, make_item, english):
    """The last row (same due date, highest id: changed last) starts after the new due date."""
    due = dt.date(2026, 5, 20)
    a = make_item("批量一", start=dt.date(2026, 3, 1), due=due)
    b = make_item("批量二", start=dt.date(2026, 3, 1), due=due)
    late = make_item("五月才开始", start=dt.date(2026, 5, 1), due=due)
    before = [state(x) for x in (a, b, late)]
    response = english("mkt_manager").post(
        url("execution:bulk"),
        {
            "items": [a.pk, b.pk, late.pk],
            "responsible": org.member.pk,
            "due": "2026-04-15",
            "status": "doing",
            "next": url("execution:table", department=org.mkt.pk),
        },
        follow=True,
    )
    assert response.status_code == 200
    page = html(response)
    assert "Nothing was changed: The due date is before the start date." in page
    assert [state(x) for x in (a, b, late)] == before


def test_bulk_edit_with_a_row_the_user_may_not_change_changes_nothing(org, make_item, english):
    mine = make_item("李雷的任务", start=START, due=DUE)
    other = make_item("赵敏的任务", start=START, due=DUE, accountable=org.mkt_manager)
    before = [state(mine), state(other)]
    response = english("accountable").post(
        url("execution:bulk"), {"items": [mine.pk, other.pk], "due": "2026-04-30"}, follow=True
    )
    assert "Nothing was changed" in html(response)
    assert [state(mine), state(other)] == before


def test_bulk_edit_needs_ticked_rows_and_a_change(org, item, english):
    client = english("mkt_manager")
    before = state(item)
    assert "Tick the rows to change first." in html(
        client.post(url("execution:bulk"), {"status": "doing"}, follow=True)
    )
    assert "Choose what to change." in html(
        client.post(url("execution:bulk"), {"items": [item.pk]}, follow=True)
    )
    assert client.get(url("execution:bulk")).status_code == 405
    assert state(item) == before


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example/"])
def test_bulk_edit_goes_back_only_to_this_site(org, item, client_for, target):
    response = client_for("mkt_manager").post(
        url("execution:bulk"), {"items": [item.pk], "status": "doing", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == url("execution:table")
    assert ActionItem.objects.get(pk=item.pk).status == ItemStatus.DOING


def test_bulk_edit_ignores_items_the_user_cannot_see(org, item, english):
    before = state(item)
    response = english("sales_manager").post(
        url("execution:bulk"), {"items": [item.pk], "status": "doing"}, follow=True
    )
    assert "Tick the rows to change first." in html(response)
    assert state(item) == before


# --- status, quantity and RACI on the detail page ---------------------------------------------


def test_responsible_reports_status_and_actual_quantity(org, make_item, client_for):
    item = make_item(start=START, due=DUE, planned_quantity=10, unit="篇")
    client = client_for("responsible")
    response = client.post(
        url("execution:status", item.pk), {"status": "doing", "actual_quantity": "4", "version": item.version}
    )
    assert response.status_code == 302 and response["Location"] == url("execution:detail", item.pk)
    item.refresh_from_db()
    assert (item.status, item.actual_quantity) == (ItemStatus.DOING, 4)
    assert "4/10" in html(client.get(url("execution:detail", item.pk))).replace(" ", "")


def test_done_with_an_open_predecessor_is_refused_unless_a_reason_is_given(org, make_item, english):
    first = make_item("KOL筛选", start=START, due=DUE)
    second = make_item("KOL签约", start=START, due=DUE, predecessors=[first])
    client = english("responsible")
    response = client.post(
        url("execution:status", second.pk), {"status": "done", "version": second.version}, follow=True
    )
    assert "“KOL筛选” must be finished first." in html(response)
    second.refresh_from_db()
    assert (second.status, second.version, second.completed_at) == (ItemStatus.TODO, 1, None)
    response = client.post(
        url("execution:status", second.pk),
        {"status": "done", "version": second.version, "override_reason": "客户已口头确认"},
        follow=True,
    )
    assert "The item was updated." in html(response)
    second.refresh_from_db()
    assert second.status == ItemStatus.DONE and second.done_override_reason == "客户已口头确认"


def test_status_with_a_stale_version_is_refused(org, item, english):
    services.item_update(actor=org.user("mkt_manager"), item=item, version=item.version, deliverable="新链接")
    item.refresh_from_db()
    before = state(item)
    response = english("responsible").post(
        url("execution:status", item.pk), {"status": "doing", "version": item.version - 1}, follow=True
    )
    assert "This record was changed by someone else." in html(response)
    assert state(item) == before


def test_raci_form_refuses_no_r_and_saves_a_valid_raci(
    org, item, english, django_capture_on_commit_callbacks
):
    client = english("accountable")
    before = state(item)
    response = client.post(
        url("execution:status", item.pk),
        {"form": "raci", "accountable": org.accountable.pk, "version": item.version},
        follow=True,
    )
    assert response.status_code == 200
    assert "This field is required." in html(response)
    assert state(item) == before
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("execution:status", item.pk),
            {
                "form": "raci",
                "responsible": [org.member.pk, org.responsible.pk],
                "accountable": org.mkt_manager.pk,
                "consulted": [org.sales_member.pk],
                "informed": [org.viewer.pk],
                "version": item.version,
            },
            follow=True,
        )
    assert "RACI saved." in html(response)
    item.refresh_from_db()
    assert item.accountable == org.mkt_manager and item.version == 2
    assert responsible_ids(item) == {org.member.pk, org.responsible.pk}
    assert set(RaciAssignment.objects.filter(item=item).values_list("role", "person_id")) == {
        ("R", org.member.pk),
        ("R", org.responsible.pk),
        ("A", org.mkt_manager.pk),
        ("C", org.sales_member.pk),
        ("I", org.viewer.pk),
    }
    raci = html(response).split('data-testid="raci"', 1)[1].split("</dl>", 1)[0]
    assert "林晓" in raci and "赵敏" in raci and "周杰" in raci and "访客" in raci
    assert Notification.objects.filter(recipient=org.member, verb="assigned").count() == 1


def test_responsible_cannot_change_the_raci(org, item, client_for):
    before = state(item)
    response = client_for("responsible").post(
        url("execution:status", item.pk),
        {
            "form": "raci",
            "responsible": [org.responsible.pk],
            "accountable": org.responsible.pk,
            "version": item.version,
        },
    )
    assert response.status_code == 302
    assert state(item) == before


# --- comments, mentions and the inbox ---------------------------------------------------------


def test_mention_notifies_and_the_inbox_shows_it_until_read(
    org, item, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("accountable").post(
            url("execution:comment", item.pk), {"body": "请 @member 明天前看一下封面"}
        )
    assert response.status_code == 302
    assert response["Location"] == url("execution:detail", item.pk) + "#comments"
    comment = Comment.objects.get(item=item)
    assert list(comment.mentions.all()) == [org.member]
    notification = Notification.objects.get(recipient=org.member)
    assert notification.verb == "mentioned" and notification.actor == org.accountable
    assert notification.url == url("execution:detail", item.pk) and notification.read_at is None
    assert not Notification.objects.exclude(recipient=org.member).exists()

    client = client_for("member")
    detail = html(client.get(url("execution:detail", item.pk)))
    assert "请 @member 明天前看一下封面" in detail
    inbox = html(client.get(url("notifications:inbox")))
    assert notification.title in inbox and item.title in notification.title
    assert 'data-testid="unread-count">1<' in inbox
    assert 'data-testid="unread-count">1<' in html(client.get(url("execution:mine")))
    assert 'data-testid="unread-count"' not in html(client_for("accountable").get(url("notifications:inbox")))

    response = client.post(
        url("notifications:read"), {"id": notification.pk, "next": url("notifications:inbox")}
    )
    assert response.status_code == 302 and response["Location"] == url("notifications:inbox")
    notification.refresh_from_db()
    assert notification.read_at is not None
    inbox = html(client.get(url("notifications:inbox")))
    assert 'data-testid="unread-count"' not in inbox and notification.title in inbox


def test_mark_all_read_only_touches_my_notifications(org, item, client_for):
    Notification.objects.create(recipient=org.member, verb="mentioned", title="一")
    Notification.objects.create(recipient=org.member, verb="mentioned", title="二")
    theirs = Notification.objects.create(recipient=org.viewer, verb="mentioned", title="三")
    client = client_for("member")
    assert 'data-testid="unread-count">2<' in html(client.get(url("notifications:inbox")))
    response = client.post(url("notifications:read"), {"id": theirs.pk, "next": "//evil.example/"})
    assert response["Location"] == url("notifications:inbox")
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post(url("notifications:read"))
    assert not Notification.objects.filter(recipient=org.member, read_at__isnull=True).exists()
    assert 'data-testid="unread-count"' not in html(client.get(url("notifications:inbox")))
    assert 'data-testid="unread-count">1<' in html(client_for("viewer").get(url("notifications:inbox")))


def test_empty_comment_is_refused(org, item, english):
    response = english("member").post(url("execution:comment", item.pk), {"body": "   "}, follow=True)
    assert "Write a comment." in html(response)
    assert not Comment.objects.exists()


# --- attachments --------------------------------------------------------------------------------


def test_attachment_refuses_an_exe_and_a_large_file_and_accepts_a_pdf(org, item, english):
    client = english("responsible")
    exe = SimpleUploadedFile("setup.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = client.post(url("execution:attachment", item.pk), {"file": exe}, follow=True)
    assert "Files of type “.exe” are not accepted." in html(response)
    big = SimpleUploadedFile("big.pdf", b"0" * (10 * 1024 * 1024 + 1), content_type="application/pdf")
    response = client.post(url("execution:attachment", item.pk), {"file": big}, follow=True)
    assert "A file can be at most 10 MB." in html(response)
    assert not Attachment.objects.exists()
    response = client.post(url("execution:attachment", item.pk), {}, follow=True)
    assert "Choose a file." in html(response)

    pdf = SimpleUploadedFile("投放方案.pdf", b"%PDF-1.4 small", content_type="application/pdf")
    response = client.post(url("execution:attachment", item.pk), {"file": pdf})
    assert response.status_code == 302
    assert response["Location"] == url("execution:detail", item.pk) + "#files"
    attachment = Attachment.objects.get()
    assert (attachment.item, attachment.name, attachment.size) == (item, "投放方案.pdf", 14)
    assert attachment.uploaded_by == org.responsible
    assert "投放方案.pdf" in html(client.get(url("execution:detail", item.pk)))


def test_attachment_download_for_readers_only(org, item, client_for):
    upload = SimpleUploadedFile("brief.pdf", b"%PDF-1.4 brief", content_type="application/pdf")
    attachment = services.attachment_add(actor=org.user("responsible"), item=item, upload=upload)
    download = url("execution:attachment_download", attachment.pk)
    response = client_for("viewer").get(download)
    assert response.status_code == 200
    # Reading the stream to its end closes the file (the test client's wrapper): no response.close(),
    # which would send request_finished and close the test's database connection on PostgreSQL.
    assert b"".join(response.streaming_content) == b"%PDF-1.4 brief"
    assert "attachment" in response["Content-Disposition"] and "brief.pdf" in response["Content-Disposition"]
    assert client_for("sales_member").get(download).status_code == 404
    assert (
        client_for("viewer").get(url("execution:attachment_download", attachment.pk + 1000)).status_code
        == 404
    )
    anonymous = Client().get(download)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


# --- dependencies ---------------------------------------------------------------------------------


def test_dependency_add_and_cycle_refused(org, make_item, english):
    first = make_item("KOL筛选", start=START, due=DUE)
    second = make_item("KOL签约", start=START, due=DUE, predecessors=[first])
    third = make_item("内容共创", start=START, due=DUE)
    client = english("accountable")
    detail = html(client.get(url("execution:detail", first.pk)))
    assert 'data-testid="dependency-form"' in detail
    response = client.post(url("execution:dependency", first.pk), {"predecessor": second.pk}, follow=True)
    assert "this would make a loop" in html(response)
    assert list(Dependency.objects.values_list("predecessor_id", "successor_id")) == [(first.pk, second.pk)]

    response = client.post(url("execution:dependency", third.pk), {"predecessor": second.pk}, follow=True)
    assert "“内容共创” now waits for “KOL签约”." in html(response)
    assert Dependency.objects.filter(predecessor=second, successor=third).exists()
    response = client.post(url("execution:dependency", first.pk), {"predecessor": third.pk}, follow=True)
    assert "this would make a loop" in html(response)  # first → second → third → first
    assert Dependency.objects.count() == 2

    response = client.post(
        url("execution:dependency", third.pk), {"predecessor": second.pk, "remove": "1"}, follow=True
    )
    assert "The dependency was removed." in html(response)
    assert Dependency.objects.count() == 1
    response = client.post(url("execution:dependency", third.pk), {}, follow=True)
    assert "Choose the item this one waits for." in html(response)


def test_dependency_on_an_item_one_cannot_see_is_refused(org, make_item, english):
    mine = make_item("市场部任务", start=START, due=DUE)
    hidden = services.item_create(
        actor=org.user("sales_manager"),
        department=org.sales,
        title="销售部任务",
        responsible=[org.sales_member],
    )
    client = english("accountable")
    response = client.post(url("execution:dependency", mine.pk), {"predecessor": hidden.pk}, follow=True)
    assert "Action item not found." in html(response) and "销售部任务" not in html(response)
    missing = client.post(
        url("execution:dependency", mine.pk), {"predecessor": hidden.pk + 1000}, follow=True
    )
    assert "Action item not found." in html(missing)
    assert not Dependency.objects.exists()


# --- cross-department requests --------------------------------------------------------------------


@pytest.fixture
def request_item(make_item, org):
    return make_item("海报设计支持", start=START, due=DUE, requested_department=org.sales)


def test_request_accepted_by_the_requested_manager_naming_an_r(
    org, request_item, english, django_capture_on_commit_callbacks
):
    client = english("sales_manager")
    detail = html(client.get(url("execution:detail", request_item.pk)))
    assert 'data-testid="request-answer"' in detail and "周杰" in detail
    assert request_item.title in html(client.get(url("execution:mine")))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("execution:request", request_item.pk),
            {"accept": "1", "responsible": org.sales_member.pk},
            follow=True,
        )
    page = html(response)
    assert "Request accepted." in page
    request_item.refresh_from_db()
    assert request_item.request_state == RequestState.ACCEPTED
    assert responsible_ids(request_item) == {org.sales_member.pk}
    raci = page.split('data-testid="raci"', 1)[1].split("</dd>", 1)[0]
    assert "周杰" in raci and "陈静" not in raci
    assert 'data-testid="request-answer"' not in page
    assert Notification.objects.filter(recipient=org.sales_member, verb="assigned").exists()
    assert Notification.objects.filter(recipient=org.accountable, verb="request_answered").exists()


def test_request_to_a_sub_department_is_answered_by_the_parent_manager(org, english):
    """内容组 has no manager of its own: 赵敏 manages it as part of 市场部 (and the service lets her answer)."""
    asked = services.item_create(
        actor=org.user("sales_manager"),
        department=org.sales,
        title="内容共创支持",
        responsible=[org.sales_member],
        requested_department=org.content,
    )
    client = english("mkt_manager")
    detail = html(client.get(url("execution:detail", asked.pk)))
    assert 'data-testid="request-answer"' in detail and "陈静" in detail
    response = client.post(
        url("execution:request", asked.pk), {"accept": "1", "responsible": org.responsible.pk}, follow=True
    )
    assert "Request accepted." in html(response)
    asked.refresh_from_db()
    assert asked.request_state == RequestState.ACCEPTED
    assert responsible_ids(asked) == {org.responsible.pk}


def test_request_r_must_be_in_the_requested_department(org, request_item, english):
    before = state(request_item)
    response = english("sales_manager").post(
        url("execution:request", request_item.pk), {"accept": "1", "responsible": org.member.pk}, follow=True
    )
    assert "The R must belong to the requested department." in html(response)
    assert state(request_item) == before
    request_item.refresh_from_db()
    assert request_item.request_state == RequestState.PENDING


@pytest.mark.parametrize("role", ["sales_member", "mkt_manager", "accountable"])
def test_request_cannot_be_answered_by_others(org, request_item, english, role):
    before = state(request_item)
    client = english(role)
    assert 'data-testid="request-answer"' not in html(client.get(url("execution:detail", request_item.pk)))
    response = client.post(
        url("execution:request", request_item.pk),
        {"accept": "1", "responsible": org.sales_member.pk},
        follow=True,
    )
    assert "Only a manager of the requested department can answer this request." in html(response)
    request_item.refresh_from_db()
    assert request_item.request_state == RequestState.PENDING
    assert state(request_item) == before


def test_request_declined_with_a_reason(org, request_item, english):
    response = english("sales_manager").post(
        url("execution:request", request_item.pk), {"accept": "0", "comment": "本月排期已满"}, follow=True
    )
    assert "Request declined." in html(response)
    request_item.refresh_from_db()
    assert request_item.request_state == RequestState.DECLINED
    assert Comment.objects.get(item=request_item).body == "本月排期已满"


# --- query counts -------------------------------------------------------------------------------


def _plan(org, goal, phase, hub, start: int, count: int) -> None:
    """`count` more items of 市场部 and 内容组 with mixed RACI, goals, phases, states and dates,
    each waiting for `hub`, with a comment (mentioning someone) and now and then a file on `hub`."""
    manager = org.user("mkt_manager")
    today = timezone.localdate()
    for index in range(start, start + count):
        due = [dt.date(2020, 1, 10), today, today + dt.timedelta(days=30)][index % 3]
        services.item_create(
            actor=manager,
            department=org.content if index % 4 == 0 else org.mkt,
            title=f"任务 {index}",
            goal=goal if index % 2 else None,
            phase=phase if index % 3 and index % 4 else None,
            start=due - dt.timedelta(days=3),
            due=due,
            responsible=[org.responsible, org.member] if index % 2 else [org.responsible],
            accountable=org.accountable if index % 5 else org.mkt_manager,
            consulted=[org.content] if index % 4 == 0 else (),
            informed=[org.viewer],
            predecessors=[hub],
            requested_department=org.sales if index % 6 == 0 else None,
            is_milestone=index % 7 == 0,
            budget=1000 if index % 2 else None,
            planned_quantity=5 if index % 3 == 0 else None,
            status=[ItemStatus.TODO, ItemStatus.DOING, ItemStatus.BLOCKED][index % 3],
        )
        services.comment_add(actor=org.user("member"), item=hub, body=f"进展 {index} @responsible")
        if index % 5 == 0:
            upload = SimpleUploadedFile(f"file-{index}.pdf", b"%PDF", content_type="application/pdf")
            services.attachment_add(actor=manager, item=hub, upload=upload)


PAGES = {
    "table": ("member", lambda org, hub: url("execution:table", department=org.mkt.pk)),
    "raci": ("member", lambda org, hub: url("execution:raci", department=org.mkt.pk)),
    "mine": ("responsible", lambda org, hub: url("execution:mine")),
    "mine_requests": ("sales_manager", lambda org, hub: url("execution:mine")),
    "detail": ("mkt_manager", lambda org, hub: url("execution:detail", hub.pk)),
}
# Measured with CaptureQueriesContext (the same on SQLite and PostgreSQL): session, user, person
# and managed departments, the page's own reads, the navbar's unread count.
QUERY_BOUNDS = {"table": 13, "raci": 11, "mine": 9, "mine_requests": 9, "detail": 22}


def _count(client, page) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page_name", list(PAGES))
def test_query_count_does_not_grow_with_the_items(
    org, make_item, make_goal, client_for, django_assert_max_num_queries, page_name
):
    role, page_url = PAGES[page_name]
    goal = make_goal()
    phase = Phase.objects.create(department=org.mkt, name="预热期", sort_order=1)
    hub = make_item("枢纽任务", start=START, due=DUE, goal=goal, informed=[org.sales_manager])
    services.item_update(actor=org.user("mkt_manager"), item=hub, version=hub.version, deliverable="方案")
    _plan(org, goal, phase, hub, 0, 2)
    assert ActionItem.objects.count() == 3
    client = client_for(role)
    page = page_url(org, hub)
    client.get(page)  # warm the session
    with django_assert_max_num_queries(QUERY_BOUNDS[page_name]):
        few = _count(client, page)
    _plan(org, goal, phase, hub, 2, 37)
    assert ActionItem.objects.count() == 40
    with django_assert_max_num_queries(QUERY_BOUNDS[page_name]):
        many = _count(client, page)
    assert many == few, (page_name, few, many)
    body = html(client.get(page))
    if page_name in ("table", "raci"):
        assert "任务 38" in body
    if page_name == "detail":
        assert "进展 38 @responsible" in body and "file-35.pdf" in body


# --- one filter for pages and API ----------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["execution:table", "execution:raci", "execution:kanban", "execution:timeline"]
)
def test_plan_pages_and_the_api_list_the_same_items_of_a_scope(org, make_item, client_for, api, page):
    """The plan pages filter through ItemFilter, like GET /api/v1/items: a department with its
    sub-departments, a goal, cancelled items left out unless asked for."""
    upper = make_item("上级部门任务 A")
    lower = make_item("子部门任务 B", department=org.content, actor=org.mkt_manager)
    client, manager = client_for("mkt_manager"), api("mkt_manager")
    for department, expected in ((org.mkt, {upper, lower}), (org.content, {lower})):
        listed = {row["id"] for row in manager.get("/items", department_id=department.pk).json()["items"]}
        assert listed == {item.pk for item in expected}
        body = html(client.get(url(page, department=department.pk)))
        if page == "execution:timeline":  # the chart's rows come from its data feed
            body = client.get(url("execution:timeline_data", department=department.pk)).content.decode()
        for item in (upper, lower):
            assert (item.title in body) == (item in expected), (page, department.name, item.title)
