"""Reading what a retrospective is pre-filled with (DOMAIN.md §4: figures come from the period's snapshot).

`goal_figures(goal, period)`: the goal's rows of the latest *close* snapshot of the period; else of the
latest *weekly* snapshot; else computed live from the measures — and `source` says which (`close`,
`weekly`, `live`). Snapshot rows are only read here (the close service writes them).

`prefill(...)` builds the whole `figures` JSON a retrospective freezes at opening: the measure rows
(met / missed), the check-in history for the chart, the deviation categories and reasons most cited,
and the action items done, late, dropped and still open.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q

from lodestar.core.models import Period
from lodestar.execution.models import ActionItem
from lodestar.goals.domain import Direction, MeasureFigures, mean, measure_met, unit_display
from lodestar.goals.models import Goal, Measure, Snapshot, SnapshotKind
from lodestar.retrospectives import domain
from lodestar.tracking.models import CheckIn


def _s(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _met(direction: str, target, actual, baseline=None) -> bool | None:
    if target is None or actual is None:
        return None
    figures = MeasureFigures(
        direction=Direction(direction or Direction.HIGHER), baseline=baseline, target=target, current=actual
    )
    return measure_met(figures)


def _row(
    *,
    goal_id,
    goal_name,
    measure_id,
    name,
    unit,
    direction,
    target,
    original,
    actual,
    rate,
    original_rate,
    baseline=None,
    range_max=None,
):
    if rate is None and original_rate is None:
        rate, original_rate = domain.achievement_pair(
            actual, target, original, direction or "higher", range_max=range_max, baseline=baseline
        )
    return {
        "goal_id": goal_id,
        "goal": goal_name,
        "measure_id": measure_id,
        "measure": name,
        "unit": unit,
        "achievement_pct": _s(domain.as_percent(rate)),
        "original_achievement_pct": _s(domain.as_percent(original_rate)),
        "direction": direction or "higher",
        "target": _s(target),
        "original_target": _s(original if original is not None else target),
        "actual": _s(actual),
        "achievement_rate": _s(rate),
        "original_achievement_rate": _s(original_rate),
        "met": _met(direction, target, actual, baseline),
    }


def goal_figures(goal: Goal, period: Period) -> dict:
    """{"source", "taken_at", "goal_achievement_rate", "rows"} for one goal in one period."""
    snapshots = Snapshot.objects.filter(goal=goal, period=period)
    for kind in (SnapshotKind.CLOSE, SnapshotKind.WEEKLY):
        latest = snapshots.filter(kind=kind).order_by("-taken_at", "-id").first()
        if latest is None:
            continue
        same = snapshots.filter(kind=kind)
        same = (
            same.filter(closing_id=latest.closing_id)
            if latest.closing_id
            else same.filter(taken_at=latest.taken_at)
        )
        if kind == SnapshotKind.WEEKLY and latest.week:
            same = snapshots.filter(kind=kind, week=latest.week)
        rows = [
            _row(
                goal_id=goal.pk,
                goal_name=s.goal_name,
                measure_id=s.measure_id,
                name=s.measure_name,
                unit=unit_display(s.unit, s.unit_label),
                direction=s.direction,
                target=s.target,
                original=s.original_target,
                actual=s.actual,
                rate=s.achievement_rate,
                original_rate=s.original_achievement_rate,
                baseline=s.baseline,
            )
            for s in same.order_by("measure__sort_order", "measure_id", "id")
        ]
        goal_rate = next((s.goal_achievement_rate for s in same if s.goal_achievement_rate is not None), None)
        return {
            "source": kind,
            "taken_at": latest.taken_at.isoformat(),
            "goal_achievement_rate": _s(goal_rate if goal_rate is not None else goal.achievement_rate),
            "rows": rows,
        }
    rows = [
        _row(
            goal_id=goal.pk,
            goal_name=goal.name,
            measure_id=m.pk,
            name=m.name,
            unit=unit_display(m.unit, m.unit_label),
            direction=m.direction,
            target=m.target,
            original=m.original_target,
            actual=m.current,
            rate=None,
            original_rate=None,
            baseline=m.baseline,
            range_max=m.range_max,
        )
        for m in Measure.objects.filter(goal=goal).order_by("sort_order", "id")
    ]
    return {
        "source": "live",
        "taken_at": None,
        "goal_achievement_rate": _s(goal.achievement_rate),
        "rows": rows,
    }


def subtree_goal_ids(goal_ids: list[int]) -> set[int]:
    """The goals and all their descendants (one query per level)."""
    seen = set(goal_ids)
    frontier = list(goal_ids)
    while frontier:
        frontier = [
            pk
            for pk in Goal.objects.filter(parent__in=frontier).values_list("pk", flat=True)
            if pk not in seen
        ]
        seen.update(frontier)
    return seen


def _history(measure_ids: list[int], period: Period) -> list[dict]:
    """Per measure, its check-ins in the period, oldest first: the chart's series."""
    checkins = (
        CheckIn.objects.filter(
            measure_id__in=measure_ids, period_end__gte=period.start, period_start__lte=period.end
        )
        .select_related("measure")
        .order_by("measure_id", "period_end", "id")
    )
    series: dict[int, dict] = {}
    for c in checkins:
        entry = series.setdefault(
            c.measure_id,
            {
                "measure_id": c.measure_id,
                "measure": c.measure.name,
                "target": _s(c.measure.target),
                "points": [],
            },
        )
        value = c.cumulative if c.cumulative is not None else c.actual
        target = c.measure.target
        entry["points"].append(
            {
                "date": c.period_end.isoformat(),
                "planned": _s(c.planned),
                "actual": _s(c.actual),
                "cumulative": _s(value),
                "share_of_target": _s(value / target if value is not None and target else None),
            }
        )
    return list(series.values())


def _deviations(measure_ids: list[int], item_ids: list[int], period: Period) -> dict:
    checkins = CheckIn.objects.filter(
        Q(measure_id__in=measure_ids) | Q(item_id__in=item_ids),
        period_end__gte=period.start,
        period_start__lte=period.end,
    ).select_related("deviation_category")
    categories, reasons = [], []
    for c in checkins.order_by("period_end", "id"):
        if c.deviation_category is not None:
            categories.append(str(c.deviation_category))  # in the reader's language
        if c.deviation_reason:
            reasons.append(c.deviation_reason)
    return {
        "categories": [{"name": n, "count": k} for n, k in domain.most_cited(categories)],
        "reasons": [{"text": n, "count": k} for n, k in domain.most_cited(reasons)],
    }


def _items(items, period: Period) -> dict:
    buckets: dict[str, list] = {"done": [], "late": [], "dropped": [], "open": []}
    for item in items.order_by("due", "id"):
        completed = item.completed_at.date() if item.completed_at else None
        bucket = domain.item_bucket(item.status, item.due, completed, period.end)
        buckets[bucket].append(
            {
                "id": item.pk,
                "title": item.title,
                "status": item.status,
                "due": item.due.isoformat() if item.due else None,
                "completed": completed.isoformat() if completed else None,
            }
        )
    return buckets


def prefill(*, goal: Goal | None, department, phase, period: Period) -> dict:
    """The `figures` JSON and the headline figures (target, original target, actual, both rates)."""
    headline: dict = {
        "target": None,
        "original_target": None,
        "actual": None,
        "achievement_rate": None,
        "original_achievement_rate": None,
    }
    if phase is not None and goal is None:
        goal = phase.goal
    if goal is not None:
        figures = goal_figures(goal, period)
        rows = figures["rows"]
        goal_ids = sorted(subtree_goal_ids([goal.pk]))
        if rows:
            first = rows[0]
            headline = {
                "target": first["target"],
                "original_target": first["original_target"],
                "actual": first["actual"],
                "achievement_rate": first["achievement_rate"],
                "original_achievement_rate": first["original_achievement_rate"],
            }
        taken_at = figures["taken_at"]
        source = figures["source"]
        goal_rate = figures["goal_achievement_rate"]
    else:
        goals = list(
            Goal.objects.filter(department=department, period=period, depth__lte=domain.AUTO_MAX_DEPTH)
            .exclude(status__in=("draft", "cancelled"))
            .order_by("depth", "sort_order", "id")
        )
        rows, sources, taken = [], set(), []
        rates = []
        for g in goals:
            f = goal_figures(g, period)
            sources.add(f["source"])
            if f["taken_at"]:
                taken.append(f["taken_at"])
            rates.append(Decimal(f["goal_achievement_rate"]) if f["goal_achievement_rate"] else None)
            rows += f["rows"]
        goal_ids = sorted(subtree_goal_ids([g.pk for g in goals]))
        source = "live" if "live" in sources else ("weekly" if "weekly" in sources else "close")
        taken_at = max(taken) if taken else None
        goal_rate = _s(mean(rates))
        headline["achievement_rate"] = goal_rate
    measure_ids = list(Measure.objects.filter(goal_id__in=goal_ids).values_list("pk", flat=True))
    items = (
        ActionItem.objects.filter(phase=phase)
        if phase is not None
        else ActionItem.objects.filter(goal_id__in=goal_ids)
    )
    item_ids = list(items.values_list("pk", flat=True))
    data = {
        "source": source,
        "taken_at": taken_at,
        "goal_achievement_rate": goal_rate,
        "rows": rows,
        "history": _history(measure_ids, period),
        "deviations": _deviations(measure_ids, item_ids, period),
        "items": _items(items, period),
    }
    return {"headline": headline, "figures": data}
