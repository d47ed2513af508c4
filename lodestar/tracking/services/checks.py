"""What a check-in must satisfy before it is written: its fields parsed, its period, its sign, and
a correction only with the version it corrects.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, ConflictError
from lodestar.core.services import check_version
from lodestar.goals.models import Goal, Measure, MeasureUnit
from lodestar.goals.services import NON_NEGATIVE_UNITS, to_decimal
from lodestar.goals.services.common import Number
from lodestar.tracking.models import CheckIn, CheckInPeriod


class CheckInFields(TypedDict, total=False):
    """A check-in's figures and notes as a form or the API sends them; `clean_fields` parses them."""

    planned: Number | float | None
    actual: Number | float | None
    cumulative: Number | float | None
    resource_budget: Number | float | None
    confidence: int | str | None
    deviation_reason: str | None
    improvement: str | None
    comment: str | None
    resource_people: str | None
    resource_other: str | None


TEXT_LIMITS = {
    "deviation_reason": 4000,
    "improvement": 4000,
    "comment": 4000,
    "resource_people": 200,
    "resource_other": 300,
}


def clean_fields(data: dict[str, Any]) -> dict[str, Any]:
    for field in ("planned", "actual", "cumulative", "resource_budget"):
        if field in data:
            data[field] = to_decimal(data[field], field)
    for field in ("planned", "resource_budget"):
        if data.get(field) is not None and data[field] < 0:
            raise ApplicationError(_("This value cannot be negative."), field=field, code="negative")
    confidence = data.get("confidence")
    if confidence not in (None, ""):
        try:
            confidence = int(confidence)
        except (TypeError, ValueError) as exc:
            raise ApplicationError(
                _("Confidence is a whole number from 0 to 10."), field="confidence"
            ) from exc
        if not 0 <= confidence <= 10:
            raise ApplicationError(_("Confidence is a whole number from 0 to 10."), field="confidence")
        data["confidence"] = confidence
    else:
        data["confidence"] = None
    for field, limit in TEXT_LIMITS.items():
        if field in data:
            data[field] = (data[field] or "").strip()
            if len(data[field]) > limit:
                raise ApplicationError(_("This text is too long."), field=field)
    return data


def check_period(kind: str, start: dt.date, end: dt.date) -> None:
    if kind not in CheckInPeriod.values:
        raise ApplicationError(_("Choose day, week or month."), field="period_kind")
    if end < start:
        raise ApplicationError(_("The period ends before it starts."), field="period_end")
    if (end - start).days > 31:
        raise ApplicationError(_("A check-in covers at most a month."), field="period_end")


def check_inside_goal_period(goal: Goal, period_start: dt.date, period_end: dt.date) -> None:
    """A check-in reports on its goal's period: one that ends before the period starts or starts
    after it ends is refused (a week straddling the period's first or last day is accepted)."""
    period = goal.period
    if period_end < period.start:
        raise ApplicationError(
            _("The goal's period runs from %(start)s to %(end)s: this check-in ends before it starts.")
            % {"start": period.start, "end": period.end},
            code="outside_goal_period",
            field="period_end",
        )
    if period_start > period.end:
        raise ApplicationError(
            _("The goal's period runs from %(start)s to %(end)s: this check-in starts after it ends.")
            % {"start": period.start, "end": period.end},
            code="outside_goal_period",
            field="period_start",
        )


def check_not_negative(measure: Measure, data: dict) -> None:
    """The same refusal as a negative target (goals.services.validate_measure): counts, people and
    amounts are never below zero, and neither is a percentage where the measure stands."""
    fields = ["actual", "cumulative"] if measure.unit in NON_NEGATIVE_UNITS else []
    if measure.unit == MeasureUnit.PERCENT:
        fields = ["cumulative"] if measure.accumulates else ["actual", "cumulative"]
    for field in fields:
        value = data.get(field)
        if value is not None and value < 0:
            raise ApplicationError(
                _("This value cannot be negative for this unit."), field=field, code="negative"
            )


def check_correction(existing: CheckIn, version: int | None) -> None:
    """Reporting a period that already has a check-in corrects it only with that check-in's
    version: without one (or with the 0 of a page loaded before it existed) it is refused, so a
    second report never silently overwrites the first."""
    if version is None or version == 0:
        raise ConflictError(
            _(
                "%(start)s – %(end)s has already been reported (check-in #%(id)s, version "
                "%(version)s): reload it and correct that check-in instead."
            )
            % {
                "start": existing.period_start,
                "end": existing.period_end,
                "id": existing.pk,
                "version": existing.version,
            },
            code="version_conflict",
            field="version",
        )
    check_version(existing, version)
