"""Appraisal scoring rules (DOMAIN.md "Appraisal scoring"), as plain functions over Decimals.

Nothing here rounds except `final_score` (half up to 2 places, the figure people are paid on);
intermediate scores keep full precision so that a final is the same whichever order it is summed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction

HUNDRED = Decimal(100)
SCORE_PLACES = Decimal("0.01")
# Enough places that 60/90 × 80 + … never loses a cent before the final rounding.
PRECISION = Context(prec=34)

DEFAULT_CAP = Decimal("1.20")
DEFAULT_REVIEWER_WEIGHTS = {"manager": Decimal(60), "peer": Decimal(20), "self": Decimal(20)}


def linear_score(
    achievement: Decimal, *, floor: Decimal | None = None, cap: Decimal | None = DEFAULT_CAP
) -> Decimal:
    """Quantitative indicator, linear rule: achievement × 100; 0 below the floor; the cap above it.

    DOMAIN.md: "below the floor the score is 0; above the cap it is the cap. Default floor none, cap 120%".
    96% → 96; 130% with cap 120% → 120; 55% with floor 60% → 0. A negative achievement scores 0.
    """
    if floor is not None and achievement < floor:
        return Decimal(0)
    if cap is not None and achievement > cap:
        achievement = cap
    return max(Decimal(0), achievement * HUNDRED)


def step_score(achievement: Decimal, steps: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    """Quantitative indicator, step table: the score of the highest threshold the achievement reaches.

    DOMAIN.md's example (< 60% → 0, 60–80% → 60, 80–100% → 80, ≥ 100% → 100) is
    [(0.6, 60), (0.8, 80), (1, 100)]; below the first threshold the score is 0.
    """
    score = Decimal(0)
    for threshold, step in sorted(steps):
        if achievement >= threshold:
            score = step
    return score


def rating_score(rating: Decimal | int) -> Decimal:
    """A 1–5 rating r scores r × 20."""
    return Decimal(rating) * 20


@dataclass(frozen=True)
class QualitativeScore:
    score: Decimal | None
    by_role: dict[str, Decimal]  # role → that kind of reviewer's score (peers averaged)
    effective_weights: dict[str, Decimal]  # role → weight after renormalisation (fractions summing to 1)


def qualitative_score(
    ratings: Mapping[str, Iterable[int]], weights: Mapping[str, Decimal] = DEFAULT_REVIEWER_WEIGHTS
) -> QualitativeScore:
    """Qualitative indicator: the reviewer-weighted mean of r × 20 (DOMAIN.md).

    `ratings` maps a reviewer kind (manager, peer, self) to the ratings given; peers are averaged first.
    Where a kind gave no rating its weight is left out and the rest renormalised (manager and self only →
    75% / 25%). No rating at all, or weights that leave nothing, → score None.

    The score is worked out exactly (fractions) and rounded once to 34 digits, so it never leaves the
    range of the kinds' scores (three 1s weighted 1:1:1 score 20, not 19.999…) nor depends on their order.
    """
    with localcontext(PRECISION):
        by_role: dict[str, Decimal] = {}
        means: dict[str, Fraction] = {}
        for role, given in ratings.items():
            values = [rating_score(r) for r in given]
            if values:
                by_role[role] = sum(values, Decimal(0)) / len(values)
                means[role] = Fraction(sum(values, Decimal(0))) / len(values)
        total = sum((Decimal(weights.get(role, 0)) for role in by_role), Decimal(0))
        if not by_role or total <= 0:
            return QualitativeScore(None, by_role, {})
        effective = {role: Decimal(weights.get(role, 0)) / total for role in by_role}
        exact = sum((Fraction(Decimal(weights.get(role, 0))) * means[role] for role in by_role), Fraction(0))
        exact /= Fraction(total)
        score = Decimal(exact.numerator) / Decimal(exact.denominator)
        return QualitativeScore(score, by_role, effective)


def weighted_sum(parts: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """Σ weight × score / 100 over (weight in percent, score) pairs, unrounded."""
    with localcontext(PRECISION):
        return sum((Decimal(w) * s for w, s in parts), Decimal(0)) / HUNDRED


def round_score(value: Decimal) -> Decimal:
    """Final scores are rounded half up to 2 decimals (DOMAIN.md), once, at the end."""
    return value.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def final_score(parts: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """Default rule: Σ indicator weight × indicator score / 100, rounded half up to 2 decimals.

    The worked example: 0.40×96 + 0.20×120 + 0.10×0 + 0.15×82 + 0.15×95 = 88.95.
    """
    return round_score(weighted_sum(parts))


def weights_total_error(weights: Iterable[Decimal]) -> Decimal | None:
    """Indicator weights must sum to exactly 100%: the shortfall or excess, or None when they do."""
    total = sum((Decimal(w) for w in weights), Decimal(0))
    return None if total == HUNDRED else total - HUNDRED


def weighted_mean(parts: Iterable[tuple[Decimal, Decimal]]) -> Decimal | None:
    """Σ w × s / Σ w, unrounded, or None when no weight: the 定量 / 定性 components of a formula."""
    parts = list(parts)
    with localcontext(PRECISION):
        total = sum((Decimal(w) for w, _s in parts), Decimal(0))
        if total <= 0:
            return None
        return sum((Decimal(w) * s for w, s in parts), Decimal(0)) / total
