"""The annual composite (年度综合, DOMAIN.md "Appraisal scoring"):
30% × mean of the monthly finals + 40% × mean of the quarterly finals + 30% × the annual final;
a missing part is left out and the rest renormalised."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

from lodestar.appraisal.domain.scoring import PRECISION, round_score

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


def composite(
    finals: Mapping[str, Sequence[Decimal]], weights: Mapping[str, Decimal] = DEFAULT_WEIGHTS
) -> CompositeResult:
    """`finals` maps month/quarter/year to that kind's final scores in the year.

    Worked example: monthly 80, 90, 100 (mean 90), quarterly 88.95, annual 92 →
    0.3×90 + 0.4×88.95 + 0.3×92 = 90.18. Without monthly finals: (0.4×88.95 + 0.3×92) / 0.7.
    """
    with localcontext(PRECISION):
        means = {
            p: (sum(finals.get(p, ()), Decimal(0)) / len(finals[p])) if finals.get(p) else None for p in PARTS
        }
        present = [p for p in PARTS if means[p] is not None and Decimal(weights.get(p, 0)) > 0]
        total = sum((Decimal(weights.get(p, 0)) for p in present), Decimal(0))
        parts = tuple(
            CompositePart(
                part=p,
                weight=Decimal(weights.get(p, 0)),
                effective_weight=(Decimal(weights.get(p, 0)) / total) if p in present else None,
                finals=tuple(finals.get(p, ())),
                mean=means[p],
            )
            for p in PARTS
        )
        if not present:
            return CompositeResult(parts, None, False)
        value = sum((Decimal(weights.get(p, 0)) * means[p] for p in present), Decimal(0)) / total  # type: ignore[operator]
        renormalised = len(present) < len([p for p in PARTS if Decimal(weights.get(p, 0)) > 0])
        return CompositeResult(parts, round_score(value), renormalised)
