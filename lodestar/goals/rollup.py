"""Stored roll-ups: a goal's achievement, progress and health, kept right on every write.

`rollup_from(goal)` recomputes one goal and then each ancestor up to the root — O(depth)
queries, a handful per level — so pages read stored figures and never walk the tree.
Decomposed measures are summed into their source measure first (the parts of 500万 add up to
the parent's current value). `rebuild_all()` recomputes everything bottom-up in memory, for
the `rebuild_rollups` command and after bulk imports.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone

from lodestar.core.bulk import write_rows
from lodestar.goals import domain
from lodestar.goals.closing_rules import frozen_goal_q, goal_is_frozen
from lodestar.goals.domain import CurrentSource
from lodestar.goals.models import Goal, GoalStatus, Measure
from lodestar.goals.signals import figures_rebuilt

SIX_PLACES = Decimal("0.000001")


def rollup_cap() -> Decimal | None:
    """The cap on each part of a roll-up: each measure in its goal's achievement, and each child in
    its parent's (DOMAIN.md: 100% by default, configurable; `None` or "" leaves it open).

    One setting for both levels: a parent capped at 120% over children capped at 100% could never
    use its headroom, and a child at 150% would count differently from a measure at 150%. The
    uncapped figure is stored beside it (`achievement_rate_uncapped`)."""
    cap = getattr(settings, "LODESTAR_ROLLUP_CAP", "1")
    return Decimal(str(cap)) if cap not in (None, "") else None


def _q(value: Decimal | None) -> Decimal | None:
    return value.quantize(SIX_PLACES) if value is not None else None


def figures_of(measure: Measure) -> domain.MeasureFigures:
    return domain.MeasureFigures(
        direction=domain.Direction(measure.direction),
        baseline=measure.baseline,
        target=measure.target,
        current=measure.current,
        challenge=measure.challenge,
        range_max=measure.range_max,
        weight=measure.weight,
        accumulates=measure.accumulates,
    )


def plan_of(measure: Measure) -> list[domain.PlanPoint]:
    """The measure's stored time-phased plan (tracking writes it; prefetched as `plan_points`)."""
    return [domain.PlanPoint(p.date, p.expected_cumulative) for p in measure.plan_points.all()]


def measure_figures(measure: Measure) -> tuple[Decimal | None, Decimal | None]:
    figures = figures_of(measure)
    return _q(domain.measure_achievement(figures)), _q(domain.measure_progress(figures))


def period_over(goal: Goal, today) -> bool:
    """Whether the goal's figures are final: the goal or its period is closed, or the period ended."""
    period = goal.period
    return goal.status == GoalStatus.CLOSED or period.is_closed or today > period.end


def goal_figures(goal: Goal, measures: list[Measure], children: list[Goal], today) -> tuple:
    """(achievement, achievement uncapped, progress, health) of a goal from its own measures, else
    from its children.

    Health is pace against the plan to date (the measures' time-phased plans, or a straight line
    from the period start; for a goal without measures, the share of the period elapsed), and the
    final verdict, achieved or missed, once the period is over (DOMAIN.md §3; docs/user-guide).
    """
    cap = rollup_cap()
    period = goal.period
    planned = None
    if measures:
        figures = [figures_of(m) for m in measures]
        score = domain.goal_score(figures, cap=cap)
        achievement, uncapped, progress_value = score.achievement, score.achievement_uncapped, score.progress
        full = domain.goal_score(figures, cap=domain.ONE).achievement
        if goal.status == GoalStatus.ACTIVE:
            planned = domain.goal_planned_progress(
                figures, [plan_of(m) for m in measures], period.start, period.end, today
            )
    elif children:
        scores = [
            (
                c.achievement_rate,
                c.achievement_rate_uncapped,
                c.progress,
                c.weight,
                c.status == GoalStatus.CANCELLED,
            )
            for c in children
        ]

        def rolled(index: int, limit: Decimal | None) -> Decimal | None:
            return domain.weighted_rollup(
                [domain.ChildScore(row[index], row[3], row[4]) for row in scores], cap=limit
            )

        achievement, uncapped, progress_value = rolled(0, cap), rolled(1, None), rolled(2, Decimal(1))
        full = rolled(0, domain.ONE)
        if all(row[0] is None for row in scores if not row[4]):
            achievement = uncapped = progress_value = full = None
        planned = domain.linear_share_to_date(period.start, period.end, today)
    else:
        achievement = uncapped = progress_value = full = None
    if goal.status not in (GoalStatus.ACTIVE, GoalStatus.CLOSED):
        health = domain.Health.NOT_STARTED
    elif period_over(goal, today):
        health = domain.final_health(full)
    else:
        health = domain.health(progress_value, planned)
    return _q(achievement), _q(uncapped), _q(progress_value), str(health)


def _sum_parts_into(measure_id: int) -> Measure | None:
    """Set a source measure's current value to the sum of its parts; returns it (or None)."""
    measure = Measure.objects.select_related("goal__period", "goal__department").filter(pk=measure_id).first()
    if measure is None:
        return None
    if goal_is_frozen(measure.goal):
        # Its period (or its department's part of it) is closed: the figure stays as frozen (DOMAIN.md
        # §4), even when a part in a department still open reports later.
        return measure
    # Measures are not soft-deletable themselves: a deleted goal's parts stop counting here.
    total = (
        measure.parts.exclude(goal__status=GoalStatus.CANCELLED)
        .filter(goal__deleted_at__isnull=True)
        .aggregate(total=Sum("current"))["total"]
    )
    if total is not None:
        from lodestar.goals.figures import measure_set_parts_total

        measure_set_parts_total(measure=measure, total=total)
    return measure


def recompute_measure(measure: Measure) -> None:
    measure.achievement_rate, measure.progress = measure_figures(measure)
    Measure.objects.filter(pk=measure.pk).update(
        achievement_rate=measure.achievement_rate, progress=measure.progress
    )
    source_id = measure.source_id
    seen = set()
    while source_id and source_id not in seen:  # decomposition chains: parts feed their source
        seen.add(source_id)
        source = _sum_parts_into(source_id)
        source_id = source.source_id if source else None


# The goal (%s) and its ancestors with their distance from it; UNION and the level cap stop on a cycle.
CHAIN_CTE = """
WITH RECURSIVE chain(id, parent_id, level) AS (
    SELECT id, parent_id, 0 FROM goals_goal WHERE id = %s
    UNION
    SELECT g.id, g.parent_id, c.level + 1 FROM goals_goal g JOIN chain c ON g.id = c.parent_id
    WHERE c.level < 100
)
"""
ANCESTORS_SQL = CHAIN_CTE + "SELECT id FROM chain ORDER BY level"


def ancestor_ids(goal_id: int) -> list[int]:
    """The goal and every goal above it, nearest first, in one query (a recursive CTE, which
    SQLite and PostgreSQL both run; UNION and the level cap stop on a cycle)."""
    with connection.cursor() as cursor:
        cursor.execute(ANCESTORS_SQL, [goal_id])
        ids: list[int] = []
        for (pk,) in cursor.fetchall():
            if pk in ids:
                break
            ids.append(pk)
    return ids


# The same walk as a subquery: `id IN (…)` reads the chain's rows in the query that needs them.
ANCESTORS_SUBQUERY = CHAIN_CTE + "SELECT id FROM chain"
# What goal_figures reads of a chain goal, and what its parent reads of it as a child.
CHAIN_FIELDS = (
    "id",
    "parent_id",
    "status",
    "weight",
    "achievement_rate",
    "achievement_rate_uncapped",
    "progress",
    "health",
    "child_count",
    "period__start",
    "period__end",
    "period__is_closed",
)


def _chain_of(goal_id: int) -> tuple[list[int], dict[int, Goal]]:
    """The live goal and its live ancestors, nearest first, with their rows (one query)."""
    goals = {
        g.pk: g
        for g in Goal.objects.select_related("period")
        .only(*CHAIN_FIELDS)
        .filter(pk__in=RawSQL(ANCESTORS_SUBQUERY, [goal_id]))
    }
    chain: list[int] = []
    pk: int | None = goal_id
    while pk in goals and pk not in chain:  # a deleted goal ends the chain; so would a cycle
        chain.append(pk)
        pk = goals[pk].parent_id
    return chain, goals


def rollup_from(goal: Goal, today=None) -> list[int]:
    """Recompute `goal` and every ancestor up to the root (and sources of decomposed measures).

    A constant number of queries whatever the depth: the chain, its goals, their measures and
    their children are read once each; changed figures are written with one statement per table.
    Returns the chain's ids, nearest first (alert evaluation uses them).
    """
    today = today or timezone.localdate()
    chain, goals = _chain_of(goal.pk)
    measures = _measures_of(chain)
    parts = [m for m in measures[goal.pk] if m.source_id]
    if parts:
        # Decomposed parts: their sources (on goals above) add up the new values first, then the
        # chain's measures are read again.
        for measure in parts:
            recompute_measure(measure)
        measures = _measures_of(chain)
    children: dict[int, list[Goal]] = defaultdict(list)
    for child in Goal.objects.filter(parent_id__in=chain).only(
        "pk", "parent_id", "achievement_rate", "achievement_rate_uncapped", "progress", "weight", "status"
    ):
        children[child.parent_id].append(child)
    changed_measures: list[tuple] = []
    changed_goals: list[tuple] = []
    now = timezone.now()
    # Goals of a closed period (or of a closed department's part of it) keep their frozen figures; the
    # goals above them roll up from those.
    frozen = set(Goal.objects.filter(pk__in=chain).filter(frozen_goal_q()).values_list("pk", flat=True))
    below: Goal | None = None  # the chain goal just recomputed, whose fresh figures its parent uses
    for pk in chain:
        current = goals[pk]
        if pk in frozen:
            below = current
            continue
        for measure in measures[pk]:
            before = (measure.achievement_rate, measure.progress)
            measure.achievement_rate, measure.progress = measure_figures(measure)
            if (measure.achievement_rate, measure.progress) != before:
                changed_measures.append((measure.achievement_rate, measure.progress, measure.pk))
        kids = [below if below is not None and kid.pk == below.pk else kid for kid in children[pk]]
        achievement, uncapped, progress_value, health = goal_figures(current, measures[pk], kids, today)
        current.achievement_rate, current.achievement_rate_uncapped = achievement, uncapped
        current.progress, current.health = progress_value, health
        current.child_count = len(kids)
        changed_goals.append((achievement, uncapped, progress_value, health, len(kids), now, pk))
        below = current
    write_rows(Measure, ["achievement_rate", "progress"], changed_measures)
    write_rows(
        Goal,
        ["achievement_rate", "achievement_rate_uncapped", "progress", "health", "child_count", "rollup_at"],
        changed_goals,
    )
    if goal.pk in goals:  # the caller's instance shows the new figures too
        fresh = goals[goal.pk]
        goal.achievement_rate, goal.achievement_rate_uncapped, goal.progress, goal.health = (
            fresh.achievement_rate,
            fresh.achievement_rate_uncapped,
            fresh.progress,
            fresh.health,
        )
        goal.child_count = fresh.child_count
    return chain


def _measures_of(goal_ids: list[int]) -> dict[int, list[Measure]]:
    measures: dict[int, list[Measure]] = defaultdict(list)
    for measure in (
        Measure.objects.filter(goal_id__in=goal_ids)
        .order_by("sort_order", "id")
        .prefetch_related("plan_points")
    ):
        measures[measure.goal_id].append(measure)
    return measures


def rebuild_all(today=None) -> int:
    """Recompute every measure and goal, deepest goals first, in memory; returns goals checked.

    Only rows whose figures changed are written, each with one parameterised UPDATE
    (`executemany`): Django's bulk_update builds a CASE with a branch per row, which at 30,000
    goals took minutes on SQLite (bench/README.md).
    """
    today = today or timezone.localdate()
    goals = {g.pk: g for g in Goal.objects.select_related("period").all()}
    measures_by_goal: dict[int, list[Measure]] = defaultdict(list)
    # Only the measures of live goals: a deleted goal's parts must not add into their source.
    all_measures = list(Measure.objects.filter(goal__deleted_at__isnull=True).prefetch_related("plan_points"))
    parts: dict[int, list[Measure]] = defaultdict(list)
    for m in all_measures:
        measures_by_goal[m.goal_id].append(m)
        if m.source_id:
            parts[m.source_id].append(m)
    children: dict[int, list[Goal]] = defaultdict(list)
    for g in goals.values():
        if g.parent_id in goals:
            children[g.parent_id].append(g)
    depth = _depths(goals)
    changed_measures: list[tuple] = []
    changed_goals: list[tuple] = []
    now = timezone.now()
    for goal in sorted(goals.values(), key=lambda g: -depth[g.pk]):
        for m in measures_by_goal[goal.pk]:
            before = (m.current, m.achievement_rate, m.progress)
            if parts.get(m.pk):
                live = [
                    p.current
                    for p in parts[m.pk]
                    if p.current is not None and goals[p.goal_id].status != GoalStatus.CANCELLED
                ]
                if live:
                    # The same figure as figures.measure_set_parts_total, written in bulk.
                    m.current = sum(live, Decimal(0))
                    m.current_source = CurrentSource.PARTS.value
            m.achievement_rate, m.progress = measure_figures(m)
            if (m.current, m.achievement_rate, m.progress) != before:
                changed_measures.append((m.current, m.current_source, m.achievement_rate, m.progress, m.pk))
        before = (
            goal.depth,
            goal.achievement_rate,
            goal.achievement_rate_uncapped,
            goal.progress,
            goal.health,
            goal.child_count,
        )
        goal.depth = depth[goal.pk]
        goal.achievement_rate, goal.achievement_rate_uncapped, goal.progress, goal.health = goal_figures(
            goal, measures_by_goal[goal.pk], children[goal.pk], today
        )
        goal.child_count = len(children[goal.pk])
        after = (
            goal.depth,
            goal.achievement_rate,
            goal.achievement_rate_uncapped,
            goal.progress,
            goal.health,
            goal.child_count,
        )
        if after != before:
            changed_goals.append((*after, now, goal.pk))
    write_rows(Measure, ["current", "current_source", "achievement_rate", "progress"], changed_measures)
    write_rows(
        Goal,
        [
            "depth",
            "achievement_rate",
            "achievement_rate_uncapped",
            "progress",
            "health",
            "child_count",
            "rollup_at",
        ],
        changed_goals,
    )
    figures_rebuilt.send(sender=Goal)  # the roll-ups apps above keep (tracking's check-in completion)
    return len(goals)


def _depths(goals: dict[int, Goal]) -> dict[int, int]:
    """Depth from the parent chain (not the stored field, which the rebuild also repairs)."""
    depth: dict[int, int] = {}
    for pk in goals:
        chain, node = [], goals[pk]
        while node is not None and node.pk not in depth and node.pk not in chain:
            chain.append(node.pk)
            node = goals.get(node.parent_id) if node.parent_id else None
        base = depth[node.pk] + 1 if node is not None and node.pk in depth else 0
        for offset, chain_pk in enumerate(reversed(chain)):
            depth[chain_pk] = base + offset
    return depth
