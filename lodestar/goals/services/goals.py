"""Writes for goals: create, change, status, delete and restore, sibling weights.

Every service is keyword-only, checks permission through goals/access.py, validates with a
clear message on the field (ApplicationError), writes inside one transaction and then
recomputes the stored roll-ups along the path to the root.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, ConflictError, NotFound, PermissionDeniedError
from lodestar.core.models import Period
from lodestar.core.services import Actor, bump_version, check_version, validated_save
from lodestar.core.softdelete import mark_deleted, mark_restored
from lodestar.goals import domain
from lodestar.goals.access import can_edit_goal, can_manage_goal
from lodestar.goals.closing_rules import check_goal_period_open
from lodestar.goals.models import Goal, GoalKind, GoalStatus, GoalType, Visibility
from lodestar.goals.rollup import recompute_measure, rollup_from
from lodestar.goals.services.common import Number, actor_person, check_open_period, to_decimal
from lodestar.goals.services.measures import NewMeasure, _measure_create, check_measure_weights
from lodestar.goals.webhooks import emit_goal
from lodestar.org.models import Department, Person
from lodestar.org.permissions import (
    can_write,
    is_admin,
    manages_department,
    person_of,
    require_admin,
    require_person,
)

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


class GoalChanges(TypedDict, total=False):
    """The fields a goal change may carry; only those given are changed (a PATCH)."""

    kind: str
    name: str
    description: str
    goal_type: GoalType | None
    owner: Person | None
    department: Department
    period: Period
    parent: Goal | None
    weight: Number | None
    notes: str
    context: str
    visibility: str
    sort_order: int


# --- goals -------------------------------------------------------------------------------


def _validate_parent(goal: Goal | None, parent: Goal | None, period: Period) -> int:
    """Refuse cycles and a period outside the parent's; returns the new depth."""
    if parent is None:
        return 0
    node: Goal | None = parent
    steps = 0
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


def sibling_goals(
    *, parent_id: int | None, period_id: int, department_id: int, owner_id: int | None
) -> QuerySet[Goal]:
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
    total = sum((w for w in siblings.values_list("weight", flat=True) if w is not None), Decimal(0)) + weight
    if total > 100 + domain.WEIGHT_TOLERANCE:
        raise ApplicationError(
            _("The weights of this goal and its siblings add up to %(total)s%%; they may not exceed 100%%.")
            % {"total": f"{total.normalize():f}"},
            code="weights_over_100",
            field="weight",
        )


def _check_can_place_goal(actor: Actor, department: Department, owner: Person | None) -> None:
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


def _clean_goal_data(data: dict[str, Any]) -> dict[str, Any]:
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
    actor: Actor,
    name: str,
    department: Department,
    period: Period,
    owner: Person | None = None,
    measures: Sequence[NewMeasure] | None = None,
    collaborating_departments: Iterable[Department] = (),
    kind: str = GoalKind.KPI,
    description: str = "",
    goal_type: GoalType | None = None,
    parent: Goal | None = None,
    weight: Number | None = None,
    notes: str = "",
    context: str = "",
    visibility: str = Visibility.PUBLIC,
    sort_order: int = 0,
) -> Goal:
    """Create a draft goal, optionally with its measures, and roll it up into its parent."""
    person = actor_person(actor)
    data = _clean_goal_data(
        {
            "name": name,
            "kind": kind,
            "description": description,
            "goal_type": goal_type,
            "parent": parent,
            "weight": weight,
            "notes": notes,
            "context": context,
            "visibility": visibility,
            "sort_order": sort_order,
        }
    )
    owner = owner if owner is not None else person
    _check_can_place_goal(actor, department, owner)
    check_open_period(period, department=department)
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
    validated_save(goal, exclude=["collaborating_departments"])
    if collaborating_departments:
        goal.collaborating_departments.set(collaborating_departments)
    for index, measure_data in enumerate(measures or []):
        _measure_create(
            goal=goal,
            fields=measure_data,
            sort_order=index,
            source=measure_data.get("source"),
            entered_by=person,
        )
    if measures:
        check_measure_weights(goal)
    rollup_from(goal)
    emit_goal("goal.created", goal)
    return goal


@transaction.atomic
def goal_update(
    *,
    actor: Actor,
    goal: Goal,
    version: int | None,
    collaborating_departments: Iterable[Department] | None = None,
    **changes: Unpack[GoalChanges],
) -> Goal:
    """Change the fields given (see `GoalChanges`); a move re-checks place, period, parent and weight."""
    # of=self: PostgreSQL cannot lock the nullable side (parent) of the outer join.
    goal = (
        Goal.objects.select_for_update(of=("self",))
        .select_related("period", "department", "parent")
        .get(pk=goal.pk)
    )
    if not can_edit_goal(actor, goal):
        raise PermissionDeniedError(_("You may view this goal but not change it."))
    check_version(goal, version)
    check_goal_period_open(goal)
    data = _clean_goal_data({k: v for k, v in changes.items() if k in GOAL_FIELDS})
    old_parent = goal.parent
    department = data.get("department", goal.department)
    period = data.get("period", goal.period)
    parent = data.get("parent", goal.parent)
    if department != goal.department or data.get("owner", goal.owner) != goal.owner:
        _check_can_place_goal(actor, department, data.get("owner", goal.owner))
    if period != goal.period or department != goal.department:
        check_open_period(period, department=department)
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
    new_owner = data.get("owner", goal.owner)
    _validate_weight(
        data.get("weight", goal.weight),
        parent=parent,
        department=department,
        period=period,
        exclude_pk=goal.pk,
        owner_id=new_owner.pk if new_owner else None,
    )
    for field, value in data.items():
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
    emit_goal("goal.changed", goal)
    return goal


def _refresh_depths(goal: Goal) -> None:
    frontier = [goal]
    while frontier:
        children = list(Goal.objects.filter(parent__in=frontier))
        by_parent: dict[int | None, int] = {g.pk: g.depth for g in frontier}
        for child in children:
            child.depth = by_parent[child.parent_id] + 1
        Goal.objects.bulk_update(children, ["depth"])
        frontier = children


@transaction.atomic
def goal_set_status(*, actor: Actor, goal: Goal, status: str, version: int | None = None) -> Goal:
    """Close or cancel an active goal, or reopen a closed one. Consensus moves goals draft → active."""
    goal = Goal.objects.select_for_update().select_related("period", "department").get(pk=goal.pk)
    if not can_manage_goal(actor, goal):
        raise PermissionDeniedError(_("Only an admin or a manager of the goal's department can do this."))
    check_version(goal, version)
    check_goal_period_open(goal)
    allowed: dict[str, set[str]] = {
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
    emit_goal("goal.changed", goal)
    return goal


@transaction.atomic
def goal_delete(*, actor: Actor, goal: Goal) -> None:
    """Soft-delete a draft goal without sub-goals or action items; anything further along is cancelled.

    A goal with live sub-goals or items is refused rather than cascaded: the user sees what still
    hangs off it and moves or deletes that first, and a restore never has to guess which of the
    children went with it. The goal's measures stay (an admin can restore it from the trash).
    """
    goal = Goal.objects.select_for_update(of=("self",)).select_related("period").get(pk=goal.pk)
    if not can_edit_goal(actor, goal):
        raise PermissionDeniedError(_("You may view this goal but not change it."))
    check_goal_period_open(goal)
    if goal.status != GoalStatus.DRAFT:
        raise ConflictError(_("Only draft goals can be deleted; cancel this goal instead."), code="not_draft")
    if goal.children.exists():
        raise ConflictError(_("Delete or move its sub-goals first."), code="has_children")
    if goal.items.exists():
        raise ConflictError(_("Delete or move its action items first."), code="has_items")
    mark_deleted(goal, actor=actor, person=require_person(actor))
    _rollup_around(goal)


@transaction.atomic
def goal_restore(*, actor: Actor, goal_id: int) -> Goal:
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
    check_goal_period_open(goal)
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
    if goal.parent is not None:
        rollup_from(goal.parent)


@transaction.atomic
def sibling_weights_save(
    *, actor: Actor, weights: dict[int, Decimal | str | None], versions: dict[int, int | None] | None = None
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
        check_goal_period_open(goal)
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
