"""API: appraisal setup (API.md: /positions, /appraisal-templates, /appraisal-templates/{id}/indicators,
/competencies; also /pay-bases and /committee-members). Everyone signed in reads positions, templates,
indicators, competencies and the committee; HR partners and admins write them (403 otherwise). Pay bases
are read and written by HR partners and admins only (403 for everyone else)."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from lodestar.appraisal.access import can_see_pay, require_runner
from lodestar.appraisal.models import CommitteeMember, Competency, Indicator, PayBase, Template
from lodestar.appraisal.schemas.setup import (
    AppraisalTemplateIn,
    AppraisalTemplateOut,
    AppraisalTemplatePage,
    AppraisalTemplatePatch,
    CommitteeMemberIn,
    CommitteeMemberOut,
    CompetencyFilter,
    CompetencyIn,
    CompetencyOut,
    CompetencyPage,
    CompetencyPatch,
    IndicatorIn,
    IndicatorOut,
    IndicatorPatch,
    IndicatorsReplaceIn,
    PageFilter,
    PayBaseFilter,
    PayBaseIn,
    PayBaseOut,
    PayBasePage,
    PositionIn,
    PositionOut,
    PositionPage,
    PositionPatch,
    TemplateCopyIn,
    TemplateFilter,
)
from lodestar.appraisal.services import setup as services
from lodestar.core.errors import ApplicationError, ErrorItem, NotFound, PermissionDeniedError
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, page_out
from lodestar.goals.models import Goal, GoalType, Measure
from lodestar.org.models import Person, Position
from lodestar.org.permissions import require_person

router = Router(tags=["appraisal"])

PositionId = Path(..., le=MAX_ID, description="The position's id")
TemplateId = Path(..., le=MAX_ID, description="The template's id")
IndicatorId = Path(..., le=MAX_ID, description="The indicator's id")
PersonId = Path(..., le=MAX_ID, description="The person's id")
CompetencyId = Path(..., le=MAX_ID, description="The competency's id")
MemberId = Path(..., le=MAX_ID, description="The committee seat's id")


def _required(data: dict, *keys: str) -> None:
    for key in keys:
        if key in data and data[key] is None:
            raise ApplicationError(_("This field cannot be empty."), field=key, code="required")


def _position(pk: int, field: str = "position_id") -> Position:
    position = Position.objects.filter(pk=pk).first()
    if position is None:
        raise NotFound(_("Position not found."), field=field)
    return position


def _templates():
    return Template.objects.annotate(
        weight_total=Sum("indicators__weight"), indicator_count=Count("indicators")
    )


def _template(pk: int) -> Template:
    template = _templates().filter(pk=pk).first()
    if template is None:
        raise NotFound(_("Template not found."), field="template_id")
    return template


def _indicator(template: Template, pk: int) -> Indicator:
    indicator = Indicator.objects.filter(pk=pk, template=template).first()
    if indicator is None:
        raise NotFound(_("Indicator not found."), field="indicator_id")
    indicator.template = template
    return indicator


def _bindings(data: dict) -> dict:
    """`goal_type_id`/`goal_id`/`measure_id` → the records (404 naming the field when missing)."""
    for key, model, message in (
        ("goal_type_id", GoalType, _("Goal type not found.")),
        ("goal_id", Goal, _("Goal not found.")),
        ("measure_id", Measure, _("Measure not found.")),
    ):
        if key in data:
            pk = data.pop(key)
            record = None
            if pk is not None:
                record = model.objects.filter(pk=pk).first()
                if record is None:
                    raise NotFound(message, field=key)
            data[key[:-3]] = record
    return data


def _person(pk: int, field: str = "person_id") -> Person:
    person = Person.objects.filter(pk=pk, is_active=True).first()
    if person is None:
        raise NotFound(_("Person not found."), field=field)
    return person


def _require_pay(user) -> None:
    require_person(user)
    if not can_see_pay(user):
        raise PermissionDeniedError(_("Only HR partners and admins see performance-pay bases."))


# --- positions ---


@router.get("/positions", response={200: PositionPage, **LIST_ERRORS}, summary="List positions (岗位)")
def position_list(request, filters: Query[PageFilter]):
    require_person(request.user)
    return page_out(Position.objects.order_by("sort_order", "name", "id"), filters.page, filters.page_size)


@router.post("/positions", response={201: PositionOut, **WRITE_ERRORS}, summary="Create a position")
def position_create(request, payload: PositionIn):
    require_person(request.user)
    return Status(201, services.position_create(actor=request.user, **payload.dict()))


@router.get("/positions/{position_id}", response={200: PositionOut, **READ_ERRORS}, summary="One position")
def position_detail(request, position_id: int = PositionId):
    require_person(request.user)
    return _position(position_id)


@router.patch(
    "/positions/{position_id}", response={200: PositionOut, **WRITE_ERRORS}, summary="Change a position"
)
def position_update(request, payload: PositionPatch, position_id: int = PositionId):
    require_person(request.user)
    require_runner(request.user)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    _required(data, "name", "sort_order")
    return services.position_update(
        actor=request.user, position=_position(position_id), version=version, **data
    )


@router.delete(
    "/positions/{position_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a position (409 while people, templates or appraisals use it)",
)
def position_delete(request, position_id: int = PositionId):
    require_person(request.user)
    require_runner(request.user)
    services.position_delete(actor=request.user, position=_position(position_id))
    return Status(204, None)


# --- templates ---


@router.get(
    "/appraisal-templates",
    response={200: AppraisalTemplatePage, **LIST_ERRORS},
    summary="List appraisal templates",
)
def template_list(request, filters: Query[TemplateFilter]):
    require_person(request.user)
    qs = _templates()
    for name in ("position_id", "market_stage", "is_active"):
        value = getattr(filters, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    return page_out(
        qs.order_by("position__sort_order", "position__name", "market_stage", "name", "id"),
        filters.page,
        filters.page_size,
    )


@router.post(
    "/appraisal-templates", response={201: AppraisalTemplateOut, **WRITE_ERRORS}, summary="Create a template"
)
def template_create(request, payload: AppraisalTemplateIn):
    require_person(request.user)
    require_runner(request.user)
    data = payload.dict()
    data["position"] = _position(data.pop("position_id"))
    template = services.template_create(actor=request.user, **data)
    return Status(201, _template(template.pk))


@router.get(
    "/appraisal-templates/{template_id}",
    response={200: AppraisalTemplateOut, **READ_ERRORS},
    summary="One template",
)
def template_detail(request, template_id: int = TemplateId):
    require_person(request.user)
    return _template(template_id)


@router.patch(
    "/appraisal-templates/{template_id}",
    response={200: AppraisalTemplateOut, **WRITE_ERRORS},
    summary="Change a template",
)
def template_update(request, payload: AppraisalTemplatePatch, template_id: int = TemplateId):
    require_person(request.user)
    require_runner(request.user)
    template = _template(template_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    _required(data, "name", "position_id", "market_stage", "is_active")
    if "position_id" in data:
        data["position"] = _position(data.pop("position_id"))
    services.template_update(actor=request.user, template=template, version=version, **data)
    return _template(template.pk)


@router.post(
    "/appraisal-templates/{template_id}/copy",
    response={201: AppraisalTemplateOut, **WRITE_ERRORS},
    summary="Copy as a market-stage variant (新市场 / 成熟市场), with its indicators",
)
def template_copy(request, payload: TemplateCopyIn, template_id: int = TemplateId):
    require_person(request.user)
    require_runner(request.user)
    copy = services.template_copy(
        actor=request.user,
        template=_template(template_id),
        market_stage=payload.market_stage,
        name=payload.name,
    )
    return Status(201, _template(copy.pk))


@router.delete(
    "/appraisal-templates/{template_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a template (409 while appraisals or cycles use it)",
)
def template_delete(request, template_id: int = TemplateId):
    require_person(request.user)
    require_runner(request.user)
    services.template_delete(actor=request.user, template=_template(template_id))
    return Status(204, None)


# --- indicators ---


@router.get(
    "/appraisal-templates/{template_id}/indicators",
    response={200: list[IndicatorOut], **READ_ERRORS},
    summary="A template's indicators",
)
def indicator_list(request, template_id: int = TemplateId):
    require_person(request.user)
    return list(_template(template_id).indicators.order_by("sort_order", "id"))


@router.post(
    "/appraisal-templates/{template_id}/indicators",
    response={201: IndicatorOut, **WRITE_ERRORS},
    summary="Add an indicator (the weights may not total more than 100%)",
)
def indicator_create(request, payload: IndicatorIn, template_id: int = TemplateId):
    require_person(request.user)
    require_runner(request.user)
    template = _template(template_id)
    data = _bindings(payload.dict(exclude_unset=True))
    steps = data.pop("steps", None)
    indicator = services.indicator_create(
        actor=request.user,
        template=template,
        steps=[list(step) for step in steps] if steps else None,
        **data,
    )
    return Status(201, indicator)


@router.put(
    "/appraisal-templates/{template_id}/indicators",
    response={200: list[IndicatorOut], **WRITE_ERRORS},
    summary="Set all indicators at once (weights sum to 100%; rows with an id keep that indicator)",
)
def indicator_replace(request, payload: IndicatorsReplaceIn, template_id: int = TemplateId):
    require_person(request.user)
    require_runner(request.user)
    template = _template(template_id)
    rows = []
    for index, row in enumerate(payload.indicators):
        data = row.dict(exclude_unset=True)
        try:
            rows.append(_bindings(data))
        except NotFound as exc:
            item = ErrorItem(code=exc.code, message=exc.message, field=exc.field, row=index)
            raise NotFound(exc.message, field=exc.field, errors=[item]) from exc
    return services.indicators_replace(
        actor=request.user, template=template, rows=rows, version=payload.version
    )


@router.patch(
    "/appraisal-templates/{template_id}/indicators/{indicator_id}",
    response={200: IndicatorOut, **WRITE_ERRORS},
    summary="Change an indicator",
)
def indicator_update(
    request, payload: IndicatorPatch, template_id: int = TemplateId, indicator_id: int = IndicatorId
):
    require_person(request.user)
    require_runner(request.user)
    indicator = _indicator(_template(template_id), indicator_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    _required(data, "name", "kind", "weight", "rule", "steps", "rubric", "sort_order")
    data = _bindings(data)
    return services.indicator_update(actor=request.user, indicator=indicator, version=version, **data)


@router.delete(
    "/appraisal-templates/{template_id}/indicators/{indicator_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete an indicator (409 once rated)",
)
def indicator_delete(request, template_id: int = TemplateId, indicator_id: int = IndicatorId):
    require_person(request.user)
    require_runner(request.user)
    services.indicator_delete(actor=request.user, indicator=_indicator(_template(template_id), indicator_id))
    return Status(204, None)


# --- performance-pay bases: HR partners and admins only ---


@router.get(
    "/pay-bases", response={200: PayBasePage, **LIST_ERRORS}, summary="Performance-pay bases (HR and admins)"
)
def pay_base_list(request, filters: Query[PayBaseFilter]):
    _require_pay(request.user)
    qs = PayBase.objects.select_related("person")
    if filters.person_id is not None:
        qs = qs.filter(person_id=filters.person_id)
    if filters.department_id is not None:
        qs = qs.filter(person__department_id=filters.department_id)
    return page_out(qs.order_by("person__display_name", "person_id"), filters.page, filters.page_size)


@router.put(
    "/pay-bases/{person_id}",
    response={200: PayBaseOut, **WRITE_ERRORS},
    summary="Set a person's performance-pay base (HR and admins)",
)
def pay_base_set(request, payload: PayBaseIn, person_id: int = PersonId):
    _require_pay(request.user)
    require_runner(request.user)
    base = services.pay_base_set(
        actor=request.user, person=_person(person_id), amount=payload.amount, version=payload.version
    )
    return PayBase.objects.select_related("person").get(pk=base.pk)


@router.delete(
    "/pay-bases/{person_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Clear a person's performance-pay base (HR and admins)",
)
def pay_base_clear(request, person_id: int = PersonId):
    _require_pay(request.user)
    require_runner(request.user)
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("Person not found."), field="person_id")
    services.pay_base_clear(actor=request.user, person=person)
    return Status(204, None)


# --- competencies ---


@router.get("/competencies", response={200: CompetencyPage, **LIST_ERRORS}, summary="List competencies")
def competency_list(request, filters: Query[CompetencyFilter]):
    require_person(request.user)
    qs = Competency.objects.all()
    if filters.group is not None:
        qs = qs.filter(group=filters.group)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    return page_out(qs.order_by("group", "sort_order", "id"), filters.page, filters.page_size)


@router.post("/competencies", response={201: CompetencyOut, **WRITE_ERRORS}, summary="Add a competency")
def competency_create(request, payload: CompetencyIn):
    require_person(request.user)
    return Status(201, services.competency_create(actor=request.user, **payload.dict()))


@router.patch(
    "/competencies/{competency_id}",
    response={200: CompetencyOut, **WRITE_ERRORS},
    summary="Change or deactivate a competency",
)
def competency_update(request, payload: CompetencyPatch, competency_id: int = CompetencyId):
    require_person(request.user)
    require_runner(request.user)
    competency = Competency.objects.filter(pk=competency_id).first()
    if competency is None:
        raise NotFound(_("Competency not found."), field="competency_id")
    data = payload.dict(exclude_unset=True)
    _required(data, "name", "group", "sort_order", "is_active")
    return services.competency_update(actor=request.user, competency=competency, **data)


# --- appeals committee ---


@router.get(
    "/committee-members",
    response={200: list[CommitteeMemberOut], **LIST_ERRORS},
    summary="The appeals committee (marketing, HR, finance)",
)
def committee_list(request):
    require_person(request.user)
    return list(CommitteeMember.objects.select_related("person").order_by("area", "id"))


@router.post(
    "/committee-members", response={201: CommitteeMemberOut, **WRITE_ERRORS}, summary="Add a committee member"
)
def committee_add(request, payload: CommitteeMemberIn):
    require_person(request.user)
    require_runner(request.user)
    member = services.committee_member_add(
        actor=request.user, person=_person(payload.person_id), area=payload.area
    )
    return Status(201, CommitteeMember.objects.select_related("person").get(pk=member.pk))


@router.delete(
    "/committee-members/{member_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove a committee member",
)
def committee_remove(request, member_id: int = MemberId):
    require_person(request.user)
    require_runner(request.user)
    member = CommitteeMember.objects.filter(pk=member_id).first()
    if member is None:
        raise NotFound(_("Committee member not found."), field="member_id")
    services.committee_member_remove(actor=request.user, member=member)
    return Status(204, None)
