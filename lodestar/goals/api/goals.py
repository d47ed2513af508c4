"""API: goals, measures, sibling weights, status, decomposition, target adjustments, consensus,
templates, copying to the next period, and goal types (API.md "Core resources").

Endpoints are thin: they fetch through the access helpers (404 when the caller may not see a
record, 403 when they may see but not change it), turn `*_id` references into records through
`access_person` / `access_department` / `access_period` / `access_goal`, and call the same
services and selectors as the pages. Services raise `ApplicationError`s, which config/api.py
turns into JSON errors.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from lodestar.core.errors import ApplicationError, NotFound
from lodestar.core.references_by_id import on_field, optional_ref, require_values
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, page_out
from lodestar.goals import selectors, services
from lodestar.goals.access import access_goal, access_measure, visible_goals, visible_templates
from lodestar.goals.models import (
    ConsensusParticipant,
    ConsensusRecord,
    Goal,
    GoalTemplate,
    GoalType,
    Measure,
    TargetAdjustment,
)
from lodestar.goals.schemas import (
    AdjustmentDecisionIn,
    AdjustmentIn,
    AdjustmentOut,
    AdjustmentPage,
    ConsensusIn,
    ConsensusOut,
    DecisionIn,
    DecomposeIn,
    DecomposeOut,
    GoalCopyIn,
    GoalFilterIn,
    GoalIn,
    GoalOut,
    GoalPage,
    GoalPatch,
    GoalsOut,
    GoalStatusIn,
    GoalTypeFilter,
    GoalTypePage,
    MeasureIn,
    MeasureOut,
    MeasurePage,
    MeasurePatch,
    PageIn,
    TemplateApplyIn,
    TemplateIn,
    TemplateOut,
    TemplatePage,
    WeightsIn,
)
from lodestar.goals.services import adjustments, consensus, decomposition, reuse
from lodestar.org.permissions import (
    access_department,
    access_period,
    access_person,
    person_of,
    require_person,
)

router = Router(tags=["goals"])

GoalId = Path(..., le=MAX_ID, description="The goal's id")
MeasureId = Path(..., le=MAX_ID, description="The measure's id")
RecordId = Path(..., le=MAX_ID, description="The consensus record's id")
AdjustmentId = Path(..., le=MAX_ID, description="The adjustment request's id")
TemplateId = Path(..., le=MAX_ID, description="The template's id")

# Fields a PATCH may not set to null (the model has no empty value for them).
NOT_NULL_GOAL_FIELDS = ("kind", "name", "department_id", "period_id", "visibility", "sort_order")
BLANK_GOAL_FIELDS = ("description", "notes", "context")
NOT_NULL_MEASURE_FIELDS = ("name", "unit", "direction", "target", "accumulates")


# --- loading what the endpoints return -----------------------------------------------------


def _goals_out(user, ids: list[int]) -> list[Goal]:
    """Goals with what GoalOut shows (measures, collaborating departments), in the order of `ids`."""
    by_pk = {
        goal.pk: goal for goal in selectors.goal_list(user, related=selectors.API_RELATED).filter(pk__in=ids)
    }
    missing = [pk for pk in ids if pk not in by_pk]
    if missing:  # written by the caller but outside what they may list (defensive)
        by_pk.update({pk: selectors.goal_detail(pk) for pk in missing})
    return [by_pk[pk] for pk in ids]


def goal_out(user, goal_id: int) -> Goal:
    """One goal as `GET /goals/{id}` answers it (public: the trash answers a restore with it)."""
    return _goals_out(user, [goal_id])[0]


def _measure_out(measure_id: int) -> Measure:
    return Measure.objects.get(pk=measure_id)


def _consensus_records():
    return ConsensusRecord.objects.prefetch_related(
        "goals",
        Prefetch("participants", queryset=ConsensusParticipant.objects.select_related("person")),
    )


# --- references by id ----------------------------------------------------------------------


def _goal_type(goal_type_id: int) -> GoalType:
    goal_type = GoalType.objects.filter(pk=goal_type_id).first()
    if goal_type is None:
        raise NotFound(_("Goal type not found."), field="goal_type_id")
    return goal_type


def _goal_references(user, data: dict) -> dict:
    """Replace the `*_id` fields of a goal payload by the records, fetched through the access helpers."""
    fetch = {
        "owner_id": ("owner", lambda pk: access_person(user, pk)),
        "department_id": ("department", lambda pk: access_department(user, pk)),
        "period_id": ("period", lambda pk: access_period(user, pk)),
        "parent_id": ("parent", lambda pk: _access_parent(user, pk)),
        "goal_type_id": ("goal_type", _goal_type),
    }
    for key, (name, get) in fetch.items():
        if key in data:
            pk = data.pop(key)
            data[name] = on_field(key, get, pk) if pk is not None else None
    if "collaborating_department_ids" in data:
        ids = data.pop("collaborating_department_ids") or []  # null clears the list
        data["collaborating_departments"] = [
            on_field("collaborating_department_ids", access_department, user, pk) for pk in dict.fromkeys(ids)
        ]
    return data


def _access_parent(user, parent_id: int) -> Goal:
    return on_field("parent_id", access_goal, user, parent_id)


# --- goals ---------------------------------------------------------------------------------


@router.get("/goals", response={200: GoalPage, **LIST_ERRORS}, summary="List goals")
def goal_list(request, filters: Query[GoalFilterIn]):
    """Goals the caller may see. `department_id` includes sub-departments; `root=true` gives
    top-level goals only."""
    require_person(request.user)
    params = filters.dict(exclude_none=True, exclude={"page", "page_size"})
    department = None
    if "department_id" in params:
        department = access_department(request.user, params.pop("department_id"))
    if "period_id" in params:
        access_period(request.user, params["period_id"])
    if "owner_id" in params:
        on_field("owner_id", access_person, request.user, params["owner_id"])
    if "parent_id" in params:
        _access_parent(request.user, params["parent_id"])
    params = {
        key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in params.items()
    }
    queryset = selectors.goal_list(request.user, params, related=selectors.API_RELATED, department=department)
    return page_out(queryset, filters.page, filters.page_size)


@router.post(
    "/goals", response={201: GoalOut, **WRITE_ERRORS}, summary="Create a draft goal, with its measures"
)
def goal_create(request, payload: GoalIn):
    data = _goal_references(request.user, payload.dict())
    measures = data.pop("measures")
    goal = services.goal_create(
        actor=request.user,
        name=data.pop("name"),
        department=data.pop("department"),
        period=data.pop("period"),
        owner=data.pop("owner"),
        measures=measures,
        collaborating_departments=data.pop("collaborating_departments", []),
        **data,
    )
    return Status(201, goal_out(request.user, goal.pk))


@router.put(
    "/goals/weights",
    response={200: GoalsOut, **WRITE_ERRORS},
    summary="Save the weights of a set of sibling goals (they must sum to 100%)",
)
def goal_weights_save(request, payload: WeightsIn):
    ids = [row.goal_id for row in payload.weights]
    if len(set(ids)) != len(ids):
        raise ApplicationError(_("Each goal may appear only once."), field="weights")
    for pk in ids:
        access_goal(request.user, pk)
    goals = services.sibling_weights_save(
        actor=request.user,
        weights={row.goal_id: row.weight for row in payload.weights},
        versions={row.goal_id: row.version for row in payload.weights},
    )
    return {"goals": _goals_out(request.user, [goal.pk for goal in goals])}


@router.post(
    "/goals/copy",
    response={201: GoalsOut, **WRITE_ERRORS},
    summary="Copy a department's goals into another period as drafts",
)
def goal_copy(request, payload: GoalCopyIn):
    department = access_department(request.user, payload.department_id)
    source = on_field("source_period_id", access_period, request.user, payload.source_period_id)
    target = on_field("target_period_id", access_period, request.user, payload.target_period_id)
    goals = reuse.goals_copy_to_period(
        actor=request.user, department=department, source=source, target=target
    )
    return Status(201, {"goals": _goals_out(request.user, [goal.pk for goal in goals])})


@router.get("/goals/{goal_id}", response={200: GoalOut, **READ_ERRORS}, summary="One goal")
def goal_detail(request, goal_id: int = GoalId):
    access_goal(request.user, goal_id)
    return goal_out(request.user, goal_id)


@router.patch(
    "/goals/{goal_id}",
    response={200: GoalOut, **WRITE_ERRORS},
    summary="Change a goal (send its `version`; a stale one gets 409)",
)
def goal_patch(request, payload: GoalPatch, goal_id: int = GoalId):
    goal = access_goal(request.user, goal_id, write=True)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    require_values(data, NOT_NULL_GOAL_FIELDS)
    for field in BLANK_GOAL_FIELDS:
        if field in data and data[field] is None:
            data[field] = ""
    data = _goal_references(request.user, data)
    services.goal_update(
        actor=request.user,
        goal=goal,
        version=version,
        collaborating_departments=data.pop("collaborating_departments", None),
        **data,
    )
    return goal_out(request.user, goal_id)


@router.delete(
    "/goals/{goal_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a draft goal (others are cancelled instead: 409)",
)
def goal_delete(request, goal_id: int = GoalId):
    goal = access_goal(request.user, goal_id, write=True)
    services.goal_delete(actor=request.user, goal=goal)
    return Status(204, None)


@router.post(
    "/goals/{goal_id}/status",
    response={200: GoalOut, **WRITE_ERRORS},
    summary="Close, cancel or reopen a goal",
)
def goal_status(request, payload: GoalStatusIn, goal_id: int = GoalId):
    goal = access_goal(request.user, goal_id)
    services.goal_set_status(actor=request.user, goal=goal, status=payload.status, version=payload.version)
    return goal_out(request.user, goal_id)


# --- measures ------------------------------------------------------------------------------


@router.get(
    "/goals/{goal_id}/measures", response={200: MeasurePage, **LIST_ERRORS}, summary="A goal's measures"
)
def measure_list(request, filters: Query[PageIn], goal_id: int = GoalId):
    goal = access_goal(request.user, goal_id)
    return page_out(
        Measure.objects.filter(goal=goal).order_by("sort_order", "id"), filters.page, filters.page_size
    )


@router.post("/goals/{goal_id}/measures", response={201: MeasureOut, **WRITE_ERRORS}, summary="Add a measure")
def measure_create(request, payload: MeasureIn, goal_id: int = GoalId):
    goal = access_goal(request.user, goal_id)
    measure = services.measure_create(actor=request.user, goal=goal, **payload.dict())
    return Status(201, _measure_out(measure.pk))


@router.get("/measures/{measure_id}", response={200: MeasureOut, **READ_ERRORS}, summary="One measure")
def measure_detail(request, measure_id: int = MeasureId):
    return access_measure(request.user, measure_id)


@router.patch(
    "/measures/{measure_id}",
    response={200: MeasureOut, **WRITE_ERRORS},
    summary="Change a measure or report its current value",
)
def measure_patch(request, payload: MeasurePatch, measure_id: int = MeasureId):
    """Targets of an active goal change only through an adjustment (422 `adjustment_required`);
    its owner and managers may report `current` alone."""
    measure = access_measure(request.user, measure_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    require_values(data, NOT_NULL_MEASURE_FIELDS)
    services.measure_update(actor=request.user, measure=measure, version=version, **data)
    return _measure_out(measure_id)


@router.delete(
    "/measures/{measure_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a measure of a draft goal"
)
def measure_delete(request, measure_id: int = MeasureId):
    measure = access_measure(request.user, measure_id)
    services.measure_delete(actor=request.user, measure=measure)
    return Status(204, None)


# --- decomposition -------------------------------------------------------------------------


@router.post(
    "/goals/{goal_id}/decompose",
    response={201: DecomposeOut, **WRITE_ERRORS},
    summary="Split a goal's target into child goals",
)
def goal_decompose(request, payload: DecomposeIn, goal_id: int = GoalId):
    """Shares must sum to 100% (mode `percent`) or amounts to the target (mode `amount`),
    else 422 with `field: "parts"`; all children are created, or none."""
    goal = access_goal(request.user, goal_id)
    measure = None
    if payload.measure_id is not None:
        measure = Measure.objects.filter(pk=payload.measure_id, goal=goal).first()
        if measure is None:
            raise ApplicationError(_("Choose a measure of this goal."), field="measure_id")
    parts = []
    for part in payload.parts:
        parts.append(
            {
                "label": part.label,
                "share": part.share,
                "amount": part.amount,
                "owner": optional_ref("parts", access_person, request.user, part.owner_id),
                "department": optional_ref("parts", access_department, request.user, part.department_id),
                "period": optional_ref("parts", access_period, request.user, part.period_id),
            }
        )
    children = decomposition.goal_decompose(
        actor=request.user,
        goal=goal,
        dimension=payload.dimension,
        measure=measure,
        mode=payload.mode,
        parts=parts,
    )
    return Status(201, {"children": _goals_out(request.user, [child.pk for child in children])})


# --- target adjustments --------------------------------------------------------------------


@router.get(
    "/goals/{goal_id}/adjustments",
    response={200: AdjustmentPage, **LIST_ERRORS},
    summary="A goal's target adjustments, oldest first",
)
def adjustment_list(request, filters: Query[PageIn], goal_id: int = GoalId):
    goal = access_goal(request.user, goal_id)
    queryset = TargetAdjustment.objects.filter(goal=goal).order_by("created_at", "id")
    return page_out(queryset, filters.page, filters.page_size)


@router.post(
    "/goals/{goal_id}/adjustments",
    response={201: AdjustmentOut, **WRITE_ERRORS},
    summary="Request a change of an active goal's target (pending until approved)",
)
def adjustment_create(request, payload: AdjustmentIn, goal_id: int = GoalId):
    """The request is `pending` and the approver is notified; the target changes only when an approver
    approves it. One pending request per measure (409 `adjustment_pending`). An admin's change applies at
    once (`status` approved, `applied_directly`)."""
    goal = access_goal(request.user, goal_id)
    measure = Measure.objects.filter(pk=payload.measure_id).first()
    if measure is None:
        raise ApplicationError(_("Choose a measure of this goal."), field="measure_id")
    approver = None
    if payload.approved_by_id is not None:
        approver = on_field("approved_by_id", access_person, request.user, payload.approved_by_id)
    adjustment = adjustments.adjustment_create(
        actor=request.user,
        goal=goal,
        measure=measure,
        new_target=payload.new_target,
        reason=payload.reason,
        trigger=payload.trigger,
        approved_by=approver,
        apply_directly=payload.apply_directly,
    )
    return Status(201, adjustment)


def _adjustment(user, goal_id: int, adjustment_id: int) -> TargetAdjustment:
    goal = access_goal(user, goal_id)
    adjustment = TargetAdjustment.objects.filter(goal=goal, pk=adjustment_id).first()
    if adjustment is None:
        raise NotFound(_("Target adjustment not found."), field="adjustment_id")
    return adjustment


@router.post(
    "/goals/{goal_id}/adjustments/{adjustment_id}/approve",
    response={200: AdjustmentOut, **WRITE_ERRORS},
    summary="Approve a pending target change: the target changes now",
)
def adjustment_approve(
    request, payload: AdjustmentDecisionIn, goal_id: int = GoalId, adjustment_id: int = AdjustmentId
):
    """For an admin or a manager of the goal's department or above, not the requester (403). The new
    target is checked again against the measure as it is now (422); a request that is no longer pending
    or a goal that is no longer active gives 409. The requester is notified."""
    require_person(request.user)
    adjustment = _adjustment(request.user, goal_id, adjustment_id)
    return adjustments.adjustment_approve(actor=request.user, adjustment=adjustment, comment=payload.comment)


@router.post(
    "/goals/{goal_id}/adjustments/{adjustment_id}/reject",
    response={200: AdjustmentOut, **WRITE_ERRORS},
    summary="Reject a pending target change, with the reason",
)
def adjustment_reject(
    request, payload: AdjustmentDecisionIn, goal_id: int = GoalId, adjustment_id: int = AdjustmentId
):
    """The same approvers as approval; `comment` is required (422). The target stays; the requester is
    notified with the reason."""
    require_person(request.user)
    adjustment = _adjustment(request.user, goal_id, adjustment_id)
    return adjustments.adjustment_reject(actor=request.user, adjustment=adjustment, comment=payload.comment)


@router.post(
    "/goals/{goal_id}/adjustments/{adjustment_id}/withdraw",
    response={200: AdjustmentOut, **WRITE_ERRORS},
    summary="Withdraw your own pending target change",
)
def adjustment_withdraw(request, goal_id: int = GoalId, adjustment_id: int = AdjustmentId):
    """Only the requester (403); only while pending (409). The approver is notified."""
    require_person(request.user)
    adjustment = _adjustment(request.user, goal_id, adjustment_id)
    return adjustments.adjustment_withdraw(actor=request.user, adjustment=adjustment)


# --- consensus -----------------------------------------------------------------------------


@router.get(
    "/goals/{goal_id}/consensus",
    response={200: ConsensusOut, **READ_ERRORS},
    summary="The goal's latest consensus record",
)
def consensus_detail(request, goal_id: int = GoalId):
    goal = access_goal(request.user, goal_id)
    record = _consensus_records().filter(goals=goal).order_by("-created_at", "-id").first()
    if record is None:
        raise NotFound(_("This goal has no consensus record yet."), field="goal_id")
    return record


@router.post(
    "/goals/{goal_id}/consensus",
    response={201: ConsensusOut, **WRITE_ERRORS},
    summary="Put a draft goal (and further goals, or its draft sub-goals) into one consensus round",
)
def consensus_start(request, payload: ConsensusIn, goal_id: int = GoalId):
    goal = access_goal(request.user, goal_id)
    goals = consensus.round_goals(goal) if payload.include_children else [goal]
    goals += [
        access_goal(request.user, pk)
        for pk in dict.fromkeys(payload.goal_ids)
        if pk not in {g.pk for g in goals}
    ]
    if payload.participants is None:
        participants = [
            {"person": person, "required": True, "role_note": ""}
            for person in consensus.default_participants_of(goals)
        ]
    else:
        participants = []
        for row in payload.participants:
            person = on_field("participants", access_person, request.user, row.person_id)
            participants.append({"person": person, "required": row.required, "role_note": row.role_note})
    record = consensus.consensus_start(
        actor=request.user, goals=goals, participants=participants, minutes=payload.minutes
    )
    return Status(201, _consensus_records().get(pk=record.pk))


def _consensus_record(user, record_id: int, *, participant_may_see: bool) -> ConsensusRecord:
    """A consensus record the caller may know of: one of its goals is visible to them, or
    (for decisions) they are one of its participants."""
    record = ConsensusRecord.objects.filter(pk=record_id).first()
    person = person_of(user)
    if record is not None:
        if visible_goals(user).filter(consensus_records=record).exists():
            return record
        if participant_may_see and person is not None and record.participants.filter(person=person).exists():
            return record
    raise NotFound(_("Consensus record not found."), field="record_id")


@router.post(
    "/consensus/{record_id}/decisions",
    response={200: ConsensusOut, **WRITE_ERRORS},
    summary="Agree or object (with a comment) as a participant",
)
def consensus_decide(request, payload: DecisionIn, record_id: int = RecordId):
    """When every required participant has agreed, the goals become active and their targets are
    kept as the original targets."""
    require_person(request.user)
    record = _consensus_record(request.user, record_id, participant_may_see=True)
    consensus.consensus_decide(
        actor=request.user, record=record, decision=payload.decision, comment=payload.comment
    )
    return _consensus_records().get(pk=record_id)


@router.post(
    "/consensus/{record_id}/withdraw",
    response={200: ConsensusOut, **WRITE_ERRORS},
    summary="Withdraw an open consensus: the goals return to draft",
)
def consensus_withdraw(request, record_id: int = RecordId):
    require_person(request.user)
    record = _consensus_record(request.user, record_id, participant_may_see=False)
    consensus.consensus_withdraw(actor=request.user, record=record)
    return _consensus_records().get(pk=record_id)


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
    parent = _access_parent(request.user, payload.parent_id) if payload.parent_id else None
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
    return Status(201, {"goals": _goals_out(request.user, [goal.pk for goal in goals])})


# --- goal types ----------------------------------------------------------------------------


@router.get("/goal-types", response={200: GoalTypePage, **LIST_ERRORS}, summary="List goal types")
def goal_type_list(request, filters: Query[GoalTypeFilter]):
    require_person(request.user)
    queryset = GoalType.objects.order_by("sort_order", "id")
    if filters.is_active is not None:
        queryset = queryset.filter(is_active=filters.is_active)
    return page_out(queryset, filters.page, filters.page_size)
