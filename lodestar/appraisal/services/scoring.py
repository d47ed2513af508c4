"""The one writer of appraisal scores: components, named components, final score, grade, coefficient, bonus.

Quantitative indicators read the period's frozen close snapshot (`goals.Snapshot`, the latest close of
each goal), never live figures and never a typed number; qualitative ones read the submitted reviews.
The rules are `appraisal.domain` functions; this module only gathers their inputs in bulk (a constant
number of queries per cycle, whatever its size) and stores the results.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from lodestar.appraisal.domain import formula as formula_rules
from lodestar.appraisal.domain import grades as grade_rules
from lodestar.appraisal.domain import scoring as rules
from lodestar.appraisal.models import (
    Appraisal,
    Cycle,
    Indicator,
    IndicatorKind,
    PayBase,
    Rating,
    ReviewStatus,
    ScoringRule,
)
from lodestar.core.bulk import write_rows
from lodestar.core.numbers import amount_str, rate_str
from lodestar.goals.domain import unit_display
from lodestar.goals.models import Snapshot, SnapshotKind

ROLES = ("manager", "peer", "self")
SCORE_QUANTUM = Decimal("0.0001")


def _str(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(SCORE_QUANTUM):f}"


def reviewer_weights(cycle: Cycle) -> dict[str, Decimal]:
    return {"manager": cycle.weight_manager, "peer": cycle.weight_peer, "self": cycle.weight_self}


@dataclass
class _Figures:
    """The close snapshot of one period, indexed the three ways an indicator can be bound."""

    by_measure: dict[int, dict] = field(default_factory=dict)
    by_goal: dict[int, dict] = field(default_factory=dict)
    by_owner_type: dict[tuple[int, int], list[dict]] = field(default_factory=lambda: defaultdict(list))


def _figures(period_id: int) -> _Figures:
    """One query: every close-snapshot row of the period; for each goal only its latest close counts
    (a period reopened and closed again is appraised on the last close)."""
    rows: list[dict] = [
        dict(row)
        for row in Snapshot.objects.filter(period_id=period_id, kind=SnapshotKind.CLOSE)
        .order_by("taken_at", "id")
        .values(
            "goal_id",
            "measure_id",
            "taken_at",
            "goal_name",
            "measure_name",
            "unit",
            "unit_label",
            "target",
            "actual",
            "achievement_rate",
            "goal_achievement_rate",
            "goal_achievement_rate_uncapped",
            "goal__owner_id",
            "goal__goal_type_id",
            "goal__deleted_at",
        )
    ]
    latest: dict[int, object] = {}
    for row in rows:
        latest[row["goal_id"]] = row["taken_at"]
        # A goal's figure for appraisal is its uncapped achievement: the indicator applies its own cap
        # (DOMAIN.md "Appraisal scoring": 130% → 120), which the roll-up's 100% cap would make
        # unreachable. Snapshots taken before the uncapped figure was kept fall back to the capped one.
        uncapped = row["goal_achievement_rate_uncapped"]
        row["goal_rate"] = uncapped if uncapped is not None else row["goal_achievement_rate"]
    figures = _Figures()
    seen_goals: set[int] = set()
    for row in rows:
        if row["taken_at"] != latest[row["goal_id"]]:
            continue
        if row["measure_id"] is not None:
            figures.by_measure[row["measure_id"]] = row
        if row["goal_id"] not in seen_goals:
            seen_goals.add(row["goal_id"])
            figures.by_goal[row["goal_id"]] = row
            owner, goal_type = row["goal__owner_id"], row["goal__goal_type_id"]
            if owner is not None and goal_type is not None and row["goal__deleted_at"] is None:
                figures.by_owner_type[(owner, goal_type)].append(row)
    return figures


def _source_row(row: dict, rate_key: str) -> dict:
    return {
        "goal_id": row["goal_id"],
        "goal_name": row["goal_name"],
        "measure_name": row["measure_name"],
        "unit": unit_display(row["unit"], row["unit_label"]),
        "target": amount_str(row["target"]),
        "actual": amount_str(row["actual"]),
        "achievement": rate_str(row[rate_key]),
        "taken_at": row["taken_at"].isoformat(),
    }


def quantitative_achievement(
    indicator: Indicator, person_id: int, figures: _Figures
) -> tuple[Decimal | None, dict]:
    """The achievement an indicator is scored on, and where it came from.

    Bound to a measure: that measure's achievement in the snapshot. Bound to a goal: the goal's
    uncapped achievement (the indicator's cap bounds it). Bound to a goal type: the mean achievement of the person's own goals of that type in
    the period (each goal counts once, whatever its size: targets of different units cannot be added).
    """
    if indicator.measure_id is not None:
        row = figures.by_measure.get(indicator.measure_id)
        rows, key, kind = ([row] if row else []), "achievement_rate", "measure"
    elif indicator.goal_id is not None:
        row = figures.by_goal.get(indicator.goal_id)
        rows, key, kind = ([row] if row else []), "goal_rate", "goal"
    else:
        rows = figures.by_owner_type.get((person_id, indicator.goal_type_id or 0), [])
        key, kind = "goal_rate", "goal_type"
    rates = [r[key] for r in rows if r[key] is not None]
    source = {"kind": kind, "rows": [_source_row(r, key) for r in rows]}
    if not rates:
        return None, source
    achievement = sum(rates, Decimal(0)) / len(rates)
    return achievement, source


def quantitative_score(indicator: Indicator, achievement: Decimal) -> Decimal:
    if indicator.rule == ScoringRule.STEPS:
        steps = [(Decimal(str(t)), Decimal(str(s))) for t, s in indicator.steps or []]
        return rules.step_score(achievement, steps)
    return rules.linear_score(achievement, floor=indicator.floor, cap=indicator.cap)


@dataclass
class Scored:
    components: list[dict]
    named: dict[str, str | None]
    final: Decimal | None
    missing: list[dict]


def score_one(
    appraisal: Appraisal,
    indicators: list[Indicator],
    ratings: dict[int, dict[str, list[int]]],
    figures: _Figures,
    cycle: Cycle,
    parsed_formula: ast.Expression | None = None,
) -> Scored:
    """Score one appraisal from its inputs (no queries): `ratings` maps indicator id → role → ratings."""
    weights = reviewer_weights(cycle)
    components: list[dict] = []
    missing: list[dict] = []
    values: dict[str, Decimal | None] = {}
    parts: list[tuple[Decimal, Decimal]] = []
    quantitative: list[tuple[Decimal, Decimal]] = []
    qualitative: list[tuple[Decimal, Decimal]] = []
    by_role: dict[str, list[tuple[Decimal, Decimal]]] = {role: [] for role in ROLES}
    for indicator in indicators:
        entry: dict = {
            "indicator_id": indicator.pk,
            "name": indicator.name,
            "kind": indicator.kind,
            "weight": f"{indicator.weight:f}",
            "rule": indicator.rule if indicator.kind == IndicatorKind.QUANTITATIVE else "",
            "achievement": None,
        }
        score: Decimal | None
        if indicator.kind == IndicatorKind.QUANTITATIVE:
            achievement, source = quantitative_achievement(indicator, appraisal.person_id, figures)
            entry["achievement"] = rate_str(achievement)
            score = quantitative_score(indicator, achievement) if achievement is not None else None
            if score is None:
                missing.append(
                    {"indicator_id": indicator.pk, "name": indicator.name, "reason": "no_snapshot"}
                )
            else:
                quantitative.append((indicator.weight, score))
        else:
            given = ratings.get(indicator.pk, {})
            result = rules.qualitative_score(given, weights)
            score = result.score
            source = {
                "ratings": {role: given.get(role, []) for role in ROLES},
                "by_role": {role: _str(value) for role, value in result.by_role.items()},
                "weights": {role: rate_str(value) for role, value in result.effective_weights.items()},
            }
            if score is None:
                missing.append({"indicator_id": indicator.pk, "name": indicator.name, "reason": "no_rating"})
            else:
                qualitative.append((indicator.weight, score))
            for role, value in result.by_role.items():
                by_role[role].append((indicator.weight, value))
        entry["score"] = _str(score)
        entry["source"] = source
        components.append(entry)
        values[formula_rules.indicator_key(indicator.name)] = score
        if score is not None:
            parts.append((indicator.weight, score))
    default = rules.weighted_sum(parts) if not missing else None
    values.update(
        {
            "default": default,
            "quantitative": rules.weighted_mean(quantitative),
            "qualitative": rules.weighted_mean(qualitative),
            **{role: rules.weighted_mean(by_role[role]) for role in ROLES},
        }
    )
    final: Decimal | None
    if parsed_formula is not None:
        try:
            final = formula_rules.evaluate(parsed_formula, cycle.formula, values.get)
        except formula_rules.MissingComponent as exc:
            final = None
            missing.append({"component": exc.name, "reason": "missing_component"})
        except formula_rules.FormulaError as exc:
            final = None
            missing.append({"component": "formula", "reason": "formula_error", "message": str(exc)})
    else:
        final = rules.round_score(default) if default is not None else None
    named = {name: _str(value) for name, value in values.items()}
    return Scored(components, named, final, missing)


def _parsed_formula(cycle: Cycle, indicators: Iterable[Indicator]) -> ast.Expression | None:
    if not cycle.formula.strip():
        return None
    try:
        return formula_rules.parse(cycle.formula, {formula_rules.indicator_key(i.name) for i in indicators})
    except formula_rules.FormulaError:
        return None  # saved formulas are validated; one that no longer parses falls back to the default rule


def apply_grade(appraisal: Appraisal, cycle: Cycle) -> None:
    """Grade, coefficient and bonus from the final score (and the calibrated grade when there is one)."""
    thresholds = grade_rules.thresholds_of(cycle.grade_thresholds)
    coefficients = grade_rules.coefficients_of(cycle.bonus_coefficients)
    if appraisal.final_score is None:
        appraisal.grade = ""
    else:
        appraisal.grade = grade_rules.grade_for(appraisal.final_score, thresholds)
    grade = appraisal.effective_grade
    appraisal.bonus_coefficient = coefficients.get(grade) if grade else None
    if appraisal.bonus_coefficient is not None and appraisal.pay_base is not None:
        appraisal.bonus_amount = grade_rules.bonus_amount(appraisal.pay_base, appraisal.bonus_coefficient)
    else:
        appraisal.bonus_amount = None


SCORED_FIELDS = [
    "components",
    "named",
    "final_score",
    "missing",
    "grade",
    "bonus_coefficient",
    "bonus_amount",
    "scored_at",
    "pay_base",
]


def score_appraisals(cycle: Cycle, appraisal_ids: Iterable[int] | None = None) -> int:
    """Score a cycle's appraisals (all, or the given ones) and store the results; returns how many.

    Queries: appraisals, indicators, ratings, snapshot, pay bases, one bulk update — whatever the size.
    A published cycle is never rescored: its results are what people were told and paid.
    """
    if cycle.is_published:
        return 0
    qs = Appraisal.objects.filter(cycle=cycle)
    if appraisal_ids is not None:
        qs = qs.filter(pk__in=list(appraisal_ids))
    appraisals = list(qs)
    if not appraisals:
        return 0
    template_ids = {a.template_id for a in appraisals}
    indicators_by_template: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in Indicator.objects.filter(template_id__in=template_ids).order_by("sort_order", "id"):
        indicators_by_template[indicator.template_id].append(indicator)
    ratings: dict[int, dict[int, dict[str, list[int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    rating_rows = Rating.objects.filter(review__appraisal__cycle=cycle, review__status=ReviewStatus.SUBMITTED)
    if appraisal_ids is not None:
        rating_rows = rating_rows.filter(review__appraisal_id__in=[a.pk for a in appraisals])
    for appraisal_id, indicator_id, role, rating in rating_rows.values_list(
        "review__appraisal_id", "indicator_id", "review__role", "rating"
    ):
        ratings[appraisal_id][indicator_id][role].append(rating)
    figures = _figures(cycle.period_id)
    bases = dict(
        PayBase.objects.filter(person_id__in=[a.person_id for a in appraisals]).values_list(
            "person_id", "amount"
        )
    )
    formulas = {pk: _parsed_formula(cycle, indicators) for pk, indicators in indicators_by_template.items()}
    now = timezone.now()
    for appraisal in appraisals:
        indicators = indicators_by_template[appraisal.template_id]
        scored = score_one(
            appraisal, indicators, ratings[appraisal.pk], figures, cycle, formulas.get(appraisal.template_id)
        )
        appraisal.components = scored.components
        appraisal.named = scored.named
        appraisal.final_score = scored.final
        appraisal.missing = scored.missing
        appraisal.pay_base = bases.get(appraisal.person_id, appraisal.pay_base)
        apply_grade(appraisal, cycle)
        appraisal.scored_at = now
    write_rows(
        Appraisal, SCORED_FIELDS, [(*(getattr(a, f) for f in SCORED_FIELDS), a.pk) for a in appraisals]
    )
    return len(appraisals)


def rescore(appraisal: Appraisal) -> Appraisal:
    """Score one appraisal again (after a review is submitted) and return it fresh."""
    score_appraisals(appraisal.cycle, [appraisal.pk])
    appraisal.refresh_from_db()
    return appraisal
