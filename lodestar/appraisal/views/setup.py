"""Pages of appraisal setup: positions, templates grouped by position, one template's indicators edited all at
once (a formset: floor and cap typed as percents, stored as fractions), market-stage copies, performance-pay
bases (HR partners and admins only), competencies and the appeals committee. Everyone signed in reads
positions, templates and competencies; only HR partners and admins see the controls that change them."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Sum
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from lodestar.appraisal.access import can_run_appraisal, can_see_pay, require_runner
from lodestar.appraisal.models import (
    CommitteeArea,
    CommitteeMember,
    Competency,
    CompetencyGroup,
    Indicator,
    IndicatorKind,
    MarketStage,
    ScoringRule,
    Template,
)
from lodestar.appraisal.services import setup as services
from lodestar.appraisal.views._gate import appraisal_page
from lodestar.core.errors import ApplicationError, NotFound, PermissionDeniedError
from lodestar.core.forms import VersionField
from lodestar.core.http import add_error_to_form, int_param, service_errors
from lodestar.goals.models import Goal, GoalType, Measure
from lodestar.org.models import Department, Person, Position
from lodestar.org.permissions import require_person

HUNDRED = Decimal(100)
DEFAULT_CAP_PCT = Decimal(120)  # DOMAIN.md: a linear indicator's default cap, 120%


def _tabs(request, active: str) -> dict:
    return {"setup_tab": active}


# --- positions -------------------------------------------------------------------------------------


class PositionForm(forms.Form):
    version = VersionField()
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)
    code = forms.SlugField(label=pgettext_lazy("appraisal", "Code"), max_length=40, required=False)
    sort_order = forms.IntegerField(
        label=gettext_lazy("Sort order"), initial=0, required=False, min_value=-100000, max_value=100000
    )


def _position_of(position_id: int) -> Position:
    position = Position.objects.filter(pk=position_id).first()
    if position is None:
        raise NotFound(_("Position not found."))
    return position


@appraisal_page
def position_list(request):
    require_person(request.user)
    form = PositionForm(request.POST or None)
    if request.method == "POST":
        require_runner(request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("version")
            with service_errors(form):
                services.position_create(actor=request.user, **data)
                messages.success(request, _("The position was added."))
                return redirect("appraisal:setup_positions")
    positions = Position.objects.annotate(
        people_count=Count("people", distinct=True),
        template_count=Count("appraisal_templates", distinct=True),
    ).order_by("sort_order", "name", "id")
    return render(
        request,
        "appraisal/setup/positions.html",
        {"positions": positions, "form": form, **_tabs(request, "positions")},
    )


@appraisal_page
def position_edit(request, position_id: int):
    require_person(request.user)
    require_runner(request.user)
    position = _position_of(position_id)
    initial = {
        "version": position.version,
        "name": position.name,
        "code": position.code or "",
        "sort_order": position.sort_order,
    }
    form = PositionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        with service_errors(form):
            services.position_update(actor=request.user, position=position, version=version, **data)
            messages.success(request, _("The position was saved."))
            return redirect("appraisal:setup_positions")
    return render(
        request,
        "appraisal/setup/position_form.html",
        {"position": position, "form": form, **_tabs(request, "positions")},
    )


@require_POST
@appraisal_page
def position_delete(request, position_id: int):
    require_runner(request.user)
    position = _position_of(position_id)
    with service_errors(request):
        services.position_delete(actor=request.user, position=position)
        messages.success(request, _("The position was deleted."))
        return redirect("appraisal:setup_positions")
    return redirect("appraisal:setup_position", position.pk)


# --- templates -------------------------------------------------------------------------------------


class TemplateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    position = forms.ModelChoiceField(label=gettext_lazy("Position"), queryset=Position.objects.none())
    market_stage = forms.ChoiceField(
        label=gettext_lazy("Market stage"), choices=MarketStage.choices, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].queryset = Position.objects.order_by("sort_order", "name")


class TemplateEditForm(forms.Form):
    version = VersionField()
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    market_stage = forms.ChoiceField(
        label=gettext_lazy("Market stage"), choices=MarketStage.choices, required=False
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False)


def _annotated_templates():
    return Template.objects.annotate(
        weight_total=Sum("indicators__weight"), indicator_count=Count("indicators")
    ).order_by("market_stage", "name", "id")


def _template_of(template_id: int) -> Template:
    template = _annotated_templates().select_related("position", "copied_from").filter(pk=template_id).first()
    if template is None:
        raise NotFound(_("Template not found."))
    return template


@appraisal_page
def template_list(request):
    """Templates grouped by position, each with its total weight and whether it is complete (100%)."""
    require_person(request.user)
    form = TemplateForm(request.POST or None, initial={"position": int_param(request.GET.get("position"))})
    if request.method == "POST":
        require_runner(request.user)
        if form.is_valid():
            with service_errors(form):
                template = services.template_create(actor=request.user, **form.cleaned_data)
                messages.success(request, _("The template was created: add its indicators."))
                return redirect("appraisal:setup_template", template.pk)
    positions = Position.objects.order_by("sort_order", "name", "id").prefetch_related(
        Prefetch("appraisal_templates", queryset=_annotated_templates(), to_attr="templates")
    )
    groups = []
    for position in positions:
        for template in position.templates:
            template.total = template.weight_total or Decimal(0)
            template.is_complete = template.total == HUNDRED
        groups.append(position)
    return render(
        request,
        "appraisal/setup/templates.html",
        {"groups": groups, "form": form, **_tabs(request, "templates")},
    )


STEP_SPLIT = re.compile(r"[;；,，\n]+")


def parse_steps(text: str) -> list[list[Decimal]]:
    """ "60:60; 80:80; 100:100" (achievement % : score) → [[0.6, 60], [0.8, 80], [1, 100]]."""
    steps = []
    for part in STEP_SPLIT.split(text or ""):
        part = part.strip()
        if not part:
            continue
        pieces = re.split(r"\s*[:：=]\s*", part.replace("%", ""))
        if len(pieces) != 2:
            raise forms.ValidationError(_("Write each step as achievement % : score, e.g. 80:80."))
        try:
            threshold, score = (Decimal(p) for p in pieces)
        except InvalidOperation:
            raise forms.ValidationError(_("Write each step as achievement % : score, e.g. 80:80.")) from None
        if not threshold.is_finite() or not score.is_finite():
            raise forms.ValidationError(_("Write each step as achievement % : score, e.g. 80:80."))
        steps.append([threshold / HUNDRED, score])
    return steps


def steps_text(steps) -> str:
    return "; ".join(f"{_pct(Decimal(t))}:{Decimal(s).normalize():f}" for t, s in steps or [])


def _plain(value: Decimal) -> str:
    """40.00 → "40", 12.50 → "12.5": a number as people type it."""
    value = value.normalize()
    return f"{value.quantize(Decimal(1)) if value == value.to_integral_value() else value:f}"


def _pct(fraction: Decimal | None) -> str:
    """A stored fraction as the percent people type: 0.6 → "60", 1.2 → "120"."""
    return "" if fraction is None else _plain(fraction * HUNDRED)


class IndicatorRowForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**63 - 1)
    version = VersionField()
    name = forms.CharField(label=gettext_lazy("Indicator"), max_length=60)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=IndicatorKind.choices)
    weight = forms.DecimalField(label=gettext_lazy("Weight (%)"), max_digits=6, decimal_places=2)
    goal_type = forms.ModelChoiceField(
        label=gettext_lazy("Goal type"), queryset=GoalType.objects.none(), required=False
    )
    goal_id = forms.IntegerField(
        label=gettext_lazy("Goal id"), required=False, min_value=1, max_value=2**63 - 1
    )
    measure_id = forms.IntegerField(
        label=gettext_lazy("Metric id"), required=False, min_value=1, max_value=2**63 - 1
    )
    rule = forms.ChoiceField(label=gettext_lazy("Scoring rule"), choices=ScoringRule.choices, required=False)
    floor_pct = forms.DecimalField(
        label=gettext_lazy("Floor (%)"), required=False, max_digits=8, decimal_places=2
    )
    cap_pct = forms.DecimalField(
        label=gettext_lazy("Cap (%)"), required=False, max_digits=8, decimal_places=2
    )
    steps = forms.CharField(
        label=gettext_lazy("Step table"),
        required=False,
        max_length=400,
        help_text=gettext_lazy("Achievement % : score, e.g. 60:60; 80:80; 100:100"),
    )
    rubric_1 = forms.CharField(label="1", required=False, max_length=500)
    rubric_2 = forms.CharField(label="2", required=False, max_length=500)
    rubric_3 = forms.CharField(label="3", required=False, max_length=500)
    rubric_4 = forms.CharField(label="4", required=False, max_length=500)
    rubric_5 = forms.CharField(label="5", required=False, max_length=500)

    def __init__(self, *args, goal_types=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal_type"].queryset = goal_types if goal_types is not None else GoalType.objects.all()
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("aria-label", str(field.label))
        self.fields["weight"].widget.attrs["data-weight"] = "1"
        self.fields["goal_id"].widget.attrs["placeholder"] = _("goal id")
        self.fields["measure_id"].widget.attrs["placeholder"] = _("metric id")
        self.fields["goal_type"].empty_label = _("— goal type —")

    def clean_steps(self):
        return parse_steps(self.cleaned_data.get("steps", ""))


IndicatorFormSet = forms.formset_factory(
    IndicatorRowForm, extra=2, can_delete=True, max_num=50, absolute_max=60
)
# Field names of the service's errors → the row form's fields.
ROW_FIELDS = {
    "goal_type_id": "goal_type",
    "goal": "goal_id",
    "measure": "measure_id",
    "floor": "floor_pct",
    "cap": "cap_pct",
    "rubric": "rubric_1",
}


def _row_initial(indicator: Indicator) -> dict:
    initial = {
        "id": indicator.pk,
        "version": indicator.version,
        "name": indicator.name,
        "kind": indicator.kind,
        "weight": Decimal(_plain(indicator.weight)),
        "goal_type": indicator.goal_type_id,
        "goal_id": indicator.goal_id,
        "measure_id": indicator.measure_id,
        "rule": indicator.rule,
        "floor_pct": _pct(indicator.floor) or None,
        "cap_pct": _pct(indicator.cap) or None,
        "steps": steps_text(indicator.steps),
    }
    for key in services.RUBRIC_KEYS:
        initial[f"rubric_{key}"] = (indicator.rubric or {}).get(key, "")
    return initial


def _formset(template: Template, data=None) -> forms.BaseFormSet:
    goal_types = GoalType.objects.filter(is_active=True).order_by("sort_order", "id")
    initial = [_row_initial(i) for i in template.indicators.order_by("sort_order", "id")]
    formset = IndicatorFormSet(
        data,
        initial=initial,
        prefix="ind",
        form_kwargs={"goal_types": goal_types},
    )
    # New rows start quantitative and linear with the default cap of 120% (DOMAIN.md).
    for form in formset.forms[len(initial) :]:
        form.initial = {
            "kind": IndicatorKind.QUANTITATIVE,
            "rule": ScoringRule.LINEAR,
            "cap_pct": DEFAULT_CAP_PCT,
        }
    return formset


def _row_of(form: IndicatorRowForm) -> dict:
    """One form's values as the service's row, keeping only what its kind and rule use."""
    data = form.cleaned_data
    kind, rule = data["kind"], data.get("rule") or ScoringRule.LINEAR
    row: dict = {"name": data["name"], "kind": kind, "weight": data["weight"], "rule": rule}
    if data.get("id"):
        row["id"] = data["id"]
        if data.get("version"):
            row["version"] = data["version"]
    if kind == IndicatorKind.QUANTITATIVE:
        row["goal_type"] = data.get("goal_type")
        row["goal"] = _lookup(form, Goal, "goal_id", _("Goal not found."))
        row["measure"] = _lookup(form, Measure, "measure_id", _("Measure not found."))
        if rule == ScoringRule.STEPS:
            row["steps"] = data.get("steps") or []
        else:
            for field, key in (("floor_pct", "floor"), ("cap_pct", "cap")):
                value = data.get(field)
                row[key] = value / HUNDRED if value is not None else None
    else:
        row["rubric"] = {key: data.get(f"rubric_{key}", "") for key in services.RUBRIC_KEYS}
    return row


def _lookup(form, model, field: str, message: str):
    pk = form.cleaned_data.get(field)
    if not pk:
        return None
    record = model.objects.filter(pk=pk).first()
    if record is None:
        form.add_error(field, message)
    return record


def _template_context(request, template: Template, **extra) -> dict:
    indicators = list(
        template.indicators.select_related("goal_type", "goal", "measure").order_by("sort_order", "id")
    )
    for indicator in indicators:
        indicator.floor_pct = _pct(indicator.floor)
        indicator.cap_pct = _pct(indicator.cap)
        indicator.steps_text = steps_text(indicator.steps)
    total = template.weight_total or Decimal(0)
    runner = can_run_appraisal(request.user)
    # Read-only while a started, unpublished cycle scores people on it (services.setup.cycles_using).
    locked_by = list(services.cycles_using(template)) if runner else []
    context = {
        "template": template,
        "indicators": indicators,
        "total": total,
        "is_complete": total == HUNDRED,
        "locked_by": locked_by,
        "formset": _formset(template) if runner and not locked_by else None,
        "edit_form": TemplateEditForm(
            initial={
                "version": template.version,
                "name": template.name,
                "market_stage": template.market_stage,
                "is_active": template.is_active,
            }
        )
        if runner
        else None,
        "page_errors": [],
        "stages": [(MarketStage.NEW, MarketStage.NEW.label), (MarketStage.MATURE, MarketStage.MATURE.label)],
        **_tabs(request, "templates"),
    }
    context.update(extra)
    if locked_by:
        context["formset"] = None  # a posted formset comes back read-only too, the banner saying why
    return context


@appraisal_page
def template_detail(request, template_id: int):
    """GET: the template and its indicators; POST (HR, admins): save all indicators at once."""
    require_person(request.user)
    template = _template_of(template_id)
    if request.method != "POST":
        return render(request, "appraisal/setup/template.html", _template_context(request, template))
    require_runner(request.user)
    formset = _formset(template, request.POST)
    page_errors: list[str] = []
    posted_total = Decimal(0)
    if formset.is_valid():
        rows, row_forms = [], []
        for form in formset.forms:
            if form in formset.deleted_forms or (not form.has_changed() and not form.cleaned_data.get("id")):
                continue
            if not form.cleaned_data:
                continue
            rows.append(_row_of(form))
            row_forms.append(form)
            posted_total += form.cleaned_data["weight"]
        if not any(form.errors for form in row_forms):
            try:
                services.indicators_replace(
                    actor=request.user,
                    template=template,
                    rows=rows,
                    version=int_param(request.POST.get("version")),
                )
            except ApplicationError as exc:
                if exc.status == 403:
                    raise
                if exc.code == "template_in_use":
                    # The page shows why it is read-only now, and offers the copy instead.
                    messages.error(request, exc.message)
                    return redirect("appraisal:setup_template", template.pk)
                if exc.errors:
                    for item in exc.errors:
                        form = (
                            row_forms[item.row]
                            if item.row is not None and item.row < len(row_forms)
                            else None
                        )
                        field = ROW_FIELDS.get(item.field or "", item.field)
                        if (
                            form is not None
                            and field in form.fields
                            and not form.fields[field].widget.is_hidden
                        ):
                            form.add_error(field, item.message)
                        else:
                            page_errors.append(item.message)
                else:
                    page_errors.append(exc.message)
            else:
                messages.success(request, _("The indicators were saved."))
                return redirect("appraisal:setup_template", template.pk)
    else:
        page_errors.extend(str(e) for e in formset.non_form_errors())
    return render(
        request,
        "appraisal/setup/template.html",
        _template_context(
            request, template, formset=formset, page_errors=page_errors, posted_total=posted_total
        ),
    )


@require_POST
@appraisal_page
def template_edit(request, template_id: int):
    require_runner(request.user)
    template = _template_of(template_id)
    form = TemplateEditForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.template_update(actor=request.user, template=template, version=version, **data)
        except ApplicationError as exc:
            add_error_to_form(form, exc)
        else:
            messages.success(request, _("The template was saved."))
            return redirect("appraisal:setup_template", template.pk)
    return render(
        request, "appraisal/setup/template.html", _template_context(request, template, edit_form=form)
    )


@require_POST
@appraisal_page
def template_copy(request, template_id: int):
    require_runner(request.user)
    template = _template_of(template_id)
    with service_errors(request):
        copy = services.template_copy(
            actor=request.user, template=template, market_stage=request.POST.get("market_stage", "")
        )
        messages.success(request, _("The variant was created with the same indicators: adjust them here."))
        return redirect("appraisal:setup_template", copy.pk)
    return redirect("appraisal:setup_template", template.pk)


@require_POST
@appraisal_page
def template_delete(request, template_id: int):
    require_runner(request.user)
    template = _template_of(template_id)
    with service_errors(request):
        services.template_delete(actor=request.user, template=template)
        messages.success(request, _("The template was deleted."))
        return redirect("appraisal:setup_templates")
    return redirect("appraisal:setup_template", template.pk)


# --- performance-pay bases (HR partners and admins only) -------------------------------------------


def _require_pay(user) -> None:
    require_person(user)
    if not can_see_pay(user):
        raise PermissionDeniedError(_("Only HR partners and admins see performance-pay bases."))


@appraisal_page
def pay_base_list(request):
    _require_pay(request.user)
    people = Person.objects.filter(is_active=True).select_related("department", "pay_base", "position")
    department_id = int_param(request.GET.get("department"))
    if department_id:
        people = people.filter(department_id=department_id)
    page = Paginator(people.order_by("department__path", "display_name", "id"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "appraisal/setup/pay_bases.html",
        {
            "page": page,
            "departments": Department.objects.filter(is_active=True).order_by("path"),
            "department_id": department_id,
            **_tabs(request, "pay"),
        },
    )


@require_POST
@appraisal_page
def pay_base_set(request, person_id: int):
    _require_pay(request.user)
    require_runner(request.user)
    person = Person.objects.filter(pk=person_id, is_active=True).first()
    if person is None:
        raise NotFound(_("Person not found."))
    amount = (request.POST.get("amount") or "").strip().replace(",", "")
    with service_errors(request):
        if amount:
            services.pay_base_set(
                actor=request.user,
                person=person,
                amount=amount,
                version=int_param(request.POST.get("version")),
            )
        else:
            services.pay_base_clear(actor=request.user, person=person)
        messages.success(
            request, _("Saved the performance-pay base of %(name)s.") % {"name": person.display_name}
        )
    back = reverse("appraisal:setup_pay_bases")
    query = request.POST.get("back_query", "")
    return redirect(f"{back}?{query}" if re.fullmatch(r"[\w=&%-]*", query) and query else back)


# --- competencies -----------------------------------------------------------------------------------


class CompetencyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=40)
    group = forms.ChoiceField(label=gettext_lazy("Group"), choices=CompetencyGroup.choices)
    sort_order = forms.IntegerField(
        label=gettext_lazy("Sort order"), initial=0, required=False, min_value=-100000, max_value=100000
    )


class CompetencyEditForm(CompetencyForm):
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False)


@appraisal_page
def competency_list(request):
    require_person(request.user)
    form = CompetencyForm(request.POST or None)
    if request.method == "POST":
        require_runner(request.user)
        if form.is_valid():
            with service_errors(form):
                services.competency_create(actor=request.user, **form.cleaned_data)
                messages.success(request, _("The competency was added."))
                return redirect("appraisal:setup_competencies")
    competencies = Competency.objects.order_by("group", "sort_order", "id")
    return render(
        request,
        "appraisal/setup/competencies.html",
        {
            "competencies": competencies,
            "form": form,
            "groups": CompetencyGroup.choices,
            **_tabs(request, "competencies"),
        },
    )


@require_POST
@appraisal_page
def competency_edit(request, competency_id: int):
    require_runner(request.user)
    competency = Competency.objects.filter(pk=competency_id).first()
    if competency is None:
        raise NotFound(_("Competency not found."))
    form = CompetencyEditForm(request.POST)
    if form.is_valid():
        with service_errors(request):
            services.competency_update(actor=request.user, competency=competency, **form.cleaned_data)
            messages.success(request, _("The competency was saved."))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("appraisal:setup_competencies")


# --- appeals committee ------------------------------------------------------------------------------


class CommitteeForm(forms.Form):
    person = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=Person.objects.none())
    area = forms.ChoiceField(label=gettext_lazy("Area"), choices=CommitteeArea.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(
            is_active=True, committee_seat__isnull=True
        ).order_by("display_name")
        self.fields["person"].label_from_instance = lambda p: p.display_name


@appraisal_page
def committee(request):
    require_person(request.user)
    form = CommitteeForm(request.POST or None) if can_run_appraisal(request.user) else None
    if request.method == "POST":
        require_runner(request.user)
        if form.is_valid():
            with service_errors(form):
                services.committee_member_add(actor=request.user, **form.cleaned_data)
                messages.success(request, _("The committee member was added."))
                return redirect("appraisal:setup_committee")
    members = CommitteeMember.objects.select_related("person__department").order_by("area", "id")
    return render(
        request,
        "appraisal/setup/committee.html",
        {"members": members, "form": form, **_tabs(request, "committee")},
    )


@require_POST
@appraisal_page
def committee_remove(request, member_id: int):
    require_runner(request.user)
    member = CommitteeMember.objects.filter(pk=member_id).select_related("person").first()
    if member is None:
        raise NotFound(_("Committee member not found."))
    with service_errors(request):
        services.committee_member_remove(actor=request.user, member=member)
        messages.success(request, _("%(name)s left the committee.") % {"name": member.person.display_name})
    return redirect("appraisal:setup_committee")


urlpatterns = [
    path("setup/positions/", position_list, name="setup_positions"),
    path("setup/positions/<int:position_id>/", position_edit, name="setup_position"),
    path("setup/positions/<int:position_id>/delete/", position_delete, name="setup_position_delete"),
    path("setup/templates/", template_list, name="setup_templates"),
    path("setup/templates/<int:template_id>/", template_detail, name="setup_template"),
    path("setup/templates/<int:template_id>/edit/", template_edit, name="setup_template_edit"),
    path("setup/templates/<int:template_id>/copy/", template_copy, name="setup_template_copy"),
    path("setup/templates/<int:template_id>/delete/", template_delete, name="setup_template_delete"),
    path("setup/pay-bases/", pay_base_list, name="setup_pay_bases"),
    path("setup/pay-bases/<int:person_id>/", pay_base_set, name="setup_pay_base_set"),
    path("setup/competencies/", competency_list, name="setup_competencies"),
    path("setup/competencies/<int:competency_id>/", competency_edit, name="setup_competency"),
    path("setup/committee/", committee, name="setup_committee"),
    path("setup/committee/<int:member_id>/remove/", committee_remove, name="setup_committee_remove"),
]
