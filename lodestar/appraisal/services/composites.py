"""The annual composite (年度综合): a person's year from the monthly, quarterly and annual finals of their
PUBLISHED appraisals whose cycle's period lies within the fiscal year (DOMAIN.md "Appraisal scoring":
30% × mean of the monthly finals + 40% × mean of the quarterly finals + 30% × the annual final; a missing
part is left out, the rest renormalised and the part marked). The rule is `domain.composite.composite`,
the grade `domain.grades.grade_for` with the default thresholds; this module gathers the finals (a
constant number of queries, for one person or the whole organisation) and stores the results."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.appraisal import access
from lodestar.appraisal.domain import composite as composite_rules
from lodestar.appraisal.domain import grades as grade_rules
from lodestar.appraisal.models import Appraisal, Composite, Stage
from lodestar.appraisal.services._percent import clean_percent
from lodestar.core.errors import ApplicationError
from lodestar.core.models import Period, PeriodKind
from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.services import Actor, bump_version
from lodestar.org.models import Person

PUBLISHED_STAGES = (Stage.PUBLISHED, Stage.FEEDBACK)
MEAN_QUANTUM = Decimal("0.0001")


def clean_weights(weights: Mapping[str, Any] | None) -> dict[str, Decimal]:
    """Monthly, quarterly and annual weights in percent summing to 100 (default 30/40/30)."""
    if weights is None:
        return dict(composite_rules.DEFAULT_WEIGHTS)
    cleaned: dict[str, Decimal] = {}
    for part in composite_rules.PARTS:
        cleaned[part] = clean_percent(weights.get(part, 0), f"weights.{part}")
    if sum(cleaned.values()) != 100:
        raise ApplicationError(
            _("The weights of the monthly, quarterly and annual parts must sum to 100%%."), field="weights"
        )
    return cleaned


def _year(year_period: Period) -> Period:
    if year_period.kind != PeriodKind.YEAR:
        raise ApplicationError(_("Choose a fiscal year."), field="year_period_id", code="not_a_year")
    return year_period


def _published_finals(year_period: Period, person_ids: list[int] | None = None) -> dict[int, list[dict]]:
    """One query: person id → the year's published finals, oldest first."""
    qs = Appraisal.objects.filter(
        cycle__stage__in=PUBLISHED_STAGES,
        cycle__period__kind__in=composite_rules.PARTS,
        cycle__period__start__gte=year_period.start,
        cycle__period__end__lte=year_period.end,
        final_score__isnull=False,
    )
    if person_ids is not None:
        qs = qs.filter(person_id__in=person_ids)
    rows = qs.order_by("person_id", "cycle__period__start", "cycle_id").values(
        "pk",
        "person_id",
        "final_score",
        "cycle_id",
        "cycle__name",
        "cycle__period__kind",
        "cycle__period__name",
        "cycle__period__start",
    )
    out: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        out[row["person_id"]].append(dict(row))
    return out


def _result(rows: list[dict], weights: Mapping[str, Decimal]) -> tuple[list[dict], Decimal | None, str]:
    finals: dict[str, list[Decimal]] = {part: [] for part in composite_rules.PARTS}
    sources: dict[str, list[dict]] = {part: [] for part in composite_rules.PARTS}
    for row in rows:
        kind = row["cycle__period__kind"]
        finals[kind].append(row["final_score"])
        sources[kind].append(
            {
                "appraisal_id": row["pk"],
                "cycle_id": row["cycle_id"],
                "cycle": row["cycle__name"],
                "period": row["cycle__period__name"],
                "final_score": amount_str(row["final_score"]),
            }
        )
    result = composite_rules.composite(finals, weights)
    parts = [
        {
            "part": part.part,
            "weight": amount_str(part.weight),
            "effective_weight": rate_str(part.effective_weight),
            "finals": sources[part.part],
            "mean": None if part.mean is None else f"{part.mean.quantize(MEAN_QUANTUM):f}",
            "missing": part.missing,
        }
        for part in result.parts
    ]
    grade = grade_rules.grade_for(result.final_score) if result.final_score is not None else ""
    return parts, result.final_score, grade


def _apply(
    composite: Composite, rows: list[dict], weights: Mapping[str, Decimal], now: dt.datetime
) -> Composite:
    composite.weight_month = weights["month"]
    composite.weight_quarter = weights["quarter"]
    composite.weight_year = weights["year"]
    composite.parts, composite.final_score, composite.grade = _result(rows, weights)
    composite.computed_at = now
    return composite


def composite_compute(
    *, actor: Actor, person: Person, year_period: Period, weights: Mapping[str, Any] | None = None
) -> Composite:
    """Compute (or recompute) one person's composite of a fiscal year (HR and admins)."""
    access.require_runner(actor)
    year_period = _year(year_period)
    cleaned = clean_weights(weights)
    rows = _published_finals(year_period, [person.pk]).get(person.pk, [])
    with transaction.atomic():
        composite = (
            Composite.objects.select_for_update().filter(person=person, year_period=year_period).first()
        )
        if composite is None:
            composite = Composite(person=person, year_period=year_period)
        else:
            bump_version(composite)
        _apply(composite, rows, cleaned, timezone.now())
        composite.save()
    return composite


FIELDS = ["weight_month", "weight_quarter", "weight_year", "parts", "final_score", "grade", "computed_at"]


def composites_compute_for_year(
    *, actor: Actor, year_period: Period, weights: Mapping[str, Any] | None = None
) -> int:
    """Compute the composite of everyone with a published appraisal in the year; returns how many.
    Queries: the finals, the existing composites, one bulk insert and one bulk update — whatever the size."""
    access.require_runner(actor)
    year_period = _year(year_period)
    cleaned = clean_weights(weights)
    finals = _published_finals(year_period)
    if not finals:
        return 0
    now = timezone.now()
    with transaction.atomic():
        existing = {
            c.person_id: c
            for c in Composite.objects.select_for_update().filter(
                year_period=year_period, person_id__in=list(finals)
            )
        }
        created, updated = [], []
        for person_id, rows in finals.items():
            composite = existing.get(person_id)
            if composite is None:
                created.append(
                    _apply(Composite(person_id=person_id, year_period=year_period), rows, cleaned, now)
                )
            else:
                bump_version(composite)
                composite.updated_at = now
                updated.append(_apply(composite, rows, cleaned, now))
        Composite.objects.bulk_create(created, batch_size=500)
        Composite.objects.bulk_update(updated, [*FIELDS, "version", "updated_at"], batch_size=500)
    return len(finals)
