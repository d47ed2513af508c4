"""Goal services: the stored roll-ups along the path, rebuilding them, and query counts of an update."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lodestar.goals import rollup, services
from lodestar.goals.models import (
    Goal,
    GoalStatus,
    Measure,
)
from lodestar.goals.services import decomposition
from lodestar.goals.tests.services_support import (
    D,
    World,
    activate,
    as_user,
    assert_path_rolled_up,
    expected_from_children,
    fresh,
    make_goal,
    measure,
    q6,
    report,
)
from lodestar.org.permissions import person_of

# --- stored roll-ups -------------------------------------------------------------------------


@pytest.fixture
def tree(w):
    """Four levels: company objective (FY) → two KRs (70/30) → two team goals (50/50) → a leaf."""
    root = make_goal(w, "2024年营收增长50%", kind="objective", department=w.company, period=w.fy)
    kr_a = make_goal(w, "KR1 线索量", kind="key_result", parent=root, weight="70")
    kr_b = make_goal(
        w,
        "KR2 转化率",
        kind="key_result",
        parent=root,
        weight="30",
        measures=[measure("转化率", target="25", unit="percent", baseline="20", current="21")],
    )
    team_a = make_goal(
        w,
        "内容线索",
        parent=kr_a,
        department=w.content,
        weight="50",
        measures=[measure("线索", target="1000", unit="count", current="200")],
    )
    team_b = make_goal(w, "渠道线索", parent=kr_a, department=w.content, weight="50")
    leaf = make_goal(
        w,
        "抖音线索",
        parent=team_b,
        department=w.content,
        owner=w.member,
        measures=[measure("线索", target="500", unit="count")],
    )
    return {"root": root, "kr_a": kr_a, "kr_b": kr_b, "team_a": team_a, "team_b": team_b, "leaf": leaf}


def test_rollup_is_stored_along_the_path_after_each_update(w, tree):
    root, leaf = tree["root"], tree["leaf"]
    assert [fresh(tree[k]).depth for k in ("root", "kr_a", "team_b", "leaf")] == [0, 1, 2, 3]
    assert fresh(leaf).achievement_rate is None
    # team_b's only child has no data, so team_b has none either.
    assert fresh(tree["team_b"]).achievement_rate is None
    assert_path_rolled_up(leaf)
    for value in ("100", "250", "600", "0"):
        report(w, leaf, value)
        assert fresh(leaf).achievement_rate == q6(min(D(value) / 500, D(1)))  # capped at 100%
        assert fresh(leaf).achievement_rate_uncapped == q6(D(value) / 500)
        assert_path_rolled_up(leaf)
    report(w, tree["team_a"], "900")
    assert_path_rolled_up(tree["team_a"])
    report(w, tree["kr_b"], "24")
    assert_path_rolled_up(tree["kr_b"])
    # By hand, last state: leaf 0/500; team_a 0.9; kr_b 21→25 now 24 (ach 0.96, progress 0.8).
    # kr_a = 0.5 × 0.9 + 0.5 × 0 = 0.45; root = 0.7 × 0.45 + 0.3 × 0.96 = 0.603 (progress 0.555).
    root = fresh(root)
    assert (fresh(tree["kr_a"]).achievement_rate, root.achievement_rate, root.progress) == (
        D("0.45"),
        D("0.603"),
        D("0.555"),
    )


def test_a_leaf_change_reaches_the_root(w, tree):
    before = fresh(tree["root"]).achievement_rate
    report(w, tree["leaf"], "500")
    after = fresh(tree["root"]).achievement_rate
    assert after != before
    # leaf 1.0 → team_b 1.0 → kr_a 0.5 × 0.2 + 0.5 × 1 = 0.6 → root 0.7 × 0.6 + 0.3 × 0.84.
    assert after == D("0.672")


def test_cancelling_a_child_changes_the_parents_rollup(w, tree):
    report(w, tree["leaf"], "400")  # team_b 0.8
    kr_a = fresh(tree["kr_a"])
    assert kr_a.achievement_rate == D("0.5")  # 0.5 × 0.2 + 0.5 × 0.8
    services.goal_set_status(actor=as_user(w.admin), goal=tree["team_a"], status=GoalStatus.CANCELLED)
    kr_a = fresh(tree["kr_a"])
    assert kr_a.achievement_rate == D("0.8")  # only team_b is left
    assert (kr_a.achievement_rate, kr_a.progress) == expected_from_children(kr_a)
    assert_path_rolled_up(tree["kr_a"])
    # Reopening (cancelled → draft) brings it back.
    services.goal_set_status(actor=as_user(w.admin), goal=tree["team_a"], status=GoalStatus.DRAFT)
    assert fresh(tree["kr_a"]).achievement_rate == D("0.5")


def test_moving_a_goal_rolls_up_both_old_and_new_parent(w, tree):
    report(w, tree["leaf"], "500")
    services.goal_update(actor=as_user(w.admin), goal=tree["leaf"], version=None, parent=tree["kr_b"])
    assert fresh(tree["leaf"]).depth == 2
    assert fresh(tree["team_b"]).achievement_rate is None
    assert fresh(tree["team_b"]).child_count == 0
    assert_path_rolled_up(tree["team_b"])
    assert_path_rolled_up(tree["team_a"])


def test_deleting_a_draft_child_rolls_up_the_parent(w, tree):
    services.goal_delete(actor=as_user(w.admin), goal=tree["team_a"])
    assert not Goal.objects.filter(pk=tree["team_a"].pk).exists()
    assert fresh(tree["kr_a"]).child_count == 1
    assert_path_rolled_up(tree["team_b"])


STORED_GOAL = ("depth", "achievement_rate", "achievement_rate_uncapped", "progress", "health", "child_count")
STORED_MEASURE = ("current", "achievement_rate", "progress")


def stored_figures() -> tuple[dict, dict]:
    goals = {g["pk"]: g for g in Goal.objects.values("pk", *STORED_GOAL)}
    measures = {m["pk"]: m for m in Measure.objects.values("pk", *STORED_MEASURE)}
    return goals, measures


def test_rebuild_all_gives_the_same_stored_values_as_incremental_updates(w, tree):
    # Some data everywhere, an active subtree (health), a decomposition and a cancelled goal.
    report(w, tree["leaf"], "320")
    report(w, tree["team_a"], "1500")
    activate(w, [tree["root"]])
    annual = make_goal(w, "新品A全年销售额", period=w.fy, department=w.sales, measures=[measure()])
    parts = decomposition.goal_decompose(
        actor=as_user(w.admin),
        goal=annual,
        dimension="time",
        measure=None,
        mode="percent",
        parts=[
            {"label": f"Q{i}", "share": s, "period": p}
            for i, (s, p) in enumerate(
                zip(("20", "30", "35", "15"), (w.q1, w.q2, w.q3, w.q4), strict=True), 1
            )
        ],
    )
    for part, value in zip(parts, ("120", "130", "90"), strict=False):
        report(w, part, value)
    services.goal_set_status(actor=as_user(w.admin), goal=parts[1], status=GoalStatus.CANCELLED)
    make_goal(w, "无度量目标", department=w.sales, period=w.q4)
    incremental = stored_figures()
    assert incremental[1][annual.measures.get().pk]["current"] == D(210)  # 120 + 90, Q2 cancelled

    Goal.objects.update(
        achievement_rate=None,
        achievement_rate_uncapped=None,
        progress=None,
        health="not_started",
        child_count=0,
        depth=0,
    )
    Measure.objects.filter(parts__isnull=False).update(current=None)
    Measure.objects.update(achievement_rate=None, progress=None)
    assert stored_figures() != incremental

    count = rollup.rebuild_all()
    assert count == Goal.objects.count()
    rebuilt = stored_figures()
    assert rebuilt[0] == incremental[0]
    assert rebuilt[1] == incremental[1]


def chain(w: World, depth: int, siblings: int, tag: str) -> Measure:
    """A chain of `depth` goals above `siblings` leaves; returns the first leaf's measure."""
    parent = None
    for level in range(depth):
        parent = make_goal(w, f"{tag}-L{level}", parent=parent, department=w.mkt, period=w.fy)
    leaves = [
        make_goal(
            w,
            f"{tag}-leaf{i}",
            parent=parent,
            period=w.q3,
            measures=[measure("线索", target="100", unit="count", current="10")],
        )
        for i in range(siblings)
    ]
    return leaves[0].measures.get()


def queries_for_update(w: World, target: Measure, value: str) -> int:
    actor = as_user(w.admin)
    person_of(actor)  # the signed-in person is loaded once per request, not per goal
    with CaptureQueriesContext(connection) as context:
        services.measure_update(actor=actor, measure=target, version=None, current=value)
    return len(context)


def test_queries_for_a_measure_update_grow_neither_with_depth_nor_with_siblings(
    w, django_assert_max_num_queries
):
    few = chain(w, 3, 3, "few")
    many = chain(w, 3, 30, "many")
    deep = chain(w, 6, 3, "deep")
    baseline = queries_for_update(w, few, "20")
    actor = as_user(w.admin)
    person_of(actor)
    with django_assert_max_num_queries(baseline):
        services.measure_update(actor=actor, measure=many, version=None, current="20")
    deeper = queries_for_update(w, deep, "20")
    assert deeper == baseline  # the chain is read with one recursive query, whatever its depth
    # The roll-ups are right in every case.
    for leaf_measure in (few, many, deep):
        assert_path_rolled_up(leaf_measure.goal)
