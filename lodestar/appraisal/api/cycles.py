"""API: appraisal cycles and calibration (API.md: /appraisal-cycles (+ /start, /advance, /publish, /scope),
/calibrations). Thin endpoints over `access` and the services: 404 for what the caller may not see, 403
for what they may see but not do, 409 for a stale version or a state conflict, 422 with the field."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from lodestar.appraisal import access
from lodestar.appraisal.calibration_selectors import calibration_board
from lodestar.appraisal.models import CalibrationMove, Cycle, StartStatus, Template
from lodestar.appraisal.schemas.cycles import (
    AdvanceIn,
    CalibrationBoardOut,
    CalibrationFilter,
    CalibrationIn,
    CalibrationOut,
    CycleFilter,
    CycleIn,
    CycleOut,
    CyclePage,
    CyclePatch,
    CycleVersionIn,
    ScopeOut,
    distribution_out,
)
from lodestar.appraisal.services import calibration, cycles
from lodestar.core.errors import NotFound
from lodestar.core.models import Period
from lodestar.core.numbers import amount_str
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, page_out
from lodestar.org.models import Department, Position
from lodestar.org.permissions import require_person

router = Router(tags=["appraisal"])

CycleId = Path(..., le=MAX_ID, description="The cycle's id")
MoveId = Path(..., le=MAX_ID, description="The calibration move's id")


def _cycles():
    return Cycle.objects.select_related("period").prefetch_related(
        "departments", "positions", "templates", "stage_dates"
    )


def _fresh(cycle_id: int) -> Cycle:
    return _cycles().get(pk=cycle_id)


def _period(pk: int) -> Period:
    period = Period.objects.filter(pk=pk).first()
    if period is None:
        raise NotFound(_("Period not found."), field="period_id")
    return period


def _all(model, ids: list[int], field: str) -> list:
    ids = list(dict.fromkeys(ids))
    found = list(model.objects.filter(pk__in=ids))
    if len(found) != len(ids):
        raise NotFound(_("Some of these were not found."), field=field)
    return found


def _settings(data: dict) -> dict:
    """The request's settings in the service's words."""
    out: dict = {}
    for key in ("name", "formula", "grade_thresholds", "bonus_coefficients", "pip_on_c", "reviewer_weights"):
        if key in data and data[key] is not None:
            out[key] = data[key]
    guideline = data.get("guideline") or {}
    if guideline.get("s_max") is not None:
        out["guideline_s_max"] = guideline["s_max"]
    if guideline.get("c_min") is not None:
        out["guideline_c_min"] = guideline["c_min"]
    return out


def _runner_cycle(request, cycle_id: int) -> Cycle:
    """A cycle the caller may see; 403 when they may see it but not run it."""
    cycle = access.access_cycle(request.user, cycle_id)
    access.require_runner(request.user)
    return cycle


@router.get("/appraisal-cycles", response={200: CyclePage, **LIST_ERRORS}, summary="List appraisal cycles")
def cycle_list(request, filters: Query[CycleFilter]):
    require_person(request.user)
    qs = access.visible_cycles(request.user).select_related("period")
    qs = qs.prefetch_related("departments", "positions", "templates", "stage_dates")
    if filters.period_id is not None:
        qs = qs.filter(period_id=filters.period_id)
    if filters.stage is not None:
        qs = qs.filter(stage=filters.stage)
    return page_out(qs.order_by("-period__start", "-id"), filters.page, filters.page_size)


@router.post(
    "/appraisal-cycles", response={201: CycleOut, **WRITE_ERRORS}, summary="Create an appraisal cycle"
)
def cycle_create(request, payload: CycleIn):
    require_person(request.user)
    access.require_runner(request.user)
    data = payload.dict()
    scope = data.get("scope") or {}
    cycle = cycles.cycle_create(
        actor=request.user,
        period=_period(payload.period_id),
        departments=_all(Department, scope.get("department_ids") or [], "scope.department_ids"),
        positions=_all(Position, scope.get("position_ids") or [], "scope.position_ids"),
        templates=_all(Template, data.get("template_ids") or [], "template_ids"),
        stage_dates=data["stage_dates"],
        **_settings(data),
    )
    return Status(201, _fresh(cycle.pk))


@router.get(
    "/appraisal-cycles/{cycle_id}", response={200: CycleOut, **READ_ERRORS}, summary="One appraisal cycle"
)
def cycle_detail(request, cycle_id: int = CycleId):
    return _fresh(access.access_cycle(request.user, cycle_id).pk)


@router.patch(
    "/appraisal-cycles/{cycle_id}",
    response={200: CycleOut, **WRITE_ERRORS},
    summary="Change a cycle (scope and period only before the start; settings until publishing)",
)
def cycle_update(request, payload: CyclePatch, cycle_id: int = CycleId):
    cycle = _runner_cycle(request, cycle_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    changes = _settings(data)
    if data.get("period_id") is not None:
        changes["period"] = _period(data["period_id"])
    scope = data.get("scope")
    if scope is not None:
        if "department_ids" in scope:
            changes["departments"] = _all(Department, scope["department_ids"], "scope.department_ids")
        if "position_ids" in scope:
            changes["positions"] = _all(Position, scope["position_ids"], "scope.position_ids")
    if data.get("template_ids") is not None:
        changes["templates"] = _all(Template, data["template_ids"], "template_ids")
    cycles.cycle_update(
        actor=request.user, cycle=cycle, version=version, stage_dates=data.get("stage_dates"), **changes
    )
    return _fresh(cycle.pk)


@router.delete(
    "/appraisal-cycles/{cycle_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a cycle not started"
)
def cycle_delete(request, cycle_id: int = CycleId):
    cycle = _runner_cycle(request, cycle_id)
    cycles.cycle_delete(actor=request.user, cycle=cycle)
    return Status(204, None)


@router.post(
    "/appraisal-cycles/{cycle_id}/start",
    response={200: CycleOut, 202: CycleOut, **WRITE_ERRORS},
    summary="Start: create every appraisal (200 when done inline, 202 while queued for the worker)",
)
def cycle_start(request, payload: CycleVersionIn, cycle_id: int = CycleId):
    """A person has one appraisal per period: a 409 `already_appraised` (nothing written) has one `errors`
    entry per person in scope already appraised in another started cycle of the period: its `message` is
    the person's name, its `detail` gives `person_id` and the other cycle's `cycle_id`."""
    cycle = _runner_cycle(request, cycle_id)
    cycle = cycles.cycle_start(actor=request.user, cycle=cycle, version=payload.version)
    fresh = _fresh(cycle.pk)
    return Status(200 if fresh.start_status == StartStatus.DONE else 202, fresh)


@router.post(
    "/appraisal-cycles/{cycle_id}/advance",
    response={200: CycleOut, **WRITE_ERRORS},
    summary="Move to the next stage (or to_stage)",
)
def cycle_advance(request, payload: AdvanceIn, cycle_id: int = CycleId):
    cycle = _runner_cycle(request, cycle_id)
    cycles.cycle_advance(actor=request.user, cycle=cycle, version=payload.version, to_stage=payload.to_stage)
    return _fresh(cycle.pk)


@router.post(
    "/appraisal-cycles/{cycle_id}/publish",
    response={200: CycleOut, **WRITE_ERRORS},
    summary="Publish the results (409 `unscored` lists the appraisals without a final score)",
)
def cycle_publish(request, payload: CycleVersionIn, cycle_id: int = CycleId):
    """A 409 `unscored` has one `errors` entry per appraisal without a final score (at most 20): its
    `message` is the person's name, its `detail` gives `appraisal_id` and `person_id`."""
    cycle = _runner_cycle(request, cycle_id)
    cycles.cycle_publish(actor=request.user, cycle=cycle, version=payload.version)
    return _fresh(cycle.pk)


@router.get(
    "/appraisal-cycles/{cycle_id}/scope",
    response={200: ScopeOut, **READ_ERRORS},
    summary="The people in scope and the ones left out, with the reason",
)
def cycle_scope(request, cycle_id: int = CycleId):
    cycle = _runner_cycle(request, cycle_id)
    included, skipped = cycles.people_in_scope(cycle)
    return {
        "included_count": len(included),
        "included": [
            {
                "person_id": person.pk,
                "name": person.display_name,
                "department_id": person.department_id,
                "department": person.department.name if person.department else "",
                "position_id": person.position_id,
                "position": person.position.name if person.position else "",
                "template_id": template.pk,
                "template": template.name,
            }
            for person, template in included
        ],
        "skipped": skipped,
    }


# --- calibration -------------------------------------------------------------------------------------


def _board_out(board) -> dict:
    cycle = board.cycle
    return {
        "cycle_id": cycle.pk,
        "stage": cycle.stage,
        "guideline": {"s_max": amount_str(cycle.guideline_s_max), "c_min": amount_str(cycle.guideline_c_min)},
        "grades": board.grades,
        "departments": [distribution_out(group) for group in board.groups],
        "total": distribution_out(board.total, with_appraisals=False),
        "moves": board.moves,
    }


@router.get(
    "/calibrations",
    response={200: CalibrationBoardOut, **LIST_ERRORS},
    summary="A cycle's grade distribution per department against the guideline, suggestions and moves",
)
def calibration_list(request, filters: Query[CalibrationFilter]):
    cycle = access.access_cycle(request.user, filters.cycle_id)
    access.require_calibration_reader(request.user)
    return _board_out(calibration_board(request.user, cycle))


@router.post(
    "/calibrations", response={201: CalibrationOut, **WRITE_ERRORS}, summary="Move a grade (with the reason)"
)
def calibration_create(request, payload: CalibrationIn):
    appraisal = access.access_appraisal(request.user, payload.appraisal_id)
    move = calibration.calibrate(
        actor=request.user,
        appraisal=appraisal,
        to_grade=payload.to_grade,
        reason=payload.reason,
        version=payload.version,
    )
    return Status(201, move)


@router.get(
    "/calibrations/{move_id}", response={200: CalibrationOut, **READ_ERRORS}, summary="One calibration move"
)
def calibration_detail(request, move_id: int = MoveId):
    require_person(request.user)
    move = CalibrationMove.objects.select_related("appraisal__department").filter(pk=move_id).first()
    if move is None or not access.can_see_appraisal(request.user, move.appraisal):
        raise NotFound(_("Calibration move not found."), field="move_id")
    return move
