"""API of the dashboards (API.md: /dashboards/company, /dashboards/department/{id}, /dashboards/person/{id}):
the panels the pages draw, from the same selectors (dashboards/selectors.py)."""

from __future__ import annotations

from dataclasses import asdict

from django.utils import timezone
from ninja import Path, Query, Router

from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS
from lodestar.dashboards import access, selectors
from lodestar.dashboards.schemas import DashboardIn, DashboardOut
from lodestar.org.permissions import access_period

router = Router(tags=["dashboards"])

DepartmentId = Path(..., le=MAX_ID, description="The department's id")
PersonId = Path(..., le=MAX_ID, description="The person's id")


def _dashboard(request, kind: str, filters: DashboardIn, **objects) -> dict:
    today = timezone.localdate()
    if filters.period_id is not None:
        period = access_period(request.user, filters.period_id)
    else:
        period = selectors.default_period(today)
    body = {
        "kind": kind,
        "department_id": objects["department"].pk if "department" in objects else None,
        "person_id": objects["person"].pk if "person" in objects else None,
        "as_of": today,
        "period": None,
        "panels": [],
    }
    if period is None:
        return body
    scope = selectors.build_scope(kind, request.user, period, today=today, **objects)
    body["period"] = {
        "id": period.pk,
        "kind": period.kind,
        "name": period.label,
        "start": period.start,
        "end": period.end,
    }
    body["panels"] = [asdict(panel) for panel in selectors.dashboard_panels(scope)]
    return body


@router.get(
    "/dashboards/company",
    response={200: DashboardOut, **LIST_ERRORS},
    summary="The company dashboard's panels",
)
def company_dashboard(request, filters: Query[DashboardIn]):
    """Everyone signed in; every figure counts only the goals, items and alerts the caller may see."""
    access.require_company_dashboard(request.user)
    return _dashboard(request, "company", filters)


@router.get(
    "/dashboards/department/{department_id}",
    response={200: DashboardOut, **READ_ERRORS},
    summary="A department's dashboard (its subtree)",
)
def department_dashboard(request, filters: Query[DashboardIn], department_id: int = DepartmentId):
    """The department's people, its managers up the line, HR partners and admins (403 for others)."""
    department = access.access_department_dashboard(request.user, department_id)
    return _dashboard(request, "department", filters, department=department)


@router.get(
    "/dashboards/person/{person_id}",
    response={200: DashboardOut, **READ_ERRORS},
    summary="A person's dashboard (the goals they own, the items where they are R)",
)
def person_dashboard(request, filters: Query[DashboardIn], person_id: int = PersonId):
    """The person, their managers up the line, HR partners and admins (403 for others)."""
    person = access.access_person_dashboard(request.user, person_id)
    return _dashboard(request, "person", filters, person=person)
