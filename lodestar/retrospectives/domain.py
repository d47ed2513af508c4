"""The rules of retrospectives (复盘, DOMAIN.md §4 and "Numbers"): achievement against both targets,
the cadence of a period, when a retrospective is due, and which retrospectives a period close opens.

Pure functions (no database); Decimal in, Decimal out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from lodestar.goals.domain import Direction, achievement_rate

# Days after the period's end by which a retrospective is due, per cadence. The seeds' quarterly
# example closes 2024.Q3 (ends 30 Sep) with improvement actions due 10–15 Oct: a quarterly review
# is held within 15 days; a monthly one within a week; the annual whitepaper within a month.
DUE_DAYS = {"month": 7, "quarter": 15, "year": 30}

# The retrospectives a close opens cover the goals at the top of the closed scope: depth 0 (company
# and department objectives) and 1 (their first split). Deeper goals are reviewed inside them.
AUTO_MAX_DEPTH = 1

# How many deviation categories and reasons a retrospective lists ("most cited").
TOP_CITED = 5

PERCENT = Decimal("0.01")

# A rate as the retrospective stores it (its columns keep 6 decimal places, like goals' rates).
STORED_RATE = Decimal("0.000001")


def achievement_pair(
    actual: Decimal | None,
    target: Decimal | None,
    original_target: Decimal | None,
    direction: str = Direction.HIGHER,
    *,
    range_max: Decimal | None = None,
    baseline: Decimal | None = None,
) -> tuple[Decimal | None, Decimal | None]:
    """(达成率 against the adjusted target, 达成率 against the original target), DOMAIN.md "Numbers":
    target 500万 adjusted to 450万, actual 480万 → (1.0667, 0.96). One home for the ratio itself:
    `goals.domain.achievement_rate` (direction, range and zero-target rules included). Without an
    original target (never adjusted) both are the same figure."""
    if actual is None or target is None:
        return None, None
    kind = Direction(direction or Direction.HIGHER)
    rate = achievement_rate(actual, target, kind, range_max, baseline)
    original = original_target if original_target is not None else target
    return rate, achievement_rate(actual, original, kind, range_max, baseline)


def as_percent(rate: Decimal | None) -> Decimal | None:
    """A fraction shown as a percent with two decimals, rounded half up: 1.066666… → 106.67."""
    if rate is None:
        return None
    return (rate * 100).quantize(PERCENT, rounding=ROUND_HALF_UP)


def stored_rate(rate: Decimal | None) -> Decimal | None:
    """A rate rounded half up to the 6 places a retrospective's rate columns keep (DOMAIN.md "Numbers":
    shown with two decimals as a percent, so the rounding never shows): the mean of 0.96, 1.10 and 0.60
    is 0.886666… → 0.886667. Without it a repeating fraction (a department's mean, 480/450) cannot be
    saved and opening the retrospective fails."""
    if rate is None:
        return None
    return rate.quantize(STORED_RATE, rounding=ROUND_HALF_UP)


def cadence_of(period_kind: str) -> str | None:
    """The review cadence of a period kind: monthly review for a month (process indicators), quarterly
    for a quarter (results, ROI, direction), annual for a year (the whitepaper). Weeks and custom
    ranges have no review of their own (the weekly meeting covers weeks)."""
    return {"month": "month", "quarter": "quarter", "year": "year"}.get(period_kind)


def due_date(period_end: dt.date, cadence: str, opened_on: dt.date | None = None) -> dt.date:
    """When a retrospective of a period is due: `DUE_DAYS[cadence]` days after the period's end (Q3 →
    10.15); when the period was closed so late that this date has passed, as many days after the day it
    is opened (it is never overdue the moment it opens)."""
    days = dt.timedelta(days=DUE_DAYS.get(cadence, DUE_DAYS["quarter"]))
    due = period_end + days
    if opened_on is not None and due < opened_on:
        due = opened_on + days
    return due


def is_overdue(due: dt.date, today: dt.date, *, completed: bool) -> bool:
    """Not completed by its due date: overdue from the day after `due`."""
    return not completed and today > due


@dataclass(frozen=True)
class GoalInScope:
    """A goal of a closed scope, as the cadence worker sees it."""

    goal_id: int
    department_id: int
    owner_id: int | None
    depth: int


@dataclass(frozen=True)
class DueReview:
    """A retrospective a close calls for: scope `goal` (goal_id) or `department` (goal_id None)."""

    scope: str
    department_id: int
    goal_id: int | None
    owner_id: int


def due_reviews(goals: Iterable[GoalInScope], managers: dict[int, int | None]) -> list[DueReview]:
    """The retrospectives a period close opens (the rule the worker follows, documented in the user guide):

    - one per goal of the closed scope at depth 0..AUTO_MAX_DEPTH that has an owner, owned by the goal's owner;
    - one per department that owns such goals, owned by its manager (`managers`: department → manager id;
      a department without a manager gets none: its goals' owners hold their own reviews).
    Deeper goals, goals without owner and drafts/cancelled goals (the caller leaves them out) get none.
    """
    reviews: list[DueReview] = []
    departments: list[int] = []
    for goal in goals:
        if goal.depth > AUTO_MAX_DEPTH or goal.owner_id is None:
            continue
        reviews.append(DueReview("goal", goal.department_id, goal.goal_id, goal.owner_id))
        if goal.department_id not in departments:
            departments.append(goal.department_id)
    for department_id in departments:
        manager_id = managers.get(department_id)
        if manager_id is not None:
            reviews.append(DueReview("department", department_id, None, manager_id))
    return reviews


def most_cited(values: Sequence[str], *, top: int = TOP_CITED) -> list[tuple[str, int]]:
    """The values cited most often, with their counts, most cited first (ties: first cited first)."""
    counts = Counter(v.strip() for v in values if v and v.strip())
    order = {value: index for index, value in reversed(list(enumerate(v.strip() for v in values if v)))}
    return sorted(counts.items(), key=lambda kv: (-kv[1], order.get(kv[0], 0)))[:top]


def item_bucket(status: str, due: dt.date | None, completed_on: dt.date | None, period_end: dt.date) -> str:
    """Where an action item stands at the review: `done` (done by its due date), `late` (done after
    its due date, or still open past its due date at the period's end), `dropped` (cancelled), or
    `open` (still open, not yet due)."""
    if status == "cancelled":
        return "dropped"
    if status == "done":
        if due is not None and completed_on is not None and completed_on > due:
            return "late"
        return "done"
    if due is not None and due <= period_end:
        return "late"
    return "open"


def next_period_start(period_end: dt.date) -> dt.date:
    """The next period of the same kind starts the day after this one ends."""
    return period_end + dt.timedelta(days=1)
