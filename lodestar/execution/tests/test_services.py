"""Execution services against the database: items with RACI, validation that writes nothing,
dependencies, the kanban, bulk edits, feeding the goal, cross-department requests, comments,
attachments, recurring items, the task worker and the access rules.

The organisation (`world`) is built by the execution conftest; the helpers are in
services_support.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.execution import services
from lodestar.execution.models import (
    ActionItem,
    Dependency,
    RequestState,
)
from lodestar.execution.tests.services_support import (
    JULY_1,
    JULY_10,
    D,
    fresh,
    inbox,
    make,
    nothing_written,
    raci_of,
    responsible_ids,
    u,
)
from lodestar.goals.services import goal_create
from lodestar.notifications.models import Notification
from lodestar.org.models import Department

# --- creating items --------------------------------------------------------------------------


def test_item_create_default_raci_is_the_creator(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        item = make(
            world.member,
            "小红书种草笔记",
            start=JULY_1,
            due=JULY_10,
            planned_quantity="20",
            unit="篇",
            done_standard="点赞≥500, 评论≥100",
            priority="P0",
        )
    item.refresh_from_db()
    assert raci_of(item) == {("R", world.member.pk, None), ("A", world.member.pk, None)}
    assert item.accountable_id == world.member.pk
    assert item.created_by_id == world.member.pk
    assert item.department_id == world.mkt.pk
    assert (item.status, item.priority, item.planned_quantity, item.unit) == ("todo", "P0", D(20), "篇")
    assert item.request_state == RequestState.NONE
    assert item.version == 1
    assert Notification.objects.count() == 0  # nobody to tell but oneself


def test_item_create_seed_raci_example_and_positions(world, django_capture_on_commit_callbacks):
    """小红书笔记发布 — 专员 R, 经理 A, 内容组 C, 市场部 I."""
    first = make(world.mkt_mgr, "预热海报")
    with django_capture_on_commit_callbacks(execute=True):
        item = make(
            world.mkt_mgr,
            responsible=[world.member, world.member],
            accountable=world.mkt_mgr,
            consulted=[world.content],
            informed=[world.mkt],
        )
    assert raci_of(item) == {
        ("R", world.member.pk, None),
        ("A", world.mkt_mgr.pk, None),
        ("C", None, world.content.pk),
        ("I", None, world.mkt.pk),
    }
    assert item.position > first.position
    assert [(n.verb, n.actor_id) for n in inbox(world.member)] == [("assigned", world.mkt_mgr.pk)]
    assert inbox(world.mkt_mgr) == []


def test_item_create_with_predecessors(world):
    screening = make(world.member, "KOL筛选")
    signing = make(world.member, "KOL签约", predecessors=[screening])
    assert Dependency.objects.filter(predecessor=screening, successor=signing).count() == 1


def test_item_create_due_before_start_writes_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, nothing_written():
        with pytest.raises(ApplicationError) as exc:
            make(world.mkt_mgr, start=JULY_10, due=JULY_1, responsible=[world.member])
    assert (exc.value.field, exc.value.code) == ("due", "due_before_start")
    assert callbacks == []


def test_item_create_inactive_person_as_r_writes_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, nothing_written():
        with pytest.raises(ApplicationError) as exc:
            make(world.mkt_mgr, responsible=[world.member, world.former])
    assert exc.value.field == "responsible_ids"
    assert "离职员工" in exc.value.message
    assert callbacks == []


def test_item_create_inactive_accountable_is_reported_on_the_a(world):
    with nothing_written(), pytest.raises(ApplicationError) as exc:
        make(world.mkt_mgr, responsible=[world.member], accountable=world.former)
    assert exc.value.field == "accountable_id"


def test_item_create_measure_of_another_goal_writes_nothing(world):
    goal = goal_create(
        actor=u(world.mkt_mgr),
        name="小红书品牌曝光",
        department=world.mkt,
        period=world.q3,
        measures=[{"name": "曝光量", "target": "2000000"}],
    )
    other = goal_create(actor=u(world.mkt_mgr), name="用户复购率提升", department=world.mkt, period=world.q3)
    measure = goal.measures.get()
    with nothing_written(), pytest.raises(ApplicationError) as exc:
        make(world.mkt_mgr, goal=other, measure=measure)
    assert exc.value.field == "measure_id"
    with nothing_written(), pytest.raises(ApplicationError) as exc:
        make(world.mkt_mgr, measure=measure)  # a measure without its goal
    assert exc.value.field == "measure_id"


@pytest.mark.parametrize("field", ["planned_quantity", "actual_quantity", "budget"])
def test_item_create_negative_numbers_write_nothing(world, field):
    with nothing_written(), pytest.raises(ApplicationError) as exc:
        make(world.member, **{field: "-1"})
    assert (exc.value.field, exc.value.code) == (field, "negative")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"priority": "P9"}, "priority"),
        ({"budget": "两千"}, "budget"),
        ({"status": "done"}, "status"),
        ({"status": "archived"}, "status"),
    ],
)
def test_item_create_other_bad_input_writes_nothing(world, fields, field):
    with nothing_written(), pytest.raises(ApplicationError) as exc:
        make(world.member, **fields)
    assert exc.value.field == field


def test_item_create_permission(world):
    with nothing_written():
        with pytest.raises(PermissionDeniedError) as exc:
            make(world.member, department=world.sales)
        assert exc.value.field == "department_id"
        with pytest.raises(PermissionDeniedError):
            make(world.viewer)
    # A manager plans in the subtree they manage.
    assert make(world.mkt_mgr, department=world.content).department_id == world.content.pk


# --- RACI --------------------------------------------------------------------------------------


def test_raci_set_missing_a_or_r_writes_nothing(world):
    item = make(world.mkt_mgr, responsible=[world.member])
    before = raci_of(item)
    with nothing_written(), pytest.raises(ApplicationError) as exc:
        services.raci_set(actor=u(world.mkt_mgr), item=item, responsible=[world.member], accountable=None)
    assert (exc.value.field, exc.value.code) == ("accountable_id", "no_accountable")
    with nothing_written(), pytest.raises(ApplicationError) as exc:
        services.raci_set(actor=u(world.mkt_mgr), item=item, responsible=[], accountable=world.mkt_mgr)
    assert (exc.value.field, exc.value.code) == ("responsible_ids", "no_responsible")
    with nothing_written(), pytest.raises(ApplicationError) as exc:
        services.raci_set(
            actor=u(world.mkt_mgr), item=item, responsible=[world.former], accountable=world.mkt_mgr
        )
    assert exc.value.field == "responsible_ids"
    assert raci_of(item) == before
    assert fresh(item).version == item.version


def test_raci_set_replaces_the_letters_and_notifies_new_rs(world, django_capture_on_commit_callbacks):
    item = make(world.mkt_mgr, responsible=[world.member])
    with django_capture_on_commit_callbacks(execute=True):
        services.raci_set(
            actor=u(world.mkt_mgr),
            item=item,
            responsible=[world.member, world.content_member],
            accountable=world.content_member,
            consulted=[world.design, world.designer],
            informed=[world.mkt],
            version=item.version,
        )
    item = fresh(item)
    assert item.accountable_id == world.content_member.pk
    assert raci_of(item) == {
        ("R", world.member.pk, None),
        ("R", world.content_member.pk, None),
        ("A", world.content_member.pk, None),
        ("C", None, world.design.pk),
        ("C", world.designer.pk, None),
        ("I", None, world.mkt.pk),
    }
    assert len(inbox(world.content_member, "assigned")) == 1
    assert inbox(world.member) == []  # R before and after: nothing new to tell


def test_raci_set_needs_a_manager_or_the_a_and_a_fresh_version(world):
    item = make(world.mkt_mgr, responsible=[world.member])
    with pytest.raises(PermissionDeniedError):
        services.raci_set(
            actor=u(world.member), item=item, responsible=[world.member], accountable=world.member
        )
    stale = item.version
    services.item_update(actor=u(world.mkt_mgr), item=item, version=stale, title="改期后的笔记")
    with nothing_written(), pytest.raises(ConflictError) as exc:
        services.raci_set(
            actor=u(world.mkt_mgr),
            item=item,
            responsible=[world.member],
            accountable=world.mkt_mgr,
            version=stale,
        )
    assert exc.value.code == "version_conflict"


# --- dependencies ------------------------------------------------------------------------------


def test_dependency_cycles_are_refused_and_write_nothing(world):
    screening = make(world.member, "KOL筛选")
    signing = make(world.member, "KOL签约", predecessors=[screening])
    tracking = make(world.member, "KOL跟踪", predecessors=[signing])
    for predecessor, successor in ((signing, screening), (tracking, screening), (tracking, tracking)):
        with nothing_written(), pytest.raises(ApplicationError) as exc:
            services.dependency_add(actor=u(world.member), predecessor=predecessor, successor=successor)
        assert (exc.value.code, exc.value.field) == ("cycle", "predecessor_ids")
    assert set(Dependency.objects.values_list("predecessor_id", "successor_id")) == {
        (screening.pk, signing.pk),
        (signing.pk, tracking.pk),
    }
    # A shortcut along the chain is fine, and adding it twice keeps one row.
    services.dependency_add(actor=u(world.member), predecessor=screening, successor=tracking)
    services.dependency_add(actor=u(world.member), predecessor=screening, successor=tracking)
    assert Dependency.objects.count() == 3
    services.dependency_remove(actor=u(world.member), predecessor=screening, successor=tracking)
    assert Dependency.objects.count() == 2


def test_dependency_needs_the_right_to_replan_the_successor(world):
    first = make(world.mkt_mgr, responsible=[world.member])
    second = make(world.mkt_mgr, responsible=[world.member])
    with nothing_written(), pytest.raises(PermissionDeniedError):
        services.dependency_add(actor=u(world.member), predecessor=first, successor=second)


# --- status and predecessors -------------------------------------------------------------------


def test_done_is_blocked_by_an_open_predecessor(world):
    screening = make(world.member, "KOL筛选")
    signing = make(world.member, "KOL签约", predecessors=[screening])
    with pytest.raises(ConflictError) as exc:
        services.item_update(actor=u(world.member), item=signing, version=signing.version, status="done")
    assert (exc.value.code, exc.value.field) == ("predecessor_open", "status")
    assert "KOL筛选" in exc.value.message
    signing = fresh(signing)
    assert (signing.status, signing.version, signing.completed_at) == ("todo", 1, None)
    with pytest.raises(ConflictError):
        services.item_update(
            actor=u(world.member), item=signing, version=signing.version, status="done", override_reason="  "
        )


def test_done_with_an_override_reason_is_stored(world):
    screening = make(world.member, "KOL筛选")
    signing = make(world.member, "KOL签约", predecessors=[screening])
    signing = services.item_update(
        actor=u(world.member),
        item=signing,
        version=signing.version,
        status="done",
        override_reason="  品牌方已直接指定KOL  ",
    )
    signing = fresh(signing)
    assert signing.status == "done"
    assert signing.done_override_reason == "品牌方已直接指定KOL"
    assert signing.completed_at is not None
    # Reopening clears the completion time.
    signing = services.item_update(
        actor=u(world.member), item=signing, version=signing.version, status="doing"
    )
    assert fresh(signing).completed_at is None


def test_done_after_the_predecessor_is_finished_or_cancelled(world):
    screening = make(world.member, "KOL筛选")
    briefing = make(world.member, "KOL brief")
    signing = make(world.member, "KOL签约", predecessors=[screening, briefing])
    services.item_update(actor=u(world.member), item=screening, version=1, status="done")
    services.item_update(actor=u(world.member), item=briefing, version=1, status="cancelled")
    signing = services.item_update(
        actor=u(world.member), item=signing, version=1, status="done", override_reason="不需要"
    )
    assert fresh(signing).status == "done"
    assert fresh(signing).done_override_reason == ""  # nothing was overridden


def test_kanban_move_to_done_respects_predecessors(world):
    screening = make(world.member, "KOL筛选")
    signing = make(world.member, "KOL签约", predecessors=[screening])
    with pytest.raises(ConflictError) as exc:
        services.item_move(actor=u(world.member), item=signing, status="done", version=signing.version)
    assert exc.value.code == "predecessor_open"
    moved = services.item_move(
        actor=u(world.member),
        item=signing,
        status="done",
        version=signing.version,
        override_reason="已口头确认",
    )
    assert (fresh(moved).status, fresh(moved).done_override_reason) == ("done", "已口头确认")


def test_r_reports_but_does_not_replan(world):
    item = make(world.mkt_mgr, responsible=[world.member], planned_quantity=7)
    item = services.item_update(actor=u(world.member), item=item, version=item.version, actual_quantity=5)
    assert fresh(item).actual_quantity == 5
    with pytest.raises(PermissionDeniedError):
        services.item_update(actor=u(world.member), item=item, version=item.version, title="改个名字")
    with pytest.raises(PermissionDeniedError):
        services.item_update(actor=u(world.viewer), item=item, version=item.version, status="doing")
    with pytest.raises(ConflictError):
        services.item_update(actor=u(world.mkt_mgr), item=item, version=item.version - 1, title="新名字")
    with pytest.raises(ApplicationError) as exc:
        services.item_update(
            actor=u(world.mkt_mgr), item=item, version=item.version, start=JULY_10, due=JULY_1
        )
    assert exc.value.code == "due_before_start"
    assert (fresh(item).start, fresh(item).due) == (None, None)


def test_reschedule(world):
    item = make(world.mkt_mgr, responsible=[world.member], start=JULY_1, due=JULY_10)
    with pytest.raises(PermissionDeniedError):
        services.item_reschedule(actor=u(world.member), item=item, start=JULY_1, due=JULY_10, version=1)
    with pytest.raises(ApplicationError):
        services.item_reschedule(actor=u(world.mkt_mgr), item=item, start=JULY_10, due=JULY_1, version=1)
    item = services.item_reschedule(
        actor=u(world.mkt_mgr), item=item, start=dt.date(2026, 7, 8), due=dt.date(2026, 7, 17), version=1
    )
    assert (fresh(item).start, fresh(item).due, fresh(item).version) == (
        dt.date(2026, 7, 8),
        dt.date(2026, 7, 17),
        2,
    )
    with pytest.raises(ConflictError):
        services.item_reschedule(actor=u(world.mkt_mgr), item=item, start=None, due=None, version=1)


# --- kanban ------------------------------------------------------------------------------------


def column(department: Department, status: str) -> list[str]:
    return list(
        ActionItem.objects.filter(department=department, status=status)
        .order_by("position")
        .values_list("title", flat=True)
    )


def test_item_move_orders_the_column(world):
    a, b, c = (make(world.member, title) for title in ("A", "B", "C"))
    doing = make(world.member, "D", status="doing")
    assert column(world.mkt, "todo") == ["A", "B", "C"]

    c = services.item_move(actor=u(world.member), item=c, status="todo", version=c.version, before_id=b.pk)
    assert column(world.mkt, "todo") == ["A", "C", "B"]
    assert c.version == 2
    c = services.item_move(actor=u(world.member), item=c, status="todo", version=c.version, before_id=a.pk)
    assert column(world.mkt, "todo") == ["C", "A", "B"]

    a = services.item_move(actor=u(world.member), item=a, status="doing", version=a.version)
    assert column(world.mkt, "doing") == ["D", "A"]
    assert column(world.mkt, "todo") == ["C", "B"]
    b = services.item_move(
        actor=u(world.member), item=b, status="doing", version=b.version, before_id=doing.pk
    )
    assert column(world.mkt, "doing") == ["B", "D", "A"]
    assert fresh(b).status_changed_at is not None

    # Moving within a column many times keeps a strict order.
    for _ in range(5):
        a = services.item_move(
            actor=u(world.member), item=a, status="doing", version=a.version, before_id=doing.pk
        )
        assert column(world.mkt, "doing") == ["B", "A", "D"]
        a = services.item_move(actor=u(world.member), item=a, status="doing", version=a.version)
        assert column(world.mkt, "doing") == ["B", "D", "A"]


def test_item_move_on_a_stale_version_is_a_conflict(world):
    item = make(world.member, "A")
    make(world.member, "B")
    services.item_update(actor=u(world.member), item=item, version=1, actual_quantity=1)
    with pytest.raises(ConflictError) as exc:
        services.item_move(actor=u(world.member), item=item, status="doing", version=1)
    assert (exc.value.code, exc.value.field) == ("version_conflict", "version")
    assert "A" in exc.value.message
    item = fresh(item)
    assert (item.status, item.version) == ("todo", 2)
    assert column(world.mkt, "todo") == ["A", "B"]


def test_item_move_permissions(world):
    item = make(world.mkt_mgr, responsible=[world.content_member])
    for outsider in (world.viewer, world.member, world.sales_mgr):
        with pytest.raises(PermissionDeniedError):
            services.item_move(actor=u(outsider), item=item, status="doing", version=item.version)
    moved = services.item_move(actor=u(world.content_member), item=item, status="doing", version=item.version)
    assert fresh(moved).status == "doing"


# --- bulk edit ---------------------------------------------------------------------------------


def snapshot(items) -> dict:
    return {
        i.pk: (i.version, i.due, i.status, i.completed_at, responsible_ids(i))
        for i in ActionItem.objects.filter(pk__in=[x.pk for x in items])
    }


def test_items_bulk_update_changes_all(world):
    items = [
        make(world.mkt_mgr, f"笔记{n}", start=JULY_1, due=JULY_10, responsible=[world.member])
        for n in range(3)
    ]
    new_due = dt.date(2026, 7, 20)
    changed = services.items_bulk_update(
        actor=u(world.mkt_mgr), items=items, responsible=world.content_member, due=new_due, status="doing"
    )
    assert len(changed) == 3
    for item in items:
        item = fresh(item)
        assert (item.due, item.status, item.version) == (new_due, "doing", 2)
        assert responsible_ids(item) == {world.content_member.pk}


def test_items_bulk_update_due_before_one_start_changes_nothing(world):
    early = make(world.mkt_mgr, "早", start=JULY_1, due=JULY_10, responsible=[world.member])
    late = make(
        world.mkt_mgr, "晚", start=dt.date(2026, 8, 1), due=dt.date(2026, 8, 10), responsible=[world.member]
    )
    before = snapshot([early, late])
    with nothing_written(), pytest.raises(ApplicationError) as exc:
        # `early` is handled (and saved) first, then `late` fails: everything rolls back.
        services.items_bulk_update(
            actor=u(world.mkt_mgr),
            items=[early, late],
            due=dt.date(2026, 7, 20),
            responsible=world.content_member,
            status="doing",
        )
    assert exc.value.code == "due_before_start"
    assert snapshot([early, late]) == before


def test_items_bulk_update_with_an_item_the_actor_may_not_change_changes_nothing(world):
    mine = make(world.member, "我的", due=JULY_1)
    theirs = make(world.sales_member, "别人的", due=JULY_10)
    before = snapshot([mine, theirs])
    for changes in (
        {"status": "doing"},
        {"due": dt.date(2026, 7, 30)},
        {"responsible": world.content_member},
    ):
        with nothing_written(), pytest.raises(PermissionDeniedError):
            services.items_bulk_update(actor=u(world.member), items=[mine, theirs], **changes)
        assert snapshot([mine, theirs]) == before


def test_items_bulk_update_status_done_with_an_open_predecessor_changes_nothing(world):
    screening = make(world.member, "KOL筛选", due=JULY_10)
    free = make(world.member, "海报", due=JULY_1)
    signing = make(world.member, "KOL签约", due=dt.date(2026, 7, 20), predecessors=[screening])
    before = snapshot([free, signing])
    with pytest.raises(ConflictError) as exc:
        services.items_bulk_update(actor=u(world.member), items=[free, signing], status="done")
    assert exc.value.code == "predecessor_open"
    assert exc.value.message.startswith("KOL签约: ")
    assert snapshot([free, signing]) == before


def test_items_bulk_update_refuses_an_inactive_r(world):
    items = [make(world.mkt_mgr, f"笔记{n}", responsible=[world.member]) for n in range(2)]
    before = snapshot(items)
    with nothing_written(), pytest.raises(ApplicationError) as exc:
        services.items_bulk_update(actor=u(world.mkt_mgr), items=items, responsible=world.former)
    assert exc.value.field == "responsible_id"
    assert snapshot(items) == before


def test_items_bulk_update_needs_items_and_a_change(world):
    item = make(world.member)
    with pytest.raises(ApplicationError) as exc:
        services.items_bulk_update(actor=u(world.member), items=[], status="doing")
    assert exc.value.field == "item_ids"
    with pytest.raises(ApplicationError):
        services.items_bulk_update(actor=u(world.member), items=[item])
