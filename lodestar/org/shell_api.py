"""API: the caller (/me), fiscal periods, and token exchange (/auth/token).

The operations keep the `core` tag of the API document they were published under."""

from __future__ import annotations

import datetime as dt

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from lodestar.core.errors import ApplicationError
from lodestar.core.models import Period, PeriodKind
from lodestar.core.schemas import (
    LIST_ERRORS,
    MAX_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    FilterSchema,
    InputSchema,
    page_out,
)
from lodestar.org import periods_services as services
from lodestar.org.permissions import access_period, is_manager, require_person, roles_of
from lodestar.org.services import api_token_create

router = Router(tags=["core"])


class MeOut(Schema):
    id: int | None
    username: str
    display_name: str
    department_id: int | None
    title: str
    roles: list[str]
    language: str


@router.get("/me", response={200: MeOut, **READ_ERRORS}, summary="The caller")
def me(request):
    person = require_person(request.user)
    if person is None:  # a superuser without a person record
        return {
            "id": None,
            "username": request.user.username,
            "display_name": request.user.username,
            "department_id": None,
            "title": "",
            "roles": ["admin"],
            "language": request.LANGUAGE_CODE,
        }
    return {
        "id": person.pk,
        "username": request.user.username,
        "display_name": person.display_name,
        "department_id": person.department_id,
        "title": person.title,
        "roles": roles_of(person, is_manager=is_manager(request.user)),
        "language": request.LANGUAGE_CODE,
    }


class TokenIn(InputSchema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=256)
    name: str = Field("API", max_length=60)
    scope: str = Field("read_write", pattern="^(read|read_write)$")


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime
    scope: str


@router.post(
    "/auth/token",
    auth=None,
    response={
        201: TokenOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    summary="Exchange a username and password for an API token",
)
def token_create(request, payload: TokenIn):
    credentials = {"username": payload.username}
    if AxesProxyHandler.is_locked(request, credentials):
        _locked(request)
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        if AxesProxyHandler.is_locked(request, credentials):
            _locked(request)
        raise _Unauthorized(_("The username or password is wrong."), code="invalid_credentials")
    token, secret = api_token_create(actor=user, name=payload.name, scope=payload.scope)
    return Status(201, {"token": secret, "expires_at": token.expires_at, "scope": token.scope})


class _Unauthorized(ApplicationError):
    status = 401
    code = "not_authenticated"


class _LockedOut(ApplicationError):
    status = 429
    code = "locked_out"


def _locked(request):
    # The failure that locks the account flags the request, and AxesMiddleware would then swap this
    # JSON 429 for its HTML lockout page, which API clients cannot read.
    request.axes_locked_out = False
    raise _LockedOut(_("Too many failed sign-ins. Try again later."))


class PeriodOut(Schema):
    id: int
    kind: str
    key: str
    name: str
    label: str = Field(..., description="The name in the request's language (FY2026 Q4 / 2026财年Q4)")
    start: dt.date
    end: dt.date
    parent_id: int | None
    fiscal_year: int | None
    is_closed: bool
    version: int

    @staticmethod
    def resolve_label(obj):
        return obj.label


class PeriodPage(Schema):
    items: list[PeriodOut]
    count: int
    page: int
    page_size: int


class PeriodFilter(FilterSchema):
    kind: PeriodKind | None = None
    fiscal_year: int | None = Field(None, ge=1900, le=2200)
    parent_id: int | None = Field(None, ge=1, le=MAX_ID)
    is_closed: bool | None = None
    contains: dt.date | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


@router.get("/periods", response={200: PeriodPage, **LIST_ERRORS}, summary="List fiscal periods")
def period_list(request, filters: Query[PeriodFilter]):
    require_person(request.user)
    qs = Period.objects.all().order_by("start", "-end", "id")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.fiscal_year is not None:
        qs = qs.filter(fiscal_year=filters.fiscal_year)
    if filters.parent_id is not None:
        qs = qs.filter(parent_id=filters.parent_id)
    if filters.is_closed is not None:
        qs = qs.filter(is_closed=filters.is_closed)
    if filters.contains:
        qs = qs.filter(start__lte=filters.contains, end__gte=filters.contains)
    return page_out(qs, filters.page, filters.page_size)


@router.get("/periods/{period_id}", response={200: PeriodOut, **READ_ERRORS}, summary="One period")
def period_detail(request, period_id: int):
    return access_period(request.user, period_id)


class PeriodCreateIn(InputSchema):
    kind: str = Field(
        "custom",
        pattern="^(custom|year)$",
        description="`year` generates a whole fiscal year "
        "with its quarters, months and ISO weeks; `custom` creates one range.",
    )
    name: str = Field("", max_length=80)
    start: dt.date | None = None
    end: dt.date | None = None
    parent_id: int | None = None
    fiscal_year: int | None = Field(None, ge=1990, le=2100)


@router.post(
    "/periods", response={201: PeriodOut, **WRITE_ERRORS}, summary="Create a custom period or a fiscal year"
)
def period_create(request, payload: PeriodCreateIn):
    if payload.kind == "year":
        if payload.fiscal_year is None:
            raise ApplicationError(_("Give the fiscal year to generate."), field="fiscal_year")
        return Status(201, services.period_generate_fiscal_year(actor=request.user, year=payload.fiscal_year))
    if payload.start is None or payload.end is None:
        raise ApplicationError(
            _("A custom period needs a start and an end date."),
            field="start" if payload.start is None else "end",
        )
    parent = access_period(request.user, payload.parent_id) if payload.parent_id else None
    return Status(
        201,
        services.period_create_custom(
            actor=request.user, name=payload.name, start=payload.start, end=payload.end, parent=parent
        ),
    )


class PeriodPatchIn(InputSchema):
    version: int = Field(..., ge=1)
    name: str | None = Field(None, max_length=80)
    start: dt.date | None = None
    end: dt.date | None = None
    is_closed: bool | None = None


@router.patch(
    "/periods/{period_id}", response={200: PeriodOut, **WRITE_ERRORS}, summary="Rename, close or reopen"
)
def period_patch(request, period_id: int, payload: PeriodPatchIn):
    period = access_period(request.user, period_id, write=True)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    if "name" in changes and changes["name"] is None:
        changes["name"] = ""  # an explicit null is no name: refused as such, not ignored
    return services.period_update(actor=request.user, period=period, version=version, **changes)
