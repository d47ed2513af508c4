"""API: departments and people."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from lodestar.core.errors import ApplicationError
from lodestar.core.schemas import (
    LIST_ERRORS,
    MAX_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    FilterSchema,
    InputSchema,
    page_out,
)
from lodestar.org import selectors, services
from lodestar.org.models import Role
from lodestar.org.permissions import access_department, access_person, require_person

router = Router(tags=["organisation"])


class DepartmentOut(Schema):
    id: int
    name: str
    code: str | None
    parent_id: int | None
    manager_id: int | None
    depth: int
    sort_order: int
    is_active: bool
    member_count: int = 0
    version: int


class DepartmentPage(Schema):
    items: list[DepartmentOut]
    count: int
    page: int
    page_size: int


class DepartmentFilter(FilterSchema):
    parent_id: int | None = Field(None, ge=1, le=MAX_ID)
    within_id: int | None = Field(None, description="Only this department and its sub-departments")
    q: str | None = Field(None, max_length=80)
    is_active: bool | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


@router.get("/departments", response={200: DepartmentPage, **LIST_ERRORS}, summary="List departments")
def department_list(request, filters: Query[DepartmentFilter]):
    require_person(request.user)
    qs = selectors.department_queryset()
    if filters.parent_id is not None:
        qs = qs.filter(parent_id=filters.parent_id)
    if filters.within_id is not None:
        root = access_department(request.user, filters.within_id)
        qs = qs.filter(path__startswith=root.path)
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(code__icontains=filters.q))
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    return page_out(qs, filters.page, filters.page_size)


@router.get(
    "/departments/{department_id}", response={200: DepartmentOut, **READ_ERRORS}, summary="One department"
)
def department_detail(request, department_id: int):
    access_department(request.user, department_id)
    return selectors.department_queryset().get(pk=department_id)


class DepartmentIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=80)
    code: str | None = Field(None, max_length=40)
    parent_id: int | None = None
    manager_id: int | None = None
    sort_order: int = Field(0, ge=-100000, le=100000)


@router.post("/departments", response={201: DepartmentOut, **WRITE_ERRORS}, summary="Create a department")
def department_create(request, payload: DepartmentIn):
    parent = access_department(request.user, payload.parent_id) if payload.parent_id else None
    manager = access_person(request.user, payload.manager_id) if payload.manager_id else None
    department = services.department_create(
        actor=request.user,
        name=payload.name,
        code=payload.code,
        parent=parent,
        manager=manager,
        sort_order=payload.sort_order,
    )
    return Status(201, selectors.department_queryset().get(pk=department.pk))


class DepartmentPatch(InputSchema):
    version: int = Field(..., ge=1)
    name: str | None = Field(None, min_length=1, max_length=80)
    code: str | None = Field(None, max_length=40)
    parent_id: int | None = None
    manager_id: int | None = None
    sort_order: int | None = Field(None, ge=-100000, le=100000)
    is_active: bool | None = None


@router.patch(
    "/departments/{department_id}",
    response={200: DepartmentOut, **WRITE_ERRORS},
    summary="Change or move a department",
)
def department_patch(request, department_id: int, payload: DepartmentPatch):
    department = access_department(request.user, department_id, write=True)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    if "parent_id" in data:
        parent_id = data.pop("parent_id")
        data["parent"] = access_department(request.user, parent_id) if parent_id else None
    if "manager_id" in data:
        manager_id = data.pop("manager_id")
        data["manager"] = access_person(request.user, manager_id) if manager_id else None
    if "name" in data and data["name"] is None:
        raise ApplicationError(_("Enter the department's name."), field="name")
    services.department_update(actor=request.user, department=department, version=version, **data)
    return selectors.department_queryset().get(pk=department_id)


@router.delete(
    "/departments/{department_id}", response={204: None, **WRITE_ERRORS}, summary="Delete an empty department"
)
def department_delete(request, department_id: int):
    department = access_department(request.user, department_id, write=True)
    services.department_delete(actor=request.user, department=department)
    return Status(204, None)


class PersonOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    department_id: int | None
    manager_id: int | None
    title: str
    phone: str
    role: str
    roles: list[str]
    is_active: bool
    version: int

    @staticmethod
    def resolve_username(obj):
        return obj.user.username

    @staticmethod
    def resolve_email(obj):
        return obj.user.email

    @staticmethod
    def resolve_roles(obj):
        roles = [obj.role]
        if getattr(obj, "managed_count", 0):
            roles.append("manager")
        return roles


class PersonPage(Schema):
    items: list[PersonOut]
    count: int
    page: int
    page_size: int


class PersonFilter(FilterSchema):
    department_id: int | None = Field(None, description="People in this department and its sub-departments")
    q: str | None = Field(None, max_length=80, description="Search name, username, title")
    role: Role | None = None
    is_active: bool | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


@router.get("/people", response={200: PersonPage, **LIST_ERRORS}, summary="List people")
def person_list(request, filters: Query[PersonFilter]):
    require_person(request.user)
    department = access_department(request.user, filters.department_id) if filters.department_id else None
    qs = selectors.person_directory(
        department=department, q=filters.q, role=filters.role, is_active=filters.is_active
    )
    return page_out(qs, filters.page, filters.page_size)


@router.get("/people/{person_id}", response={200: PersonOut, **READ_ERRORS}, summary="One person")
def person_detail(request, person_id: int):
    access_person(request.user, person_id)
    return selectors.person_directory(is_active=None).get(pk=person_id)


class PersonIn(InputSchema):
    username: str = Field(..., min_length=1, max_length=150)
    display_name: str = Field(..., min_length=1, max_length=60)
    department_id: int
    email: str = Field("", max_length=254)
    title: str = Field("", max_length=80)
    phone: str = Field("", max_length=30)
    manager_id: int | None = None
    role: Role = Role.MEMBER


@router.post("/people", response={201: PersonOut, **WRITE_ERRORS}, summary="Add a person")
def person_create(request, payload: PersonIn):
    department = access_department(request.user, payload.department_id)
    manager = access_person(request.user, payload.manager_id) if payload.manager_id else None
    person = services.person_create(
        actor=request.user,
        username=payload.username,
        display_name=payload.display_name,
        department=department,
        email=payload.email,
        title=payload.title,
        phone=payload.phone,
        manager=manager,
        role=payload.role,
    )
    return Status(201, selectors.person_directory(is_active=None).get(pk=person.pk))


class PersonPatch(InputSchema):
    version: int = Field(..., ge=1)
    username: str | None = Field(None, min_length=1, max_length=150)
    display_name: str | None = Field(None, min_length=1, max_length=60)
    department_id: int | None = None
    email: str | None = Field(None, max_length=254)
    title: str | None = Field(None, max_length=80)
    phone: str | None = Field(None, max_length=30)
    manager_id: int | None = None
    role: Role | None = None
    is_active: bool | None = None


@router.patch("/people/{person_id}", response={200: PersonOut, **WRITE_ERRORS}, summary="Change a person")
def person_patch(request, person_id: int, payload: PersonPatch):
    person = access_person(request.user, person_id, write=True)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    if "department_id" in data:
        department_id = data.pop("department_id")
        if department_id is None:
            raise ApplicationError(_("A person must belong to a department."), field="department_id")
        data["department"] = access_department(request.user, department_id)
    if "manager_id" in data:
        manager_id = data.pop("manager_id")
        data["manager"] = access_person(request.user, manager_id) if manager_id else None
    services.person_update(actor=request.user, person=person, version=version, **data)
    return selectors.person_directory(is_active=None).get(pk=person_id)
