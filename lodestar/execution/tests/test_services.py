"""Execution services against the database: items with RACI, validation that writes nothing,
dependencies, the kanban, bulk edits, feeding the goal, cross-department requests, comments,
attachments, recurring items, the task worker and the access rules.

The organisation is built through the org services (so `Department.path` is right) and the
fiscal year through `period_generate_fiscal_year`:

    星辰公司 CO (admin 管理员, hr 孙丽)
    ├── 市场部 MKT (manager 赵敏; member 林晓, viewer 访客, former 离职员工 inactive)
    │   └── 内容组 MKT-C (member 陈静)
    ├── 设计部 DESIGN (manager 吴设计; member 刘洋)
    └── 销售部 SALES (manager 王强; member 周杰)

`person_of(user)` caches the person on the user object and `access._letters` caches the
caller's letters on the item, so every call gets a fresh user (`u`) and every access check a
fresh item (`fresh`).
"""

from __future__ import annotations

import datetime as dt
import io
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.tasks import TaskResultStatus
from django.utils import timezone

from lodestar.core.errors import ApplicationError, ConflictError, NotFound, PermissionDeniedError
from lodestar.core.models import Period, PeriodKind
from lodestar.execution import services, tasks
from lodestar.execution.access import access_item, can_manage_item, can_work_on_item, visible_items
from lodestar.execution.models import (
    ActionItem,
    Attachment,
    Comment,
    Dependency,
    ItemStatus,
    RaciAssignment,
    RecurringItem,
    RequestState,
)
from lodestar.goals.models import Goal, Measure
from lodestar.goals.services import goal_create
from lodestar.notifications.models import Notification
from lodestar.org.models import Department, Person, Role
from lodestar.org.periods_services import period_generate_fiscal_year
from lodestar.org.services import department_create

User = get_user_model()
D = Decimal
JULY_1, JULY_10 = dt.date(2026, 7, 1), dt.date(2026, 7, 10)


# --- the organisation ------------------------------------------------------------------------


@dataclass
class World:
    company: Department
    mkt: Department
    content: Department
    design: Department
    sales: Department
    admin: Person
    mkt_mgr: Person
    design_mgr: Person
    sales_mgr: Person
    member: Person
    content_member: Person
    designer: Person
    sales_member: Person
    hr: Person
    viewer: Person
    former: Person
    q3: Period


def u(person: Person):
    """The person's user straight from the database (nothing cached from earlier calls)."""
    return User.objects.get(pk=person.user_id)


def fresh(item: ActionItem) -> ActionItem:
    return ActionItem.objects.select_related("department").get(pk=item.pk)


def _person(
    username: str, display_name: str, department: Department | None, role: str = Role.MEMBER
) -> Person:
    user = User.objects.create_user(username=username, password="pw-for-tests-only")
    return Person.objects.create(user=user, display_name=display_name, department=department, role=role)


@pytest.fixture
def world(db) -> World:
    admin = _person("guanli", "管理员", None, Role.ADMIN)
    company = department_create(actor=u(admin), name="星辰公司", parent=None, code="CO")
    Person.objects.filter(pk=admin.pk).update(department=company)
    mkt = department_create(actor=u(admin), name="市场部", parent=company, code="MKT")
    content = department_create(actor=u(admin), name="内容组", parent=mkt, code="MKT-C")
    design = department_create(actor=u(admin), name="设计部", parent=company, code="DESIGN")
    sales = department_create(actor=u(admin), name="销售部", parent=company, code="SALES")
    mkt_mgr = _person("zhaomin", "赵敏", mkt)
    design_mgr = _person("wusheji", "吴设计", design)
    sales_mgr = _person("wangqiang", "王强", sales)
    for department, manager in ((mkt, mkt_mgr), (design, design_mgr), (sales, sales_mgr)):
        Department.objects.filter(pk=department.pk).update(manager=manager)
    people = {
        "member": _person("linxiao", "林晓", mkt),
        "content_member": _person("chenjing", "陈静", content),
        "designer": _person("liuyang", "刘洋", design),
        "sales_member": _person("zhoujie", "周杰", sales),
        "hr": _person("sunli", "孙丽", company, Role.HR),
        "viewer": _person("fangke", "访客", mkt, Role.VIEWER),
        "former": _person("lizhi", "离职员工", mkt),
    }
    Person.objects.filter(pk=people["former"].pk).update(is_active=False)
    people["former"].refresh_from_db()
    year = period_generate_fiscal_year(actor=u(admin), year=2026)
    q3 = Period.objects.get(parent=year, kind=PeriodKind.QUARTER, start__lte=JULY_1, end__gte=JULY_1)
    for department in (company, mkt, content, design, sales):
        department.refresh_from_db()
    admin.refresh_from_db()
    return World(
        company=company,
        mkt=mkt,
        content=content,
        design=design,
        sales=sales,
        admin=admin,
        mkt_mgr=mkt_mgr,
        design_mgr=design_mgr,
        sales_mgr=sales_mgr,
        q3=q3,
        **people,
    )


def make(actor: Person, title: str = "小红书笔记发布", department: Department | None = None, **fields):
    return services.item_create(
        actor=u(actor), department=department or actor.department, title=title, **fields
    )


WATCHED = (ActionItem, RaciAssignment, Dependency, Comment, Notification, Attachment)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WATCHED}


@contextmanager
def nothing_written():
    before = row_counts()
    yield
    assert row_counts() == before


def raci_of(item: ActionItem) -> set[tuple]:
    return set(
        RaciAssignment.objects.filter(item_id=item.pk).values_list("role", "person_id", "department_id")
    )


def responsible_ids(item: ActionItem) -> set[int]:
    return set(RaciAssignment.objects.filter(item_id=item.pk, role="R").values_list("person_id", flat=True))


def inbox(person: Person, verb: str | None = None) -> list[Notification]:
    qs = Notification.objects.filter(recipient=person)
    if verb:
        qs = qs.filter(verb=verb)
    return list(qs)


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


# --- recurring items ---------------------------------------------------------------------------

FRIDAY = dt.date(2026, 7, 3)


def rule(world, frequency="weekly", next_due=FRIDAY, **fields) -> RecurringItem:
    return RecurringItem.objects.create(
        department=world.mkt,
        title="周报" if frequency == "weekly" else "月度复盘",
        frequency=frequency,
        responsible=world.member,
        accountable=world.mkt_mgr,
        next_due=next_due,
        created_by=world.mkt_mgr,
        **fields,
    )


def dues(rule: RecurringItem) -> list[dt.date]:
    return list(ActionItem.objects.filter(recurrence=rule).order_by("due").values_list("due", flat=True))


def test_weekly_rule_creates_the_item_once(world):
    weekly = rule(world)
    assert services.generate_recurring_items(today=FRIDAY - dt.timedelta(days=1)) == 0
    assert services.generate_recurring_items(today=FRIDAY) == 1
    assert services.generate_recurring_items(today=FRIDAY) == 0
    assert dues(weekly) == [FRIDAY]
    item = ActionItem.objects.get(recurrence=weekly)
    assert (item.title, item.start, item.department_id, item.status) == ("周报", FRIDAY, world.mkt.pk, "todo")
    assert raci_of(item) == {("R", world.member.pk, None), ("A", world.mkt_mgr.pk, None)}
    assert item.accountable_id == world.mkt_mgr.pk
    weekly.refresh_from_db()
    assert weekly.next_due == FRIDAY + dt.timedelta(days=7)


def test_weekly_rule_catches_up_missed_weeks(world):
    weekly = rule(world, next_due=FRIDAY - dt.timedelta(days=21))
    assert services.generate_recurring_items(today=FRIDAY + dt.timedelta(days=2)) == 4
    assert dues(weekly) == [FRIDAY - dt.timedelta(days=d) for d in (21, 14, 7, 0)]
    weekly.refresh_from_db()
    assert weekly.next_due == FRIDAY + dt.timedelta(days=7)


def test_monthly_rule_once_and_catching_up(world):
    monthly = rule(world, "monthly", next_due=dt.date(2026, 5, 1), day_of_month=1)
    assert services.generate_recurring_items(today=dt.date(2026, 7, 15)) == 3
    assert services.generate_recurring_items(today=dt.date(2026, 7, 15)) == 0
    assert dues(monthly) == [dt.date(2026, 5, 1), dt.date(2026, 6, 1), dt.date(2026, 7, 1)]
    monthly.refresh_from_db()
    assert monthly.next_due == dt.date(2026, 8, 1)


def test_monthly_rule_over_the_new_year(world):
    monthly = rule(world, "monthly", next_due=dt.date(2026, 12, 15), day_of_month=15)
    assert services.generate_recurring_items(today=dt.date(2027, 2, 20)) == 3
    assert dues(monthly) == [dt.date(2026, 12, 15), dt.date(2027, 1, 15), dt.date(2027, 2, 15)]


def test_daily_runs_never_duplicate(world):
    weekly = rule(world)
    monthly = rule(world, "monthly", next_due=dt.date(2026, 7, 1), day_of_month=1)
    day, total = dt.date(2026, 7, 1), 0
    while day <= dt.date(2026, 9, 30):
        total += services.generate_recurring_items(today=day)
        total += services.generate_recurring_items(today=day)  # a second worker, the same day
        day += dt.timedelta(days=1)
    fridays = [FRIDAY + dt.timedelta(days=7 * n) for n in range(14)]  # 7/3 … 10/2 → up to 9/25
    fridays = [f for f in fridays if f <= dt.date(2026, 9, 30)]
    assert dues(weekly) == fridays
    assert dues(monthly) == [dt.date(2026, 7, 1), dt.date(2026, 8, 1), dt.date(2026, 9, 1)]
    assert total == len(fridays) + 3


def test_inactive_and_future_rules_create_nothing(world):
    rule(world, is_active=False, next_due=FRIDAY - dt.timedelta(days=14))
    rule(world, next_due=FRIDAY + dt.timedelta(days=1))
    assert services.generate_recurring_items(today=FRIDAY) == 0
    assert ActionItem.objects.count() == 0


def test_recurring_task_runs_on_the_immediate_backend(world):
    today = timezone.localdate()
    weekly = rule(world, next_due=today - dt.timedelta(days=14))
    result = tasks.generate_recurring_items.enqueue()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 3
    assert dues(weekly) == [today - dt.timedelta(days=d) for d in (14, 7, 0)]
    again = tasks.generate_recurring_items.enqueue(reschedule=False)
    assert again.return_value == 0
    assert tasks.ensure_scheduled() is False  # the immediate backend cannot defer


def test_next_run_time_is_six_tomorrow():
    now = timezone.make_aware(dt.datetime(2026, 7, 3, 23, 30))
    run = timezone.localtime(tasks.next_run_time(now))
    assert (run.date(), run.hour, run.minute) == (dt.date(2026, 7, 4), 6, 0)


# --- access ------------------------------------------------------------------------------------


@pytest.fixture
def items(world):
    """One item per department, plus a 销售部 item whose R is the 市场部 member."""
    return {
        "mkt": make(
            world.mkt_mgr, "市场部任务", responsible=[world.member], accountable=world.content_member
        ),
        "content": make(world.content_member, "内容组任务"),
        "sales": make(world.sales_member, "销售部任务"),
        "sales_r_member": make(world.sales_mgr, "销售支持", responsible=[world.member]),
        "design": make(world.designer, "设计部任务"),
    }


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("member", {"mkt", "sales_r_member"}),
        ("viewer", {"mkt"}),
        ("mkt_mgr", {"mkt", "content"}),
        ("content_member", {"content", "mkt"}),  # A on the 市场部 item
        ("sales_member", {"sales", "sales_r_member"}),
        ("sales_mgr", {"sales", "sales_r_member"}),
        ("designer", {"design"}),
        ("hr", {"mkt", "content", "sales", "sales_r_member", "design"}),
        ("admin", {"mkt", "content", "sales", "sales_r_member", "design"}),
    ],
)
def test_visible_items(world, items, who, expected):
    names = {v.pk: k for k, v in items.items()}
    seen = {names[pk] for pk in visible_items(u(getattr(world, who))).values_list("pk", flat=True)}
    assert seen == expected


def test_visible_items_for_a_user_without_a_person(world, items):
    lonely = User.objects.create_user(username="nobody", password="pw-for-tests-only")
    assert not visible_items(lonely).exists()


@pytest.mark.parametrize(
    ("who", "manage", "work"),
    [
        ("content_member", True, True),  # the A
        ("member", False, True),  # the R
        ("mkt_mgr", True, True),  # manager of the department (and creator)
        ("admin", True, True),
        ("viewer", False, False),
        ("hr", False, False),
        ("sales_mgr", False, False),
        ("designer", False, False),
    ],
)
def test_can_manage_and_work_on_an_item(world, items, who, manage, work):
    user = u(getattr(world, who))
    assert can_manage_item(user, fresh(items["mkt"])) is manage
    assert can_work_on_item(user, fresh(items["mkt"])) is work


def test_manager_of_the_parent_department_manages_sub_department_items(world, items):
    assert can_manage_item(u(world.mkt_mgr), fresh(items["content"]))
    assert not can_manage_item(u(world.member), fresh(items["content"]))


def test_viewer_with_a_letter_still_cannot_change(world):
    item = make(
        world.mkt_mgr, responsible=[world.viewer], accountable=world.mkt_mgr, consulted=[world.member]
    )
    assert not can_work_on_item(u(world.viewer), fresh(item))
    assert not can_manage_item(u(world.viewer), fresh(item))
    # C and I letters give no rights to change.
    assert not can_work_on_item(u(world.member), fresh(item))


def test_r_on_another_departments_item_sees_and_works_on_it(world, items):
    item = items["sales_r_member"]
    assert access_item(u(world.member), item.pk, write=True).pk == item.pk
    with pytest.raises(PermissionDeniedError):
        access_item(u(world.member), item.pk, manage=True)
    with pytest.raises(NotFound):
        access_item(u(world.content_member), item.pk)


def test_hr_reads_but_does_not_write(world, items):
    assert access_item(u(world.hr), items["sales"].pk).pk == items["sales"].pk
    with pytest.raises(PermissionDeniedError):
        access_item(u(world.hr), items["sales"].pk, write=True)


def test_items_of_a_goal_without_a_measure_leave_the_goal_alone(world):
    goal = goal_create(actor=u(world.mkt_mgr), name="用户复购率提升", department=world.mkt, period=world.q3)
    item = make(world.mkt_mgr, goal=goal, actual_quantity=3)
    assert item.status == ItemStatus.TODO
    goal_after = Goal.objects.get(pk=goal.pk)
    assert (goal_after.version, goal_after.achievement_rate) == (goal.version, None)


def test_recurring_items_are_validated_like_any_other(world):
    """Every create validates: a rule that slipped past its form (an empty title) creates no
    blank item; the worker is told which field, and nothing is written."""
    broken = rule(world)
    RecurringItem.objects.filter(pk=broken.pk).update(title="")
    with pytest.raises(ApplicationError) as exc:
        services.generate_recurring_items(today=FRIDAY)
    assert exc.value.field == "title"
    assert not ActionItem.objects.filter(recurrence=broken).exists()
    broken.refresh_from_db()
    assert broken.next_due == FRIDAY


def test_validated_save_checks_fields_without_fetching_loaded_keys(world, django_assert_num_queries):
    from lodestar.core.services import validated_save

    item = make(world.member)
    with pytest.raises(ApplicationError) as exc:
        validated_save(Comment(item=item, author=world.member, body=""))
    assert exc.value.field == "body"
    assert not Comment.objects.filter(item=item).exists()
    with django_assert_num_queries(1):  # the insert: item and author are in hand, not re-fetched
        validated_save(Comment(item=item, author=world.member, body="好"))
