"""Goal arithmetic (DOMAIN.md §1, §2, §4 and "Numbers the product must compute exactly").

Pure functions: `Decimal` in, `Decimal` out, no Django. Rates are fractions (0.96 is 96%);
they are rounded only for display (API: 4 places; pages: whole or one-decimal percent).
A result that is undefined (a target of zero, no children) is `None`, never a fake 0.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
WEIGHT_TOLERANCE = Decimal("0.01")
WEIGHT_QUANTUM = Decimal("1e-20")  # places of a normalised weight


class Direction(StrEnum):
    HIGHER = "higher"  # 销售额, 曝光量: more is better
    LOWER = "lower"  # 获客成本, 投诉率: less is better
    RANGE = "range"  # stay between target (low) and range_max (high), e.g. 库存周转天数


@dataclass(frozen=True)
class MeasureFigures:
    """The numbers of one measure (衡量标准)."""

    direction: Direction
    baseline: Decimal | None
    target: Decimal
    current: Decimal | None
    challenge: Decimal | None = None
    range_max: Decimal | None = None
    weight: Decimal | None = None  # percent among the goal's measures; None shares equally
    accumulates: bool = True  # an amount that adds up over time; off for a level (转化率, 客单价)


def achievement_rate(
    actual: Decimal,
    target: Decimal,
    direction: Direction = Direction.HIGHER,
    range_max: Decimal | None = None,
    baseline: Decimal | None = None,
) -> Decimal | None:
    """达成率 = actual / target (DOMAIN.md §4): 480 of 500 → 0.96; 220 of 200 → 1.10.

    Lower is better flips it: target / actual (a cost of 40 against a target of 50 → 1.25).
    Lower is better with a target of 0 (complaints 10 → 0) has no ratio: its achievement is the
    progress from the baseline, (baseline − actual) / (baseline − target) (DOMAIN.md, "Lower is
    better with a target of 0"): now 2 → 0.80; at or below 0 → 1; above the baseline → 0.
    For a range, inside [target, range_max] is 1; outside, the ratio to the nearer bound.
    Undefined (None) when the divisor is zero or negative (or a zero target has no baseline).
    """
    if direction == Direction.HIGHER:
        return actual / target if target > 0 else None
    if direction == Direction.LOWER:
        if target == 0:
            if actual <= 0:
                return ONE
            if baseline is None or baseline <= 0:
                return None
            return max((baseline - actual) / baseline, ZERO)
        return target / actual if actual > 0 and target >= 0 else None
    high = range_max if range_max is not None else target
    if target <= actual <= high:
        return ONE
    if actual < target:
        return actual / target if target > 0 else None
    return high / actual if actual > 0 else None


def progress(
    current: Decimal,
    baseline: Decimal,
    target: Decimal,
    *,
    clamp_min: Decimal | None = ZERO,
    clamp_max: Decimal | None = ONE,
) -> Decimal | None:
    """Progress from a baseline = (current − baseline) / (target − baseline) (DOMAIN.md, last paragraph).

    复购率 15% → 20%, now 18% → 0.60. The same formula serves lower-is-better metrics, whose
    target lies below the baseline (cost 80 → 60, now 70 → 0.50). Clamped to
    [clamp_min, clamp_max] as configured (None leaves that side open). Undefined when the target
    equals the baseline (validation refuses such a measure).
    """
    span = target - baseline
    if span == 0:
        return None
    value = (current - baseline) / span
    if clamp_min is not None and value < clamp_min:
        value = clamp_min
    if clamp_max is not None and value > clamp_max:
        value = clamp_max
    return value


def challenge_attainment(current: Decimal, target: Decimal, challenge: Decimal | None) -> Decimal | None:
    """How far past the base target (基准值) toward the challenge target (挑战值), 0..1.

    Base 450万, challenge 500万, actual 480万 → 0.60. Below the base target it is 0; at or
    beyond the challenge it is 1. Works for either direction (challenge below target when lower
    is better). None when there is no challenge target.
    """
    if challenge is None or challenge == target:
        return None
    value = (current - target) / (challenge - target)
    return min(max(value, ZERO), ONE)


def measure_met(figures: MeasureFigures) -> bool:
    """Whether a measure's condition holds now (销售额≥500万; 投诉率≤1%; 周转天数 within 20–30)."""
    if figures.current is None:
        return False
    if figures.direction == Direction.HIGHER:
        return figures.current >= figures.target
    if figures.direction == Direction.LOWER:
        return figures.current <= figures.target
    high = figures.range_max if figures.range_max is not None else figures.target
    return figures.target <= figures.current <= high


def goal_achieved(measures: Sequence[MeasureFigures]) -> bool:
    """A goal is achieved when all its measures are met ("销售额≥500万 AND 新客占比≥40%")."""
    return bool(measures) and all(measure_met(m) for m in measures)


def measure_achievement(figures: MeasureFigures) -> Decimal | None:
    if figures.current is None:
        return None
    return achievement_rate(
        figures.current, figures.target, figures.direction, figures.range_max, figures.baseline
    )


def measure_progress(figures: MeasureFigures, *, clamp_max: Decimal | None = ONE) -> Decimal | None:
    """Progress of one measure: from its baseline when it has one, else its achievement rate.

    A range measure is done (1) inside the range, otherwise its achievement rate.
    """
    if figures.current is None:
        return None
    if figures.direction == Direction.RANGE or figures.baseline is None:
        value = measure_achievement(figures)
        if value is not None and clamp_max is not None:
            value = min(value, clamp_max)
        return value
    return progress(figures.current, figures.baseline, figures.target, clamp_max=clamp_max)


def mean(values: Sequence[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, ZERO) / len(present) if present else None


def weighted_mean(
    values: Sequence[Decimal | None], weights: Sequence[Decimal | None], *, cap: Decimal | None = None
) -> Decimal | None:
    """Σ w × min(value, cap) over the values present, with their weights renormalised to 1.

    Weights are percents (None shares equally what the set ones leave, as sibling goals do);
    a value that is None (nothing reported yet) is left out and the others' weights renormalised.
    None when no value is present.
    """
    present = [(v, w) for v, w in zip(values, weights, strict=True) if v is not None]
    if not present:
        return None
    shares = normalised_weights([ChildScore(v, w) for v, w in present])
    total = ZERO
    for (value, _weight), share in zip(present, shares, strict=True):
        total += share * (min(value, cap) if cap is not None else value)
    return total


@dataclass(frozen=True)
class GoalScore:
    """A goal's figures from its measures: capped achievement (the roll-up), the uncapped one
    (kept visible) and progress."""

    achievement: Decimal | None
    achievement_uncapped: Decimal | None
    progress: Decimal | None


def goal_score(measures: Sequence[MeasureFigures], *, cap: Decimal | None = ONE) -> GoalScore:
    """A goal's achievement: the weighted mean of its measures' achievements, each capped at `cap`.

    DOMAIN.md ("A goal with several measures"): weights default equal; each measure is capped at
    100% for the roll-up (configurable; `cap=None` leaves it open), so one over-achieved measure
    cannot hide another that is behind, and the uncapped figure stays visible.
    新品A: 销售额 480/500 = 0.96, 新客占比 1.05 → (0.96 + 1) / 2 = 0.98 (uncapped 1.005).
    Progress is the weighted mean of the measures' progress, each at most 1.
    Measures without a value yet are left out (weights renormalised over those reported).
    """
    weights = [m.weight for m in measures]
    achievements = [measure_achievement(m) for m in measures]
    return GoalScore(
        achievement=weighted_mean(achievements, weights, cap=cap),
        achievement_uncapped=weighted_mean(achievements, weights),
        progress=weighted_mean([measure_progress(m) for m in measures], weights),
    )


@dataclass(frozen=True)
class ChildScore:
    """One child goal as seen by its parent's roll-up."""

    value: Decimal | None  # the child's progress or achievement (a fraction)
    weight: Decimal | None  # percent among siblings, None when not set
    cancelled: bool = False


def normalised_weights(children: Sequence[ChildScore]) -> list[Decimal]:
    """Weights as fractions summing to 1 (DOMAIN.md §1: sibling weights sum to 100%).

    Cancelled children get 0. Children without a weight share equally whatever the weighted
    ones leave of 100% (all share equally when none has a weight); then everything is scaled
    to sum to exactly 1, so 30/30 becomes 50/50. All zero → equal shares.
    """
    live = [c for c in children if not c.cancelled]
    if not live:
        return [ZERO for _ in children]
    given = sum((c.weight for c in live if c.weight is not None), ZERO)
    unweighted = [c for c in live if c.weight is None]
    share = ZERO
    if unweighted:
        share = (HUNDRED - given) / len(unweighted) if given < HUNDRED else ZERO
        if given == 0:
            share = HUNDRED / len(unweighted)
    raw = [ZERO if c.cancelled else (c.weight if c.weight is not None else share) for c in children]
    total = sum(raw, ZERO)
    if total <= 0:
        raw = [ZERO if c.cancelled else ONE for c in children]
        total = Decimal(len(live))
    # Fixed places keep every later sum exact; the rounding remainder (thirds: 0.33…3 × 3) goes to
    # the largest live weight, so the fractions sum to exactly 1 and none turns negative.
    weights = [(w / total).quantize(WEIGHT_QUANTUM) for w in raw]
    largest = max((i for i, c in enumerate(children) if not c.cancelled), key=lambda i: weights[i])
    weights[largest] += ONE - sum(weights, ZERO)
    return weights


def weighted_rollup(children: Sequence[ChildScore], *, cap: Decimal | None = None) -> Decimal | None:
    """A parent's value from its children: Σ normalised weight × child value (DOMAIN.md §1, §2).

    60/30/10 with 0.96, 1.10, 0.60 → 0.576 + 0.33 + 0.06 = 0.966. Cancelled children are left
    out; children without data count as 0 (work not yet reported is not progress). Each child's
    value is capped at `cap` (e.g. 1.2) when given. None when no child is live.
    """
    weights = normalised_weights(children)
    live = [(c, w) for c, w in zip(children, weights, strict=True) if not c.cancelled]
    if not live:
        return None
    total = ZERO
    for child, weight in live:
        value = child.value if child.value is not None else ZERO
        if cap is not None:
            value = min(value, cap)
        total += weight * value
    return total


def weights_sum_error(weights: Sequence[Decimal | None]) -> Decimal | None:
    """None when sibling weights sum to 100% (60/30/10); otherwise the actual sum, for the message.

    Only set weights count; a set with no weight at all is fine (equal shares).
    """
    given = [w for w in weights if w is not None]
    if not given:
        return None
    total = sum(given, ZERO)
    return None if abs(total - HUNDRED) <= WEIGHT_TOLERANCE else total


def shares_sum_error(shares: Sequence[Decimal]) -> Decimal | None:
    """None when the shares of one split sum to 100% (Q1 20 + Q2 30 + Q3 35 + Q4 15); else the sum."""
    total = sum(shares, ZERO)
    return None if abs(total - HUNDRED) <= WEIGHT_TOLERANCE else total


def split_amount(total: Decimal, shares: Sequence[Decimal], *, places: int = 2) -> list[Decimal]:
    """Split a target by percentage shares; rounding remainders go to the last part so parts sum to total.

    500万 by 20/30/35/15 → 100万, 150万, 175万, 75万.
    """
    quantum = Decimal(1).scaleb(-places)
    parts = [(total * share / HUNDRED).quantize(quantum) for share in shares]
    if parts:
        parts[-1] += total - sum(parts, ZERO)
    return parts


def amounts_sum_error(amounts: Sequence[Decimal], target: Decimal) -> Decimal | None:
    """None when the amounts of one split add up to the target exactly (300万 + 200万 = 500万); else their sum."""
    total = sum(amounts, ZERO)
    return None if total == target else total


def split_by_weights(total: Decimal, weights: Sequence[Decimal], *, places: int = 2) -> list[Decimal]:
    """Split `total` in proportion to `weights` (largest remainder): the parts sum to `total` exactly
    and each is `total × weight / Σweights` rounded down or up by one quantum, so none changes sign."""
    quantum = Decimal(1).scaleb(-places)
    weight_sum = sum(weights, ZERO)
    if not weights or weight_sum <= 0:
        return [ZERO for _w in weights]
    sign, units = (
        (-1 if total < 0 else 1),
        int((abs(total) / quantum).to_integral_value(rounding="ROUND_FLOOR")),
    )
    exact = [Decimal(units) * w / weight_sum for w in weights]
    floors = [int(e.to_integral_value(rounding="ROUND_FLOOR")) for e in exact]
    order = sorted(range(len(weights)), key=lambda i: (floors[i] - exact[i], i))
    for i in order[: units - sum(floors)]:
        floors[i] += 1
    parts = [sign * Decimal(f) * quantum for f in floors]
    parts[-1] += total - sum(parts, ZERO)  # only a remainder finer than `places`, if any
    return parts


def part_challenges(
    target: Decimal, challenge: Decimal | None, amounts: Sequence[Decimal], *, places: int = 2
) -> list[Decimal | None]:
    """The challenge target (挑战目标) of each part of a split: the parent's stretch beyond its base target
    shared in proportion to the parts' base targets (base 1000万, challenge 1200万, parts 400万/600万 →
    480万/720万). The parts' challenges sum to the parent's; a part whose stretch rounds to 0 has none."""
    if challenge is None or challenge == target:
        return [None for _a in amounts]
    stretch = split_by_weights(challenge - target, amounts, places=places)
    return [a + s if s != 0 else None for a, s in zip(amounts, stretch, strict=True)]


_FIGURE = re.compile(
    r"(?<![A-Za-z0-9.])(?:[≥>＞≧约达]\s*)?(\d+(?:,\d{3})*(?:\.\d+)?)\s*(亿|千万|百万|万|千|[wWkK])?"
    r"(?:元|人|篇|单|次|个|条|%)?(?![\d月年日号周期季天])"
)
_MULTIPLIERS = {"亿": 10**8, "千万": 10**7, "百万": 10**6, "万": 10**4, "w": 10**4, "W": 10**4, "千": 1000}
_MULTIPLIERS |= {"k": 1000, "K": 1000}


def part_goal_name(parent_name: str, label: str, figures: Sequence[Decimal]) -> str:
    """The name of a part of a split: the parent's name without its target figures, then the part.

    "12月线上GMV 1000万" split to 内容营销部 → "12月线上GMV · 内容营销部": a part's target is its own and
    shown beside its name, so the parent's figure (1000万, or its challenge) would only go stale. Only a
    figure equal to one of `figures` (in units or in 万/亿) is dropped; "12月" and "Q3" stay."""
    values = {Decimal(f) for f in figures}

    def drop(match: re.Match[str]) -> str:
        number = Decimal(match.group(1).replace(",", ""))
        value = number * _MULTIPLIERS.get(match.group(2) or "", 1)
        return " " if value in values or (not match.group(2) and number in values) else match.group(0)

    stem = re.sub(r"\s+", " ", _FIGURE.sub(drop, parent_name)).strip(" ·:：-—,，")
    return f"{stem or parent_name.strip()} · {label.strip()}"[:200]


def even_shares(count: int, *, places: int = 2) -> list[Decimal]:
    """Even percentage shares that sum to exactly 100 (3 parts → 33.33, 33.33, 33.34)."""
    if count <= 0:
        return []
    quantum = Decimal(1).scaleb(-places)
    base = (HUNDRED / count).quantize(quantum)
    shares = [base] * count
    shares[-1] += HUNDRED - sum(shares, ZERO)
    return shares


class Health(StrEnum):
    """One meaning of health everywhere: pace against the plan to date (DOMAIN.md §3), and, once
    the period has ended or been closed, the final verdict (achieved / missed)."""

    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    ACHIEVED = "achieved"  # final: the period is over and the goal reached its targets
    MISSED = "missed"  # final: the period is over and it did not


FINAL_HEALTH = (Health.ACHIEVED, Health.MISSED)


def health_from_pace(
    pace_value: Decimal | None,
    *,
    at_risk_below: Decimal = ONE,
    off_track_below: Decimal = Decimal("0.8"),
) -> Health:
    """On track at or above `at_risk_below` (100% of pace), at risk below it, off track below
    `off_track_below` (80%); not started when there is no pace yet (no data, nothing planned)."""
    if pace_value is None:
        return Health.NOT_STARTED
    if pace_value >= at_risk_below:
        return Health.ON_TRACK
    if pace_value >= off_track_below:
        return Health.AT_RISK
    return Health.OFF_TRACK


def health(
    progress_value: Decimal | None,
    planned: Decimal | None,
    *,
    at_risk_below: Decimal = ONE,
    off_track_below: Decimal = Decimal("0.8"),
) -> Health:
    """Health from pace: progress made compared with the progress the plan expects by today.

    pace = progress / planned, where `planned` is the share of the way from baseline to target
    the plan expects by today: the measure's time-phased plan, or a straight line from the
    period start when it has none (`planned_progress`). Not started when there is no data yet
    or the plan expects nothing yet. This is the same pace as a measure's in tracking:
    ((actual − b) / (t − b)) / ((expected − b) / (t − b)) = (actual − b) / (expected − b).
    """
    if progress_value is None or planned is None or planned <= 0:
        return Health.NOT_STARTED
    return health_from_pace(
        progress_value / planned, at_risk_below=at_risk_below, off_track_below=off_track_below
    )


def final_health(achievement: Decimal | None) -> Health:
    """The verdict on a goal whose period has ended or been closed: achieved when its achievement
    (each measure capped at 100%) reaches 100%, else missed (已达成 / 未达成), instead of a pace
    that no longer means anything months later."""
    return Health.ACHIEVED if achievement is not None and achievement >= ONE else Health.MISSED


def linear_share_to_date(start: dt.date, end: dt.date, today: dt.date) -> Decimal:
    """The share of a period a straight-line plan expects by the end of `today`, in whole days.

    DOMAIN.md ("a straight line from the period start"): on day 4 of a 31-day month 4/31 ≈ 12.9%
    is due. 0 before the period starts, 1 from its last day on. The one straight line used by
    goal health, measure pace, even plans and alert rules.
    """
    days = (end - start).days + 1
    if days <= 0:
        return ONE
    done = (today - start).days + 1
    return min(max(Decimal(done), ZERO) / Decimal(days), ONE)


COUNTED_UNITS = frozenset({"count", "people", "custom"})  # Measure.unit codes of counted things


def countable(unit: str, accumulates: bool) -> bool:
    """Whether a measure counts whole things, so that its plans are whole numbers (no 3.85篇):
    an amount that adds up (`accumulates`) in a count, people, or a custom unit (篇, 场, 家, 条:
    the custom units teams add are things they count). Money (元, 万元) and percentages are not;
    nor is a level (单篇平均点赞 is an average of counts)."""
    return accumulates and unit in COUNTED_UNITS


def planned_as_level(accumulates: bool, baseline: Decimal | None) -> bool:
    """Whether a measure's plan is its target level in every period rather than a ramp: a level
    (an average or a ratio, `accumulates` off: 转化率, 新客占比, 客单价, 单篇平均点赞) without a
    baseline. Such a metric is not built up from 0 over the period; each week's 转化率 should be the
    target. A level with a baseline (复购率 15% → 20%) is an improvement path: its plan rises from
    the baseline to the target."""
    return not accumulates and baseline is None


@dataclass(frozen=True)
class PlanPoint:
    """A point of a time-phased plan: the cumulative value expected by a day."""

    day: dt.date
    expected_cumulative: Decimal


def expected_at(points: Sequence[PlanPoint], day: dt.date) -> Decimal | None:
    """The plan's expected cumulative value on `day`, interpolated linearly between points."""
    if not points:
        return None
    ordered = sorted(points, key=lambda p: p.day)
    if day <= ordered[0].day:
        return ordered[0].expected_cumulative
    for before, after in pairwise(ordered):
        if before.day <= day <= after.day:
            span = (after.day - before.day).days
            if span == 0:
                return after.expected_cumulative
            share = Decimal((day - before.day).days) / Decimal(span)
            return (
                before.expected_cumulative + (after.expected_cumulative - before.expected_cumulative) * share
            )
    return ordered[-1].expected_cumulative


def planned_progress(
    figures: MeasureFigures,
    plan: Sequence[PlanPoint],
    start: dt.date,
    end: dt.date,
    today: dt.date,
) -> Decimal | None:
    """The share of the way from baseline (or 0) to target that the plan expects by `today`, 0..1.

    `plan` is the measure's time-phased plan; without one, a straight line from the baseline at the
    period start to the target at its end (as tracking's even plan), or the full way (1) for a level
    planned at its target every period (`planned_as_level`). None when the way is empty.
    """
    baseline = figures.baseline if figures.baseline is not None else ZERO
    span = figures.target - baseline
    if span == 0:
        return None
    if not plan:
        if planned_as_level(figures.accumulates, figures.baseline):
            return ONE  # a level without a baseline is due in full every period
        return linear_share_to_date(start, end, today)
    expected = expected_at(list(plan), min(max(today, start), end))
    if expected is None:
        return None
    return min(max((expected - baseline) / span, ZERO), ONE)


def goal_planned_progress(
    measures: Sequence[MeasureFigures],
    plans: Sequence[Sequence[PlanPoint]],
    start: dt.date,
    end: dt.date,
    today: dt.date,
) -> Decimal | None:
    """A goal's planned progress to date: its measures' planned progress with the same weights as
    its progress (only the measures that count in it, i.e. those with a value)."""
    values = [
        planned_progress(m, plan, start, end, today) if m.current is not None else None
        for m, plan in zip(measures, plans, strict=True)
    ]
    return weighted_mean(values, [m.weight for m in measures])


# --- where a measure's current value comes from ---------------------------------------------


class CurrentSource(StrEnum):
    """Where a measure's current value came from (stored with it, shown beside it)."""

    NONE = ""  # nothing reported yet
    ENTERED = "entered"  # typed on the goal (its opening value), no check-in or item since
    CHECKIN = "checkin"  # the measure's latest own check-in
    CHECKIN_ITEMS = "checkin_items"  # that check-in plus item quantities reported after it
    ITEMS = "items"  # the opening value plus its action items' quantities
    PARTS = "parts"  # the sum of its decomposed parts


@dataclass(frozen=True)
class CurrentInputs:
    """What a measure's current value is made of (DOMAIN.md §3, "Tracking and adjustment").

    - `opening`: the value recorded before any check-in or item (typed on the goal), or None.
    - `stock_take`: the cumulative of the measure's latest own check-in, or None without one.
    - `stock_take_items`: how much of `items_total` that check-in already includes (the item
      quantities reported for periods up to its end).
    - `items_total`: the linked action items' quantities (None: no item ever fed the measure).
    - `accumulates`: off for a level (复购率): items do not add to a level.
    """

    accumulates: bool = True
    opening: Decimal | None = None
    stock_take: Decimal | None = None
    stock_take_items: Decimal = ZERO
    items_total: Decimal | None = None


def combined_current(inputs: CurrentInputs) -> tuple[Decimal | None, CurrentSource]:
    """How item quantities and a measure's own check-ins combine into its current value.

    Never overwrite, never count twice:
    - The measure's latest own check-in is a stock-take: it includes all work up to its period
      end, item quantities reported for those periods included. Item quantities reported for
      later periods add on top: 笔记篇数 32 (its check-in) + an item's week of 5 notes = 37; when
      the owner then reports that same week as 40 in all, the value is 40, not 45.
    - Without a check-in of its own: the opening value (what was typed before, else 0) plus all
      linked items' quantities: opened at 20, items 5 + 3 → 28.
    - A level (accumulates off) is only ever what was last reported: items do not add to it.
    """
    if inputs.stock_take is not None:
        if not inputs.accumulates or inputs.items_total is None:
            return inputs.stock_take, CurrentSource.CHECKIN
        extra = inputs.items_total - inputs.stock_take_items
        if extra == 0:
            return inputs.stock_take, CurrentSource.CHECKIN
        return inputs.stock_take + extra, CurrentSource.CHECKIN_ITEMS
    if inputs.items_total is not None and inputs.accumulates:
        return (inputs.opening or ZERO) + inputs.items_total, CurrentSource.ITEMS
    if inputs.opening is None:
        return None, CurrentSource.NONE
    return inputs.opening, CurrentSource.ENTERED


UNIT_SUFFIXES = {"yuan": "元", "wan_yuan": "万元", "count": "", "percent": "%", "people": "人"}


def unit_display(unit: str, custom_label: str = "") -> str:
    """What a measure's unit reads as after a figure: 元, 万元, %, 人, its own label for a custom unit
    (篇, 场), nothing for a count. Measures, their snapshots and the copies in cases all use this."""
    if unit == "custom":
        return custom_label
    return UNIT_SUFFIXES.get(unit, custom_label or "")
