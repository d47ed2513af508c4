"""Period close (issue #14): permission and scope, snapshots, pending adjustments, reopen, weekly snapshots,
the freeze rule across goals, tracking and execution, the close page and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from lodestar.conftest import ApiClient, fresh_user, login, token_for
from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.models import Period
from lodestar.execution import services as execution_services
from lodestar.execution.models import ActionItem, ItemStatus
from lodestar.goals import services as goal_services
from lodestar.goals.closing_rules import check_goal_period_open, goal_is_frozen
from lodestar.goals.models import Goal, GoalStatus, Measure, PeriodClosing, Snapshot, TargetAdjustment
from lodestar.goals.services import adjustments
from lodestar.goals.services.closing import period_close, period_reopen, take_weekly_snapshots
from lodestar.goals.signals import period_closed
from lodestar.testing.factories import (
    ActionItemFactory,
    CheckInFactory,
    GoalFactory,
    MeasureFactory,
    PeriodFactory,
    RaciAssignmentFactory,
    TargetAdjustmentFactory,
)
from lodestar.tracking import services as tracking_services

Q3 = {"start": dt.date(2026, 7, 1), "end": dt.date(2026, 9, 30)}


@pytest.fixture
def period(db):
    return PeriodFactory(name="2026 Q3", **Q3)


def goal_in(org, period, department="mkt", **fields):
    fields.setdefault("status", GoalStatus.ACTIVE)
    return GoalFactory(
        department=getattr(org, department), period=period, owner=org.person("member"), **fields
    )


def user(org, role):
    return fresh_user(org.person(role))


def refused(call, code, status=None):
    with pytest.raises(ApplicationError) as info:
        call()
    assert info.value.code == code, info.value.message
    if status is not None:
        assert info.value.status == status
    return info.value


# --- permission and scope --------------------------------------------------------------------


def test_admin_closes_the_whole_period_and_it_is_frozen(org, period):
    goal = goal_in(org, period, "sales")
    closing = period_close(actor=user(org, "admin"), period=period, note="季度结账")
    period.refresh_from_db()
    assert period.is_closed and closing.department is None and closing.note == "季度结账"
    assert goal_is_frozen(goal)
    refused(lambda: check_goal_period_open(goal), "period_closed", 422)


def test_a_manager_closes_their_department_with_its_sub_departments_only(org, period):
    mkt_goal, content_goal, sales_goal = (
        goal_in(org, period, "mkt"),
        goal_in(org, period, "content"),
        goal_in(org, period, "sales"),
    )
    period_close(actor=user(org, "mkt_manager"), period=period, department=org.mkt)
    period.refresh_from_db()
    assert not period.is_closed
    assert goal_is_frozen(mkt_goal) and goal_is_frozen(content_goal)
    assert not goal_is_frozen(sales_goal)
    assert (
        Snapshot.objects.filter(period=period, kind="close")
        .values_list("goal_id", flat=True)
        .distinct()
        .count()
        == 2
    )


@pytest.mark.parametrize(
    ("role", "department"),
    [
        ("mkt_manager", None),
        ("mkt_manager", "sales"),
        ("member", "content"),
        ("viewer", "mkt"),
        ("hr", "mkt"),
    ],
)
def test_who_may_not_close(org, period, role, department):
    with pytest.raises(PermissionDeniedError):
        period_close(
            actor=user(org, role), period=period, department=getattr(org, department) if department else None
        )
    assert not PeriodClosing.objects.exists()


def test_closing_twice_is_a_conflict(org, period):
    period_close(actor=user(org, "mkt_manager"), period=period, department=org.mkt)
    refused(
        lambda: period_close(actor=user(org, "mkt_manager"), period=period, department=org.content),
        "already_closed",
        409,
    )


# --- snapshots -------------------------------------------------------------------------------


def test_the_close_snapshot_keeps_both_targets_domain_example(
    org, period, django_capture_on_commit_callbacks
):
    goal = goal_in(org, period, name="新品A销售额")
    measure = MeasureFactory(
        goal=goal,
        name="销售额",
        unit="wan_yuan",
        target=Decimal(450),
        original_target=Decimal(500),
        current=Decimal(480),
    )
    CheckInFactory(
        measure=measure,
        period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 7, 31),
        cumulative=Decimal(160),
    )
    CheckInFactory(
        measure=measure,
        period_start=dt.date(2026, 8, 1),
        period_end=dt.date(2026, 8, 31),
        cumulative=Decimal(320),
    )
    received = []
    period_closed.connect(
        lambda sender, closing_id, **kw: received.append(closing_id), weak=False, dispatch_uid="t-close"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            closing = period_close(actor=user(org, "admin"), period=period)
    finally:
        period_closed.disconnect(dispatch_uid="t-close")
    assert received == [closing.pk]
    snap = Snapshot.objects.get(goal=goal)
    assert (snap.kind, snap.closing_id, snap.measure_id, snap.goal_name, snap.measure_name) == (
        "close",
        closing.pk,
        measure.pk,
        "新品A销售额",
        "销售额",
    )
    assert (snap.target, snap.original_target, snap.actual) == (Decimal(450), Decimal(500), Decimal(480))
    assert snap.original_achievement_rate == Decimal("0.960000")
    assert snap.achievement_rate.quantize(Decimal("0.0001")) == Decimal("1.0667")
    assert snap.forecast is not None and snap.forecast_p_base is not None  # tracking's forecaster


def test_a_goal_without_measures_gets_one_row(org, period):
    goal = goal_in(org, period, achievement_rate=Decimal("0.5"), progress=Decimal("0.5"), health="at_risk")
    period_close(actor=user(org, "admin"), period=period)
    snap = Snapshot.objects.get(goal=goal)
    assert snap.measure_id is None and snap.achievement_rate == Decimal("0.5") and snap.health == "at_risk"


def test_weekly_snapshots_are_idempotent(org, period):
    goal = goal_in(org, period)
    MeasureFactory(goal=goal, current=Decimal(40))
    goal_in(org, period, status=GoalStatus.DRAFT)
    wednesday = dt.date(2026, 7, 15)
    assert take_weekly_snapshots(wednesday) == 1
    assert take_weekly_snapshots(dt.date(2026, 7, 19)) == 0  # same week
    snap = Snapshot.objects.get()
    assert (snap.kind, snap.week, snap.actual) == ("weekly", dt.date(2026, 7, 13), Decimal(40))
    assert take_weekly_snapshots(dt.date(2026, 7, 20)) == 1


def test_the_weekly_task_runs_the_service(org, period):
    from lodestar.goals.tasks import weekly_snapshots

    goal_in(org, period)
    assert weekly_snapshots.call(today="2026-07-15", reschedule=False) == 1


# --- pending adjustments ---------------------------------------------------------------------


def test_pending_adjustments_refuse_the_close_unless_withdrawn(org, period):
    goal = goal_in(org, period)
    adjustment = TargetAdjustmentFactory(
        measure=MeasureFactory(goal=goal),
        created_by=org.person("member"),
        approved_by=org.person("mkt_manager"),
    )
    refused(lambda: period_close(actor=user(org, "admin"), period=period), "pending_adjustments", 409)
    assert not PeriodClosing.objects.exists()
    period_close(actor=user(org, "admin"), period=period, withdraw_pending=True)
    adjustment.refresh_from_db()
    assert adjustment.status == TargetAdjustment.Status.WITHDRAWN
    assert adjustment.decided_by == org.person("admin") and "2026 Q3" in adjustment.decision_comment


def test_a_pending_adjustment_cannot_be_approved_in_a_closed_period(org, period):
    goal = goal_in(org, period, "sales")
    adjustment = TargetAdjustmentFactory(
        measure=MeasureFactory(goal=goal),
        created_by=org.person("admin"),
        approved_by=org.person("sales_manager"),
    )
    PeriodClosing.objects.create(
        period=period,
        department=org.sales,
        closed_by=org.person("admin"),
        closed_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
    )
    refused(
        lambda: adjustments.adjustment_approve(actor=user(org, "sales_manager"), adjustment=adjustment),
        "period_closed",
        422,
    )


# --- reopen ----------------------------------------------------------------------------------


def test_reopen_needs_an_admin_and_a_reason(org, period):
    goal = goal_in(org, period)
    period_close(actor=user(org, "mkt_manager"), period=period, department=org.mkt)
    with pytest.raises(PermissionDeniedError):
        period_reopen(actor=user(org, "mkt_manager"), period=period, reason="补录", department=org.mkt)
    error = refused(
        lambda: period_reopen(actor=user(org, "admin"), period=period, reason="  "), "required", 422
    )
    assert error.field == "reason"
    [closing] = period_reopen(actor=user(org, "admin"), period=period, reason="销售数据补录")
    assert (closing.reopened_by, closing.reopen_reason) == (org.person("admin"), "销售数据补录")
    assert not goal_is_frozen(goal.__class__.objects.get(pk=goal.pk))
    assert Snapshot.objects.filter(goal=goal).exists()  # the close saw what it saw
    refused(lambda: period_reopen(actor=user(org, "admin"), period=period, reason="x"), "not_closed", 409)


def test_reopening_a_department_under_a_whole_close_is_refused(org, period):
    period_close(actor=user(org, "admin"), period=period)
    refused(
        lambda: period_reopen(actor=user(org, "admin"), period=period, reason="x", department=org.mkt),
        "closed_above",
        409,
    )
    period_reopen(actor=user(org, "admin"), period=period, reason="年审调整")
    assert not Period.objects.get(pk=period.pk).is_closed


# --- the freeze rule across apps -------------------------------------------------------------


@pytest.fixture
def frozen(org, period):
    """A goal of 市场部 with a measure, a check-in and an action item, in a period 市场部 closed."""
    goal = goal_in(org, period, "mkt")
    measure = MeasureFactory(goal=goal, target=Decimal(100))
    checkin = CheckInFactory(
        measure=measure,
        period_start=dt.date(2026, 7, 6),
        period_end=dt.date(2026, 7, 12),
        author=org.person("member"),
    )
    item = ActionItemFactory(department=org.mkt, goal=goal, accountable=org.person("mkt_manager"))
    RaciAssignmentFactory(item=item, person=org.person("mkt_manager"), role="A")
    RaciAssignmentFactory(item=item, person=org.person("mkt_manager"), role="R")
    other = ActionItemFactory(department=org.mkt, accountable=org.person("mkt_manager"))
    adjustment = TargetAdjustmentFactory(
        measure=measure, created_by=org.person("member"), approved_by=org.person("mkt_manager")
    )
    period_close(actor=user(org, "mkt_manager"), period=period, department=org.mkt, withdraw_pending=True)
    adjustment.status = TargetAdjustment.Status.PENDING  # as if it came in through the back door
    adjustment.save()
    return {
        "goal": goal,
        "measure": measure,
        "checkin": checkin,
        "item": item,
        "other": other,
        "adjustment": adjustment,
    }


def _writes(org, f):
    admin, manager = user(org, "admin"), user(org, "mkt_manager")
    goal, measure, item = f["goal"], f["measure"], f["item"]
    week = {"period_kind": "week", "period_start": dt.date(2026, 7, 13), "period_end": dt.date(2026, 7, 19)}
    return {
        "goal_create": lambda: goal_services.goal_create(
            actor=manager, name="新目标", department=org.content, period=goal.period
        ),
        "goal_update": lambda: goal_services.goal_update(
            actor=manager, goal=goal, version=goal.version, name="改名"
        ),
        "goal_status": lambda: goal_services.goal_set_status(actor=manager, goal=goal, status="closed"),
        "goal_delete": lambda: goal_services.goal_delete(actor=manager, goal=goal),
        "measure_create": lambda: goal_services.measure_create(
            actor=manager, goal=goal, name="x", target="1"
        ),
        "measure_update": lambda: goal_services.measure_update(
            actor=manager, measure=measure, version=measure.version, name="y"
        ),
        "adjustment_create": lambda: adjustments.adjustment_create(
            actor=admin, goal=goal, measure=measure, new_target="90", reason="r"
        ),
        "adjustment_approve": lambda: adjustments.adjustment_approve(
            actor=manager, adjustment=f["adjustment"]
        ),
        "adjustment_reject": lambda: adjustments.adjustment_reject(
            actor=manager, adjustment=f["adjustment"], comment="no"
        ),
        "checkin_submit": lambda: tracking_services.checkin_submit(
            actor=manager, measure=measure, actual=Decimal(5), **week
        ),
        "checkin_delete": lambda: tracking_services.checkin_delete(actor=manager, checkin=f["checkin"]),
        "item_checkin": lambda: tracking_services.checkin_submit(
            actor=manager, item=item, actual=Decimal(1), **week
        ),
        "item_create": lambda: execution_services.item_create(
            actor=manager, department=org.mkt, title="t", goal=goal
        ),
        "item_update": lambda: execution_services.item_update(
            actor=manager, item=item, version=item.version, title="t2"
        ),
        "item_move": lambda: execution_services.item_move(
            actor=manager, item=item, status=ItemStatus.DONE, version=None
        ),
        "item_reschedule": lambda: execution_services.item_reschedule(
            actor=manager, item=item, start=None, due=dt.date(2026, 9, 1), version=item.version
        ),
        "items_bulk": lambda: execution_services.items_bulk_update(
            actor=manager, items=[item], status=ItemStatus.DONE
        ),
        "item_delete": lambda: execution_services.item_delete(actor=manager, item=item),
        "comment": lambda: execution_services.comment_add(actor=manager, item=item, body="hi"),
        "raci": lambda: execution_services.raci_set(
            actor=manager,
            item=item,
            responsible=[org.person("mkt_manager")],
            accountable=org.person("mkt_manager"),
        ),
        "dependency": lambda: execution_services.dependency_add(
            actor=manager, predecessor=f["other"], successor=item
        ),
    }


WRITES = [
    "goal_create", "goal_update", "goal_status", "goal_delete", "measure_create", "measure_update",
    "adjustment_create", "adjustment_approve", "adjustment_reject", "checkin_submit", "checkin_delete",
    "item_checkin", "item_create", "item_update", "item_move", "item_reschedule", "items_bulk", "item_delete",
    "comment", "raci", "dependency",
]  # fmt: skip


@pytest.mark.parametrize("write", WRITES)
def test_every_write_into_a_closed_period_is_refused(org, frozen, write):
    refused(_writes(org, frozen)[write], "period_closed", 422)


def test_an_item_without_a_goal_is_not_frozen(org, frozen):
    other = frozen["other"]
    execution_services.item_update(
        actor=user(org, "mkt_manager"), item=other, version=other.version, title="ok"
    )
    assert ActionItem.objects.get(pk=other.pk).title == "ok"


def test_the_api_answers_422_period_closed(org, frozen):
    api = ApiClient(token=token_for(org.person("mkt_manager")))
    goal, item = frozen["goal"], frozen["item"]
    response = api.patch(f"/goals/{goal.pk}", {"version": goal.version, "name": "改名"})
    assert (response.status_code, response.json()["code"]) == (422, "period_closed")
    response = api.patch(f"/items/{item.pk}", {"version": item.version, "title": "改名"})
    assert (response.status_code, response.json()["code"]) == (422, "period_closed")
    response = api.post(f"/items/{item.pk}/comments", {"body": "hi"})
    assert (response.status_code, response.json()["code"]) == (422, "period_closed")


# --- pages -----------------------------------------------------------------------------------


def test_goal_and_item_pages_show_the_banner_and_hide_edit_controls(org, frozen):
    client = login(org.person("mkt_manager"))
    page = client.get(reverse("goals:detail", args=[frozen["goal"].pk])).content.decode()
    assert 'data-testid="closed-period-banner"' in page
    assert reverse("goals:edit", args=[frozen["goal"].pk]) not in page
    page = client.get(reverse("execution:detail", args=[frozen["item"].pk])).content.decode()
    assert 'data-testid="closed-period-banner"' in page
    assert reverse("execution:edit", args=[frozen["item"].pk]) not in page
    assert 'data-testid="comment-form"' not in page


def test_the_banner_links_the_close_page_only_for_those_who_may_open_it(org, frozen):
    close_url = reverse("tracking:period_close", args=[frozen["goal"].period_id])
    goal_url = reverse("goals:detail", args=[frozen["goal"].pk])
    item_url = reverse("execution:detail", args=[frozen["item"].pk])
    manager, member = login(org.person("mkt_manager")), login(org.person("member"))
    assert close_url in manager.get(goal_url).content.decode()
    assert close_url in manager.get(item_url).content.decode()
    page = member.get(goal_url).content.decode()
    assert 'data-testid="closed-period-banner"' in page and close_url not in page  # a 403 for them
    assert member.get(close_url).status_code == 403


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 200), ("mkt_manager", 200), ("member", 403), ("viewer", 403), ("hr", 403)]
)
def test_close_page_per_role(org, period, role, status):
    assert (
        login(org.person(role)).get(reverse("tracking:period_close", args=[period.pk])).status_code == status
    )


def test_close_page_lists_the_unfinished_first(org, period, django_assert_max_num_queries):
    goal = goal_in(org, period, name="新品A")
    for n in range(3):
        MeasureFactory(goal=goal, name=f"指标{n}")
        ActionItemFactory(department=org.mkt, goal=goal, title=f"未完成{n}")
        TargetAdjustmentFactory(
            measure=MeasureFactory(goal=goal_in(org, period, "sales")),
            created_by=org.person("admin"),
            approved_by=org.person("sales_manager"),
        )
    period_close(actor=user(org, "mkt_manager"), period=period, department=org.content)
    client = login(org.person("admin"))
    with django_assert_max_num_queries(20):
        page = client.get(reverse("tracking:period_close", args=[period.pk])).content.decode()
    assert page.index('data-testid="missing-final"') < page.index('data-testid="close-form"')
    assert "新品A" in page and "未完成2" in page and page.count("王强") >= 3
    assert 'data-testid="reopen-form"' in page and "内容组" in page


def test_a_manager_closes_from_the_page_and_an_admin_reopens(org, period):
    goal = goal_in(org, period, "content")
    url = reverse("tracking:period_close", args=[period.pk])
    manager = login(org.person("mkt_manager"))
    page = manager.get(url).content.decode()
    assert "销售部" not in page and 'data-testid="reopen-form"' not in page
    response = manager.post(url, {"department": org.sales.pk})
    assert response.status_code == 200 and not PeriodClosing.objects.exists()  # not a choice for them
    response = manager.post(url, {"department": org.mkt.pk, "note": "月结"})
    assert response.status_code == 302 and goal_is_frozen(goal)
    assert 'data-testid="close-form"' not in manager.get(url).content.decode()  # nothing left to close
    admin = login(org.person("admin"))
    response = admin.post(reverse("tracking:period_reopen", args=[period.pk]), {"reason": ""})
    assert response.status_code == 200 and PeriodClosing.objects.get().is_active
    response = admin.post(reverse("tracking:period_reopen", args=[period.pk]), {"reason": "补录8月数据"})
    assert response.status_code == 302 and not PeriodClosing.objects.get().is_active
    assert "补录8月数据" in admin.get(url).content.decode()


def test_a_closed_period_page_says_what_the_close_froze_and_links_its_retrospectives(org, period):
    goal_in(org, period)
    url = reverse("tracking:period_close", args=[period.pk])
    admin = login(org.person("admin"))
    page = admin.get(url).content.decode()
    assert 'data-testid="period-retrospectives"' not in page and "结账将冻结" in page
    period_close(actor=user(org, "admin"), period=period)
    page = admin.get(url).content.decode()
    assert "本次结账已冻结您范围内的 1 个目标" in page and "结账将冻结" not in page
    assert f"{reverse('retrospectives:list')}?period={period.pk}" in page


def test_periods_page_links_to_the_close_page(org, period):
    from lodestar.org.periods_services import period_generate_fiscal_year

    period_generate_fiscal_year(actor=user(org, "admin"), year=2026)
    year = Period.objects.get(kind="year", fiscal_year=2026)
    page = login(org.person("mkt_manager")).get(reverse("periods:list") + f"?year={year.pk}").content.decode()
    assert reverse("tracking:period_close", args=[year.pk]) in page


# --- API -------------------------------------------------------------------------------------


def test_api_close_reopen_and_snapshots(org, period):
    goal = goal_in(org, period, "content", visibility="department")
    MeasureFactory(goal=goal, target=Decimal(450), original_target=Decimal(500), current=Decimal(480))
    manager = ApiClient(token=token_for(org.person("mkt_manager")))
    response = manager.post(f"/periods/{period.pk}/close", {})
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    response = manager.post(f"/periods/{period.pk}/close", {"department_id": org.mkt.pk, "note": "月结"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (
        body["id"] == period.pk
        and body["is_closed"] is False
        and body["closing"]["department_id"] == org.mkt.pk
    )
    response = manager.post(f"/periods/{period.pk}/close", {"department_id": org.mkt.pk})
    assert (response.status_code, response.json()["code"]) == (409, "already_closed")
    snaps = manager.get("/snapshots", goal_id=goal.pk).json()
    assert snaps["count"] == 1
    row = snaps["items"][0]
    assert (
        row["target"],
        row["original_target"],
        row["original_achievement_rate"],
        row["achievement_rate"],
    ) == (
        "450.00",
        "500.00",
        "0.9600",
        "1.0667",
    )
    assert row["kind"] == "close" and row["period_id"] == period.pk and row["measure_name"]
    # Visibility: the sales manager does not see 内容组's goals.
    assert ApiClient(token=token_for(org.person("sales_manager"))).get("/snapshots").json()["count"] == 0
    response = manager.post(f"/periods/{period.pk}/reopen", {"reason": "x"})
    assert response.status_code == 403
    admin = ApiClient(token=token_for(org.person("admin")))
    response = admin.post(f"/periods/{period.pk}/reopen", {"reason": ""})
    assert (response.status_code, response.json()["field"]) == (422, "reason")
    response = admin.post(f"/periods/{period.pk}/reopen", {"reason": "补录"})
    assert response.status_code == 200 and response.json()["is_closed"] is False
    assert admin.post("/periods/999999/close", {}).status_code == 404


def test_the_period_patch_no_longer_closes(org, period):
    admin = ApiClient(token=token_for(org.person("admin")))
    response = admin.patch(f"/periods/{period.pk}", {"version": period.version, "is_closed": True})
    assert (response.status_code, response.json()["code"]) == (422, "use_period_close")


def test_frozen_goals_and_items_leave_the_weekly_report(org, frozen):
    from lodestar.tracking.selectors import due_item_q, due_measure_q, week_of

    week = week_of(dt.date(2026, 7, 15))
    assert not Measure.objects.filter(due_measure_q(week), pk=frozen["measure"].pk).exists()
    assert not ActionItem.objects.filter(due_item_q(), pk=frozen["item"].pk).exists()
    assert ActionItem.objects.filter(due_item_q(), pk=frozen["other"].pk).exists()  # no goal: not frozen


def test_recurring_items_no_longer_attach_to_a_frozen_goal(org, frozen):
    from lodestar.execution.services.recurring import generate_recurring_items
    from lodestar.testing.factories import RecurringItemFactory

    RecurringItemFactory(
        department=org.mkt,
        goal=frozen["goal"],
        responsible=org.person("member"),
        accountable=org.person("mkt_manager"),
        created_by=org.person("mkt_manager"),
        next_due=dt.date(2026, 7, 3),
    )
    assert generate_recurring_items(today=dt.date(2026, 7, 3)) == 1
    assert ActionItem.objects.get(recurrence__isnull=False).goal_id is None


def test_periods_page_offers_reopen_to_admins_only(org):
    """Only an admin reopens: on a closed period a manager's button reads 结账记录, not 重新打开."""
    from lodestar.org.periods_services import period_generate_fiscal_year

    period_generate_fiscal_year(actor=user(org, "admin"), year=2026)
    year = Period.objects.get(kind="year", fiscal_year=2026)
    q2 = Period.objects.get(kind="quarter", fiscal_year=2026, start=dt.date(2026, 4, 1))
    period_close(actor=user(org, "admin"), period=q2)
    url = reverse("periods:list") + f"?year={year.pk}"
    assert "重新打开…" not in login(org.person("mkt_manager")).get(url).content.decode()
    assert "结账记录" in login(org.person("mkt_manager")).get(url).content.decode()
    assert "重新打开…" in login(org.person("admin")).get(url).content.decode()


def test_a_part_reporting_late_does_not_move_its_frozen_parent(org, period):
    """品牌部's goal is split with an open department; 品牌部 closes its goals: a later report on the open
    part rolls up everywhere except into the frozen parent, whose figures stay as closed."""
    from lodestar.goals.rollup import recompute_measure, rollup_from

    parent = goal_in(org, period, "mkt")
    source = MeasureFactory(goal=parent, target=Decimal(100), current=Decimal(40))
    part_goal = goal_in(org, period, "sales", parent=parent)
    part = MeasureFactory(goal=part_goal, target=Decimal(50), current=Decimal(40), source=source)
    rollup_from(part_goal)
    before = Goal.objects.get(pk=parent.pk).achievement_rate
    period_close(actor=user(org, "mkt_manager"), period=period, department=org.mkt)
    assert goal_is_frozen(parent) and not goal_is_frozen(part_goal)

    Measure.objects.filter(pk=part.pk).update(current=Decimal(50))
    part.refresh_from_db()
    recompute_measure(part)
    rollup_from(part_goal)
    assert Measure.objects.get(pk=source.pk).current == Decimal(40)  # not 50: frozen
    assert Goal.objects.get(pk=parent.pk).achievement_rate == before
    assert Goal.objects.get(pk=part_goal.pk).achievement_rate == Decimal(1)  # the open part moved
