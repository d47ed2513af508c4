"""API of the knowledge library (API.md "Resources of the next capabilities": /cases, /sops,
/sops/{id}/versions). Thin endpoints over `access`, `selectors` and `services`: 404 for what does not
exist, 403 for what the caller may read but not change, 409 for a stale `version`."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from lodestar.core.errors import ApplicationError
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, PageIn, page_out
from lodestar.goals.access import access_goal, visible_goals
from lodestar.knowledge import access, selectors, services
from lodestar.knowledge.models import Case, Sop, SopVersion
from lodestar.knowledge.schemas import (
    CaseFilter,
    CaseIn,
    CaseOut,
    CasePage,
    CasePatch,
    SopFilter,
    SopIn,
    SopOut,
    SopPage,
    SopPatch,
    SopVersionIn,
    SopVersionOut,
    SopVersionPage,
)
from lodestar.org.permissions import access_department, access_period, access_person, require_person

router = Router(tags=["knowledge"])

CaseId = Path(..., le=MAX_ID, description="The case's id")
SopId = Path(..., le=MAX_ID, description="The SOP's id")
Number = Path(..., ge=1, le=2**31 - 1, description="The version number (1, 2, …)")


def _cases(user):
    # Only the goals the reader may see: `goal_ids` and the figures drawn from them (CaseOut).
    return selectors.cases_with_lists().prefetch_related(Prefetch("goals", queryset=visible_goals(user)))


def case_out(user, pk: int) -> Case:
    """A case as GET /cases/{id} answers it (also the trash's answer to a restore)."""
    return _cases(user).get(pk=pk)


def _retrospective(user, pk: int):
    return access.access_source_retrospective(user, pk)


def _case_references(user, data: dict) -> dict:
    if "goal_ids" in data:
        ids = data.pop("goal_ids")
        data["goals"] = None if ids is None else [access_goal(user, pk) for pk in dict.fromkeys(ids)]
    if "retrospective_id" in data:
        pk = data.pop("retrospective_id")
        data["retrospective"] = _retrospective(user, pk) if pk is not None else None
    if "department_id" in data:
        pk = data.pop("department_id")
        if pk is not None:
            data["department"] = access_department(user, pk)
    if "period_id" in data:
        pk = data.pop("period_id")
        data["period"] = access_period(user, pk) if pk is not None else None
    return data


def _required(data: dict, keys: tuple[str, ...]) -> None:
    for key in keys:
        if key in data and data[key] is None:
            raise ApplicationError(_("This field cannot be empty."), field=key, code="required")


# --- cases -----------------------------------------------------------------------------------------


@router.get("/cases", response={200: CasePage, **LIST_ERRORS}, summary="Search the case library")
def case_list(request, filters: Query[CaseFilter]):
    require_person(request.user)
    department = (
        access_department(request.user, filters.department_id) if filters.department_id is not None else None
    )
    queryset = selectors.search_cases(
        _cases(request.user),
        q=filters.q,
        tag=filters.tag,
        outcome=filters.outcome or "",
        department=department,
        goal_id=filters.goal_id,
    )
    return page_out(queryset.order_by("-created_at", "-id"), filters.page, filters.page_size)


@router.post("/cases", response={201: CaseOut, **WRITE_ERRORS}, summary="Write a case")
def case_create(request, payload: CaseIn):
    person = require_person(request.user)
    access.require_case_creator(request.user)
    data = _case_references(request.user, payload.dict())
    if "department" not in data:
        retrospective = data.get("retrospective")
        department = retrospective.department if retrospective else (person.department if person else None)
        if department is None:
            raise ApplicationError(_("Choose the case's department."), field="department_id", code="required")
        data["department"] = department
    case = services.case_create(actor=request.user, **data)
    return Status(201, case_out(request.user, case.pk))


@router.get("/cases/{case_id}", response={200: CaseOut, **READ_ERRORS}, summary="One case")
def case_detail(request, case_id: int = CaseId):
    return case_out(request.user, access.access_case(request.user, case_id).pk)


@router.patch("/cases/{case_id}", response={200: CaseOut, **WRITE_ERRORS}, summary="Change a case")
def case_update(request, payload: CasePatch, case_id: int = CaseId):
    case = access.access_case(request.user, case_id, write=True)
    data = payload.dict(exclude_unset=True)
    _required(data, ("title", "outcome", "department_id", "tags", "goal_ids"))
    version = data.pop("version")
    data = _case_references(request.user, data)
    services.case_update(actor=request.user, case=case, version=version, **data)
    return case_out(request.user, case.pk)


@router.delete("/cases/{case_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a case")
def case_delete(request, case_id: int = CaseId):
    services.case_delete(actor=request.user, case=access.access_case(request.user, case_id, write=True))
    return Status(204, None)


# --- SOPs ------------------------------------------------------------------------------------------


def _sops():
    return Sop.objects.prefetch_related(
        "cases", Prefetch("versions", queryset=SopVersion.objects.only("id", "sop_id", "number"))
    )


def sop_out(pk: int) -> Sop:
    """An SOP as GET /sops/{id} answers it (also the trash's answer to a restore)."""
    return _sops().get(pk=pk)


def _cases_by_id(user, ids: list[int]) -> list[Case]:
    return [access.access_case(user, pk) for pk in dict.fromkeys(ids)]


@router.get("/sops", response={200: SopPage, **LIST_ERRORS}, summary="List the SOPs")
def sop_list(request, filters: Query[SopFilter]):
    require_person(request.user)
    queryset = _sops()
    for term in selectors.domain.search_terms(filters.q):
        queryset = queryset.filter(title__icontains=term)
    if filters.department_id is not None:
        department = access_department(request.user, filters.department_id)
        queryset = queryset.filter(department__path__startswith=department.path)
    if filters.owner_id is not None:
        queryset = queryset.filter(owner_id=filters.owner_id)
    return page_out(queryset.order_by("title", "id"), filters.page, filters.page_size)


@router.post("/sops", response={201: SopOut, **WRITE_ERRORS}, summary="Create an SOP with its version 1")
def sop_create(request, payload: SopIn):
    person = require_person(request.user)
    access.require_sop_creator(request.user)
    owner = access_person(request.user, payload.owner_id) if payload.owner_id is not None else person
    if owner is None:
        raise ApplicationError(_("Choose the SOP's owner."), field="owner_id", code="required")
    sop = services.sop_create(
        actor=request.user,
        title=payload.title,
        owner=owner,
        department=access_department(request.user, payload.department_id),
        review_date=payload.review_date,
        body_markdown=payload.body_markdown,
        change_note=payload.change_note,
        cases=_cases_by_id(request.user, payload.case_ids),
    )
    return Status(201, sop_out(sop.pk))


@router.get("/sops/{sop_id}", response={200: SopOut, **READ_ERRORS}, summary="One SOP")
def sop_detail(request, sop_id: int = SopId):
    return sop_out(access.access_sop(request.user, sop_id).pk)


@router.patch("/sops/{sop_id}", response={200: SopOut, **WRITE_ERRORS}, summary="Change an SOP's details")
def sop_update(request, payload: SopPatch, sop_id: int = SopId):
    sop = access.access_sop(request.user, sop_id, write=True)
    data = payload.dict(exclude_unset=True)
    _required(data, ("title", "owner_id", "department_id", "review_date", "case_ids"))
    version = data.pop("version")
    if "owner_id" in data:
        data["owner"] = access_person(request.user, data.pop("owner_id"))
    if "department_id" in data:
        data["department"] = access_department(request.user, data.pop("department_id"))
    cases = _cases_by_id(request.user, data.pop("case_ids")) if "case_ids" in data else None
    services.sop_update(actor=request.user, sop=sop, version=version, cases=cases, **data)
    return sop_out(sop.pk)


@router.delete("/sops/{sop_id}", response={204: None, **WRITE_ERRORS}, summary="Delete an SOP")
def sop_delete(request, sop_id: int = SopId):
    services.sop_delete(actor=request.user, sop=access.access_sop(request.user, sop_id, delete=True))
    return Status(204, None)


@router.get(
    "/sops/{sop_id}/versions",
    response={200: SopVersionPage, **LIST_ERRORS},
    summary="An SOP's versions, newest first",
)
def sop_versions(request, filters: Query[PageIn], sop_id: int = SopId):
    sop = access.access_sop(request.user, sop_id)
    return page_out(sop.versions.order_by("-number"), filters.page, filters.page_size)


@router.post(
    "/sops/{sop_id}/versions",
    response={201: SopVersionOut, **WRITE_ERRORS},
    summary="Add a version of an SOP's text",
)
def sop_version_add(request, payload: SopVersionIn, sop_id: int = SopId):
    sop = access.access_sop(request.user, sop_id, write=True)
    version = services.sop_add_version(
        actor=request.user, sop=sop, body_markdown=payload.body_markdown, change_note=payload.change_note
    )
    return Status(201, version)


@router.get(
    "/sops/{sop_id}/versions/{number}",
    response={200: SopVersionOut, **READ_ERRORS},
    summary="One version of an SOP",
)
def sop_version_detail(request, sop_id: int = SopId, number: int = Number):
    sop = access.access_sop(request.user, sop_id)
    return access.access_sop_version(request.user, sop, number)
