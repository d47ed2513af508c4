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
from django.test import Client
from django.utils import timezone

from lodestar.execution import services
from lodestar.execution.models import (
    ActionItem,
    Attachment,
    Comment,
    ItemStatus,
)
from lodestar.execution.tests import views_support
from lodestar.execution.tests.views_support import DUE, HX, START, html, responsible_ids, state, url

# The page tests' default item (a fixture), bound as a plain name (pytest finds fixtures by name).
item = views_support.item


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
