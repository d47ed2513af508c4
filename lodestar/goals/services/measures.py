"""Writes for measures: validation against the direction, weights, current values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict, Unpack, cast

from django.db import transaction
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.references import refuse_delete_while_referenced
from lodestar.core.services import Actor, bump_version, check_version, validated_save
from lodestar.goals import domain
from lodestar.goals.access import can_edit_goal, can_manage_goal, can_report_on_goal
from lodestar.goals.closing_rules import check_goal_period_open
from lodestar.goals.figures import measure_enter_current
from lodestar.goals.models import DirectionChoice, Goal, GoalStatus, Measure, MeasureUnit, live_parts
from lodestar.goals.rollup import rollup_from
from lodestar.goals.services.common import (
    NON_NEGATIVE_UNITS,
    Number,
    measure_places,
    to_decimal,
)
from lodestar.org.models import Person
from lodestar.org.permissions import person_of


class MeasureFields(TypedDict, total=False):
    """A measure's fields as a form or the API sends them; numbers are parsed by `validate_measure`.

    A change (`measure_update`) carries only the fields it changes."""

    name: str
    target: Number | None
    unit: str
    unit_label: str
    direction: str
    baseline: Number | None
    challenge: Number | None
    range_max: Number | None
    current: Number | None
    weight: Number | None
    accumulates: bool | None


class NewMeasure(MeasureFields, total=False):
    """A measure created with its goal (`goal_create(measures=[...])`): the fields, and the
    measure of the parent goal it adds up into, if any."""

    source: Measure | None


def validate_measure(data: MeasureFields) -> dict[str, Any]:
    """Check a measure's numbers against its direction (DOMAIN.md §1) and return cleaned data."""
    name = (data.get("name") or "").strip()
    if not name:
        raise ApplicationError(_("Name the metric, e.g. 销售额 or 曝光量."), field="name", code="required")
    if len(name) > 100:
        raise ApplicationError(_("The metric name can be at most 100 characters."), field="name")
    unit = data.get("unit") or MeasureUnit.COUNT
    if unit not in MeasureUnit.values:
        raise ApplicationError(_("Choose a valid unit."), field="unit")
    direction = data.get("direction") or DirectionChoice.HIGHER
    if direction not in DirectionChoice.values:
        raise ApplicationError(_("Choose a valid direction."), field="direction")
    if unit == MeasureUnit.CUSTOM and not (data.get("unit_label") or "").strip():
        raise ApplicationError(_("Enter the custom unit, e.g. 篇 or 场."), field="unit_label")
    target = to_decimal(data.get("target"), "target", required=True, places=measure_places("target"))
    baseline = to_decimal(data.get("baseline"), "baseline", places=measure_places("baseline"))
    challenge = to_decimal(data.get("challenge"), "challenge", places=measure_places("challenge"))
    range_max = to_decimal(data.get("range_max"), "range_max", places=measure_places("range_max"))
    current = to_decimal(data.get("current"), "current", places=measure_places("current"))
    weight = to_decimal(data.get("weight"), "weight", places=measure_places("weight"))
    if weight is not None and not 0 <= weight <= 100:
        raise ApplicationError(_("A weight is a percentage between 0 and 100."), field="weight")
    if unit in NON_NEGATIVE_UNITS:
        for field, value in (
            ("target", target),
            ("baseline", baseline),
            ("challenge", challenge),
            ("range_max", range_max),
            ("current", current),
        ):
            if value is not None and value < 0:
                raise ApplicationError(
                    _("This value cannot be negative for this unit."), field=field, code="negative"
                )
    if unit == MeasureUnit.PERCENT:
        for field, value in (("target", target), ("baseline", baseline), ("challenge", challenge)):
            if value is not None and value < 0:
                raise ApplicationError(_("A percentage cannot be negative."), field=field, code="negative")
    if baseline is not None and baseline == target:
        raise ApplicationError(
            _("The target equals the baseline: there is nothing to achieve. Set a different target."),
            code="target_equals_baseline",
            field="target",
        )
    if direction == DirectionChoice.HIGHER:
        if baseline is not None and target < baseline:
            raise ApplicationError(
                _("Higher is better, so the target must be above the baseline."), field="target"
            )
        if challenge is not None and challenge <= target:
            raise ApplicationError(
                _("The challenge target must be above the base target."), field="challenge"
            )
        if target == 0:
            raise ApplicationError(
                _("A target of zero cannot be measured against; enter the figure to reach."), field="target"
            )
    elif direction == DirectionChoice.LOWER:
        if baseline is not None and target > baseline:
            raise ApplicationError(
                _("Lower is better, so the target must be below the baseline."), field="target"
            )
        if challenge is not None and challenge >= target:
            raise ApplicationError(
                _("The challenge target must be below the base target."), field="challenge"
            )
        if target == 0 and baseline is None:
            # DOMAIN.md: achievement against a target of 0 is the progress from the baseline.
            raise ApplicationError(
                _(
                    "A target of 0 where lower is better needs a baseline (where it starts, e.g. 10 complaints)."
                ),
                code="required",
                field="baseline",
            )
    else:
        if range_max is None:
            raise ApplicationError(_("A range needs an upper bound."), field="range_max", code="required")
        if range_max < target:
            raise ApplicationError(
                _("The upper bound must not be below the target (lower bound)."), field="range_max"
            )
    accumulates = data.get("accumulates")
    if accumulates is None:
        # Percentages are levels (复购率 15% → 20%), not amounts that add up week by week.
        accumulates = unit != MeasureUnit.PERCENT
    return {
        "name": name,
        "unit": unit,
        "unit_label": (data.get("unit_label") or "").strip()[:20],
        "accumulates": bool(accumulates),
        "direction": direction,
        "target": target,
        "baseline": baseline,
        "challenge": challenge,
        "range_max": range_max if direction == DirectionChoice.RANGE else None,
        "current": current,
        "weight": weight,
    }


def check_measure_weights(goal: Goal) -> None:
    """A goal's measure weights (DOMAIN.md: weights default equal): the weights set may not exceed
    100% together, and when every measure has one they sum to 100%. Measures without a weight
    share what the others leave. Called after a write, inside its transaction, so a refusal
    leaves nothing half-written."""
    weights = list(goal.measures.values_list("weight", flat=True))
    given = [w for w in weights if w is not None]
    if not given:
        return
    total = sum(given, Decimal(0))
    complete = len(given) == len(weights)
    if total > 100 + domain.WEIGHT_TOLERANCE or (complete and domain.weights_sum_error(given) is not None):
        raise ApplicationError(
            _(
                "The measures' weights add up to %(total)s%%; they must add up to 100%% "
                "(leave a weight empty to share the rest equally)."
            )
            % {"total": f"{total.normalize():f}"},
            code="weights_not_100",
            field="weight",
        )


def _measure_create(
    *,
    goal: Goal,
    fields: MeasureFields,
    sort_order: int = 0,
    source: Measure | None = None,
    entered_by: Person | None = None,
) -> Measure:
    cleaned = validate_measure(fields)
    current = cleaned.pop("current")
    measure = Measure(goal=goal, sort_order=sort_order, source=source, **cleaned)
    measure_enter_current(measure, current, entered_by=entered_by)
    if goal.status == GoalStatus.ACTIVE:
        measure.original_target = measure.target
    return validated_save(measure)


@transaction.atomic
def measure_create(
    *,
    actor: Actor,
    goal: Goal,
    name: str,
    target: Number | None,
    unit: str = MeasureUnit.COUNT,
    unit_label: str = "",
    direction: str = DirectionChoice.HIGHER,
    baseline: Number | None = None,
    challenge: Number | None = None,
    range_max: Number | None = None,
    current: Number | None = None,
    weight: Number | None = None,
    accumulates: bool | None = None,
) -> Measure:
    """Add a measure to a goal (a manager's decision once the goal is active)."""
    goal = Goal.objects.select_for_update().select_related("period", "department").get(pk=goal.pk)
    if not can_edit_goal(actor, goal):
        raise PermissionDeniedError(_("You may view this goal but not change it."))
    check_goal_period_open(goal)
    if goal.status not in (GoalStatus.DRAFT, GoalStatus.CONSENSUS) and not can_manage_goal(actor, goal):
        raise PermissionDeniedError(_("Only a manager can add measures to an active goal."))
    fields = MeasureFields(
        name=name,
        target=target,
        unit=unit,
        unit_label=unit_label,
        direction=direction,
        baseline=baseline,
        challenge=challenge,
        range_max=range_max,
        current=current,
        weight=weight,
        accumulates=accumulates,
    )
    measure = _measure_create(
        goal=goal, fields=fields, sort_order=goal.measures.count(), entered_by=person_of(actor)
    )
    check_measure_weights(goal)
    rollup_from(goal)
    return measure


def _differs(field: str, new: Any, old: Any) -> bool:
    if field in ("direction", "unit"):
        return new != old
    return to_decimal(new, field) != old


@transaction.atomic
def measure_update(
    *, actor: Actor, measure: Measure, version: int | None, **changes: Unpack[MeasureFields]
) -> Measure:
    """Change the fields given. Once the goal is active its targets change only by adjustment."""
    measure = (
        Measure.objects.select_for_update()
        .select_related("goal__period", "goal__department")
        .get(pk=measure.pk)
    )
    goal = measure.goal
    check_version(measure, version)
    check_goal_period_open(goal)
    target_fields = {"target", "baseline", "challenge", "range_max", "direction", "unit"}
    only_current = set(changes) <= {"current"}
    merged: dict[str, Any] = {
        field: getattr(measure, field)
        for field in (
            "name",
            "unit",
            "unit_label",
            "direction",
            "target",
            "baseline",
            "challenge",
            "range_max",
            "current",
            "accumulates",
            "weight",
        )
    }
    # Checked before edit rights: the owner of an active goal is told to request an adjustment.
    given: dict[str, Any] = dict(changes)
    if goal.status in (GoalStatus.ACTIVE, GoalStatus.CLOSED) and can_report_on_goal(actor, goal):
        changed_targets = [
            f for f in sorted(target_fields & set(changes)) if _differs(f, given[f], merged[f])
        ]
        if changed_targets:
            raise ApplicationError(
                _("The goal is active: change its target through a target adjustment with a reason."),
                code="adjustment_required",
                field=changed_targets[0],
            )
    if only_current:
        if not can_report_on_goal(actor, goal):
            raise PermissionDeniedError(_("Only the goal's owner or a manager can report its current value."))
    elif not can_edit_goal(actor, goal):
        raise PermissionDeniedError(_("You may view this goal but not change it."))
    merged.update(changes)
    cleaned = validate_measure(cast(MeasureFields, dict(merged)))
    current = cleaned.pop("current")
    for field, value in cleaned.items():
        setattr(measure, field, value)
    if "current" in changes and current != measure.current:
        _check_current_typed(measure)
        measure_enter_current(measure, current, entered_by=person_of(actor))
    bump_version(measure)
    measure.save()
    if "weight" in changes:
        check_measure_weights(goal)
    rollup_from(goal)
    return measure


def _check_current_typed(measure: Measure) -> None:
    """A current value is typed only where nothing else reports it: once the measure has its own
    check-ins, or adds up decomposed parts, a typed value would overwrite theirs (and be
    overwritten by the next one)."""
    if measure.stock_take_value is not None:
        raise ApplicationError(
            _(
                "This measure is reported through check-ins: correct its latest check-in "
                "on the tracking page instead."
            ),
            code="reported_by_checkins",
            field="current",
        )
    if live_parts(measure).exists():
        raise ApplicationError(
            _("This measure adds up its parts: report on the sub-goals instead."),
            code="sum_of_parts",
            field="current",
        )


@transaction.atomic
def measure_delete(*, actor: Actor, measure: Measure) -> None:
    goal = Goal.objects.select_for_update().get(pk=measure.goal_id)
    if not can_edit_goal(actor, goal):
        raise PermissionDeniedError(_("You may view this goal but not change it."))
    check_goal_period_open(goal)
    if goal.status not in (GoalStatus.DRAFT, GoalStatus.CONSENSUS):
        raise ConflictError(
            _("Measures of an active goal cannot be deleted; cancel the goal instead."), code="not_draft"
        )
    # Its check-ins, target adjustments and alerts are history: a 409 naming them rather than a cascade.
    refuse_delete_while_referenced(measure, allow=frozenset({"tracking.PlanPoint"}))
    measure.delete()
    rollup_from(goal)
