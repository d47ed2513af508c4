"""Tracking services on a real database: check-ins move the measure and the roll-ups in one
transaction, refusals write nothing, plans (even / manual / curve), deleting a check-in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lodestar.core.errors import ApplicationError, ConflictError, NotFound, PermissionDeniedError
from lodestar.execution import services as execution_services
from lodestar.goals.models import Goal, GoalKind
from lodestar.goals.services.decomposition import goal_decompose
from lodestar.org.periods_services import period_set_closed
from lodestar.tracking import services
from lodestar.tracking.models import CheckIn, DeviationCategory, PlanPoint
from lodestar.tracking.tests.support import WEEK1, WEEK2, WEEK3, fresh, measure_spec, submit

D = Decimal


# --- check-ins on a measure ----------------------------------------------------------------


def test_checkin_sets_current_and_rolls_up_to_the_parent(world, tree):
    category = DeviationCategory.objects.get(code="partner_delay")
    checkin = submit(
        world.mkt_manager,
        measure=tree.m1,
        planned="7",
        actual="5",
        cumulative="50",
        deviation_category=category,
        deviation_reason="KOL排期延误",
        improvement="增加1位素人博主",
        resource_budget="2000",
        confidence=6,
    )
    assert checkin.author == world.mkt_manager and checkin.deviation_category == category
    submit(world.mkt_manager, measure=tree.m2, actual="80")
    tree.reload()
    assert tree.m1.current == D(50) and tree.m2.current == D(80)
    assert tree.m1.progress == D("0.5") and tree.first.progress == D("0.5")
    assert tree.second.achievement_rate == D("0.8")
    # 60% × 0.5 + 40% × 0.8
    assert tree.parent.progress == D("0.62")
    assert tree.parent.achievement_rate == D("0.62")


def test_cumulative_defaults_to_previous_plus_actual(world, tree):
    first = submit(world.mkt_manager, measure=tree.m1, actual="5")
    assert first.cumulative == D(5)
    second = submit(world.mkt_manager, measure=tree.m1, period=WEEK2, actual="12")
    assert second.cumulative == D(17)
    tree.reload()
    assert tree.m1.current == D(17)


def test_a_late_report_continues_from_the_week_before_it_and_leaves_the_latest_value(world, tree):
    submit(world.mkt_manager, measure=tree.m1, actual="5")  # week 1: 5
    submit(world.mkt_manager, measure=tree.m1, period=WEEK3, cumulative="30")  # week 3: 30
    late = submit(world.mkt_manager, measure=tree.m1, period=WEEK2, actual="4")  # week 2, reported late
    assert late.cumulative == D(9)  # week 1's 5 + 4, not week 3's 30 + 4
    tree.reload()
    assert tree.m1.current == D(30)  # the latest period still sets the value


def test_correcting_the_latest_week_moves_the_value_and_keeps_its_base(world, tree):
    submit(world.mkt_manager, measure=tree.m1, actual="5")
    second = submit(world.mkt_manager, measure=tree.m1, period=WEEK2, actual="12")
    corrected = submit(world.mkt_manager, measure=tree.m1, period=WEEK2, actual="7", version=second.version)
    assert corrected.pk == second.pk and corrected.cumulative == D(12)  # 5 + 7
    tree.reload()
    assert tree.m1.current == D(12)
    assert CheckIn.objects.filter(measure=tree.m1).count() == 2


def test_a_measure_of_a_deleted_goal_is_not_found(world, tree):
    Goal.objects.filter(pk=tree.first.pk).update(deleted_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    with pytest.raises(NotFound) as caught:
        submit(world.mkt_manager, measure=tree.m1, actual="1")
    assert caught.value.field == "measure_id"
    assert not CheckIn.objects.filter(measure=tree.m1).exists()


def test_cumulative_starts_from_the_baseline(world, make_goal, activate):
    goal = activate(
        make_goal(
            "复购率",
            measures=[measure_spec("复购率", target="20", baseline="15", unit="percent", accumulates=True)],
        )
    )
    measure = goal.measures.get()
    checkin = submit(world.mkt_manager, measure=measure, actual="1.5")
    assert checkin.cumulative == D("16.5")
    measure.refresh_from_db()
    assert measure.current == D("16.5") and measure.progress == D("0.3")


def test_a_level_measure_takes_the_reported_value_as_its_current_value(world, make_goal, activate):
    goal = activate(
        make_goal("单篇点赞", measures=[measure_spec("单篇平均点赞", target="30", accumulates=False)])
    )
    measure = goal.measures.get()
    assert measure.accumulates is False
    first = submit(world.mkt_manager, measure=measure, planned="20", actual="18")
    assert first.cumulative == D(18)
    second = submit(world.mkt_manager, measure=measure, period=WEEK2, planned="20", actual="19")
    assert second.cumulative == D(19)
    measure.refresh_from_db()
    assert measure.current == D(19)  # not 18 + 19 = 37
    # A correction of the first week leaves the latest level as the current value.
    submit(world.mkt_manager, measure=measure, actual="17", version=first.version)
    measure.refresh_from_db()
    assert measure.current == D(19)


def test_a_percent_measure_is_a_level_by_default(world, make_goal, activate):
    goal = activate(
        make_goal("复购率", measures=[measure_spec("复购率", target="20", baseline="15", unit="percent")])
    )
    measure = goal.measures.get()
    assert measure.accumulates is False
    submit(world.mkt_manager, measure=measure, actual="16")
    submit(world.mkt_manager, measure=measure, period=WEEK2, actual="17.5")
    measure.refresh_from_db()
    assert measure.current == D("17.5") and measure.progress == D("0.5")


def test_resubmitting_the_period_updates_it_and_a_stale_version_conflicts(world, tree):
    first = submit(world.mkt_manager, measure=tree.m1, actual="5")
    again = submit(world.mkt_manager, measure=tree.m1, actual="6", version=first.version)
    assert again.pk == first.pk and again.version == first.version + 1
    assert CheckIn.objects.count() == 1 and again.cumulative == D(6)
    tree.reload()
    assert tree.m1.current == D(6)
    with pytest.raises(ConflictError) as caught:
        submit(world.mkt_manager, measure=tree.m1, actual="9", version=first.version)
    assert caught.value.field == "version"
    tree.reload()
    assert tree.m1.current == D(6) and CheckIn.objects.get().actual == D(6)


def test_the_owner_of_an_active_goal_may_report(world, make_goal, activate):
    goal = activate(make_goal("林晓的笔记", owner=world.member, measures=[measure_spec("笔记")]))
    checkin = submit(world.member, measure=goal.measures.get(), actual="3")
    assert checkin.author == world.member


# --- check-ins on an item ------------------------------------------------------------------


def test_item_checkin_sets_actual_quantity_and_feeds_the_goal_measure(world, tree):
    item = execution_services.item_create(
        actor=fresh(world.mkt_manager),
        department=world.mkt,
        title="小红书笔记发布",
        responsible=[world.member],
        accountable=world.mkt_manager,
        goal=tree.first,
        measure=tree.m1,
        planned_quantity=D(10),
    )
    checkin = submit(world.member, item=item, planned="7", actual="5")
    assert checkin.cumulative == D(5)
    submit(world.member, item=item, period=WEEK2, actual="4")
    item.refresh_from_db()
    assert item.actual_quantity == D(9)
    tree.reload()
    assert tree.m1.current == D(9)
    assert tree.parent.progress == D("0.054")  # 60% × 9/100
    with pytest.raises(PermissionDeniedError):
        submit(world.sales_member, item=item, period=WEEK3, actual="1")


# --- refusals write nothing ----------------------------------------------------------------


def refused(tree, call, *, field=None, code=None, error=ApplicationError):
    tree.m1.refresh_from_db()
    before = (tree.m1.current, tree.m1.version)
    with pytest.raises(error) as caught:
        call()
    if field is not None:
        assert caught.value.field == field, caught.value
    if code is not None:
        assert caught.value.code == code, caught.value
    assert CheckIn.objects.count() == 0
    tree.m1.refresh_from_db()
    assert (tree.m1.current, tree.m1.version) == before
    return caught.value


def test_neither_or_both_subjects_are_refused(world, tree):
    item = execution_services.item_create(
        actor=fresh(world.mkt_manager), department=world.mkt, title="笔记", goal=tree.first, measure=tree.m1
    )
    refused(tree, lambda: submit(world.mkt_manager, actual="1"), field="measure_id")
    refused(
        tree, lambda: submit(world.mkt_manager, measure=tree.m1, item=item, actual="1"), field="measure_id"
    )


def test_draft_goal_is_refused(world, make_goal, tree):
    draft = make_goal("草稿目标", measures=[measure_spec("笔记")])
    refused(
        tree, lambda: submit(world.mkt_manager, measure=draft.measures.get(), actual="1"), code="not_active"
    )


def test_closed_period_is_refused(world, make_goal, activate, tree):
    goal = activate(make_goal("Q2 笔记", period=world.q2, measures=[measure_spec("笔记")]))
    period_set_closed(actor=fresh(world.admin), period=world.q2, is_closed=True)
    refused(
        tree,
        lambda: submit(world.mkt_manager, measure=goal.measures.get(), actual="1"),
        code="period_closed",
        field="measure_id",
    )


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"planned": "-1", "actual": "1"}, "planned"),
        ({"actual": "1", "confidence": 11}, "confidence"),
        ({"actual": "1", "confidence": -1}, "confidence"),
        ({"actual": "1", "resource_budget": "-5"}, "resource_budget"),
        ({"planned": "7"}, "actual"),  # neither actual nor cumulative
        ({"actual": "abc"}, "actual"),
    ],
)
def test_invalid_figures_are_refused(world, tree, fields, field):
    refused(tree, lambda: submit(world.mkt_manager, measure=tree.m1, **fields), field=field)


def test_period_end_before_start_and_longer_than_a_month_are_refused(world, tree):
    refused(
        tree,
        lambda: submit(world.mkt_manager, measure=tree.m1, period=(WEEK1[1], WEEK1[0]), actual="1"),
        field="period_end",
    )
    refused(
        tree,
        lambda: submit(
            world.mkt_manager, measure=tree.m1, period=(dt.date(2026, 4, 1), dt.date(2026, 5, 15)), actual="1"
        ),
        field="period_end",
    )
    refused(
        tree,
        lambda: submit(world.mkt_manager, measure=tree.m1, actual="1", period_kind="year"),
        field="period_kind",
    )


def test_a_measure_with_decomposed_parts_is_refused(world, make_goal, activate, tree):
    goal = activate(
        make_goal("全年销售额", kind=GoalKind.KPI, measures=[measure_spec("销售额", target="500")])
    )
    measure = goal.measures.get()
    goal_decompose(
        actor=fresh(world.mkt_manager),
        goal=goal,
        dimension="department",
        measure=measure,
        mode="percent",
        parts=[
            {"label": "内容组", "share": "60", "department": world.content},
            {"label": "市场部", "share": "40", "department": world.mkt},
        ],
    )
    refused(tree, lambda: submit(world.mkt_manager, measure=measure, actual="1"), field="measure_id")


@pytest.mark.parametrize("who", ["member", "viewer", "sales_manager", "sales_member", "hr"])
def test_the_wrong_person_is_refused(world, tree, who):
    refused(tree, lambda: submit(world.person(who), measure=tree.m1, actual="1"), error=PermissionDeniedError)


# --- atomicity -----------------------------------------------------------------------------


def boom(*args, **kwargs):
    raise RuntimeError("injected failure")


@pytest.mark.parametrize(
    "target", ["lodestar.tracking.services.checkins._apply_latest", "lodestar.goals.rollup.rollup_from"]
)
def test_a_failure_after_saving_rolls_everything_back(world, tree, monkeypatch, target):
    monkeypatch.setattr(target, boom)
    with pytest.raises(RuntimeError):
        submit(world.mkt_manager, measure=tree.m1, actual="5")
    assert not CheckIn.objects.exists()
    tree.reload()
    assert tree.m1.current is None and tree.m1.version == 1 and tree.parent.progress is None


def test_a_failed_correction_keeps_the_old_figures(world, tree, monkeypatch):
    first = submit(world.mkt_manager, measure=tree.m1, actual="5")
    monkeypatch.setattr("lodestar.goals.rollup.rollup_from", boom)
    with pytest.raises(RuntimeError):
        submit(world.mkt_manager, measure=tree.m1, actual="9", version=first.version)
    stored = CheckIn.objects.get()
    assert (stored.actual, stored.cumulative, stored.version) == (D(5), D(5), first.version)
    tree.reload()
    assert tree.m1.current == D(5) and tree.first.progress == D("0.05")


# --- deleting ------------------------------------------------------------------------------


def test_delete_restores_the_previous_cumulative(world, tree):
    first = submit(world.mkt_manager, measure=tree.m1, actual="5")
    second = submit(world.mkt_manager, measure=tree.m1, period=WEEK2, actual="7")
    tree.reload()
    assert tree.m1.current == D(12)
    with pytest.raises(PermissionDeniedError):
        services.checkin_delete(actor=fresh(world.viewer), checkin=second)
    services.checkin_delete(actor=fresh(world.mkt_manager), checkin=second)
    tree.reload()
    assert tree.m1.current == D(5) and tree.parent.progress == D("0.03")
    services.checkin_delete(actor=fresh(world.mkt_manager), checkin=first)
    tree.reload()
    assert tree.m1.current is None and not CheckIn.objects.exists()


# --- plans ---------------------------------------------------------------------------------


def test_plan_even_is_a_weekly_straight_line_over_the_period(world, tree):
    plan = services.plan_set(actor=fresh(world.mkt_manager), measure=tree.m1, source="even")
    year = world.year
    days = (year.end - year.start).days + 1
    # The first point is what is due by the end of the first day (1/365 of the way), in whole
    # things when the measure counts them (issue 13: no 3.85篇).
    first = D(100) / days
    if tree.m1.unit in ("count", "people", "custom") and tree.m1.accumulates:
        first = D(0)
        assert all(p.expected_cumulative % 1 == 0 for p in plan)
    assert plan[0].date == year.start and abs(plan[0].expected_cumulative - first) < D("0.0001")
    assert plan[-1].date == year.end and plan[-1].expected_cumulative == D(100)
    assert all(p.source == PlanPoint.Source.EVEN for p in plan)
    assert (plan[1].date - plan[0].date).days == 7
    values = [p.expected_cumulative for p in plan]
    assert values == sorted(values)


def test_plan_manual_replaces_the_plan_and_checks_dates(world, tree):
    services.plan_set(actor=fresh(world.mkt_manager), measure=tree.m1, source="even")
    points = [(dt.date(2026, 3, 31), "20"), (dt.date(2026, 6, 30), "50"), (dt.date(2026, 12, 31), "100")]
    services.plan_set(actor=fresh(world.mkt_manager), measure=tree.m1, source="manual", points=points)
    stored = list(
        PlanPoint.objects.filter(measure=tree.m1).values_list("date", "expected_cumulative", "source")
    )
    assert stored == [(day, D(value), "manual") for day, value in points]
    for bad, field in (
        ([(dt.date(2027, 1, 1), "1")], "points"),
        ([(dt.date(2026, 3, 1), "1"), (dt.date(2026, 3, 1), "2")], "points"),
        ([], "points"),
    ):
        with pytest.raises(ApplicationError) as caught:
            services.plan_set(actor=fresh(world.mkt_manager), measure=tree.m1, source="manual", points=bad)
        assert caught.value.field == field
    with pytest.raises(ApplicationError):
        services.plan_set(actor=fresh(world.mkt_manager), measure=tree.m1, source="weekly")
    with pytest.raises(PermissionDeniedError):
        services.plan_set(actor=fresh(world.viewer), measure=tree.m1, source="even")
    assert PlanPoint.objects.filter(measure=tree.m1).count() == 3


def test_plan_curve_follows_the_time_decomposition(world, make_goal, activate):
    goal = activate(
        make_goal(
            "新品A 全年销售额500万元", kind=GoalKind.KPI, measures=[measure_spec("销售额", target="500")]
        )
    )
    measure = goal.measures.get()
    with pytest.raises(ApplicationError) as caught:
        services.plan_set(actor=fresh(world.mkt_manager), measure=measure, source="curve")
    assert caught.value.field == "source"
    shares = ("20", "30", "35", "15")
    goal_decompose(
        actor=fresh(world.mkt_manager),
        goal=goal,
        dimension="time",
        measure=measure,
        mode="percent",
        parts=[
            {"label": quarter.name, "share": share, "period": quarter}
            for quarter, share in zip(world.quarters, shares, strict=True)
        ],
    )
    plan = services.plan_set(actor=fresh(world.mkt_manager), measure=measure, source="curve")
    assert [(p.date, p.expected_cumulative) for p in plan] == [
        (world.quarters[0].start, D(0)),
        (world.quarters[0].end, D(100)),
        (world.quarters[1].end, D(250)),
        (world.quarters[2].end, D(425)),
        (world.quarters[3].end, D(500)),
    ]
    assert {p.source for p in plan} == {"curve"}
