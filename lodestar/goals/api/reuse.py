"""API: goal templates (list, create, apply) and goal types."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Status

from lodestar.core.errors import NotFound
from lodestar.core.references_by_id import optional_ref
from lodestar.core.schemas import LIST_ERRORS, WRITE_ERRORS, page_out
from lodestar.goals.access import access_goal, visible_templates
from lodestar.goals.api.common import TemplateId, access_parent, goals_out, router
from lodestar.goals.models import GoalTemplate, GoalType
from lodestar.goals.schemas import (
    GoalsOut,
    GoalTypeFilter,
    GoalTypePage,
    PageIn,
    TemplateApplyIn,
    TemplateIn,
    TemplateOut,
    TemplatePage,
)
from lodestar.goals.services import reuse
from lodestar.org.permissions import access_department, access_period, access_person, require_person

# --- templates -----------------------------------------------------------------------------


def _visible_templates(user):
    return visible_templates(user)


def _access_template(user, template_id: int) -> GoalTemplate:
    require_person(user)
    template = _visible_templates(user).filter(pk=template_id).first()
    if template is None:
        raise NotFound(_("Template not found."), field="template_id")
    return template


@router.get("/goal-templates", response={200: TemplatePage, **LIST_ERRORS}, summary="List goal templates")
def template_list(request, filters: Query[PageIn]):
    require_person(request.user)
    return page_out(_visible_templates(request.user).order_by("name", "id"), filters.page, filters.page_size)


@router.post(
    "/goal-templates",
    response={201: TemplateOut, **WRITE_ERRORS},
    summary="Save goals (with their measures) as a template",
)
def template_create(request, payload: TemplateIn):
    department = optional_ref("department_id", access_department, request.user, payload.department_id)
    goals = [access_goal(request.user, pk) for pk in dict.fromkeys(payload.goal_ids)]
    template = reuse.template_create_from_goals(
        actor=request.user,
        name=payload.name,
        goals=goals,
        description=payload.description,
        department=department,
    )
    return Status(201, template)


@router.post(
    "/goal-templates/{template_id}/apply",
    response={201: GoalsOut, **WRITE_ERRORS},
    summary="Create the template's goals for each assignee",
)
def template_apply(request, payload: TemplateApplyIn, template_id: int = TemplateId):
    """`targets` override the template's targets per assignee, keyed "<goal index>.<measure index>"."""
    template = _access_template(request.user, template_id)
    period = access_period(request.user, payload.period_id)
    parent = access_parent(request.user, payload.parent_id) if payload.parent_id else None
    assignments = []
    for row in payload.assignments:
        assignments.append(
            {
                "owner": optional_ref("assignments", access_person, request.user, row.owner_id),
                "department": optional_ref("assignments", access_department, request.user, row.department_id),
                "targets": dict(row.targets),
            }
        )
    goals = reuse.template_apply(
        actor=request.user, template=template, period=period, assignments=assignments, parent=parent
    )
    return Status(201, {"goals": goals_out(request.user, [goal.pk for goal in goals])})


# --- goal types ----------------------------------------------------------------------------


@router.get("/goal-types", response={200: GoalTypePage, **LIST_ERRORS}, summary="List goal types")
def goal_type_list(request, filters: Query[GoalTypeFilter]):
    require_person(request.user)
    queryset = GoalType.objects.order_by("sort_order", "id")
    if filters.is_active is not None:
        queryset = queryset.filter(is_active=filters.is_active)
    return page_out(queryset, filters.page, filters.page_size)
