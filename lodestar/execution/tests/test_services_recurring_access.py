"""Execution services: recurring items and the task worker, and the access rules (who sees, manages and
works on an item)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone

from lodestar.core.errors import ApplicationError, NotFound, PermissionDeniedError
from lodestar.execution import services, tasks
from lodestar.execution.access import access_item, can_manage_item, can_work_on_item, visible_items
from lodestar.execution.models import (
    ActionItem,
    Comment,
    ItemStatus,
    RecurringItem,
)
from lodestar.execution.tests.services_support import (
    User,
    fresh,
    make,
    raci_of,
    u,
)
from lodestar.goals.models import Goal
from lodestar.goals.services import goal_create

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


def test_a_guest_is_only_kept_informed_and_gains_no_rights(world):
    with pytest.raises(ApplicationError) as refused:
        make(world.mkt_mgr, responsible=[world.viewer], accountable=world.mkt_mgr)
    assert refused.value.code == "cannot_hold_letter" and refused.value.field == "responsible_ids"
    item = make(
        world.mkt_mgr,
        responsible=[world.mkt_mgr],
        accountable=world.mkt_mgr,
        consulted=[world.member],
        informed=[world.viewer],
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
