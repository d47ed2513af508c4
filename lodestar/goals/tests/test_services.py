"""Goal services against the database: validation that writes nothing, stored roll-ups,
consensus, target adjustments, decomposition, templates, copying and permissions.

The organisation (`w`) comes from the goals conftest, the helpers from services_support.py.
"""

from __future__ import annotations

import pytest

from lodestar.core.errors import ConflictError, PermissionDeniedError
from lodestar.core.models import Period
from lodestar.goals import services
from lodestar.goals.models import (
    GoalStatus,
)
from lodestar.goals.tests.services_support import (
    D,
    activate,
    as_user,
    fresh,
    make_goal,
    measure,
    refused,
    report,
)
from lodestar.org.periods_services import period_set_closed

# --- creating goals --------------------------------------------------------------------------


def test_create_goal_with_measures(w):
    goal = make_goal(
        w,
        "新品A Q3销售额",
        by=w.mkt_mgr,
        owner=w.member,
        department=w.content,
        weight="60",
        description="2024年Q3通过线上渠道(抖音+天猫)实现新品A销售额500万元",
        collaborating_departments=[w.sales],
        measures=[
            measure(current="480", challenge="550"),
            measure("新客占比", target="40", unit="percent", baseline="30", current="38"),
        ],
    )
    goal = fresh(goal)
    assert (goal.status, goal.owner, goal.department, goal.period, goal.weight) == (
        GoalStatus.DRAFT,
        w.member,
        w.content,
        w.q3,
        D("60"),
    )
    assert goal.created_by == w.mkt_mgr
    assert list(goal.collaborating_departments.all()) == [w.sales]
    sales, share = goal.measures.order_by("sort_order")
    assert (sales.name, sales.unit, sales.target, sales.current, sales.challenge) == (
        "销售额",
        "wan_yuan",
        D(500),
        D(480),
        D(550),
    )
    assert sales.achievement_rate == D("0.96") and sales.progress == D("0.96")
    assert share.achievement_rate == D("0.95") and share.progress == D("0.8")
    assert sales.original_target is None  # frozen only when the goal becomes active
    # The goal's score is the mean over its measures.
    assert goal.achievement_rate == D("0.955") and goal.progress == D("0.88")
    assert goal.history.count() >= 1


def test_owner_defaults_to_the_actor(w):
    goal = make_goal(w, "本人目标", by=w.member, department=w.content)
    assert goal.owner == w.member


def test_the_seeds_goal_set_rolls_up_exactly(w):
    parent = make_goal(w, "市场部Q3目标", kind="objective")
    make_goal(w, "新品A Q3销售额", parent=parent, weight="60", measures=[measure(current="480")])
    make_goal(
        w,
        "小红书品牌曝光",
        parent=parent,
        weight="30",
        measures=[
            measure("曝光量", target="200", unit="count", current="220"),
            measure("互动率", target="3", unit="percent", current="3.3"),
        ],
    )
    repurchase = make_goal(
        w,
        "用户复购率提升",
        parent=parent,
        weight="10",
        measures=[measure("复购率", target="20", unit="percent", baseline="15", current="18")],
    )
    assert fresh(repurchase).progress == D("0.6")
    parent = fresh(parent)
    # Each part capped at 100% (DOMAIN.md): achievement 0.6 × 0.96 + 0.3 × 1 + 0.1 × 0.90 = 0.966;
    # uncapped 0.6 × 0.96 + 0.3 × 1.10 + 0.1 × 0.90 = 0.996; progress 0.6 × 0.96 + 0.3 × 1 + 0.1 × 0.60.
    assert (parent.achievement_rate, parent.progress) == (D("0.966"), D("0.936"))
    assert parent.achievement_rate_uncapped == D("0.996")
    assert parent.child_count == 3


# --- bad input: a clear message on the field, nothing written -------------------------------


def test_sibling_weights_over_100_are_refused(w):
    parent = make_goal(w, "市场部Q3目标")
    make_goal(w, "新品A", parent=parent, weight="60")
    make_goal(w, "小红书", parent=parent, weight="30")
    error = refused(
        lambda: make_goal(w, "复购率", parent=parent, weight="20"), field="weight", code="weights_over_100"
    )
    assert "110" in error.message
    make_goal(w, "复购率", parent=parent, weight="10")  # exactly 100 is fine


def test_top_level_sibling_weights_over_100_are_refused(w):
    make_goal(w, "甲", department=w.sales, weight="70")
    refused(
        lambda: make_goal(w, "乙", department=w.sales, weight="40"), field="weight", code="weights_over_100"
    )
    # Another department or another period is another set.
    make_goal(w, "乙", department=w.mkt, weight="40")
    make_goal(w, "乙", department=w.sales, period=w.q4, weight="40")


def test_raising_a_weight_over_100_on_update_is_refused(w):
    parent = make_goal(w, "父目标")
    make_goal(w, "甲", parent=parent, weight="60")
    second = make_goal(w, "乙", parent=parent, weight="40")
    refused(
        lambda: services.goal_update(actor=as_user(w.admin), goal=second, version=None, weight="41"),
        field="weight",
        code="weights_over_100",
    )


def test_sibling_weights_save_needs_exactly_100(w):
    parent = make_goal(w, "父目标")
    a = make_goal(w, "甲", parent=parent)
    b = make_goal(w, "乙", parent=parent)
    refused(
        lambda: services.sibling_weights_save(actor=as_user(w.admin), weights={a.pk: "60", b.pk: "30"}),
        field="weight",
        code="weights_not_100",
    )
    services.sibling_weights_save(actor=as_user(w.admin), weights={a.pk: "60", b.pk: "40"})
    assert (fresh(a).weight, fresh(b).weight) == (D(60), D(40))


def test_target_equal_to_baseline_is_refused(w):
    refused(
        lambda: make_goal(
            w, "复购率", measures=[measure("复购率", target="20", unit="percent", baseline="20")]
        ),
        field="target",
        code="target_equals_baseline",
    )
    goal = make_goal(w, "复购率", measures=[measure("复购率", target="20", unit="percent", baseline="15")])
    refused(
        lambda: services.measure_update(
            actor=as_user(w.admin), measure=goal.measures.get(), version=None, target="15"
        ),
        field="target",
        code="target_equals_baseline",
    )


@pytest.mark.parametrize("field", ["target", "baseline", "current"])
def test_a_negative_count_is_refused(w, field):
    figures = {"target": "10", "baseline": "2", "current": "5", field: "-3"}
    refused(
        lambda: make_goal(w, "笔记篇数", measures=[measure("笔记", unit="count", **figures)]),
        field=field,
        code="negative",
    )


def test_a_negative_current_value_is_refused_on_report(w):
    goal = make_goal(w, "笔记篇数", measures=[measure("笔记", target="20", unit="count")])
    refused(lambda: report(w, goal, "-1"), field="current", code="negative")


def test_a_non_number_is_refused_on_its_field(w):
    refused(
        lambda: make_goal(w, "笔记篇数", measures=[measure("笔记", target="二十", unit="count")]),
        field="target",
    )


def test_a_period_outside_the_parents_is_refused(w):
    parent = make_goal(w, "Q3目标", period=w.q3)
    refused(
        lambda: make_goal(w, "Q4子目标", parent=parent, period=w.q4),
        field="period_id",
        code="period_outside_parent",
    )
    refused(
        lambda: make_goal(w, "全年子目标", parent=parent, period=w.fy),
        field="period_id",
        code="period_outside_parent",
    )
    child = make_goal(w, "7月子目标", parent=parent, period=Period.objects.get(key="FY2024-M07"))
    # Moving the parent to a period that no longer contains its child is refused too.
    refused(
        lambda: services.goal_update(actor=as_user(w.admin), goal=parent, version=None, period=w.q4),
        field="period_id",
        code="period_outside_parent",
    )
    assert fresh(child).parent == parent


def test_a_cycle_in_the_parent_chain_is_refused(w):
    a = make_goal(w, "A")
    b = make_goal(w, "B", parent=a)
    c = make_goal(w, "C", parent=b)
    assert [fresh(g).depth for g in (a, b, c)] == [0, 1, 2]
    refused(
        lambda: services.goal_update(actor=as_user(w.admin), goal=a, version=None, parent=c),
        field="parent_id",
        code="cycle",
    )
    refused(
        lambda: services.goal_update(actor=as_user(w.admin), goal=b, version=None, parent=b),
        field="parent_id",
        code="cycle",
    )


def test_editing_a_goal_in_a_closed_period_is_refused(w):
    goal = make_goal(w, "Q3目标", measures=[measure(current="100")])
    period_set_closed(actor=as_user(w.admin), period=w.q3, is_closed=True)
    refused(
        lambda: services.goal_update(actor=as_user(w.admin), goal=goal, version=None, name="改名"),
        field="period_id",
        code="period_closed",
    )
    refused(lambda: report(w, goal, "200"), field="period_id", code="period_closed")
    refused(
        lambda: make_goal(w, "新目标", period=Period.objects.get(pk=w.q3.pk)),
        field="period_id",
        code="period_closed",
    )
    refused(
        lambda: services.goal_delete(actor=as_user(w.admin), goal=goal),
        field="period_id",
        code="period_closed",
    )


def test_a_stale_version_is_refused(w):
    goal = make_goal(w, "Q3目标")
    services.goal_update(actor=as_user(w.admin), goal=goal, version=goal.version, name="改名一次")
    refused(
        lambda: services.goal_update(actor=as_user(w.admin), goal=goal, version=goal.version, name="再改"),
        field="version",
        code="version_conflict",
        error=ConflictError,
    )


# --- permissions -----------------------------------------------------------------------------


def test_member_creates_own_goal_in_own_department_only(w):
    goal = make_goal(
        w,
        "我的Q3笔记目标",
        by=w.member,
        department=w.content,
        measures=[measure("笔记", target="20", unit="count")],
    )
    assert (goal.owner, goal.department, goal.created_by) == (w.member, w.content, w.member)
    refused(
        lambda: make_goal(w, "越权", by=w.member, department=w.sales),
        field="department_id",
        error=PermissionDeniedError,
    )
    refused(
        lambda: make_goal(w, "越权", by=w.member, department=w.mkt),
        field="department_id",
        error=PermissionDeniedError,
    )
    refused(
        lambda: make_goal(w, "替别人定", by=w.member, department=w.content, owner=w.member2),
        field="department_id",
        error=PermissionDeniedError,
    )
    # A manager sets goals for people anywhere in the subtree, but not in another department.
    make_goal(w, "经理下达", by=w.mkt_mgr, department=w.content, owner=w.member2)
    refused(
        lambda: make_goal(w, "越权", by=w.mkt_mgr, department=w.sales),
        field="department_id",
        error=PermissionDeniedError,
    )


def test_viewer_cannot_write(w):
    goal = make_goal(w, "部门目标", measures=[measure()])
    refused(
        lambda: make_goal(w, "访客目标", by=w.viewer, department=w.mkt),
        field=None,
        error=PermissionDeniedError,
    )
    refused(
        lambda: services.goal_update(actor=as_user(w.viewer), goal=goal, version=None, name="改"),
        field=None,
        error=PermissionDeniedError,
    )
    refused(lambda: report(w, goal, "100", by=w.viewer), field=None, error=PermissionDeniedError)
    refused(
        lambda: services.goal_set_status(actor=as_user(w.viewer), goal=goal, status="cancelled"),
        field=None,
        error=PermissionDeniedError,
    )


def test_owner_edits_a_draft_but_changes_an_active_target_only_by_adjustment(w):
    goal = make_goal(w, "我的目标", by=w.member, department=w.content, measures=[measure(target="20")])
    services.goal_update(actor=as_user(w.member), goal=goal, version=None, name="我的目标(修订)")
    services.measure_update(actor=as_user(w.member), measure=goal.measures.get(), version=None, target="25")
    activate(w, [goal])
    target = goal.measures.get()
    for change in ({"target": "30"}, {"baseline": "1"}, {"direction": "lower"}):
        refused(
            lambda change=change: services.measure_update(
                actor=as_user(w.member), measure=target, version=None, **change
            ),
            field=next(iter(change)),
            code="adjustment_required",
        )
        refused(
            lambda change=change: services.measure_update(
                actor=as_user(w.mkt_mgr), measure=target, version=None, **change
            ),
            field=next(iter(change)),
            code="adjustment_required",
        )
    # Repeating the same target is not a change; reporting progress is the owner's job.
    services.measure_update(actor=as_user(w.member), measure=target, version=None, current="10")
    assert goal.measures.get().current == D(10)
    refused(
        lambda: services.goal_update(actor=as_user(w.member), goal=goal, version=None, name="再改"),
        field=None,
        error=PermissionDeniedError,
    )
    # Someone else cannot report on it.
    refused(lambda: report(w, goal, "12", by=w.member2), field=None, error=PermissionDeniedError)
