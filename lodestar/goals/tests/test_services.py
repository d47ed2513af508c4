"""Goal services against the database: validation that writes nothing, stored roll-ups,
consensus, target adjustments, decomposition, templates, copying and permissions.

The organisation is built through the org services (so `Department.path` is right) and the
periods through `period_generate_fiscal_year`:

    星辰公司 CO ── 市场部 MKT (mkt_mgr) ── 内容组 CONTENT (member, member2, member3)
               └─ 销售部 SALES (sales_mgr)

`person_of(user)` caches the person (and managed paths) on the user object, so every call
gets a fresh user from the database through `as_user`.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.models import Period
from lodestar.goals import domain, rollup, services
from lodestar.goals.models import (
    ConsensusParticipant,
    ConsensusRecord,
    Decomposition,
    Goal,
    GoalStatus,
    GoalTemplate,
    Measure,
    TargetAdjustment,
)
from lodestar.goals.services import consensus, decomposition, reuse
from lodestar.goals.services.adjustments import adjustment_approve, adjustment_create
from lodestar.org.models import Department, Person, Role
from lodestar.org.periods_services import period_generate_fiscal_year, period_set_closed
from lodestar.org.permissions import person_of
from lodestar.org.services import department_create

User = get_user_model()
D = Decimal
SIX = D("0.000001")


# --- the organisation ------------------------------------------------------------------------


@dataclass
class World:
    company: Department
    mkt: Department
    content: Department
    sales: Department
    admin: Person
    mkt_mgr: Person
    sales_mgr: Person
    member: Person
    member2: Person
    member3: Person
    viewer: Person
    fy: Period
    q1: Period
    q2: Period
    q3: Period
    q4: Period
    next_q1: Period


def as_user(person: Person):
    """A fresh user object (no cached person or managed paths)."""
    return User.objects.get(pk=person.user_id)


def add_person(username: str, name: str, department: Department, role: str = Role.MEMBER) -> Person:
    user = User.objects.create_user(username=username, password=None)
    return Person.objects.create(user=user, display_name=name, department=department, role=role)


@pytest.fixture
def w(db) -> World:
    root = User.objects.create_superuser("root", "root@example.com", "x")
    company = department_create(actor=root, name="星辰公司", parent=None, code="CO")
    mkt = department_create(actor=root, name="市场部", parent=company, code="MKT")
    content = department_create(actor=root, name="内容组", parent=mkt, code="CONTENT")
    sales = department_create(actor=root, name="销售部", parent=company, code="SALES")
    admin = add_person("admin", "管理员", company, Role.ADMIN)
    mkt_mgr = add_person("mkt_mgr", "赵敏", mkt)
    sales_mgr = add_person("sales_mgr", "王强", sales)
    member = add_person("member", "林晓", content)
    member2 = add_person("member2", "陈静", content)
    member3 = add_person("member3", "周杰", content)
    viewer = add_person("viewer", "访客", mkt, Role.VIEWER)
    Department.objects.filter(pk=mkt.pk).update(manager=mkt_mgr)
    Department.objects.filter(pk=sales.pk).update(manager=sales_mgr)
    for department in (company, mkt, content, sales):
        department.refresh_from_db()
    fy = period_generate_fiscal_year(actor=root, year=2024)
    period_generate_fiscal_year(actor=root, year=2025)
    quarters = {q: Period.objects.get(key=f"FY2024-Q{q}") for q in range(1, 5)}
    return World(
        company,
        mkt,
        content,
        sales,
        admin,
        mkt_mgr,
        sales_mgr,
        member,
        member2,
        member3,
        viewer,
        fy,
        quarters[1],
        quarters[2],
        quarters[3],
        quarters[4],
        Period.objects.get(key="FY2025-Q1"),
    )


def measure(name: str = "销售额", target="500", unit: str = "wan_yuan", **fields) -> dict:
    return {"name": name, "target": target, "unit": unit, **fields}


def make_goal(
    w: World,
    name: str,
    *,
    by: Person | None = None,
    department: Department | None = None,
    period: Period | None = None,
    measures: list[dict] | None = None,
    **fields,
) -> Goal:
    return services.goal_create(
        actor=as_user(by or w.admin),
        name=name,
        department=department or w.mkt,
        period=period or w.q3,
        measures=measures or [],
        **fields,
    )


def report(w: World, goal_or_measure, current, *, by: Person | None = None) -> Measure:
    """Record a measure's current value (the goal's only measure when given a goal)."""
    target = goal_or_measure.measures.get() if isinstance(goal_or_measure, Goal) else goal_or_measure
    return services.measure_update(
        actor=as_user(by or w.admin), measure=target, version=None, current=current
    )


def fresh(goal: Goal) -> Goal:
    return Goal.objects.get(pk=goal.pk)


def activate(w: World, goals: list[Goal]) -> None:
    """Run a one-person consensus (the admin) so the goals become active."""
    record = consensus.consensus_start(
        actor=as_user(w.admin), goals=goals, participants=[{"person": w.admin}], minutes="目标共识纪要"
    )
    consensus.consensus_decide(actor=as_user(w.admin), record=record, decision="agreed")


# --- "nothing written" -----------------------------------------------------------------------

TRACKED = (
    Goal,
    Measure,
    Goal.history.model,
    Measure.history.model,
    ConsensusRecord,
    ConsensusParticipant,
    TargetAdjustment,
    Decomposition,
    GoalTemplate,
)


def snapshot() -> dict:
    """Every row of every goal table (with `updated_at`, so any write shows)."""
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in TRACKED}
    rows["collaborating"] = list(Goal.collaborating_departments.through.objects.order_by("pk").values())
    return rows


@contextmanager
def writes_nothing():
    before = snapshot()
    yield
    after = snapshot()
    for table in before:
        assert after[table] == before[table], f"{table} changed"


def refused(call, *, field: str | None, code: str | None = None, error=ApplicationError) -> ApplicationError:
    with writes_nothing(), pytest.raises(error) as exc:
        call()
    assert exc.value.field == field, exc.value.message
    if code is not None:
        assert exc.value.code == code, exc.value.message
    assert exc.value.message
    return exc.value


def q6(value):
    return value.quantize(SIX) if value is not None else None


def expected_from_children(goal: Goal) -> tuple[Decimal | None, Decimal | None]:
    """The weighted roll-up of a goal's children's stored figures (cap 1, DOMAIN.md; progress cap 1)."""
    children = list(Goal.objects.filter(parent=goal))
    cancelled = [c.status == GoalStatus.CANCELLED for c in children]
    if all(c.achievement_rate is None for c, gone in zip(children, cancelled, strict=True) if not gone):
        return None, None
    achievement = domain.weighted_rollup(
        [
            domain.ChildScore(c.achievement_rate, c.weight, gone)
            for c, gone in zip(children, cancelled, strict=True)
        ],
        cap=D(1),
    )
    progress = domain.weighted_rollup(
        [domain.ChildScore(c.progress, c.weight, gone) for c, gone in zip(children, cancelled, strict=True)],
        cap=D(1),
    )
    return q6(achievement), q6(progress)


def assert_path_rolled_up(goal: Goal) -> None:
    """Each ancestor of `goal` (without measures of its own) holds the roll-up of its children."""
    node = fresh(goal).parent
    while node is not None:
        node = fresh(node)
        stored = (node.achievement_rate, node.progress)
        assert stored == expected_from_children(node), node.name
        node = node.parent


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


# --- consensus -------------------------------------------------------------------------------


@pytest.fixture
def goal_set(w):
    """One owner's Q3 goal set in the department; weights 60/30 (not yet 100)."""
    sales = make_goal(
        w,
        "新品A Q3销售额",
        by=w.mkt_mgr,
        owner=w.member,
        weight="60",
        collaborating_departments=[w.sales],
        measures=[measure(current="100")],
    )
    exposure = make_goal(
        w,
        "小红书品牌曝光",
        by=w.mkt_mgr,
        owner=w.member,
        weight="30",
        measures=[measure("曝光量", target="200", unit="count")],
    )
    return [sales, exposure]


def participants(*people: Person, optional: tuple[Person, ...] = ()) -> list[dict]:
    return [{"person": p, "required": True, "role_note": "负责人"} for p in people] + [
        {"person": p, "required": False} for p in optional
    ]


def test_consensus_needs_sibling_weights_of_100(w, goal_set):
    error = refused(
        lambda: consensus.consensus_start(
            actor=as_user(w.mkt_mgr), goals=goal_set, participants=participants(w.member), minutes="纪要"
        ),
        field="weight",
        code="weights_not_100",
    )
    assert "90" in error.message
    assert all(fresh(g).status == GoalStatus.DRAFT for g in goal_set)


def test_consensus_activates_when_every_required_participant_agrees(w, goal_set):
    third = make_goal(
        w,
        "用户复购率提升",
        by=w.mkt_mgr,
        owner=w.member,
        weight="10",
        measures=[measure("复购率", target="20", unit="percent", baseline="15")],
    )
    goals = [*goal_set, third]
    record = consensus.consensus_start(
        actor=as_user(w.mkt_mgr),
        goals=goals,
        minutes="目标共识会议:新品A 60%,小红书 30%,复购率 10%。",
        participants=participants(w.member, w.mkt_mgr, w.sales_mgr, optional=(w.member3,)),
    )
    assert record.state == ConsensusRecord.State.OPEN
    assert record.started_by == w.mkt_mgr
    assert {fresh(g).status for g in goals} == {GoalStatus.CONSENSUS}
    assert fresh(goals[0]).history.first().status == GoalStatus.CONSENSUS  # the history records it

    # An objection needs a comment; a non-participant cannot decide.
    refused(
        lambda: consensus.consensus_decide(actor=as_user(w.member), record=record, decision="objected"),
        field="comment",
        code="required",
    )
    refused(
        lambda: consensus.consensus_decide(actor=as_user(w.member2), record=record, decision="agreed"),
        field="record_id",
        code="not_a_participant",
        error=PermissionDeniedError,
    )

    consensus.consensus_decide(actor=as_user(w.member), record=record, decision="agreed", comment="同意")
    consensus.consensus_decide(actor=as_user(w.mkt_mgr), record=record, decision="agreed")
    record.refresh_from_db()
    assert record.state == ConsensusRecord.State.OPEN
    assert {fresh(g).status for g in goals} == {GoalStatus.CONSENSUS}
    assert Measure.objects.filter(goal__in=goals, original_target__isnull=False).count() == 0

    consensus.consensus_decide(actor=as_user(w.sales_mgr), record=record, decision="agreed")
    record.refresh_from_db()
    assert record.state == ConsensusRecord.State.AGREED
    assert record.completed_at is not None
    assert {fresh(g).status for g in goals} == {GoalStatus.ACTIVE}
    for m in Measure.objects.filter(goal__in=goals):
        assert m.original_target == m.target
    decisions = {p.person_id: (p.decision, p.decided_at is not None) for p in record.participants.all()}
    assert decisions == {
        w.member.pk: ("agreed", True),
        w.mkt_mgr.pk: ("agreed", True),
        w.sales_mgr.pk: ("agreed", True),
        w.member3.pk: ("pending", False),  # optional: does not hold up the goals
    }
    assert list(record.goals.order_by("pk")) == sorted(goals, key=lambda g: g.pk)
    # Active goals have health now; a closed record takes no more decisions.
    assert fresh(goals[0]).health != "not_started"
    refused(
        lambda: consensus.consensus_decide(actor=as_user(w.member3), record=record, decision="agreed"),
        field=None,
        code="consensus_closed",
        error=ConflictError,
    )


def test_consensus_withdraw_returns_the_goals_to_draft(w, goal_set):
    services.goal_update(actor=as_user(w.mkt_mgr), goal=goal_set[1], version=None, weight="40")
    record = consensus.consensus_start(
        actor=as_user(w.mkt_mgr),
        goals=goal_set,
        participants=participants(w.member, w.mkt_mgr),
        minutes="纪要",
    )
    objection = consensus.consensus_decide(
        actor=as_user(w.member), record=record, decision="objected", comment="500万目标过高,抖音渠道预算不足"
    )
    assert (objection.decision, objection.comment) == ("objected", "500万目标过高,抖音渠道预算不足")
    refused(
        lambda: consensus.consensus_withdraw(actor=as_user(w.member), record=record),
        field=None,
        error=PermissionDeniedError,
    )
    consensus.consensus_withdraw(actor=as_user(w.mkt_mgr), record=record)
    record.refresh_from_db()
    assert record.state == ConsensusRecord.State.WITHDRAWN
    assert {fresh(g).status for g in goal_set} == {GoalStatus.DRAFT}
    refused(
        lambda: consensus.consensus_decide(actor=as_user(w.mkt_mgr), record=record, decision="agreed"),
        field=None,
        code="consensus_closed",
        error=ConflictError,
    )
    # The revised goals can go into consensus again.
    consensus.consensus_start(
        actor=as_user(w.mkt_mgr), goals=goal_set, participants=participants(w.mkt_mgr), minutes="第二次"
    )


def test_consensus_start_refusals(w, goal_set):
    services.goal_update(actor=as_user(w.mkt_mgr), goal=goal_set[1], version=None, weight="40")
    refused(
        lambda: consensus.consensus_start(
            actor=as_user(w.member), goals=goal_set, participants=participants(w.member), minutes=""
        ),
        field=None,
        error=PermissionDeniedError,
    )
    no_measure = make_goal(w, "无度量", department=w.sales)
    refused(
        lambda: consensus.consensus_start(
            actor=as_user(w.admin), goals=[no_measure], participants=participants(w.admin), minutes=""
        ),
        field="goal_ids",
        code="no_measure",
    )
    refused(
        lambda: consensus.consensus_start(
            actor=as_user(w.mkt_mgr), goals=goal_set, participants=[], minutes=""
        ),
        field="participants",
    )
    activate(w, goal_set)
    refused(
        lambda: consensus.consensus_start(
            actor=as_user(w.mkt_mgr), goals=goal_set, participants=participants(w.mkt_mgr), minutes=""
        ),
        field="goal_ids",
        code="not_draft",
        error=ConflictError,
    )


# --- target adjustments ----------------------------------------------------------------------


@pytest.fixture
def active_goal(w):
    goal = make_goal(
        w,
        "新品A Q3销售额",
        by=w.mkt_mgr,
        owner=w.member,
        department=w.content,
        measures=[measure(current="480", challenge="550")],
    )
    activate(w, [goal])
    return fresh(goal)


def adjust(w, goal, *, by, new_target="450", approved_by=None, reason="竞品降价超过15%,重新评估"):
    return adjustment_create(
        actor=as_user(by),
        goal=goal,
        measure=goal.measures.get(),
        new_target=new_target,
        reason=reason,
        trigger="竞品降价超过15%",
        approved_by=approved_by,
    )


def test_adjustment_only_on_active_goals(w):
    draft = make_goal(w, "草稿目标", by=w.mkt_mgr, owner=w.member, department=w.content, measures=[measure()])
    refused(lambda: adjust(w, draft, by=w.mkt_mgr), field="goal_id", code="not_active", error=ConflictError)


def test_adjustment_approver_must_be_an_admin_or_a_manager_of_the_department(w, active_goal):
    for approver in (w.sales_mgr, w.member2, w.member):
        refused(
            lambda approver=approver: adjust(w, active_goal, by=w.member, approved_by=approver),
            field="approved_by_id",
            code="not_an_approver",
        )
    refused(
        lambda: adjust(w, active_goal, by=w.member, approved_by=w.mkt_mgr, reason="  "),
        field="reason",
        code="required",
    )
    refused(
        lambda: adjust(w, active_goal, by=w.member, approved_by=w.mkt_mgr, new_target="500"),
        field="new_target",
    )
    refused(
        lambda: adjust(w, active_goal, by=w.member2, approved_by=w.mkt_mgr),
        field=None,
        error=PermissionDeniedError,
    )
    refused(
        lambda: adjust(w, active_goal, by=w.viewer, approved_by=w.mkt_mgr),
        field=None,
        error=PermissionDeniedError,
    )


def test_adjustment_keeps_the_original_target_and_the_history(w, active_goal):
    adjustment = adjust(w, active_goal, by=w.member, approved_by=w.mkt_mgr)
    assert adjustment.status == TargetAdjustment.Status.PENDING
    assert active_goal.measures.get().target == D(500)  # a request changes nothing yet
    adjustment = adjustment_approve(actor=as_user(w.mkt_mgr), adjustment=adjustment)
    assert (adjustment.status, adjustment.decided_by) == (TargetAdjustment.Status.APPROVED, w.mkt_mgr)
    assert (adjustment.old_target, adjustment.new_target) == (D(500), D(450))
    assert (adjustment.approved_by, adjustment.created_by) == (w.mkt_mgr, w.member)
    assert adjustment.trigger == "竞品降价超过15%"
    m = active_goal.measures.get()
    assert (m.original_target, m.target) == (D(500), D(450))
    assert m.achievement_rate == q6(D(480) / D(450))
    # The goal's roll-up caps the measure at 100%; its uncapped figure stays visible.
    assert fresh(active_goal).achievement_rate == 1
    assert fresh(active_goal).achievement_rate_uncapped == q6(D(480) / D(450))
    # An admin applies a second change directly; the original stays the first target.
    direct = adjust(w, active_goal, by=w.admin, new_target="420", reason="预算削减")
    assert direct.applied_directly and (direct.status, direct.decided_by) == ("approved", w.admin)
    m.refresh_from_db()
    assert (m.original_target, m.target) == (D(500), D(420))
    assert list(active_goal.adjustments.values_list("old_target", "new_target")) == [
        (D(500), D(450)),
        (D(450), D(420)),
    ]
    history = list(m.history.order_by("history_date", "history_id"))
    targets = [h.target for h in history]
    assert [t for i, t in enumerate(targets) if i == 0 or t != targets[i - 1]] == [D(500), D(450), D(420)]
    assert history[-1].history_change_reason == "预算削减"
    assert history[-2].history_change_reason.startswith("竞品降价")


def test_a_manager_adjusting_asks_the_next_approver_above(w, active_goal):
    # No manager above 市场部 here: the request goes to an admin, and stays pending.
    adjustment = adjust(w, active_goal, by=w.mkt_mgr)
    assert (adjustment.approved_by, adjustment.status) == (w.admin, TargetAdjustment.Status.PENDING)
    assert active_goal.measures.get().target == D(500)


def test_an_overtaken_challenge_target_is_dropped(w, active_goal):
    adjust(w, active_goal, by=w.admin, new_target="600")
    m = active_goal.measures.get()
    assert (m.target, m.challenge, m.original_target) == (D(600), None, D(500))


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
