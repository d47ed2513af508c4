"""Demo history: the weekly check-ins behind the demo goals' figures, so the dashboards, reports
and trends show the year a team actually lived (issue #16: "a year of realistic data").

The goals' demo figures (lodestar/demo/goals.py, appraisal.py) say where each measure stands
today. This module writes the weeks that led there, for every measure of an active goal that has
no check-in of its own yet (the hand-written stories in tracking.py and reviews.py keep theirs):

- an amount (线索量, GMV, 销售额) grows week by week along the goal's plan, which follows the
  marketing calendar (618 in June, 双11 in November), with the ups and downs of real weeks; the
  weeks add up exactly to the figure the goal shows;
- a level (转化率, 复购率, 月活会员) moves from its baseline towards where it stands now;
- a week more than 15% behind its plan carries a deviation category and reason, as template 2 of
  DOMAIN.md asks, and most weeks are reported on the Monday after, some late.

Rows before the last week are inserted in bulk (a year of weeks through `checkin_submit` one by
one would make the first `make run` slow); the last week goes through `checkin_submit`, so the
measure's current value is still set by its one writer (goals.figures) from the latest check-in.
Deterministic: the same organisation gets the same history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from lodestar.core.models import Period
from lodestar.goals.models import Goal, GoalStatus, Measure
from lodestar.tracking.models import CheckIn, CheckInOrigin, CheckInPeriod, DeviationCategory
from lodestar.tracking.services import checkin_submit, completion_refresh

# The marketing calendar: how much of a normal week's work a week of each month carries.
MONTH_WEIGHT = {
    1: 0.8,
    2: 0.6,
    3: 0.9,
    4: 1.0,
    5: 1.1,
    6: 1.6,
    7: 0.9,
    8: 0.9,
    9: 1.0,
    10: 1.1,
    11: 1.7,
    12: 1.2,
}

# (category code, reason, improvement): what teams write when a week falls behind.
REASONS = [
    ("partner_delay", "达人档期推迟,2篇内容延后发布", "补充1位备选达人"),
    ("market", "竞品同期大促,流量被分流", "调整投放时段,加投搜索关键词"),
    ("resources", "设计资源被大促项目占用", "申请外包设计支持"),
    ("execution", "落地页改版上线延迟3天", "上线前增加验收清单"),
    ("content_quality", "新素材点击率低于均值", "复用爆款选题,重新制作素材"),
    ("market", "平台流量政策调整,自然流量下降", "提高付费流量占比"),
]


def _noise(key: str) -> float:
    """A deterministic value in [-1, 1) for `key` (the same demo gets the same history)."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**31 - 1


def _weeks(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The ISO weeks (Monday–Sunday) that start inside [start, end] and have ended by `end`."""
    monday = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    weeks = []
    while monday + dt.timedelta(days=6) <= end:
        weeks.append((monday, monday + dt.timedelta(days=6)))
        monday += dt.timedelta(days=7)
    return weeks


def _places(measure: Measure) -> Decimal:
    return Decimal("0.1") if measure.unit in ("wan_yuan", "percent") else Decimal(1)


def _split(total: Decimal, weights: list[float], places: Decimal) -> list[Decimal]:
    """`total` shared by `weights`, rounded to `places`; the last share takes the rounding rest so
    the parts add up to `total` exactly."""
    whole = sum(weights) or 1.0
    parts = [(total * Decimal(w / whole)).quantize(places, ROUND_HALF_UP) for w in weights[:-1]]
    return [*parts, total - sum(parts, Decimal(0))]


def _path(measure: Measure, weeks: list[tuple[dt.date, dt.date]], period: Period) -> list[tuple]:
    """(planned, actual, cumulative) per week, ending where the measure stands now."""
    places = _places(measure)
    current = measure.current or Decimal(0)
    target = measure.target or current
    all_weeks = _weeks(period.start, period.end) or weeks
    season = [MONTH_WEIGHT[start.month] for start, _end in all_weeks]
    key = f"{measure.goal.name}/{measure.name}"
    if measure.accumulates:
        plan = _split(target, season, places)[: len(weeks)]
        real = [max(0.05, s * (1 + 0.25 * _noise(f"{key}/{i}"))) for i, s in enumerate(season[: len(weeks)])]
        actual = _split(current, real, places)
        if actual[-1] < 0:  # the rounding rest cannot make the last week negative
            actual = _split(current, [1.0] * len(weeks), places)
        cumulative, rows = Decimal(0), []
        for planned, done in zip(plan, actual, strict=True):
            cumulative += done
            rows.append((planned, done, cumulative))
        return rows
    start = measure.baseline if measure.baseline is not None else (target * Decimal("0.85")).quantize(places)
    rows = []
    for i in range(len(weeks)):
        share = Decimal(i + 1) / Decimal(len(weeks))
        planned = (start + (target - start) * Decimal(i + 1) / Decimal(len(all_weeks))).quantize(places)
        wobble = Decimal(str(round(0.02 * _noise(f"{key}/{i}"), 4))) * abs(current or 1)
        level = (start + (current - start) * share + (wobble if i < len(weeks) - 1 else 0)).quantize(places)
        rows.append((planned, level, level))
    return rows


def _deviation(key: str, planned: Decimal, actual: Decimal, categories) -> tuple:
    if not planned or actual >= planned * Decimal("0.85"):
        return None, "", ""
    code, reason, improvement = REASONS[int((_noise(key) + 1) * len(REASONS) / 2) % len(REASONS)]
    return categories.get(code), reason, improvement


def _entered(week_end: dt.date, key: str) -> dt.datetime:
    """Most weekly reports are in on the Monday after the week; about one in eight by Wednesday."""
    late = _noise(f"{key}/late") > 0.75
    day = week_end + dt.timedelta(days=3 if late else 1)
    entered = timezone.make_aware(dt.datetime.combine(day, dt.time(10 if not late else 16, 0)))
    return min(entered, timezone.now())


def measures_without_history(periods: list[Period]) -> list[Measure]:
    """Measures of the active goals of `periods` that report by check-in and have none yet."""
    return list(
        Measure.objects.filter(
            goal__period__in=periods, goal__status=GoalStatus.ACTIVE, current__isnull=False
        )
        .filter(parts__isnull=True, check_ins__isnull=True)
        .select_related("goal__period", "goal__owner__user")
        .order_by("goal__period__start", "goal_id", "sort_order", "id")
        .distinct()
    )


def seed_demo_history(*, periods: list[Period], until: dt.date) -> int:
    """Write the weekly check-ins of every measure `measures_without_history` finds, for the weeks
    of its goal's period that ended by `until`. Returns how many check-ins were written."""
    categories = {c.code: c for c in DeviationCategory.objects.all()}
    written = 0
    for measure in measures_without_history(periods):
        goal: Goal = measure.goal
        weeks = _weeks(goal.period.start, min(goal.period.end, until))
        if not weeks or goal.owner is None:
            continue
        key = f"{goal.name}/{measure.name}"
        rows = _path(measure, weeks, goal.period)
        history = []
        for i, ((start, end), (planned, actual, cumulative)) in enumerate(zip(weeks, rows, strict=True)):
            category, reason, improvement = _deviation(f"{key}/{i}", planned, actual, categories)
            fields = {
                "planned": planned,
                "actual": actual,
                "cumulative": cumulative,
                "deviation_reason": reason,
                "improvement": improvement,
                "confidence": 6 + int(_noise(f"{key}/c{i}") * 2),
            }
            if i == len(weeks) - 1:  # the latest week: through the one writer of the figure
                checkin_submit(
                    actor=goal.owner.user,
                    measure=measure,
                    period_start=start,
                    period_end=end,
                    deviation_category=category,
                    **fields,
                )
                continue
            history.append(
                CheckIn(
                    measure=measure,
                    period_start=start,
                    period_end=end,
                    period_kind=CheckInPeriod.WEEK,
                    author=goal.owner,
                    origin=CheckInOrigin.REPORTED,
                    deviation_category=category,
                    **fields,
                )
            )
        created = CheckIn.objects.bulk_create(history)
        for checkin in created:  # auto_now_add wrote today: they were entered week by week
            checkin.created_at = _entered(checkin.period_end, f"{key}/{checkin.period_start}")
        CheckIn.objects.bulk_update(created, ["created_at"])
        completion_refresh(measure_ids=[measure.pk])  # rows written around the service
        written += len(weeks)
    return written
