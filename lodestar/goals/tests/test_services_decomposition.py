"""Goal services: decomposition (time, department, person), templates and copying a period's goals."""

from __future__ import annotations

import pytest
from django.utils import translation

from lodestar.core.errors import PermissionDeniedError
from lodestar.goals import services
from lodestar.goals.models import (
    Decomposition,
    Goal,
    GoalStatus,
)
from lodestar.goals.services import decomposition, reuse
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

# --- decomposition ---------------------------------------------------------------------------


def time_parts(w, shares=("20", "30", "35", "15")):
    return [
        {"label": f"Q{i}", "share": share, "period": period}
        for i, (share, period) in enumerate(zip(shares, (w.q1, w.q2, w.q3, w.q4), strict=True), 1)
    ]


def decompose(w, goal, *, mode="percent", dimension="time", parts, by=None):
    return decomposition.goal_decompose(
        actor=as_user(by or w.admin), goal=goal, dimension=dimension, measure=None, mode=mode, parts=parts
    )


@pytest.fixture
def annual(w):
    return make_goal(w, "新品A全年销售额", period=w.fy, owner=w.mkt_mgr, measures=[measure(baseline="300")])


def test_time_split_by_percentages(w, annual):
    children = decompose(w, annual, parts=time_parts(w))
    assert [c.period for c in children] == [w.q1, w.q2, w.q3, w.q4]
    source = annual.measures.get()
    parts = [c.measures.get() for c in children]
    assert [p.target for p in parts] == [D(100), D(150), D(175), D(75)]
    assert sum(p.target for p in parts) == source.target
    assert all(p.source == source for p in parts)
    assert all(p.baseline == 0 for p in parts)  # each part starts from nothing
    assert [fresh(c).weight for c in children] == [D(20), D(30), D(35), D(15)]
    assert all((c.parent, c.owner, c.status) == (annual, w.mkt_mgr, GoalStatus.DRAFT) for c in children)
    record = Decomposition.objects.get(goal=annual)
    assert (record.dimension, record.mode, record.measure) == ("time", "percent", source)
    assert [p["goal_id"] for p in record.parts] == [c.pk for c in children]
    assert fresh(annual).child_count == 4


def test_even_thirds_give_weights_that_sum_to_100(w, annual):
    children = decompose(
        w,
        annual,
        dimension="business_line",
        parts=[
            {"label": name, "share": share}
            for name, share in (("产品A", "33.33"), ("产品B", "33.33"), ("产品C", "33.34"))
        ],
    )
    assert sum(fresh(c).weight for c in children) == D(100)
    assert sum(c.measures.get().target for c in children) == D(500)


def test_parts_current_values_sum_into_the_parent_measure(w, annual):
    children = decompose(w, annual, parts=time_parts(w))
    report(w, children[0], "90")
    report(w, children[1], "160")
    source = annual.measures.get()
    assert source.current == D(250)
    assert fresh(annual).achievement_rate == D("0.5")
    report(w, children[1], "170", by=w.mkt_mgr)  # the parts' owner reports
    assert annual.measures.get().current == D(260)
    services.goal_set_status(actor=as_user(w.admin), goal=children[0], status=GoalStatus.CANCELLED)
    assert annual.measures.get().current == D(170)


def test_department_split_by_amounts(w):
    goal = make_goal(w, "Q3销售额", department=w.company, measures=[measure()])
    children = decompose(
        w,
        goal,
        mode="amount",
        dimension="department",
        parts=[{"department": w.mkt, "amount": "300"}, {"department": w.sales, "amount": "200"}],
    )
    assert [(c.name, c.department, c.owner) for c in children] == [
        ("Q3销售额 · 市场部", w.mkt, w.mkt_mgr),
        ("Q3销售额 · 销售部", w.sales, w.sales_mgr),
    ]
    assert [c.measures.get().target for c in children] == [D(300), D(200)]
    assert [fresh(c).weight for c in children] == [D(60), D(40)]


def test_person_split_of_an_active_goal_creates_active_parts(w, active_goal):
    children = decompose(
        w,
        active_goal,
        dimension="person",
        by=w.mkt_mgr,
        parts=[{"owner": w.member, "share": "50"}, {"owner": w.member2, "share": "50"}],
    )
    assert [(c.owner, c.department, fresh(c).status) for c in children] == [
        (w.member, w.content, GoalStatus.ACTIVE),
        (w.member2, w.content, GoalStatus.ACTIVE),
    ]
    assert [c.measures.get().original_target for c in children] == [D(250), D(250)]


def test_amounts_must_sum_to_the_target_and_shares_to_100(w, annual):
    refused(
        lambda: decompose(
            w,
            annual,
            mode="amount",
            dimension="business_line",
            parts=[{"label": "A", "amount": "300"}, {"label": "B", "amount": "100"}],
        ),
        field="parts",
        code="parts_not_target",
    )
    refused(
        lambda: decompose(w, annual, parts=time_parts(w, ("20", "30", "35", "10"))),
        field="parts",
        code="parts_not_100",
    )
    refused(lambda: decompose(w, annual, parts=time_parts(w)[:1]), field="parts")
    refused(
        lambda: decompose(
            w,
            annual,
            dimension="time",
            parts=[{"label": "上半年", "share": "50"}, {"label": "下半年", "share": "50"}],
        ),
        field="parts",
    )
    refused(
        lambda: decompose(w, annual, parts=time_parts(w), by=w.member),
        field=None,
        error=PermissionDeniedError,
    )


def test_a_failure_midway_leaves_nothing_created(w, annual):
    parts = time_parts(w)
    parts[2] = {"label": "2025Q1", "share": "35", "period": w.next_q1}  # outside the goal's year
    for language, prefix in (("en", "Part 3"), ("zh-hans", "第3项")):
        with translation.override(language):
            error = refused(
                lambda: decompose(w, annual, parts=parts), field="parts", code="period_outside_parent"
            )
        assert error.message.startswith(prefix), error.message
    assert fresh(annual).child_count == 0


# --- templates and copying -------------------------------------------------------------------


@pytest.fixture
def kpi_set(w):
    """The three KPIs of a channel specialist (member), weights 50/30/20."""
    return [
        make_goal(
            w,
            "渠道销售额",
            by=w.mkt_mgr,
            owner=w.member,
            department=w.content,
            weight="50",
            measures=[measure(target="80")],
        ),
        make_goal(
            w,
            "新增网点",
            by=w.mkt_mgr,
            owner=w.member,
            department=w.content,
            weight="30",
            measures=[measure("网点", target="12", unit="count")],
        ),
        make_goal(
            w,
            "陈列达标率",
            by=w.mkt_mgr,
            owner=w.member,
            department=w.content,
            weight="20",
            measures=[measure("达标率", target="100", unit="percent", baseline="80")],
        ),
    ]


def test_template_from_goals_applied_to_three_people_with_their_own_targets(w, kpi_set):
    template = reuse.template_create_from_goals(
        actor=as_user(w.mkt_mgr), name="渠道专员KPI", goals=kpi_set, department=w.mkt
    )
    assert [item["name"] for item in template.items] == ["渠道销售额", "新增网点", "陈列达标率"]
    assert template.items[0]["measures"][0]["target"] == "80.0000"
    assert template.created_by == w.mkt_mgr
    # Three people of three departments, each with their own sales target.
    people = [(w.member2, "60"), (w.mkt_mgr, "90"), (w.sales_mgr, "120")]
    goals = reuse.template_apply(
        actor=as_user(w.admin),
        template=template,
        period=w.q4,
        assignments=[{"owner": p, "targets": {"0.0": target, "1.0": None}} for p, target in people],
    )
    assert len(goals) == 9
    for person, target in people:
        own = [g for g in goals if g.owner == person]
        assert [g.name for g in own] == ["渠道销售额", "新增网点", "陈列达标率"]
        assert {g.department for g in own} == {person.department}
        assert {g.period for g in own} == {w.q4}
        assert [fresh(g).weight for g in own] == [D(50), D(30), D(20)]
        targets = [g.measures.get().target for g in own]
        assert targets == [D(target), D(12), D(100)]
        assert own[2].measures.get().baseline == D(80)


def test_template_apply_refuses_bad_targets_and_writes_nothing(w, kpi_set):
    template = reuse.template_create_from_goals(actor=as_user(w.mkt_mgr), name="渠道专员KPI", goals=kpi_set)
    refused(
        lambda: reuse.template_apply(
            actor=as_user(w.admin),
            template=template,
            period=w.q4,
            assignments=[
                {"owner": w.member2, "targets": {"0.0": "60"}},
                {"owner": w.sales_mgr, "targets": {"1.0": "-2"}},  # a negative count, second row
            ],
        ),
        field="target",
        code="negative",
    )


def test_copy_a_periods_goals_into_the_next_keeps_the_structure(w):
    parent = make_goal(w, "市场部Q3目标", by=w.mkt_mgr, owner=w.mkt_mgr)
    child_a = make_goal(
        w,
        "小红书曝光",
        by=w.mkt_mgr,
        owner=w.member,
        department=w.content,
        parent=parent,
        weight="70",
        measures=[measure("曝光量", target="200", unit="count", current="150")],
    )
    make_goal(
        w,
        "复购率",
        by=w.mkt_mgr,
        owner=w.member2,
        department=w.content,
        parent=parent,
        weight="30",
        measures=[measure("复购率", target="20", unit="percent", baseline="15")],
    )
    grandchild = make_goal(
        w,
        "7月笔记",
        by=w.mkt_mgr,
        owner=w.member,
        department=w.content,
        parent=child_a,
        measures=[measure("笔记", target="20", unit="count")],
    )
    cancelled = make_goal(w, "取消的目标", by=w.mkt_mgr)
    services.goal_set_status(actor=as_user(w.mkt_mgr), goal=cancelled, status=GoalStatus.CANCELLED)
    make_goal(w, "销售部目标", department=w.sales)  # another department: not copied
    activate(w, [parent])
    source_rows = list(Goal.objects.filter(period=w.q3).order_by("pk").values())

    copies = reuse.goals_copy_to_period(actor=as_user(w.mkt_mgr), department=w.mkt, source=w.q3, target=w.q4)
    assert sorted(c.name for c in copies) == ["7月笔记", "复购率", "小红书曝光", "市场部Q3目标"]
    by_name = {c.name: fresh(c) for c in copies}
    assert by_name["市场部Q3目标"].parent is None
    assert by_name["小红书曝光"].parent == by_name["市场部Q3目标"]
    assert by_name["复购率"].parent == by_name["市场部Q3目标"]
    assert by_name["7月笔记"].parent == by_name["小红书曝光"]
    assert [by_name[n].depth for n in ("市场部Q3目标", "小红书曝光", "7月笔记")] == [0, 1, 2]
    for copy in by_name.values():
        assert (copy.period, copy.status) == (w.q4, GoalStatus.DRAFT)
    assert (by_name["小红书曝光"].weight, by_name["小红书曝光"].owner) == (D(70), w.member)
    exposure = by_name["小红书曝光"].measures.get()
    assert (exposure.target, exposure.current, exposure.original_target) == (D(200), None, None)
    assert by_name["复购率"].measures.get().baseline == D(15)
    assert fresh(grandchild).period == w.q3
    assert list(Goal.objects.filter(period=w.q3).order_by("pk").values()) == source_rows  # untouched
    # Only the department's manager or an admin copies; a closed target period is refused.
    refused(
        lambda: reuse.goals_copy_to_period(
            actor=as_user(w.member), department=w.mkt, source=w.q3, target=w.q4
        ),
        field=None,
        error=PermissionDeniedError,
    )
    closed = period_set_closed(actor=as_user(w.admin), period=w.next_q1, is_closed=True)
    refused(
        lambda: reuse.goals_copy_to_period(
            actor=as_user(w.mkt_mgr), department=w.mkt, source=w.q3, target=closed
        ),
        field="period_id",
        code="period_closed",
    )


def test_split_amounts_keep_the_places_of_the_target(w):
    """Amounts with more places than a target keeps (4) are refused rather than rounded on save,
    which would make the parts stop adding up to the target."""
    goal = make_goal(w, "Q3销售额", department=w.company, measures=[measure()])
    refused(
        lambda: decompose(
            w,
            goal,
            mode="amount",
            dimension="department",
            parts=[
                {"department": w.mkt, "amount": "300.00005"},
                {"department": w.sales, "amount": "199.99995"},
            ],
        ),
        field="parts",
        code="too_many_decimals",
    )
