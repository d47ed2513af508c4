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
from django.db.models import Sum
from django.utils import timezone

from lodestar.goals import domain
from lodestar.goals.models import Goal, GoalStatus, Measure

SIX_PLACES = Decimal("0.000001")


def rollup_cap() -> Decimal | None:
    cap = getattr(settings, "LODESTAR_ROLLUP_CAP", "1.2")
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
    )


def measure_figures(measure: Measure) -> tuple[Decimal | None, Decimal | None]:
    figures = figures_of(measure)
    return _q(domain.measure_achievement(figures)), _q(domain.measure_progress(figures))


def goal_figures(goal: Goal, measures: list[Measure], children: list[Goal], today) -> tuple:
    """(achievement, progress, health) of a goal from its own measures, else from its children."""
    cap = rollup_cap()
    if measures:
        achievement, progress_value = domain.goal_score([figures_of(m) for m in measures], cap=cap)
    elif children:
        scores = [
            (c.achievement_rate, c.progress, c.weight, c.status == GoalStatus.CANCELLED) for c in children
        ]
        achievement = domain.weighted_rollup(
            [domain.ChildScore(a, w, cancelled) for a, _p, w, cancelled in scores], cap=cap
        )
        progress_value = domain.weighted_rollup(
            [domain.ChildScore(p, w, cancelled) for _a, p, w, cancelled in scores], cap=Decimal(1)
        )
        if all(a is None for a, _p, _w, cancelled in scores if not cancelled):
            achievement = progress_value = None
    else:
        achievement = progress_value = None
    period = goal.period
    if goal.status in (GoalStatus.ACTIVE, GoalStatus.CLOSED):
        elapsed = domain.elapsed_fraction(period.start.toordinal(), period.end.toordinal(), today.toordinal())
        health = domain.health(progress_value, elapsed)
    else:
        health = domain.Health.NOT_STARTED
    return _q(achievement), _q(progress_value), str(health)


def _sum_parts_into(measure_id: int) -> Measure | None:
    """Set a source measure's current value to the sum of its parts; returns it (or None)."""
    measure = Measure.objects.filter(pk=measure_id).first()
    if measure is None:
        return None
    # Measures are not soft-deletable themselves: a deleted goal's parts stop counting here.
    total = (
        measure.parts.exclude(goal__status=GoalStatus.CANCELLED)
        .filter(goal__deleted_at__isnull=True)
        .aggregate(total=Sum("current"))["total"]
    )
    if total is not None and total != measure.current:
        measure.current = total
        measure.achievement_rate, measure.progress = measure_figures(measure)
        measure.save(update_fields=["current", "achievement_rate", "progress", "updated_at"])
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


def recompute_goal(goal: Goal, today=None) -> Goal:
    today = today or timezone.localdate()
    measures = list(goal.measures.all())
    for measure in measures:
        measure.achievement_rate, measure.progress = measure_figures(measure)
    Measure.objects.bulk_update(measures, ["achievement_rate", "progress"]) if measures else None
    children = list(goal.children.only("achievement_rate", "progress", "weight", "status"))
    achievement, progress_value, health = goal_figures(goal, measures, children, today)
    Goal.objects.filter(pk=goal.pk).update(
        achievement_rate=achievement,
        progress=progress_value,
        health=health,
        child_count=len(children),
        rollup_at=timezone.now(),
    )
    goal.achievement_rate, goal.progress, goal.health, goal.child_count = (
        achievement,
        progress_value,
        health,
        len(children),
    )
    return goal


def rollup_from(goal: Goal, today=None) -> None:
    """Recompute `goal` and every ancestor up to the root (and sources of decomposed measures)."""
    for measure in goal.measures.exclude(source__isnull=True):
        recompute_measure(measure)
    seen: set[int] = set()
    current: Goal | None = goal
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        current = Goal.objects.select_related("period").get(pk=current.pk)
        recompute_goal(current, today)
        current = current.parent


def rebuild_all(today=None) -> int:
    """Recompute every measure and goal, deepest goals first, in memory; returns goals updated."""
    today = today or timezone.localdate()
    goals = {g.pk: g for g in Goal.objects.select_related("period").all()}
    measures_by_goal: dict[int, list[Measure]] = defaultdict(list)
    # Only the measures of live goals: a deleted goal's parts must not add into their source.
    all_measures = list(Measure.objects.filter(goal__deleted_at__isnull=True))
    by_id = {m.pk: m for m in all_measures}
    parts: dict[int, list[Measure]] = defaultdict(list)
    for m in all_measures:
        measures_by_goal[m.goal_id].append(m)
        if m.source_id:
            parts[m.source_id].append(m)
    children: dict[int, list[Goal]] = defaultdict(list)
    for g in goals.values():
        if g.parent_id in goals:
            children[g.parent_id].append(g)
    # Depth from the parent chain (not the stored field, which this also repairs).
    depth: dict[int, int] = {}
    for pk in goals:
        chain, node = [], goals[pk]
        while node is not None and node.pk not in depth and node.pk not in chain:
            chain.append(node.pk)
            node = goals.get(node.parent_id) if node.parent_id else None
        base = depth[node.pk] + 1 if node is not None and node.pk in depth else 0
        for offset, chain_pk in enumerate(reversed(chain)):
            depth[chain_pk] = base + offset
    for goal in sorted(goals.values(), key=lambda g: -depth[g.pk]):
        for m in measures_by_goal[goal.pk]:
            if parts.get(m.pk):
                live = [
                    p.current
                    for p in parts[m.pk]
                    if p.current is not None and goals[p.goal_id].status != GoalStatus.CANCELLED
                ]
                if live:
                    m.current = sum(live, Decimal(0))
            m.achievement_rate, m.progress = measure_figures(m)
        goal.depth = depth[goal.pk]
        goal.achievement_rate, goal.progress, goal.health = goal_figures(
            goal, measures_by_goal[goal.pk], children[goal.pk], today
        )
        goal.child_count = len(children[goal.pk])
        goal.rollup_at = timezone.now()
    Measure.objects.bulk_update(
        list(by_id.values()), ["current", "achievement_rate", "progress"], batch_size=2000
    )
    Goal.objects.bulk_update(
        list(goals.values()),
        ["depth", "achievement_rate", "progress", "health", "child_count", "rollup_at"],
        batch_size=2000,
    )
    return len(goals)
