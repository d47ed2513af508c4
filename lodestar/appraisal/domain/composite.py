"""The annual composite (年度综合, DOMAIN.md "Appraisal scoring"):
30% × mean of the monthly finals + 40% × mean of the quarterly finals + 30% × the annual final;
a missing part is left out and the rest renormalised."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from lodestar.appraisal.domain.scoring import PRECISION

PARTS = ("month", "quarter", "year")
DEFAULT_WEIGHTS = {"month": Decimal(30), "quarter": Decimal(40), "year": Decimal(30)}


@dataclass(frozen=True)
class CompositePart:
    part: str
    weight: Decimal  # as configured, percent
    effective_weight: Decimal | None  # fraction after renormalisation; None when the part is missing
    finals: tuple[Decimal, ...]
    mean: Decimal | None

    @property
    def missing(self) -> bool:
        return self.mean is None


@dataclass(frozen=True)
class CompositeResult:
    parts: tuple[CompositePart, ...]
    final_score: Decimal | None
    renormalised: bool


def _shown(value: Fraction) -> Decimal:
    """An exact mean or weight as a Decimal for display (34 significant digits); never used to compute."""
    with localcontext(PRECISION):
        return Decimal(value.numerator) / Decimal(value.denominator)


def _round_half_up(value: Fraction) -> Decimal:
    """The exact composite rounded once, half up (a half goes away from zero, like ROUND_HALF_UP), to 2
    decimals (DOMAIN.md: final scores are rounded half up to 2 decimals)."""
    cents = math.floor(abs(value) * 100 + Fraction(1, 2))
    sign = "-" if value < 0 and cents else ""
    return Decimal(f"{sign}{cents}E-2")  # built from its digits: exact whatever the context's precision


def composite(
    finals: Mapping[str, Sequence[Decimal]], weights: Mapping[str, Decimal] = DEFAULT_WEIGHTS
) -> CompositeResult:
    """`finals` maps month/quarter/year to that kind's final scores in the year.

    Worked example: monthly 80, 90, 100 (mean 90), quarterly 88.95, annual 92 →
    0.3×90 + 0.4×88.95 + 0.3×92 = 90.18. Without monthly finals: (0.4×88.95 + 0.3×92) / 0.7.

    The means, weights and weighted sum are worked out exactly (fractions) and rounded once at the end, so
    an exact half cent always rounds up (a mean of 80.0125 weighted 40% is 32.005, not 32.00499…).
    """
    weight = {p: Decimal(weights.get(p, 0)) for p in PARTS}
    means: dict[str, Fraction | None] = {
        p: (sum(map(Fraction, finals[p]), Fraction(0)) / len(finals[p])) if finals.get(p) else None
        for p in PARTS
    }
    present = [p for p in PARTS if means[p] is not None and weight[p] > 0]
    total = sum((Fraction(weight[p]) for p in present), Fraction(0))
    parts = tuple(
        CompositePart(
            part=p,
            weight=weight[p],
            effective_weight=_shown(Fraction(weight[p]) / total) if p in present else None,
            finals=tuple(finals.get(p, ())),
            mean=None if (mean := means[p]) is None else _shown(mean),
        )
        for p in PARTS
    )
    if not present:
        return CompositeResult(parts, None, False)
    value = sum((Fraction(weight[p]) * means[p] for p in present), Fraction(0)) / total  # type: ignore[operator]
    renormalised = len(present) < len([p for p in PARTS if weight[p] > 0])
    return CompositeResult(parts, _round_half_up(value), renormalised)
