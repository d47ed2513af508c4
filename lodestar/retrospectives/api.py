"""API: retrospectives (复盘), their 5-why chain and improvement plan (API.md "Resources of the next
capabilities": /retrospectives, /retrospectives/{id}/whys, /retrospectives/{id}/actions,
/actions/{id}/promote). Thin endpoints over `access` and `services`: 404 for what the caller may not
see, 403 for what they may see but not change, 409 for a stale version or a state conflict, 422 with
the field for a broken rule."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from lodestar.core.errors import ApplicationError, NotFound
from lodestar.core.models import Period
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, page_out
from lodestar.execution.models import Phase
from lodestar.goals.access import access_goal
from lodestar.org.models import Person
from lodestar.org.permissions import access_department, require_person
from lodestar.retrospectives import access, services
from lodestar.retrospectives.models import ImprovementAction, Why
from lodestar.retrospectives.schemas import (
    ActionIn,
    ActionOut,
    ActionPatch,
    PromoteIn,
    RetrospectiveFilter,
    RetrospectiveIn,
    RetrospectiveOut,
    RetrospectivePage,
    RetrospectivePatch,
    VersionIn,
    WhyIn,
    WhyOut,
    WhyPatch,
)

router = Router(tags=["retrospectives"])

RetroId = Path(..., le=MAX_ID, description="The retrospective's id")
WhyId = Path(..., le=MAX_ID, description="The step's id")
ActionId = Path(..., le=MAX_ID, description="The improvement action's id")


def _person(pk: int, field: str = "owner_id") -> Person:
    person = Person.objects.filter(pk=pk, is_active=True).first()
    if person is None:
        raise NotFound(_("Person not found."), field=field)
    return person


def _period(pk: int) -> Period:
    period = Period.objects.filter(pk=pk).first()
    if period is None:
        raise NotFound(_("Period not found."), field="period_id")
    return period


def _why(retrospective, why_id: int) -> Why:
    why = Why.objects.filter(pk=why_id, retrospective=retrospective).select_related("retrospective").first()
    if why is None:
        raise NotFound(_("Step not found."), field="why_id")
    why.retrospective = retrospective
    return why


def _action(retrospective, action_id: int) -> ImprovementAction:
    action = ImprovementAction.objects.filter(pk=action_id, retrospective=retrospective).first()
    if action is None:
        raise NotFound(_("Improvement action not found."), field="action_id")
    action.retrospective = retrospective
    return action


@router.get(
    "/retrospectives", response={200: RetrospectivePage, **LIST_ERRORS}, summary="List retrospectives"
)
def retrospective_list(request, filters: Query[RetrospectiveFilter]):
    require_person(request.user)
    qs = access.visible_retrospectives(request.user)
    for name in ("period_id", "department_id", "goal_id", "owner_id", "status", "cadence"):
        value = getattr(filters, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    return page_out(qs.order_by("status", "due", "id"), filters.page, filters.page_size)


@router.post(
    "/retrospectives", response={201: RetrospectiveOut, **WRITE_ERRORS}, summary="Open a retrospective"
)
def retrospective_create(request, payload: RetrospectiveIn):
    require_person(request.user)
    goal = access_goal(request.user, payload.goal_id) if payload.goal_id else None
    department = access_department(request.user, payload.department_id) if payload.department_id else None
    phase = None
    if payload.phase_id:
        phase = Phase.objects.select_related("department", "goal").filter(pk=payload.phase_id).first()
        if phase is None:
            raise NotFound(_("Campaign phase not found."), field="phase_id")
    retrospective = services.retrospective_open(
        actor=request.user,
        period=_period(payload.period_id),
        goal=goal,
        department=department,
        phase=phase,
        cadence=payload.cadence,
        owner=_person(payload.owner_id) if payload.owner_id else None,
        due=payload.due,
        title=payload.title,
    )
    return Status(201, retrospective)


@router.get(
    "/retrospectives/{retrospective_id}",
    response={200: RetrospectiveOut, **READ_ERRORS},
    summary="One retrospective",
)
def retrospective_detail(request, retrospective_id: int = RetroId):
    return access.access_retrospective(request.user, retrospective_id)


@router.patch(
    "/retrospectives/{retrospective_id}",
    response={200: RetrospectiveOut, **WRITE_ERRORS},
    summary="Write the table (highlights, problems, root cause, owner, due)",
)
def retrospective_update(request, payload: RetrospectivePatch, retrospective_id: int = RetroId):
    retrospective = access.access_retrospective(request.user, retrospective_id, write=True)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    for key in ("title", "highlights", "problems", "root_cause", "owner_id", "due"):
        if key in data and data[key] is None:
            raise ApplicationError(_("This field cannot be empty."), field=key, code="required")
    if "owner_id" in data:
        data["owner"] = _person(data.pop("owner_id"))
    return services.retrospective_update(
        actor=request.user, retrospective=retrospective, version=version, **data
    )


@router.post(
    "/retrospectives/{retrospective_id}/complete",
    response={200: RetrospectiveOut, **WRITE_ERRORS},
    summary="Complete (needs highlights or problems and at least one why)",
)
def retrospective_complete(request, payload: VersionIn | None = None, retrospective_id: int = RetroId):
    retrospective = access.access_retrospective(request.user, retrospective_id, write=True)
    return services.retrospective_complete(
        actor=request.user, retrospective=retrospective, version=payload.version if payload else None
    )


@router.post(
    "/retrospectives/{retrospective_id}/sign-off",
    response={200: RetrospectiveOut, **WRITE_ERRORS},
    summary="Sign off (the accountable manager)",
)
def retrospective_sign_off(request, payload: VersionIn | None = None, retrospective_id: int = RetroId):
    retrospective = access.access_retrospective(request.user, retrospective_id)
    return services.retrospective_sign_off(
        actor=request.user, retrospective=retrospective, version=payload.version if payload else None
    )


@router.post(
    "/retrospectives/{retrospective_id}/reopen",
    response={200: RetrospectiveOut, **WRITE_ERRORS},
    summary="Reopen a completed retrospective (a manager)",
)
def retrospective_reopen(request, payload: VersionIn | None = None, retrospective_id: int = RetroId):
    retrospective = access.access_retrospective(request.user, retrospective_id)
    return services.retrospective_reopen(
        actor=request.user, retrospective=retrospective, version=payload.version if payload else None
    )


# --- 5 whys ---


@router.get(
    "/retrospectives/{retrospective_id}/whys",
    response={200: list[WhyOut], **READ_ERRORS},
    summary="The 5-why chain",
)
def why_list(request, retrospective_id: int = RetroId):
    return list(access.access_retrospective(request.user, retrospective_id).whys.order_by("position"))


@router.post(
    "/retrospectives/{retrospective_id}/whys", response={201: WhyOut, **WRITE_ERRORS}, summary="Add a step"
)
def why_create(request, payload: WhyIn, retrospective_id: int = RetroId):
    retrospective = access.access_retrospective(request.user, retrospective_id, write=True)
    return Status(201, services.why_add(actor=request.user, retrospective=retrospective, **payload.dict()))


@router.patch(
    "/retrospectives/{retrospective_id}/whys/{why_id}",
    response={200: WhyOut, **WRITE_ERRORS},
    summary="Change or move a step",
)
def why_update(request, payload: WhyPatch, retrospective_id: int = RetroId, why_id: int = WhyId):
    retrospective = access.access_retrospective(request.user, retrospective_id, write=True)
    why = _why(retrospective, why_id)
    data = payload.dict(exclude_unset=True)
    for key in ("question", "answer", "position"):
        if key in data and data[key] is None:
            raise ApplicationError(_("This field cannot be empty."), field=key, code="required")
    with transaction.atomic():  # a changed text and a move land together or not at all
        if "question" in data or "answer" in data:
            why = services.why_update(
                actor=request.user, why=why, question=data.get("question"), answer=data.get("answer")
            )
        if "position" in data:
            services.why_move(actor=request.user, why=why, position=data["position"])
    return Why.objects.get(pk=why.pk)


@router.delete(
    "/retrospectives/{retrospective_id}/whys/{why_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a step",
)
def why_delete(request, retrospective_id: int = RetroId, why_id: int = WhyId):
    retrospective = access.access_retrospective(request.user, retrospective_id, write=True)
    services.why_delete(actor=request.user, why=_why(retrospective, why_id))
    return Status(204, None)


# --- improvement plan ---


@router.get(
    "/retrospectives/{retrospective_id}/actions",
    response={200: list[ActionOut], **READ_ERRORS},
    summary="The improvement plan",
)
def action_list(request, retrospective_id: int = RetroId):
    return list(access.access_retrospective(request.user, retrospective_id).actions.all())


@router.post(
    "/retrospectives/{retrospective_id}/actions",
    response={201: ActionOut, **WRITE_ERRORS},
    summary="Add an improvement action",
)
def action_create(request, payload: ActionIn, retrospective_id: int = RetroId):
    retrospective = access.access_retrospective(request.user, retrospective_id, write=True)
    return Status(
        201,
        services.action_add(
            actor=request.user,
            retrospective=retrospective,
            title=payload.title,
            owner=_person(payload.owner_id),
            due=payload.due,
            promote_as=payload.promote_as,
        ),
    )


@router.patch(
    "/retrospectives/{retrospective_id}/actions/{action_id}",
    response={200: ActionOut, **WRITE_ERRORS},
    summary="Change an improvement action",
)
def action_update(request, payload: ActionPatch, retrospective_id: int = RetroId, action_id: int = ActionId):
    retrospective = access.access_retrospective(request.user, retrospective_id)
    action = _action(retrospective, action_id)
    data = payload.dict(exclude_unset=True)
    for key in ("title", "owner_id", "due", "promote_as", "status"):
        if key in data and data[key] is None:
            raise ApplicationError(_("This field cannot be empty."), field=key, code="required")
    if "owner_id" in data:
        data["owner"] = _person(data.pop("owner_id"))
    return services.action_update(actor=request.user, action=action, **data)


@router.delete(
    "/retrospectives/{retrospective_id}/actions/{action_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete an improvement action",
)
def action_delete(request, retrospective_id: int = RetroId, action_id: int = ActionId):
    retrospective = access.access_retrospective(request.user, retrospective_id, write=True)
    services.action_delete(actor=request.user, action=_action(retrospective, action_id))
    return Status(204, None)


@router.post(
    "/retrospectives/{retrospective_id}/actions/{action_id}/promote",
    response={200: ActionOut, **WRITE_ERRORS},
    summary="Make the action an item or a goal of the next period (422 next_period_missing without it)",
)
def action_promote(request, payload: PromoteIn, retrospective_id: int = RetroId, action_id: int = ActionId):
    retrospective = access.access_retrospective(request.user, retrospective_id)
    action = _action(retrospective, action_id)
    return services.action_promote(
        actor=request.user,
        action=action,
        promote_as=payload.promote_as,
        create_next_period=payload.create_next_period,
    )
