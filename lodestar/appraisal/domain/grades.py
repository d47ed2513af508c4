"""Grades, bonus coefficients, the calibration guideline and the consequences of a grade
(DOMAIN.md "Appraisal scoring": grades, bonus coefficients, consequences, calibration guideline)."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Highest first. D exists only when the thresholds give C a lower bound.
GRADES = ("S", "A", "B", "C", "D")
DEFAULT_THRESHOLDS = {"S": Decimal(95), "A": Decimal(85), "B": Decimal(70)}
DEFAULT_COEFFICIENTS = {
    "S": Decimal("1.50"),
    "A": Decimal("1.20"),
    "B": Decimal("1.00"),
    "C": Decimal("0.80"),
}
DEFAULT_S_MAX = Decimal(10)
DEFAULT_C_MIN = Decimal(5)
CENTS = Decimal("0.01")


def thresholds_of(raw: Mapping[str, object] | None) -> dict[str, Decimal]:
    """A cycle's thresholds as Decimals, the defaults when it has none."""
    if not raw:
        return dict(DEFAULT_THRESHOLDS)
    return {g: Decimal(str(raw[g])) for g in GRADES if g in raw}


def coefficients_of(raw: Mapping[str, object] | None) -> dict[str, Decimal]:
    if not raw:
        return dict(DEFAULT_COEFFICIENTS)
    return {g: Decimal(str(raw[g])) for g in GRADES if g in raw}


def grade_for(score: Decimal, thresholds: Mapping[str, Decimal] = DEFAULT_THRESHOLDS) -> str:
    """S ≥ 95, A ≥ 85, B ≥ 70, C below (defaults). With a threshold for C, a score below it is D."""
    for grade in GRADES:
        bound = thresholds.get(grade)
        if bound is not None and score >= bound:
            return grade
    return "D" if "C" in thresholds else "C"


def thresholds_error(thresholds: Mapping[str, Decimal]) -> str | None:
    """The grade whose bound is not strictly below the one above it (S > A > B > C), or None when ordered."""
    previous: Decimal | None = None
    for grade in GRADES:
        bound = thresholds.get(grade)
        if bound is None:
            continue
        if previous is not None and bound >= previous:
            return grade
        previous = bound
    return None


def bonus_amount(pay_base: Decimal, coefficient: Decimal) -> Decimal:
    """bonus = performance-pay base × coefficient, in 元 to the fen (10,000 × 1.20 = 12,000.00)."""
    return (pay_base * coefficient).quantize(CENTS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Distribution:
    total: int
    counts: dict[str, int]
    s_limit: int  # the most S the guideline allows
    c_floor: int  # the fewest C the guideline asks for
    s_over: int  # S beyond the limit (people to move down)
    c_short: int  # C missing (people to move down into C)

    @property
    def within(self) -> bool:
        return self.s_over == 0 and self.c_short == 0

    def share(self, grade: str) -> Decimal:
        if not self.total:
            return Decimal(0)
        return Decimal(self.counts.get(grade, 0)) / self.total


def distribution(
    grades: Iterable[str], *, s_max: Decimal = DEFAULT_S_MAX, c_min: Decimal = DEFAULT_C_MIN
) -> Distribution:
    """The grade counts of a department (or a cycle) against the guideline S ≤ 10%, C ≥ 5% (defaults).

    The limits are counted in people: at most ⌊10% × n⌋ S and at least ⌈5% × n⌉ C (of 12 people:
    1 S, 1 C). C counts what is at C or below (D is below C).
    """
    grades = list(grades)
    counts = Counter(grades)
    n = len(grades)
    s_limit = math.floor(Decimal(n) * s_max / 100)
    c_floor = math.ceil(Decimal(n) * c_min / 100)
    at_c_or_below = counts.get("C", 0) + counts.get("D", 0)
    return Distribution(
        total=n,
        counts={g: counts.get(g, 0) for g in GRADES},
        s_limit=s_limit,
        c_floor=c_floor,
        s_over=max(0, counts.get("S", 0) - s_limit),
        c_short=max(0, c_floor - at_c_or_below),
    )


def people_to_move(scored: Sequence[tuple[int, str, Decimal]], dist: Distribution) -> dict[int, str]:
    """Who the guideline points at, as {appraisal id: suggested grade}: the lowest-scoring S beyond the
    limit → A, and the lowest-scoring B (then the lowest-scoring A, when there are not enough B) to make
    up the missing C → C.
    `scored` is (appraisal id, current grade, final score). A suggestion, never applied by itself."""
    moves: dict[int, str] = {}
    by_score = sorted(scored, key=lambda row: (row[2], row[0]))
    if dist.s_over:
        for appraisal_id, _grade, _score in [r for r in by_score if r[1] == "S"][: dist.s_over]:
            moves[appraisal_id] = "A"
    if dist.c_short:
        pool = [r for r in by_score if r[1] == "B"] + [r for r in by_score if r[1] == "A"]
        for appraisal_id, _grade, _score in pool[: dist.c_short]:
            moves[appraisal_id] = "C"
    return moves


def promotion_candidate(quarter_grades: Sequence[str]) -> bool:
    """Two consecutive quarterly A or S → promotion candidate (DOMAIN.md §5). Grades oldest first."""
    return any(a in ("S", "A") and b in ("S", "A") for a, b in itertools.pairwise(quarter_grades))


def opens_pip(grade: str) -> bool:
    """C (or D) → performance improvement plan."""
    return grade in ("C", "D")


def pip_after_regrade(old_grade: str, new_grade: str) -> str | None:
    """What a changed grade (an upheld appeal) does to the improvement plan (DOMAIN.md §5 "C → PIP"):
    "open" when the new grade opens a plan (`opens_pip`), "close" when it moves out of C/D to B or
    better, None otherwise (C ↔ D keeps the plan; S/A/B ↔ S/A/B never had one)."""
    if opens_pip(new_grade):
        return "open"
    if opens_pip(old_grade):
        return "close"
    return None
