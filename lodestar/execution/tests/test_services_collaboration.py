"""Execution services: feeding the goal's measure, cross-department requests, comments with @mentions
and attachments."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.execution import services
from lodestar.execution.access import can_work_on_item, visible_items
from lodestar.execution.models import (
    Comment,
)
from lodestar.execution.tests.services_support import (
    JULY_10,
    D,
    fresh,
    inbox,
    make,
    nothing_written,
    responsible_ids,
    u,
)
from lodestar.goals.models import Measure
from lodestar.goals.services import goal_create
from lodestar.notifications.models import Notification

# --- feeding the goal's measure ----------------------------------------------------------------


@pytest.fixture
def notes_goal(world):
    """小红书品牌曝光 (parent) ← 小红书笔记 (60%, measure 笔记 50 篇) + 互动率 (40%, already met)."""
    parent = goal_create(actor=u(world.mkt_mgr), name="小红书品牌曝光", department=world.mkt, period=world.q3)
    notes = goal_create(
        actor=u(world.mkt_mgr),
        name="小红书笔记50篇",
        department=world.mkt,
        period=world.q3,
        parent=parent,
        weight="60",
        measures=[{"name": "笔记", "target": "50", "unit": "custom", "unit_label": "篇"}],
    )
    goal_create(
        actor=u(world.mkt_mgr),
        name="互动率",
        department=world.mkt,
        period=world.q3,
        parent=parent,
        weight="40",
        measures=[{"name": "互动率", "target": "3", "unit": "percent", "current": "3"}],
    )
    return parent, notes, notes.measures.get()


def test_actual_quantities_feed_the_measure_and_the_goal(world, notes_goal):
    parent, goal, measure = notes_goal
    first = make(
        world.mkt_mgr, "7月笔记", goal=goal, measure=measure, planned_quantity=20, responsible=[world.member]
    )
    make(world.mkt_mgr, "8月笔记", goal=goal, measure=measure, actual_quantity=5, responsible=[world.member])
    measure.refresh_from_db()
    assert measure.current == 5
    services.item_update(actor=u(world.member), item=first, version=first.version, actual_quantity="15")
    measure.refresh_from_db()
    goal.refresh_from_db()
    parent.refresh_from_db()
    assert measure.current == 20
    assert measure.achievement_rate == D("0.4")
    assert goal.achievement_rate == D("0.4")
    assert parent.achievement_rate == D("0.6") * D("0.4") + D("0.4") * 1  # 0.64


def test_cancelled_and_deleted_items_do_not_count(world, notes_goal):
    _parent, goal, measure = notes_goal
    kept = make(
        world.mkt_mgr, "笔记", goal=goal, measure=measure, actual_quantity=20, responsible=[world.member]
    )
    dropped = make(world.mkt_mgr, "取消的", goal=goal, measure=measure, actual_quantity=10)
    measure.refresh_from_db()
    assert measure.current == 30
    services.item_update(actor=u(world.member), item=kept, version=kept.version, status="done")
    services.item_move(actor=u(world.mkt_mgr), item=dropped, status="cancelled", version=dropped.version)
    measure.refresh_from_db()
    assert measure.current == 20
    services.item_delete(actor=u(world.mkt_mgr), item=kept)
    measure.refresh_from_db()
    goal.refresh_from_db()
    assert measure.current == 0
    assert goal.achievement_rate == 0


def test_bulk_cancel_feeds_the_measure(world, notes_goal):
    _parent, goal, measure = notes_goal
    items = [make(world.mkt_mgr, f"笔记{n}", goal=goal, measure=measure, actual_quantity=5) for n in range(3)]
    services.items_bulk_update(actor=u(world.mkt_mgr), items=items[:2], status="cancelled")
    measure.refresh_from_db()
    assert measure.current == 5


def test_moving_an_item_to_another_measure_recomputes_both(world, notes_goal):
    _parent, goal, measure = notes_goal
    other = Measure.objects.create(goal=goal, name="视频", target=D(10), unit="count")
    item = make(world.mkt_mgr, "笔记", goal=goal, measure=measure, actual_quantity=8)
    services.item_update(actor=u(world.mkt_mgr), item=item, version=item.version, measure=other)
    measure.refresh_from_db()
    other.refresh_from_db()
    assert (measure.current, other.current) == (0, 8)


# --- cross-department requests -----------------------------------------------------------------


@pytest.fixture
def poster_request(world, django_capture_on_commit_callbacks):
    """市场部 asks 设计部 for a poster (设计支持海报)."""
    with django_capture_on_commit_callbacks(execute=True):
        item = make(world.member, "设计支持海报", requested_department=world.design, due=JULY_10)
    return item


def test_request_waits_in_the_requested_queue(world, poster_request):
    item = fresh(poster_request)
    assert (item.request_state, item.requested_department_id) == ("pending", world.design.pk)
    assert responsible_ids(item) == {world.member.pk}  # the requester holds it until accepted
    assert [(n.verb, n.actor_id) for n in inbox(world.design_mgr)] == [("requested", world.member.pk)]
    assert visible_items(u(world.designer)).filter(pk=item.pk).exists()
    assert visible_items(u(world.design_mgr)).filter(pk=item.pk).exists()
    assert not visible_items(u(world.sales_member)).filter(pk=item.pk).exists()


def test_request_of_ones_own_department_is_no_request(world):
    item = make(world.member, requested_department=world.mkt)
    assert (item.request_state, item.requested_department_id) == ("", None)


def test_request_accepted_by_the_requested_manager_naming_an_r(
    world, poster_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        item = services.request_answer(
            actor=u(world.design_mgr), item=poster_request, accept=True, responsible=world.designer
        )
    item = fresh(item)
    assert item.request_state == "accepted"
    assert responsible_ids(item) == {world.designer.pk}
    assert item.accountable_id == world.member.pk
    assert [n.verb for n in inbox(world.designer)] == ["assigned"]
    assert [n.verb for n in inbox(world.member)] == ["request_answered"]
    assert can_work_on_item(u(world.designer), fresh(item))
    with pytest.raises(ConflictError) as exc:
        services.request_answer(actor=u(world.design_mgr), item=item, accept=False)
    assert exc.value.code == "request_answered"


def test_request_accept_needs_an_r_from_the_requested_department(world, poster_request):
    for responsible, code in ((world.member, "invalid"), (world.sales_member, "invalid"), (None, "required")):
        with nothing_written(), pytest.raises(ApplicationError) as exc:
            services.request_answer(
                actor=u(world.design_mgr), item=poster_request, accept=True, responsible=responsible
            )
        assert (exc.value.field, exc.value.code) == ("responsible_id", code)
    item = fresh(poster_request)
    assert (item.request_state, item.version) == ("pending", poster_request.version)
    assert responsible_ids(item) == {world.member.pk}


def test_request_accept_refuses_an_inactive_r(world):
    item = make(world.sales_member, "内容支持", requested_department=world.mkt)
    with nothing_written(), pytest.raises(ApplicationError) as exc:
        services.request_answer(actor=u(world.mkt_mgr), item=item, accept=True, responsible=world.former)
    assert exc.value.field == "responsible_id"
    assert fresh(item).request_state == "pending"


def test_request_r_may_come_from_a_sub_department(world):
    item = make(world.sales_member, "内容支持", requested_department=world.mkt)
    item = services.request_answer(
        actor=u(world.mkt_mgr), item=item, accept=True, responsible=world.content_member
    )
    assert responsible_ids(item) == {world.content_member.pk}


def test_request_declined_records_a_comment(world, poster_request, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        item = services.request_answer(
            actor=u(world.design_mgr),
            item=poster_request,
            accept=False,
            comment="  本周排期已满, 请下周再提  ",
        )
    assert fresh(item).request_state == "declined"
    comment = Comment.objects.get(item=item)
    assert (comment.author_id, comment.body) == (world.design_mgr.pk, "本周排期已满, 请下周再提")
    assert [n.verb for n in inbox(world.member)] == ["request_answered"]
    assert responsible_ids(item) == {world.member.pk}


@pytest.mark.parametrize("who", ["designer", "mkt_mgr", "member", "sales_mgr", "hr", "viewer"])
def test_request_answer_by_non_managers_is_refused(world, poster_request, who):
    with nothing_written(), pytest.raises(PermissionDeniedError):
        services.request_answer(
            actor=u(getattr(world, who)), item=poster_request, accept=True, responsible=world.designer
        )
    assert fresh(poster_request).request_state == "pending"


def test_request_answer_by_an_admin(world, poster_request):
    item = services.request_answer(
        actor=u(world.admin), item=poster_request, accept=True, responsible=world.designer
    )
    assert item.request_state == "accepted"


# --- comments and @mentions --------------------------------------------------------------------


def test_mentions_notify_on_commit_but_never_the_author(world, django_capture_on_commit_callbacks):
    # An item of 内容组, so both 陈静 (内容组) and 赵敏 (manager of 市场部 above it) can open it.
    item = make(world.content_member, "抖音短视频投放")
    body = "@linxiao 请帮忙看脚本，@赵敏 确认预算。@chenjing 自己记一下, @lizhi @nobody"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        comment = services.comment_add(actor=u(world.content_member), item=item, body=body)
    assert Notification.objects.count() == 0  # nothing before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert set(comment.mentions.values_list("pk", flat=True)) >= {world.content_member.pk, world.mkt_mgr.pk}
    assert world.former.pk not in set(comment.mentions.values_list("pk", flat=True))
    # 林晓 of 市场部 cannot see an item of 内容组 (items have no company-wide visibility): not notified.
    assert [p.pk for p in comment.not_notified] == [world.member.pk]
    notified = set(Notification.objects.filter(verb="mentioned").values_list("recipient_id", flat=True))
    assert notified == {world.mkt_mgr.pk}
    note = Notification.objects.get(recipient=world.mkt_mgr)
    assert note.actor_id == world.content_member.pk
    assert "陈静" in note.title and "抖音短视频投放" in note.title
    assert note.url == f"/execution/items/{item.pk}/"


def test_mentions_reach_only_people_who_can_see_the_item(world, django_capture_on_commit_callbacks):
    """The notification carries the item's title: 周杰 of 销售部 cannot see 市场部's item, so he is
    not notified, and the comment says so to its author."""
    item = make(world.member, "新品发布会预算")
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_add(actor=u(world.member), item=item, body="@zhoujie @zhaomin 请看")
    notified = set(Notification.objects.filter(verb="mentioned").values_list("recipient_id", flat=True))
    assert notified == {world.mkt_mgr.pk}
    assert [p.pk for p in comment.not_notified] == [world.sales_member.pk]
    assert list(comment.mentions.values_list("pk", flat=True)) == [world.mkt_mgr.pk]


def test_mentions_at_the_end_of_a_sentence(world, django_capture_on_commit_callbacks):
    item = make(world.member)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=u(world.member), item=item, body="Please check, @zhaomin.")
    assert [n.recipient_id for n in Notification.objects.all()] == [world.mkt_mgr.pk]


def test_comment_without_mentions_notifies_nobody(world, django_capture_on_commit_callbacks):
    item = make(world.member)
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_add(actor=u(world.member), item=item, body="  今日完成小红书笔记3篇  ")
    assert comment.body == "今日完成小红书笔记3篇"
    assert Notification.objects.count() == 0


def test_comment_bad_input_and_permission_write_nothing(world):
    item = make(world.member)
    with nothing_written():
        with pytest.raises(ApplicationError) as exc:
            services.comment_add(actor=u(world.member), item=item, body="   ")
        assert (exc.value.field, exc.value.code) == ("body", "required")
        with pytest.raises(ApplicationError) as exc:
            services.comment_add(actor=u(world.member), item=item, body="长" * 4001)
        assert exc.value.field == "body"
        with pytest.raises(PermissionDeniedError):
            services.comment_add(actor=u(world.sales_member), item=item, body="@linxiao hi")


# --- attachments -------------------------------------------------------------------------------


MB = 1024 * 1024


def test_attachment_allowed(world):
    item = make(world.member)
    content = b"PK\x03\x04 KOL data"
    upload = SimpleUploadedFile("KOL名单.xlsx", content, content_type="application/vnd.ms-excel")
    attachment = services.attachment_add(actor=u(world.member), item=item, upload=upload)
    assert (attachment.name, attachment.size, attachment.uploaded_by_id) == (
        "KOL名单.xlsx",
        len(content),
        world.member.pk,
    )
    assert attachment.content_type == "application/vnd.ms-excel"
    attachment.file.open("rb")
    assert attachment.file.read() == content
    exactly_ten = SimpleUploadedFile("brief.PDF", b"0" * (10 * MB), content_type="application/pdf")
    assert services.attachment_add(actor=u(world.member), item=item, upload=exactly_ten).size == 10 * MB


@pytest.mark.parametrize(
    ("name", "size", "code"),
    [
        ("setup.exe", 10, "file_type"),
        ("海报.pdf.exe", 10, "file_type"),
        ("README", 10, "file_type"),
        ("big.pdf", 10 * MB + 1, "file_too_large"),
    ],
)
def test_attachment_refused(world, name, size, code):
    item = make(world.member)
    upload = SimpleUploadedFile(name, b"0" * size)
    with nothing_written(), pytest.raises(ApplicationError) as exc:
        services.attachment_add(actor=u(world.member), item=item, upload=upload)
    assert (exc.value.code, exc.value.field) == (code, "file")


def test_attachment_without_a_size_is_refused_not_a_500(world):
    item = make(world.member)
    upload = UploadedFile(io.BytesIO(b"x"), name="brief.pdf", size=None)
    with nothing_written(), pytest.raises(ApplicationError) as exc:
        services.attachment_add(actor=u(world.member), item=item, upload=upload)
    assert (exc.value.code, exc.value.field) == ("file_unreadable", "file")


def test_attachment_needs_the_right_to_work_on_the_item(world):
    item = make(world.member)
    with nothing_written(), pytest.raises(PermissionDeniedError):
        services.attachment_add(actor=u(world.viewer), item=item, upload=SimpleUploadedFile("a.pdf", b"x"))
