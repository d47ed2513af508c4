"""Reusing goal sets: templates applied to many people or departments, and copying a period's
goals into the next period with their structure (DOMAIN.md §1; "the loop closes")."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django.db import transaction
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.models import Period
from lodestar.core.services import Actor, validated_save
from lodestar.goals.models import Goal, GoalStatus, GoalTemplate, GoalType
from lodestar.goals.rollup import rollup_from
from lodestar.goals.services.common import check_open_period, to_decimal
from lodestar.goals.services.goals import goal_create
from lodestar.goals.services.measures import NewMeasure
from lodestar.org.models import Department, Person
from lodestar.org.permissions import can_write, is_admin, manages_department, person_of

TEMPLATE_FIELDS = ("kind", "name", "description", "goal_type_id", "weight", "visibility")
MEASURE_FIELDS = (
    "name",
    "unit",
    "unit_label",
    "direction",
    "baseline",
    "target",
    "challenge",
    "range_max",
    "weight",
)


def _plain(value: object) -> object:
    return f"{value}" if isinstance(value, Decimal) else value


@transaction.atomic
def template_create_from_goals(
    *, actor: Actor, name: str, goals: list[Goal], description: str = "", department: Department | None = None
) -> GoalTemplate:
    person = person_of(actor)
    if person is None:
        raise PermissionDeniedError(_("Your account is not linked to a person in the organisation."))
    if not can_write(actor):
        raise PermissionDeniedError(_("Your role can view but not change data."))
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Name the template."), field="name", code="required")
    if not goals:
        raise ApplicationError(_("Choose the goals to save as a template."), field="goal_ids")
    items = []
    for goal in goals:
        items.append(
            {
                **{f: _plain(getattr(goal, f)) for f in TEMPLATE_FIELDS},
                "measures": [{f: _plain(getattr(m, f)) for f in MEASURE_FIELDS} for m in goal.measures.all()],
            }
        )
    return validated_save(
        GoalTemplate(
            name=name[:100], description=description, department=department, items=items, created_by=person
        )
    )


@transaction.atomic
def template_apply(
    *,
    actor: Actor,
    template: GoalTemplate,
    period: Period,
    assignments: list[dict],
    parent: Goal | None = None,
) -> list[Goal]:
    """Create the template's goals for each assignee in one step.

    `assignments`: [{"owner": Person, "department": Department | None,
                     "targets": {"<goal index>.<measure index>": value}}] — per-person targets
    override the template's (e.g. every channel specialist gets the same three KPIs, each
    with their own numbers).
    """
    if not assignments:
        raise ApplicationError(_("Choose at least one person or department."), field="assignments")
    check_open_period(period)
    types = {t.pk: t for t in GoalType.objects.all()}
    created: list[Goal] = []
    for row, assignment in enumerate(assignments, start=1):
        owner: Person | None = assignment.get("owner")
        department: Department | None = assignment.get("department") or (owner.department if owner else None)
        if department is None:
            raise ApplicationError(
                _("Row %(n)s: choose a department or a person.") % {"n": row}, field="assignments"
            )
        targets = assignment.get("targets") or {}
        for index, item in enumerate(template.items):
            measures: list[NewMeasure] = []
            for m_index, measure in enumerate(item.get("measures", [])):
                data = cast(NewMeasure, dict(measure))
                override = targets.get(f"{index}.{m_index}")
                if override not in (None, ""):
                    data["target"] = to_decimal(override, "targets", required=True)
                measures.append(data)
            try:
                goal = goal_create(
                    actor=actor,
                    name=item["name"],
                    department=department,
                    period=period,
                    owner=owner,
                    kind=item.get("kind", "kpi"),
                    description=item.get("description", ""),
                    goal_type=types.get(item.get("goal_type_id")),
                    weight=item.get("weight"),
                    visibility=item.get("visibility", "public"),
                    parent=parent,
                    sort_order=index,
                    measures=measures,
                )
            except ApplicationError as exc:
                who = owner.display_name if owner else department.name
                exc.message = _("%(who)s, “%(goal)s”: %(message)s") % {
                    "who": who,
                    "goal": item["name"],
                    "message": exc.message,
                }
                raise
            created.append(goal)
    return created


@transaction.atomic
def goals_copy_to_period(
    *, actor: Actor, department: Department, source: Period, target: Period
) -> list[Goal]:
    """Copy a department's goals of one period into another as drafts, keeping the alignment
    structure among them; current values start empty and targets stay editable until consensus."""
    if not (is_admin(actor) or manages_department(actor, department)):
        raise PermissionDeniedError(_("Only an admin or the department's manager can copy its goals."))
    check_open_period(target, department=department)
    if source.pk == target.pk:
        raise ApplicationError(_("Choose a different period to copy into."), field="target_period_id")
    if (target.end - target.start).days != (source.end - source.start).days and source.kind != target.kind:
        raise ApplicationError(
            _("Copy between periods of the same kind (quarter to quarter …)."), field="target_period_id"
        )
    goals = list(
        Goal.objects.filter(department__path__startswith=department.path, period=source)
        .exclude(status=GoalStatus.CANCELLED)
        .select_related("parent__period")
        .prefetch_related("measures", "collaborating_departments")
        .order_by("depth", "sort_order", "id")
    )
    if not goals:
        raise ApplicationError(
            _("There are no goals to copy in %(name)s.") % {"name": source.label}, field="source_period_id"
        )
    mapping: dict[int | None, Goal] = {}
    for goal in goals:
        parent = mapping.get(goal.parent_id)
        if (
            parent is None
            and goal.parent is not None
            and goal.parent.period.start <= target.start
            and target.end <= goal.parent.period.end
        ):
            parent = goal.parent  # e.g. a Q3 goal aligned to an annual objective stays aligned in Q4
        copy = goal_create(
            actor=actor,
            name=goal.name,
            department=goal.department,
            period=target,
            owner=goal.owner,
            kind=goal.kind,
            description=goal.description,
            goal_type=goal.goal_type,
            weight=goal.weight,
            visibility=goal.visibility,
            parent=parent,
            notes=goal.notes,
            context=goal.context,
            sort_order=goal.sort_order,
            collaborating_departments=list(goal.collaborating_departments.all()),
            measures=[
                cast(NewMeasure, {f: getattr(m, f) for f in MEASURE_FIELDS}) for m in goal.measures.all()
            ],
        )
        mapping[goal.pk] = copy
    for copy in mapping.values():
        rollup_from(copy)
    return list(mapping.values())
