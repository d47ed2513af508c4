"""Pages of appraisal cycles: the list, the create/edit form, the cycle page (scope preview, start with
progress, stages, completion, appraisals, publish) and the calibration board."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lodestar.appraisal import access
from lodestar.appraisal import calibration_selectors as selectors
from lodestar.appraisal.models import STAGE_ORDER, Cycle, Stage, StartStatus, Template
from lodestar.appraisal.services import calibration, cycles
from lodestar.appraisal.views._gate import appraisal_page
from lodestar.core.errors import ApplicationError, NotFound
from lodestar.core.forms import DateInput
from lodestar.core.http import add_error_to_form, int_param, service_errors
from lodestar.core.models import Period
from lodestar.core.numbers import money_text
from lodestar.org.models import Department, Position
from lodestar.org.permissions import require_person

DATED_STAGES = [s for s in Stage if s != Stage.SETUP]
FORMULA_COMPONENTS = ["定量", "定性", "自评", "上级评", "跨部门评", "默认"]


class CycleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100, required=False)
    period = forms.ModelChoiceField(label=gettext_lazy("Period"), queryset=Period.objects.none())
    departments = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Departments"), queryset=Department.objects.none(), required=False
    )
    positions = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Positions"), queryset=Position.objects.none(), required=False
    )
    templates = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Templates"), queryset=Template.objects.none(), required=False
    )
    weight_manager = forms.DecimalField(label=gettext_lazy("Manager weight (%)"), initial=60)
    weight_peer = forms.DecimalField(label=gettext_lazy("Peer weight (%)"), initial=20)
    weight_self = forms.DecimalField(label=gettext_lazy("Self weight (%)"), initial=20)
    formula = forms.CharField(
        label=gettext_lazy("Final score formula"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    threshold_S = forms.DecimalField(label="S ≥", initial=95)
    threshold_A = forms.DecimalField(label="A ≥", initial=85)
    threshold_B = forms.DecimalField(label="B ≥", initial=70)
    threshold_C = forms.DecimalField(label=gettext_lazy("C ≥ (below: D)"), required=False)
    coef_S = forms.DecimalField(label="S", initial="1.50")
    coef_A = forms.DecimalField(label="A", initial="1.20")
    coef_B = forms.DecimalField(label="B", initial="1.00")
    coef_C = forms.DecimalField(label="C", initial="0.80")
    coef_D = forms.DecimalField(label="D", required=False)
    guideline_s_max = forms.DecimalField(label=gettext_lazy("S at most (%)"), initial=10)
    guideline_c_min = forms.DecimalField(label=gettext_lazy("C at least (%)"), initial=5)
    pip_on_c = forms.BooleanField(
        label=gettext_lazy("C opens an improvement plan"), required=False, initial=True
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, started: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = Period.objects.filter(
            kind__in=("month", "quarter", "year")
        ).order_by("-start", "end")
        self.fields["departments"].queryset = Department.objects.filter(is_active=True).order_by("path")
        self.fields["positions"].queryset = Position.objects.order_by("sort_order", "name")
        self.fields["templates"].queryset = Template.objects.filter(is_active=True).select_related("position")
        for stage in DATED_STAGES:
            self.fields[f"{stage.value}_starts"] = forms.DateField(required=False, widget=DateInput)
            self.fields[f"{stage.value}_ends"] = forms.DateField(required=False, widget=DateInput)
        if started:
            for name in cycles.EDITABLE_UNTIL_START:
                self.fields[name].disabled = True

    def stage_rows(self):
        return [(stage, self[f"{stage.value}_starts"], self[f"{stage.value}_ends"]) for stage in DATED_STAGES]

    def settings(self) -> dict:
        data = self.cleaned_data
        thresholds = {g: f"{data[f'threshold_{g}']}" for g in "SAB"}
        if data.get("threshold_C") is not None:
            thresholds["C"] = f"{data['threshold_C']}"
        coefficients = {g: f"{data[f'coef_{g}']}" for g in "SABCD" if data.get(f"coef_{g}") is not None}
        if "C" not in thresholds:
            coefficients.pop("D", None)
        return {
            "name": data["name"] or None,
            "reviewer_weights": {
                "manager": data["weight_manager"],
                "peer": data["weight_peer"],
                "self": data["weight_self"],
            },
            "formula": data["formula"],
            "grade_thresholds": thresholds,
            "bonus_coefficients": coefficients,
            "guideline_s_max": data["guideline_s_max"],
            "guideline_c_min": data["guideline_c_min"],
            "pip_on_c": data["pip_on_c"],
        }

    def stage_dates(self) -> list[dict]:
        rows = []
        for stage in DATED_STAGES:
            starts, ends = (
                self.cleaned_data.get(f"{stage.value}_starts"),
                self.cleaned_data.get(f"{stage.value}_ends"),
            )
            if starts and ends:
                rows.append({"stage": stage.value, "starts": starts, "ends": ends})
        return rows


FIELD_OF = {
    "reviewer_weights": "weight_manager",
    "reviewer_weights.manager": "weight_manager",
    "reviewer_weights.peer": "weight_peer",
    "reviewer_weights.self": "weight_self",
    "grade_thresholds": "threshold_S",
    "bonus_coefficients": "coef_S",
    "department_ids": "departments",
    "stage_dates": None,
}


def _stage_field(form, field: str) -> str | None:
    """`stage_dates.<index>.<starts|ends>` (the index in `form.stage_dates()`) → that stage's form field."""
    parts = field.split(".")
    rows = form.stage_dates()
    if len(parts) != 3 or not parts[1].isdigit() or int(parts[1]) >= len(rows):
        return None
    attribute = parts[2] if parts[2] in ("starts", "ends") else "starts"
    return f"{rows[int(parts[1])]['stage']}_{attribute}"


def _form_error(form, exc: ApplicationError) -> None:
    field = exc.field or ""
    if field in FIELD_OF:
        exc.field = FIELD_OF[field]
    elif field.startswith("stage_dates."):
        exc.field = _stage_field(form, field)
    elif field.startswith("grade_thresholds."):
        exc.field = "threshold_" + field.rsplit(".", 1)[1]
    elif field.startswith("bonus_coefficients."):
        exc.field = "coef_" + field.rsplit(".", 1)[1]
    add_error_to_form(form, exc)


def _initial(cycle: Cycle | None) -> dict:
    if cycle is None:
        period = Period.objects.filter(kind="quarter").order_by("-start").first()
        initial: dict = {"period": period}
        rows = cycles.default_stage_dates(period) if period else []
    else:
        thresholds, coefficients = cycle.grade_thresholds or {}, cycle.bonus_coefficients or {}
        initial = {
            "name": cycle.name,
            "period": cycle.period,
            "departments": list(cycle.departments.all()),
            "positions": list(cycle.positions.all()),
            "templates": list(cycle.templates.all()),
            "weight_manager": cycle.weight_manager,
            "weight_peer": cycle.weight_peer,
            "weight_self": cycle.weight_self,
            "formula": cycle.formula,
            "guideline_s_max": cycle.guideline_s_max,
            "guideline_c_min": cycle.guideline_c_min,
            "pip_on_c": cycle.pip_on_c,
            "version": cycle.version,
        }
        for grade, value in thresholds.items():
            initial[f"threshold_{grade}"] = value
        for grade, value in coefficients.items():
            initial[f"coef_{grade}"] = value
        rows = [{"stage": s.stage, "starts": s.starts, "ends": s.ends} for s in cycle.stage_dates.all()]
    for row in rows:
        initial[f"{row['stage']}_starts"] = row["starts"]
        initial[f"{row['stage']}_ends"] = row["ends"]
    return initial


def _form_page(request, form, cycle: Cycle | None):
    names = sorted(cycles.formula_names())
    return render(
        request,
        "appraisal/cycles/form.html",
        {
            "form": form,
            "cycle": cycle,
            "components": FORMULA_COMPONENTS,
            "indicator_names": names,
            "nav_section": "appraisal",
        },
    )


@appraisal_page
def cycle_list(request):
    require_person(request.user)
    qs = access.visible_cycles(request.user).select_related("period").order_by("-period__start", "-id")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "appraisal/cycles/list.html", {"page": page, "nav_section": "appraisal"})


@appraisal_page
def cycle_create(request):
    require_person(request.user)
    access.require_runner(request.user)
    form = CycleForm(request.POST or None, initial=_initial(None))
    if request.method == "POST" and form.is_valid():
        try:
            cycle = cycles.cycle_create(
                actor=request.user,
                period=form.cleaned_data["period"],
                departments=form.cleaned_data["departments"],
                positions=form.cleaned_data["positions"],
                templates=form.cleaned_data["templates"],
                stage_dates=form.stage_dates() or None,
                **form.settings(),
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Cycle created."))
            return redirect("appraisal:cycle_detail", cycle.pk)
    return _form_page(request, form, None)


@appraisal_page
def cycle_edit(request, cycle_id: int):
    cycle = access.access_cycle(request.user, cycle_id)
    access.require_runner(request.user)
    started = cycle.start_status != StartStatus.NOT_STARTED
    form = CycleForm(request.POST or None, initial=_initial(cycle), started=started)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        scope = {}
        if not started:
            scope = {k: data[k] for k in ("period", "departments", "positions", "templates")}
        try:
            cycles.cycle_update(
                actor=request.user,
                cycle=cycle,
                version=data.get("version"),
                stage_dates=form.stage_dates(),
                **form.settings(),
                **scope,
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Cycle saved."))
            return redirect("appraisal:cycle_detail", cycle.pk)
    return _form_page(request, form, cycle)


def _next_stage(cycle: Cycle) -> str | None:
    if cycle.start_status != StartStatus.DONE:
        return None
    index = STAGE_ORDER.index(cycle.stage)
    if cycle.stage == Stage.PUBLISHED:
        return Stage.FEEDBACK
    if index + 1 < len(STAGE_ORDER) and STAGE_ORDER[index + 1] != Stage.PUBLISHED:
        return STAGE_ORDER[index + 1]
    return None


@appraisal_page
def cycle_detail(request, cycle_id: int):
    cycle = access.access_cycle(request.user, cycle_id)
    runner = access.can_run_appraisal(request.user)
    context: dict = {"cycle": cycle, "nav_section": "appraisal", "runner": runner}
    if cycle.start_status in (StartStatus.NOT_STARTED, StartStatus.FAILED) and runner:
        included, skipped = cycles.people_in_scope(cycle)
        context.update(included_count=len(included), skipped=skipped)
    appraisals = selectors.cycle_appraisals(request.user, cycle)
    page = Paginator(appraisals, 100).get_page(request.GET.get("page"))
    statuses = selectors.review_status([a.pk for a in page.object_list])
    for appraisal in page.object_list:
        appraisal.review_counts = statuses.get(appraisal.pk, {})
        # Final score, grade and bonus as the appraisal page shows them: the person once published, line
        # managers and HR from calibration (a score computed during the reviews is not a result yet).
        appraisal.cycle = cycle
        appraisal.shows_result = access.can_see_result(request.user, appraisal)
        # Rounded for display only (the stored amount keeps its fen).
        appraisal.bonus_display = money_text(appraisal.bonus_amount) or "—"
    next_stage = _next_stage(cycle)
    context.update(
        page=page,
        stage_dates={s.stage: s for s in cycle.stage_dates.all()},
        stages=list(Stage),
        stage_index=STAGE_ORDER.index(cycle.stage),
        completion=selectors.stage_completion(appraisals.values("pk"))
        if cycle.start_status == StartStatus.DONE
        else [],
        next_stage=next_stage,
        next_stage_label=Stage(next_stage).label if next_stage else "",
        can_calibration=access.can_see_calibration(request.user) and cycle.start_status == StartStatus.DONE,
        can_import=cycle.start_status == StartStatus.DONE and access.can_import_results(request.user, cycle),
    )
    return render(request, "appraisal/cycles/detail.html", context)


@appraisal_page
def cycle_status(request, cycle_id: int):
    """The start's progress, polled every 2 s while queued or running."""
    cycle = access.access_cycle(request.user, cycle_id)
    response = render(request, "appraisal/cycles/_status.html", {"cycle": cycle})
    if request.headers.get("HX-Request") and cycle.start_status in (StartStatus.DONE, StartStatus.FAILED):
        response["HX-Refresh"] = "true"
    return response


def _runner_post(request, cycle_id: int) -> Cycle:
    cycle = access.access_cycle(request.user, cycle_id)
    access.require_runner(request.user)
    return cycle


@require_POST
@appraisal_page
def cycle_start(request, cycle_id: int):
    cycle = _runner_post(request, cycle_id)
    with service_errors(request):
        cycles.cycle_start(actor=request.user, cycle=cycle, version=int_param(request.POST.get("version")))
    return redirect("appraisal:cycle_detail", cycle.pk)


@require_POST
@appraisal_page
def cycle_advance(request, cycle_id: int):
    cycle = _runner_post(request, cycle_id)
    with service_errors(request):
        cycles.cycle_advance(
            actor=request.user,
            cycle=cycle,
            version=int_param(request.POST.get("version")),
            to_stage=request.POST.get("to_stage") or None,
        )
    return redirect("appraisal:cycle_detail", cycle.pk)


@require_POST
@appraisal_page
def cycle_publish(request, cycle_id: int):
    cycle = _runner_post(request, cycle_id)
    try:
        cycles.cycle_publish(actor=request.user, cycle=cycle, version=int_param(request.POST.get("version")))
    except ApplicationError as exc:
        # One message: `unscored` names the people (the first few) and counts them.
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Results published."))
    return redirect("appraisal:cycle_detail", cycle.pk)


@appraisal_page
def calibration_page(request, cycle_id: int):
    cycle = access.access_cycle(request.user, cycle_id)
    access.require_calibration_reader(request.user)
    board = selectors.calibration_board(request.user, cycle)
    return render(
        request,
        "appraisal/cycles/calibration.html",
        {
            "cycle": cycle,
            "board": board,
            "nav_section": "appraisal",
            "open": cycle.stage == Stage.CALIBRATION,
        },
    )


@require_POST
@appraisal_page
def calibration_move(request, cycle_id: int):
    cycle = access.access_cycle(request.user, cycle_id)
    appraisal_id = int_param(request.POST.get("appraisal"))
    if appraisal_id is None:
        raise NotFound(_("Appraisal not found."))
    appraisal = access.access_appraisal(request.user, appraisal_id)
    if appraisal.cycle_id != cycle.pk:
        raise NotFound(_("Appraisal not found."))
    try:
        move = calibration.calibrate(
            actor=request.user,
            appraisal=appraisal,
            to_grade=request.POST.get("to_grade", ""),
            reason=request.POST.get("reason", ""),
            version=int_param(request.POST.get("version")),
        )
    except ApplicationError as exc:
        if exc.status == 403:
            raise
        messages.error(request, f"{appraisal.person.display_name}: {exc.message}")
    else:
        messages.success(
            request,
            _("%(name)s: %(from)s → %(to)s")
            % {"name": appraisal.person.display_name, "from": move.from_grade, "to": move.to_grade},
        )
    return redirect(reverse("appraisal:calibration", args=[cycle.pk]) + f"#a{appraisal.pk}")


urlpatterns = [
    path("cycles/", cycle_list, name="cycle_list"),
    path("cycles/new/", cycle_create, name="cycle_create"),
    path("cycles/<int:cycle_id>/", cycle_detail, name="cycle_detail"),
    path("cycles/<int:cycle_id>/edit/", cycle_edit, name="cycle_edit"),
    path("cycles/<int:cycle_id>/status/", cycle_status, name="cycle_status"),
    path("cycles/<int:cycle_id>/start/", cycle_start, name="cycle_start"),
    path("cycles/<int:cycle_id>/advance/", cycle_advance, name="cycle_advance"),
    path("cycles/<int:cycle_id>/publish/", cycle_publish, name="cycle_publish"),
    path("cycles/<int:cycle_id>/calibration/", calibration_page, name="calibration"),
    path("cycles/<int:cycle_id>/calibration/move/", calibration_move, name="calibration_move"),
]
