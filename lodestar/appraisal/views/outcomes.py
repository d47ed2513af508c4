"""Pages of what follows a published result: improvement plans (list, open one by hand from a published
appraisal, detail with check dates and results, edit, record a check, close), appeals (the committee's list with the decide form; the person's appeal
form), the feedback meeting's form and acknowledgement (shown in the appraisal page's outcomes panel),
the annual composites of a year, and the promotion candidates."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lodestar.appraisal import access, outcome_selectors
from lodestar.appraisal.domain import composite as composite_rules
from lodestar.appraisal.models import AppealStatus, FeedbackMeeting, Pip, PipOutcome
from lodestar.appraisal.services import appeals, composites, feedback, pips
from lodestar.appraisal.services.appeals import grades_of
from lodestar.appraisal.services.cycles import appraisal_url
from lodestar.appraisal.views._gate import appraisal_page
from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.forms import DateInput, VersionField
from lodestar.core.http import add_error_to_form, int_param, service_errors
from lodestar.core.models import Period, PeriodKind
from lodestar.org.models import Person
from lodestar.org.permissions import require_person

NAV = {"nav_section": "appraisal"}


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.display_name


def _mentors():
    """The mentor choices: active people who can write (`access.mentor_candidates`), never a guest."""
    return access.mentor_candidates().order_by("display_name")


def _text(label, *, required: bool = False, rows: int = 3):
    return forms.CharField(
        label=label, required=required, max_length=4000, widget=forms.Textarea(attrs={"rows": rows})
    )


class PipEditForm(forms.Form):
    version = VersionField()
    goals = _text(gettext_lazy("Improvement goals"))
    mentor = PersonChoiceField(label=gettext_lazy("Mentor"), queryset=Person.objects.none(), required=False)
    check_dates = forms.CharField(
        label=gettext_lazy("Check dates"),
        required=False,
        max_length=400,
        help_text=gettext_lazy("Dates as YYYY-MM-DD, separated by commas or spaces."),
    )
    ends = forms.DateField(label=gettext_lazy("Ends"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = _mentors()

    def clean_check_dates(self) -> list[str]:
        return _split_dates(self.cleaned_data["check_dates"])


class AppraisalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.person.display_name} · {obj.cycle.name} · {obj.effective_grade or '—'}"


def _split_dates(value: str) -> list[str]:
    return [part for part in re.split(r"[\s,，、;]+", value) if part]


class PipCreateForm(forms.Form):
    """Open a plan by hand from a published appraisal (the person is the appraisal's)."""

    appraisal = AppraisalChoiceField(
        label=gettext_lazy("Appraisal"),
        queryset=None,
        help_text=gettext_lazy("Published results without a plan in progress."),
    )
    goals = _text(gettext_lazy("Improvement goals"), required=True, rows=4)
    mentor = PersonChoiceField(
        label=gettext_lazy("Mentor"),
        queryset=Person.objects.none(),
        required=False,
        help_text=gettext_lazy("Empty: the reviewing manager of the appraisal."),
    )
    starts = forms.DateField(
        label=gettext_lazy("Starts"),
        widget=DateInput,
        required=False,
        help_text=gettext_lazy("Empty: today."),
    )
    ends = forms.DateField(
        label=gettext_lazy("Ends"),
        widget=DateInput,
        required=False,
        help_text=gettext_lazy("Empty: 90 days after the start."),
    )
    check_dates = forms.CharField(
        label=gettext_lazy("Check dates"),
        required=False,
        max_length=400,
        help_text=gettext_lazy(
            "Dates as YYYY-MM-DD, separated by commas or spaces. Empty: 30, 60 and 90 days after the start."
        ),
    )

    def __init__(self, *args, appraisals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appraisal"].queryset = appraisals
        self.fields["mentor"].queryset = _mentors()

    def clean_check_dates(self) -> list[str] | None:
        return _split_dates(self.cleaned_data["check_dates"]) or None


class PipCheckForm(forms.Form):
    date = forms.ChoiceField(label=gettext_lazy("Check date"))
    on_track = forms.TypedChoiceField(
        label=gettext_lazy("Result"),
        choices=[("1", gettext_lazy("On track")), ("0", gettext_lazy("Not on track"))],
        coerce=lambda v: v == "1",
    )
    note = _text(gettext_lazy("Note"), rows=2)

    def __init__(self, *args, pip: Pip, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].choices = [(d, d) for d in pip.check_dates]


class PipCloseForm(forms.Form):
    version = VersionField()
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[
            (o.value, o.label) for o in (PipOutcome.IMPROVED, PipOutcome.EXTENDED, PipOutcome.NOT_IMPROVED)
        ],
    )
    outcome_note = _text(gettext_lazy("Outcome note"), required=True)


class FeedbackForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    held_on = forms.DateField(label=gettext_lazy("Held on"), widget=DateInput)
    notes = _text(gettext_lazy("Notes"), required=True, rows=4)
    data_and_examples = _text(gettext_lazy("Data and examples discussed"))
    next_steps = _text(gettext_lazy("Agreed next steps"))


class AppealForm(forms.Form):
    reason = _text(gettext_lazy("Why you appeal this result"), required=True, rows=5)


class AppealDecideForm(forms.Form):
    version = VersionField()
    status = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (AppealStatus.UPHELD.value, AppealStatus.UPHELD.label),
            (AppealStatus.REJECTED.value, AppealStatus.REJECTED.label),
        ],
    )
    decision = _text(gettext_lazy("The decision and its grounds"), required=True, rows=2)
    new_grade = forms.ChoiceField(label=gettext_lazy("New grade (upheld only)"), required=False)

    def __init__(self, *args, grades=("S", "A", "B", "C"), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_grade"].choices = [("", _("Unchanged")), *[(g, g) for g in grades]]


class ComputeForm(forms.Form):
    weight_month = forms.DecimalField(
        label=gettext_lazy("Monthly weight (%)"), min_value=0, max_value=100, initial=30
    )
    weight_quarter = forms.DecimalField(
        label=gettext_lazy("Quarterly weight (%)"), min_value=0, max_value=100, initial=40
    )
    weight_year = forms.DecimalField(
        label=gettext_lazy("Annual weight (%)"), min_value=0, max_value=100, initial=30
    )


# --- improvement plans --------------------------------------------------------------------------


@appraisal_page
def pip_list(request):
    require_person(request.user)
    status = request.GET.get("status", "open")
    qs = outcome_selectors.pip_list(request.user)
    if status == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif status == "closed":
        qs = qs.filter(closed_at__isnull=False)
    else:
        status = ""
    page = Paginator(qs.order_by("ends", "id"), 50).get_page(request.GET.get("page"))
    today = timezone.localdate().isoformat()
    for pip in page.object_list:
        pip.next_check = next((d for d in pip.check_dates if d >= today), None)
    return render(request, "appraisal/outcomes/pip_list.html", {"page": page, "status": status, **NAV})


def _openable(user):
    """The published appraisals the user may open a plan from, without a plan in progress."""
    in_progress = Pip.objects.filter(closed_at__isnull=True, appraisal__isnull=False).values("appraisal_id")
    return (
        access.pip_openable_appraisals(user)
        .exclude(pk__in=in_progress)
        .select_related("person", "cycle")
        .order_by("-cycle__period__start", "-cycle_id", "person__display_name", "id")
    )


@appraisal_page
def pip_create(request):
    """Open a plan by hand (HR, admins, line managers) from a published appraisal; `?appraisal=` (the
    appraisal page's panel) chooses it."""
    require_person(request.user)
    if not access.can_open_pips(request.user):
        raise PermissionDeniedError(_("Only HR, admins and line managers open improvement plans."))
    initial = {}
    wanted = int_param(request.GET.get("appraisal"))
    if wanted:
        appraisal = access.access_appraisal(request.user, wanted)
        if not access.can_open_pip_on(request.user, appraisal):
            raise PermissionDeniedError(
                _("Only HR, admins and the person's line managers open a plan from a published result.")
            )
        in_progress = Pip.objects.filter(appraisal=appraisal, closed_at__isnull=True).first()
        if in_progress is not None:
            messages.info(request, _("This result already has an improvement plan in progress."))
            return _to_pip(in_progress)
        initial["appraisal"] = appraisal.pk
    form = PipCreateForm(request.POST or None, initial=initial, appraisals=_openable(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        appraisal = data["appraisal"]
        with service_errors(form):
            pip = pips.pip_create(
                actor=request.user,
                person=appraisal.person,
                appraisal=appraisal,
                goals=data["goals"],
                mentor=data["mentor"],
                starts=data["starts"],
                ends=data["ends"],
                check_dates=data["check_dates"],
            )
            messages.success(request, _("The improvement plan was opened."))
            return _to_pip(pip)
    return render(request, "appraisal/outcomes/pip_form.html", {"form": form, **NAV})


def _pip_context(request, pip: Pip, **forms_given) -> dict:
    user = request.user
    can_manage = access.can_manage_pip(user, pip)
    can_check = access.can_record_pip_check(user, pip)
    initial = {
        "version": pip.version,
        "goals": pip.goals,
        "mentor": pip.mentor_id,
        "check_dates": ", ".join(pip.check_dates),
        "ends": pip.ends,
    }
    context = {
        "pip": pip,
        "checks": outcome_selectors.pip_checks(pip),
        "can_manage": can_manage,
        "can_check": can_check,
        "edit_form": PipEditForm(initial=initial) if can_manage else None,
        "check_form": PipCheckForm(pip=pip) if can_check and pip.check_dates else None,
        "close_form": PipCloseForm(initial={"version": pip.version}) if can_manage else None,
        **NAV,
    }
    context.update(forms_given)
    return context


@appraisal_page
def pip_detail(request, pip_id: int):
    pip = access.access_pip(request.user, pip_id)
    return render(request, "appraisal/outcomes/pip_detail.html", _pip_context(request, pip))


def _to_pip(pip: Pip, anchor: str = ""):
    return redirect(reverse("appraisal:pip_detail", args=[pip.pk]) + (f"#{anchor}" if anchor else ""))


@require_POST
@appraisal_page
def pip_edit(request, pip_id: int):
    pip = access.access_pip(request.user, pip_id)
    if not access.can_manage_pip(request.user, pip):
        raise PermissionDeniedError(_("Only HR, admins and the person's line managers change this plan."))
    form = PipEditForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            pips.pip_update(
                actor=request.user,
                pip=pip,
                version=data["version"],
                goals=data["goals"],
                mentor=data["mentor"],
                check_dates=data["check_dates"],
                ends=data["ends"],
            )
        except ApplicationError as exc:
            add_error_to_form(form, exc)
        else:
            messages.success(request, _("The improvement plan was saved."))
            return _to_pip(pip)
    pip.refresh_from_db()
    return render(request, "appraisal/outcomes/pip_detail.html", _pip_context(request, pip, edit_form=form))


@require_POST
@appraisal_page
def pip_check(request, pip_id: int):
    pip = access.access_pip(request.user, pip_id)
    if not access.can_record_pip_check(request.user, pip):
        raise PermissionDeniedError(
            _("Only the mentor, HR, admins and the person's line managers record check results.")
        )
    form = PipCheckForm(request.POST, pip=pip)
    if form.is_valid():
        data = form.cleaned_data
        with service_errors(form):
            pips.pip_check_record(
                actor=request.user,
                pip=pip,
                date=dt.date.fromisoformat(data["date"]),
                on_track=data["on_track"],
                note=data["note"],
            )
            messages.success(request, _("The check result was recorded."))
            return _to_pip(pip, "checks")
    return render(request, "appraisal/outcomes/pip_detail.html", _pip_context(request, pip, check_form=form))


@require_POST
@appraisal_page
def pip_close(request, pip_id: int):
    pip = access.access_pip(request.user, pip_id)
    if not access.can_manage_pip(request.user, pip):
        raise PermissionDeniedError(_("Only HR, admins and the person's line managers close this plan."))
    form = PipCloseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with service_errors(form):
            pips.pip_close(
                actor=request.user,
                pip=pip,
                outcome=data["outcome"],
                outcome_note=data["outcome_note"],
                version=data["version"],
            )
            messages.success(request, _("The improvement plan is closed."))
            return _to_pip(pip)
    return render(request, "appraisal/outcomes/pip_detail.html", _pip_context(request, pip, close_form=form))


# --- the appraisal page's panel: feedback meeting and appeal ------------------------------------


def _back(request, appraisal):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(appraisal_url(appraisal))


def feedback_initial(meeting: FeedbackMeeting | None) -> dict:
    if meeting is None:
        return {"held_on": timezone.localdate()}
    return {
        "version": meeting.version,
        "held_on": meeting.held_on,
        "notes": meeting.notes,
        "data_and_examples": meeting.data_and_examples,
        "next_steps": meeting.next_steps,
    }


@appraisal_page
def feedback_edit(request, appraisal_id: int):
    """The feedback meeting's form (also embedded in the appraisal page's panel, which posts here)."""
    appraisal = access.access_appraisal(request.user, appraisal_id)
    if not access.can_write_feedback(request.user, appraisal):
        raise PermissionDeniedError(_("Only the direct manager or HR write the feedback meeting."))
    meeting = FeedbackMeeting.objects.filter(appraisal=appraisal).first()
    form = FeedbackForm(request.POST or None, initial=feedback_initial(meeting))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            feedback.feedback_save(
                actor=request.user,
                appraisal=appraisal,
                held_on=data["held_on"],
                notes=data["notes"],
                data_and_examples=data["data_and_examples"],
                next_steps=data["next_steps"],
                version=data["version"],
            )
        except ApplicationError as exc:
            add_error_to_form(form, exc)
        else:
            messages.success(
                request, _("The feedback meeting was saved; both sides are asked to acknowledge it.")
            )
            return _back(request, appraisal)
    return render(
        request,
        "appraisal/outcomes/feedback_form.html",
        {
            "appraisal": appraisal,
            "form": form,
            "meeting": meeting,
            "next": request.GET.get("next", ""),
            **NAV,
        },
    )


@require_POST
@appraisal_page
def feedback_acknowledge(request, appraisal_id: int):
    appraisal = access.access_appraisal(request.user, appraisal_id)
    if not access.is_feedback_party(request.user, appraisal):
        raise PermissionDeniedError(_("Only the person and the direct manager acknowledge the meeting."))
    with service_errors(request):
        feedback.feedback_acknowledge(actor=request.user, appraisal=appraisal)
        messages.success(request, _("You acknowledged the feedback meeting."))
    return _back(request, appraisal)


@appraisal_page
def appeal_create(request, appraisal_id: int):
    appraisal = access.access_appraisal(request.user, appraisal_id)
    if not access.can_appeal(request.user, appraisal):
        raise PermissionDeniedError(_("Only the person appraised appeals a published result."))
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeals.appeal_create(actor=request.user, appraisal=appraisal, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            add_error_to_form(form, exc)
        else:
            messages.success(request, _("Your appeal was sent to the appeals committee."))
            return _back(request, appraisal)
    return render(
        request,
        "appraisal/outcomes/appeal_form.html",
        {"appraisal": appraisal, "form": form, "next": request.GET.get("next", ""), **NAV},
    )


@appraisal_page
def appeal_list(request):
    require_person(request.user)
    status = request.GET.get("status", "open")
    qs = outcome_selectors.appeal_list(request.user)
    if status in AppealStatus.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    page = Paginator(qs.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    for appeal in page.object_list:
        # The committee sees every appeal, not every appraisal: link the person's appraisal page only
        # for a reader who may open it.
        appeal.sees_appraisal = access.can_see_appraisal(request.user, appeal.appraisal)
        if access.can_decide_appeal(request.user, appeal):
            appeal.decide_form = AppealDecideForm(
                initial={"version": appeal.version},
                grades=grades_of(appeal.appraisal),
                prefix=f"a{appeal.pk}",
            )
    return render(
        request,
        "appraisal/outcomes/appeal_list.html",
        {
            "page": page,
            "status": status,
            "statuses": [("", _("All")), *AppealStatus.choices],
            "sees_all": access.sees_all_appeals(request.user),
            **NAV,
        },
    )


@require_POST
@appraisal_page
def appeal_decide(request, appeal_id: int):
    appeal = access.access_appeal(request.user, appeal_id)
    if not access.can_decide_appeal(request.user, appeal):
        raise PermissionDeniedError(_("Only the appeals committee and admins decide appeals."))
    form = AppealDecideForm(request.POST, grades=grades_of(appeal.appraisal), prefix=f"a{appeal.pk}")
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    else:
        data = form.cleaned_data
        with service_errors(request):
            appeals.appeal_decide(
                actor=request.user,
                appeal=appeal,
                status=data["status"],
                decision=data["decision"],
                new_grade=data["new_grade"],
                version=data["version"],
            )
            messages.success(request, _("The decision was recorded and the person notified."))
    return redirect("appraisal:appeal_list")


# --- composites and promotion candidates --------------------------------------------------------


def _years():
    return list(Period.objects.filter(kind=PeriodKind.YEAR).order_by("-start"))


def _chosen_year(request, years: list[Period]) -> Period | None:
    wanted = int_param(request.GET.get("year") or request.POST.get("year"))
    if wanted:
        return next((y for y in years if y.pk == wanted), None)
    today = timezone.localdate()
    return next((y for y in years if y.start <= today <= y.end), years[0] if years else None)


PART_LABELS = {
    "month": gettext_lazy("Monthly"),
    "quarter": gettext_lazy("Quarterly"),
    "year": gettext_lazy("Annual"),
}


@appraisal_page
def composite_list(request):
    require_person(request.user)
    years = _years()
    year = _chosen_year(request, years)
    qs = outcome_selectors.composite_list(request.user)
    qs = qs.filter(year_period=year) if year is not None else qs.none()
    page = Paginator(qs.order_by("person__department__path", "person__display_name"), 50).get_page(
        request.GET.get("page")
    )
    for composite in page.object_list:
        composite.part_rows = [
            {**part, "label": PART_LABELS.get(part["part"], part["part"])} for part in composite.parts
        ]
        composite.renormalised = any(
            p.get("missing") and float(p.get("weight") or 0) > 0 for p in composite.parts
        )
    can_compute = access.can_compute_composites(request.user)
    return render(
        request,
        "appraisal/outcomes/composite_list.html",
        {
            "page": page,
            "years": years,
            "year": year,
            "can_compute": can_compute,
            "compute_form": ComputeForm() if can_compute else None,
            "parts": composite_rules.PARTS,
            **NAV,
        },
    )


@require_POST
@appraisal_page
def composite_compute_all(request):
    require_person(request.user)
    access.require_runner(request.user)
    years = _years()
    year = _chosen_year(request, years)
    form = ComputeForm(request.POST)
    if year is None:
        messages.error(request, _("Choose a fiscal year."))
    elif not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    else:
        with service_errors(request):
            count = composites.composites_compute_for_year(
                actor=request.user,
                year_period=year,
                weights={part: form.cleaned_data[f"weight_{part}"] for part in composite_rules.PARTS},
            )
            messages.success(request, _("Composites computed for %(count)s people.") % {"count": count})
    target = reverse("appraisal:composite_list")
    return redirect(f"{target}?year={year.pk}" if year is not None else target)


@appraisal_page
def promotions(request):
    require_person(request.user)
    if not access.can_see_promotions(request.user):
        raise PermissionDeniedError(_("Only HR partners and admins see promotion candidates."))
    years = _years()
    wanted = int_param(request.GET.get("year"))
    year = next((y for y in years if y.pk == wanted), None) if wanted else None
    return render(
        request,
        "appraisal/outcomes/promotions.html",
        {
            "candidates": outcome_selectors.promotion_candidates(year_period=year),
            "years": years,
            "year": year,
            **NAV,
        },
    )


urlpatterns: list = [
    path("pips/", pip_list, name="pip_list"),
    path("pips/new/", pip_create, name="pip_create"),
    path("pips/<int:pip_id>/", pip_detail, name="pip_detail"),
    path("pips/<int:pip_id>/edit/", pip_edit, name="pip_edit"),
    path("pips/<int:pip_id>/check/", pip_check, name="pip_check"),
    path("pips/<int:pip_id>/close/", pip_close, name="pip_close"),
    path("appeals/", appeal_list, name="appeal_list"),
    path("appeals/<int:appeal_id>/decide/", appeal_decide, name="appeal_decide"),
    path("<int:appraisal_id>/appeal/", appeal_create, name="appeal_create"),
    path("<int:appraisal_id>/feedback/", feedback_edit, name="feedback_edit"),
    path("<int:appraisal_id>/feedback/acknowledge/", feedback_acknowledge, name="feedback_acknowledge"),
    path("composites/", composite_list, name="composite_list"),
    path("composites/compute/", composite_compute_all, name="composite_compute_all"),
    path("promotions/", promotions, name="promotions"),
]
