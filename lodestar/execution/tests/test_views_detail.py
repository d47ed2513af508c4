"""The execution pages, an item's detail: status, quantity and RACI, comments, mentions and the inbox,
attachments, dependencies and cross-department requests."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lodestar.execution import services
from lodestar.execution.models import (
    Attachment,
    Comment,
    Dependency,
    ItemStatus,
    RaciAssignment,
    RequestState,
)
from lodestar.execution.tests import views_support
from lodestar.execution.tests.views_support import DUE, START, html, responsible_ids, state, url
from lodestar.notifications.models import Notification

# The page tests' default item (a fixture), bound as a plain name (pytest finds fixtures by name).
item = views_support.item


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
