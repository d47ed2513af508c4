"""Writes for goals and measures: validation, permission, atomicity, roll-up and history.

Every service is keyword-only, checks permission through goals/access.py, validates with a
clear message on the field (ApplicationError), writes inside one transaction and then
recomputes the stored roll-ups along the path to the root.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, ConflictError, NotFound, PermissionDeniedError
from lodestar.core.models import Period
from lodestar.core.references import refuse_delete_while_referenced
from lodestar.core.services import bump_version, check_version
from lodestar.core.softdelete import mark_deleted, mark_restored
from lodestar.goals import domain
from lodestar.goals.access import can_edit_goal, can_manage_goal, can_report_on_goal
from lodestar.goals.figures import measure_enter_current
from lodestar.goals.models import (
    DirectionChoice,
    Goal,
    GoalKind,
    GoalStatus,
    Measure,
    MeasureUnit,
    Visibility,
)
from lodestar.goals.rollup import recompute_measure, rollup_from
from lodestar.org.models import Department, Person
from lodestar.org.permissions import (
    can_write,
    is_admin,
    manages_department,
    person_of,
    require_admin,
    require_person,
)

MAX_AMOUNT = Decimal("1e13")
NON_NEGATIVE_UNITS = {MeasureUnit.COUNT, MeasureUnit.PEOPLE, MeasureUnit.YUAN, MeasureUnit.WAN_YUAN}
GOAL_FIELDS = (
    "kind",
    "name",
    "description",
    "goal_type",
    "owner",
    "department",
    "period",
    "parent",
    "weight",
    "notes",
    "context",
    "visibility",
    "sort_order",
)


def _actor_person(actor) -> Person:
    person = require_person(actor)
    if person is None:
        raise PermissionDeniedError(_("Your account is not linked to a person in the organisation."))
    return person


def _check_open_period(period: Period, field: str = "period_id") -> None:
    # Read the flag from the database: the caller's copy of the period may be older than a close.
    if Period.objects.filter(pk=period.pk, is_closed=True).exists():
        raise ApplicationError(
            _("The period %(name)s is closed: its goals can no longer be changed.") % {"name": period.label},
            code="period_closed",
            field=field,
        )


def to_decimal(value, field: str, *, required: bool = False, places: int | None = None) -> Decimal | None:
    """Parse a user-entered number (str/int/Decimal), with a clear message on the field.

    With `places`, a number with more decimal places than the column keeps is refused instead of
    being rounded silently when it is saved (1.23456 for a 4-place amount)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ApplicationError(_("Enter a number."), field=field, code="required")
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ApplicationError(_("“%(value)s” is not a number.") % {"value": value}, field=field) from exc
    if not number.is_finite() or abs(number) >= MAX_AMOUNT:
        raise ApplicationError(_("The number is too large."), field=field)
    if places is not None and number != number.quantize(Decimal(1).scaleb(-places)):
        raise ApplicationError(
            _("Enter a number with at most %(places)s decimal places.") % {"places": places},
            code="too_many_decimals",
            field=field,
        )
    return number


def measure_places(field: str) -> int:
    """Decimal places a measure's column keeps (amounts 4, weight 2)."""
    return Measure._meta.get_field(field).decimal_places


# --- goals -------------------------------------------------------------------------------


def _validate_parent(goal: Goal | None, parent: Goal | None, period: Period) -> int:
    """Refuse cycles and a period outside the parent's; returns the new depth."""
    if parent is None:
        return 0
    node, steps = parent, 0
    while node is not None:
        if goal is not None and node.pk == goal.pk:
            raise ApplicationError(
                _("A goal cannot be aligned to itself or to one of its own sub-goals."),
                code="cycle",
                field="parent_id",
            )
        node = node.parent
        steps += 1
        if steps > 100:
            raise ApplicationError(_("The alignment chain is too deep."), field="parent_id")
    if period.start < parent.period.start or period.end > parent.period.end:
        raise ApplicationError(
            _("The period %(period)s lies outside the parent goal's period %(parent)s.")
            % {"period": period.label, "parent": parent.period.label},
            code="period_outside_parent",
            field="period_id",
        )
    if parent.status == GoalStatus.CANCELLED:
        raise ApplicationError(_("A goal cannot be aligned to a cancelled goal."), field="parent_id")
    return parent.depth + 1


def sibling_goals(*, parent_id: int | None, period_id: int, department_id: int, owner_id: int | None):
    """The live goals that share weights with a goal (DOMAIN.md §1: sibling weights sum to 100%).

    Under a parent: the parent's sub-goals in the same period (an annual KR's Q3 and Q4 goals are
    two sets). At the top: one owner's goals in one department and period — the seeds' goal
    table of a team lead, or each specialist's KPI set from a template.
    """
    qs = Goal.objects.exclude(status=GoalStatus.CANCELLED).filter(period_id=period_id)
    if parent_id is not None:
        return qs.filter(parent_id=parent_id)
    return qs.filter(parent__isnull=True, department_id=department_id, owner_id=owner_id)


def sibling_key(goal: Goal) -> tuple:
    if goal.parent_id is not None:
        return ("parent", goal.parent_id, goal.period_id)
    return ("top", goal.department_id, goal.period_id, goal.owner_id)


def _validate_weight(
    weight: Decimal | None,
    *,
    parent: Goal | None,
    department: Department,
    period: Period,
    exclude_pk: int | None,
    owner_id: int | None = None,
) -> None:
    """A weight is 0–100 and the siblings' weights may not exceed 100 in total.

    Siblings are the goals of one parent in one period (an annual KR's Q3 and Q4 goals are two
    sets), or, at the top, the goals of one department in one period (the seeds' template 1).
    """
    if weight is None:
        return
    if weight < 0 or weight > 100:
        raise ApplicationError(_("A weight is a percentage between 0 and 100."), field="weight")
    siblings = sibling_goals(
        parent_id=parent.pk if parent else None,
        period_id=period.pk,
        department_id=department.pk,
        owner_id=owner_id,
    ).filter(weight__isnull=False)
    if exclude_pk:
        siblings = siblings.exclude(pk=exclude_pk)
    total = sum((w for w in siblings.values_list("weight", flat=True)), Decimal(0)) + weight
    if total > 100 + domain.WEIGHT_TOLERANCE:
        raise ApplicationError(
            _("The weights of this goal and its siblings add up to %(total)s%%; they may not exceed 100%%.")
            % {"total": f"{total.normalize():f}"},
            code="weights_over_100",
            field="weight",
        )


def _check_can_place_goal(actor, department: Department, owner: Person | None) -> None:
    """Managers place goals in their subtree; members only their own goals in their own department."""
    if not can_write(actor):
        raise PermissionDeniedError(_("Your role can view but not change data."))
    if is_admin(actor) or manages_department(actor, department):
        return
    person = person_of(actor)
    if (
        person is not None
        and owner is not None
        and owner.pk == person.pk
        and department.pk == person.department_id
    ):
        return
    raise PermissionDeniedError(
        _("You can set goals for yourself in your department, or for a department you manage."),
        field="department_id",
    )


def _clean_goal_data(data: dict) -> dict:
    name = (data.get("name") or "").strip()
    if "name" in data and not name:
        raise ApplicationError(_("Give the goal a name."), field="name", code="required")
    if len(name) > 200:
        raise ApplicationError(_("The name can be at most 200 characters."), field="name")
    if "name" in data:
        data["name"] = name
    if data.get("kind") and data["kind"] not in GoalKind.values:
        raise ApplicationError(_("Choose a valid kind."), field="kind")
    if data.get("visibility") and data["visibility"] not in Visibility.values:
        raise ApplicationError(_("Choose a valid visibility."), field="visibility")
    if "weight" in data:
        data["weight"] = to_decimal(data["weight"], "weight")
    return data


@transaction.atomic
def goal_create(
    *,
    actor,
    name: str,
    department: Department,
    period: Period,
    owner: Person | None = None,
    measures: list[dict] | None = None,
    collaborating_departments=(),
    **fields,
) -> Goal:
    """Create a draft goal, optionally with its measures, and roll it up into its parent."""
    person = _actor_person(actor)
    data = _clean_goal_data({"name": name, **fields})
    owner = owner if owner is not None else person
    _check_can_place_goal(actor, department, owner)
    _check_open_period(period)
    parent = data.get("parent")
    depth = _validate_parent(None, parent, period)
    _validate_weight(
        data.get("weight"),
        parent=parent,
        department=department,
        period=period,
        exclude_pk=None,
        owner_id=owner.pk if owner else None,
    )
    goal = Goal(department=department, period=period, owner=owner, depth=depth, created_by=person, **data)
    goal.full_clean(exclude=["collaborating_departments"])
    goal.save()
    if collaborating_departments:
        goal.collaborating_departments.set(collaborating_departments)
    for index, measure_data in enumerate(measures or []):
        _measure_create(goal=goal, sort_order=index, entered_by=person, **measure_data)
    if measures:
        check_measure_weights(goal)
    rollup_from(goal)
    return goal


@transaction.atomic
def goal_update(*, actor, goal: Goal, version: int | None, collaborating_departments=None, **changes) -> Goal:
    # of=self: PostgreSQL cannot lock the nullable side (parent) of the outer join.
    goal = (
        Goal.objects.select_for_update(of=("self",))
        .select_related("period", "department", "parent")
        .get(pk=goal.pk)
    )
    if not can_edit_goal(actor, goal):
        raise PermissionDeniedError(_("You may view this goal but not change it."))
    check_version(goal, version)
    _check_open_period(goal.period)
    changes = _clean_goal_data({k: v for k, v in changes.items() if k in GOAL_FIELDS})
    old_parent = goal.parent
    department = changes.get("department", goal.department)
    period = changes.get("period", goal.period)
    parent = changes.get("parent", goal.parent)
    if department != goal.department or changes.get("owner", goal.owner) != goal.owner:
        _check_can_place_goal(actor, department, changes.get("owner", goal.owner))
    if period != goal.period:
        _check_open_period(period)
        if goal.status not in (GoalStatus.DRAFT, GoalStatus.CONSENSUS):
            raise ApplicationError(_("An active goal cannot move to another period."), field="period_id")
    depth = _validate_parent(goal, parent, period)
    for child in goal.children.select_related("period"):
        if child.period.start < period.start or child.period.end > period.end:
            raise ApplicationError(
                _("Sub-goal “%(name)s” would lie outside the new period.") % {"name": child.name},
                code="period_outside_parent",
                field="period_id",
            )
    new_owner = changes.get("owner", goal.owner)
    _validate_weight(
        changes.get("weight", goal.weight),
        parent=parent,
        department=department,
        period=period,
        exclude_pk=goal.pk,
        owner_id=new_owner.pk if new_owner else None,
    )
    for field, value in changes.items():
        setattr(goal, field, value)
    goal.depth = depth
    bump_version(goal)
    goal.full_clean(exclude=["collaborating_departments"])
    goal.save()
    if collaborating_departments is not None:
        goal.collaborating_departments.set(collaborating_departments)
    rollup_from(goal)
    if old_parent is not None and old_parent != parent:
        rollup_from(old_parent)
    if depth != goal.depth or old_parent != parent:
        _refresh_depths(goal)
    return goal


def _refresh_depths(goal: Goal) -> None:
    frontier = [goal]
    while frontier:
        children = list(Goal.objects.filter(parent__in=frontier))
        by_parent = {g.pk: g.depth for g in frontier}
        for child in children:
            child.depth = by_parent[child.parent_id] + 1
        Goal.objects.bulk_update(children, ["depth"])
        frontier = children


@transaction.atomic
def goal_set_status(*, actor, goal: Goal, status: str, version: int | None = None) -> Goal:
    """Close or cancel an active goal, or reopen a closed one. Consensus moves goals draft → active."""
    goal = Goal.objects.select_for_update().select_related("period", "department").get(pk=goal.pk)
    if not can_manage_goal(actor, goal):
        raise PermissionDeniedError(_("Only an admin or a manager of the goal's department can do this."))
    check_version(goal, version)
    _check_open_period(goal.period)
    allowed = {
        GoalStatus.DRAFT: {GoalStatus.CANCELLED},
        GoalStatus.CONSENSUS: {GoalStatus.CANCELLED, GoalStatus.DRAFT},
        GoalStatus.ACTIVE: {GoalStatus.CLOSED, GoalStatus.CANCELLED},
        GoalStatus.CLOSED: {GoalStatus.ACTIVE},
        GoalStatus.CANCELLED: {GoalStatus.DRAFT},
    }
    if status not in allowed.get(goal.status, set()):
        raise ConflictError(
            _("A goal that is %(current)s cannot become %(new)s.")
            % {"current": goal.get_status_display(), "new": GoalStatus(status).label},
            code="invalid_transition",
            field="status",
        )
    goal.status = status
    bump_version(goal)
    goal.save()
    rollup_from(goal)
    return goal


@transaction.atomic
def goal_delete(*, actor, goal: Goal) -> None:
    """Soft-delete a draft goal without sub-goals or action items; anything further along is cancelled.

    A goal with live sub-goals or items is refused rather than cascaded: the user sees what still
    hangs off it and moves or deletes that first, and a restore never has to guess which of the
    children went with it. The goal's measures stay (an admin can restore it from the trash).
    """
    goal = Goal.objects.select_for_update(of=("self",)).select_related("period").get(pk=goal.pk)
    if not can_edit_goal(actor, goal):
        raise PermissionDeniedError(_("You may view this goal but not change it."))
    _check_open_period(goal.period)
    if goal.status != GoalStatus.DRAFT:
        raise ConflictError(_("Only draft goals can be deleted; cancel this goal instead."), code="not_draft")
    if goal.children.exists():
        raise ConflictError(_("Delete or move its sub-goals first."), code="has_children")
    if goal.items.exists():
        raise ConflictError(_("Delete or move its action items first."), code="has_items")
    mark_deleted(goal, actor=actor, person=require_person(actor))
    _rollup_around(goal)


@transaction.atomic
def goal_restore(*, actor, goal_id: int) -> Goal:
    """Bring a deleted goal back (admins only) where it was, if its place still exists."""
    require_admin(actor)
    goal = (
        Goal.all_objects.select_for_update(of=("self",))
        .select_related("period", "department", "parent")
        .filter(pk=goal_id, deleted_at__isnull=False)
        .first()
    )
    if goal is None:
        raise NotFound(_("There is no deleted goal with this id."), field="goal_id")
    if goal.parent is not None and goal.parent.is_deleted:
        raise ConflictError(
            _("Its parent goal “%(name)s” is deleted: restore the parent first.")
            % {"name": goal.parent.name},
            code="parent_deleted",
            field="parent_id",
        )
    _check_open_period(goal.period)
    try:
        _validate_weight(
            goal.weight,
            parent=goal.parent,
            department=goal.department,
            period=goal.period,
            exclude_pk=goal.pk,
            owner_id=goal.owner_id,
        )
    except ApplicationError as exc:
        raise ConflictError(exc.message, code=exc.code, field=exc.field) from exc
    mark_restored(goal, actor=actor)
    _rollup_around(goal)
    return goal


def _rollup_around(goal: Goal) -> None:
    """After a goal appears or disappears: its parent's roll-up and child count, and the source
    measures its decomposed measures add up into."""
    for measure in goal.measures.exclude(source__isnull=True):
        recompute_measure(measure)
    if goal.parent_id is not None:
        rollup_from(goal.parent)


@transaction.atomic
def sibling_weights_save(
    *, actor, weights: dict[int, Decimal | str | None], versions: dict[int, int | None] | None = None
) -> list[Goal]:
    """Save the weights of one set of sibling goals at once; they must sum to 100%.

    `versions` (goal id → the version the caller read) refuses the whole set when any goal was
    changed meanwhile."""
    goals = list(
        Goal.objects.select_for_update().select_related("period", "department").filter(pk__in=weights)
    )
    if len(goals) != len(weights):
        raise ApplicationError(_("Some goals were not found."), field="weights")
    parents = {sibling_key(g) for g in goals}
    if len(parents) != 1:
        raise ApplicationError(_("Weights can only be saved for goals that are siblings."), field="weights")
    for goal in goals:
        if not can_edit_goal(actor, goal):
            raise PermissionDeniedError(_("You may view this goal but not change it."))
        check_version(goal, (versions or {}).get(goal.pk))
        _check_open_period(goal.period)
    parsed = {pk: to_decimal(value, "weight") for pk, value in weights.items()}
    error = domain.weights_sum_error(list(parsed.values()))
    if error is not None:
        raise ApplicationError(
            _("The weights add up to %(total)s%%; they must add up to 100%%.")
            % {"total": f"{error.normalize():f}"},
            code="weights_not_100",
            field="weight",
        )
    for goal in goals:
        goal.weight = parsed[goal.pk]
        bump_version(goal)
        goal.save(update_fields=["weight", "version", "updated_at"])
    parent = goals[0].parent
    if parent is not None:
        rollup_from(parent)
    return goals


# --- measures ----------------------------------------------------------------------------


@dataclass
class MeasureInput:
    name: str
    target: Decimal
    unit: str = MeasureUnit.COUNT
    unit_label: str = ""
    direction: str = DirectionChoice.HIGHER
    baseline: Decimal | None = None
    challenge: Decimal | None = None
    range_max: Decimal | None = None
    current: Decimal | None = None
    weight: Decimal | None = None


def validate_measure(data: dict) -> dict:
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
    *, goal: Goal, sort_order: int = 0, source: Measure | None = None, entered_by=None, **data
) -> Measure:
    cleaned = validate_measure(data)
    current = cleaned.pop("current")
    measure = Measure(goal=goal, sort_order=sort_order, source=source, **cleaned)
    measure_enter_current(measure, current, entered_by=entered_by)
    if goal.status == GoalStatus.ACTIVE:
        measure.original_target = measure.target
    measure.save()
    return measure


@transaction.atomic
def measure_create(*, actor, goal: Goal, **data) -> Measure:
    goal = Goal.objects.select_for_update().select_related("period", "department").get(pk=goal.pk)
    if not can_edit_goal(actor, goal):
        raise PermissionDeniedError(_("You may view this goal but not change it."))
    _check_open_period(goal.period)
    if goal.status not in (GoalStatus.DRAFT, GoalStatus.CONSENSUS) and not can_manage_goal(actor, goal):
        raise PermissionDeniedError(_("Only a manager can add measures to an active goal."))
    measure = _measure_create(
        goal=goal, sort_order=goal.measures.count(), entered_by=person_of(actor), **data
    )
    check_measure_weights(goal)
    rollup_from(goal)
    return measure


def _differs(field: str, new, old) -> bool:
    if field in ("direction", "unit"):
        return new != old
    return to_decimal(new, field) != old


@transaction.atomic
def measure_update(*, actor, measure: Measure, version: int | None, **changes) -> Measure:
    """Change a measure. Once the goal is active its targets change only by adjustment."""
    measure = (
        Measure.objects.select_for_update()
        .select_related("goal__period", "goal__department")
        .get(pk=measure.pk)
    )
    goal = measure.goal
    check_version(measure, version)
    _check_open_period(goal.period)
    target_fields = {"target", "baseline", "challenge", "range_max", "direction", "unit"}
    only_current = set(changes) <= {"current"}
    merged = {
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
    if goal.status in (GoalStatus.ACTIVE, GoalStatus.CLOSED) and can_report_on_goal(actor, goal):
        changed_targets = [
            f for f in sorted(target_fields & set(changes)) if _differs(f, changes[f], merged[f])
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
    cleaned = validate_measure(merged)
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
    if measure.parts.filter(goal__deleted_at__isnull=True).exists():
        raise ApplicationError(
            _("This measure adds up its parts: report on the sub-goals instead."),
            code="sum_of_parts",
            field="current",
        )


@transaction.atomic
def measure_delete(*, actor, measure: Measure) -> None:
    goal = Goal.objects.select_for_update().get(pk=measure.goal_id)
    if not can_edit_goal(actor, goal):
        raise PermissionDeniedError(_("You may view this goal but not change it."))
    _check_open_period(goal.period)
    if goal.status not in (GoalStatus.DRAFT, GoalStatus.CONSENSUS):
        raise ConflictError(
            _("Measures of an active goal cannot be deleted; cancel the goal instead."), code="not_draft"
        )
    # Its check-ins, target adjustments and alerts are history: a 409 naming them rather than a cascade.
    refuse_delete_while_referenced(measure, allow=frozenset({"tracking.PlanPoint"}))
    measure.delete()
    rollup_from(goal)


DEFAULT_GOAL_TYPES = [
    ("sales", "销售额", "Sales", 10),
    ("user_growth", "用户增长", "User growth", 20),
    ("brand_exposure", "品牌曝光", "Brand exposure", 30),
    ("user_operations", "用户运营", "User operations", 40),
    ("conversion", "转化", "Conversion", 50),
    ("content", "内容", "Content", 60),
    ("other", "其他", "Other", 99),
]


def goal_types_ensure_defaults() -> None:
    """Create the seeds' goal types where missing (the data migration does this for a new database)."""
    from lodestar.goals.models import GoalType

    for code, name, name_en, order in DEFAULT_GOAL_TYPES:
        GoalType.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )
