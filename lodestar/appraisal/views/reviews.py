"""Pages of the person-facing side of appraisal: home (my appraisals, the reviews waiting for me, my team's
appraisals), one appraisal (score table with its sources, reviews, evidence pack, competency radar) and
one review (1–5 per qualitative indicator against its rubric, comments, save or submit)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lodestar.appraisal import access, selectors
from lodestar.appraisal.models import (
    Appraisal,
    Competency,
    Evidence,
    EvidenceKind,
    Indicator,
    IndicatorKind,
    Review,
    ReviewRole,
)
from lodestar.appraisal.services import reviews as services
from lodestar.appraisal.views._gate import appraisal_page
from lodestar.core.errors import ApplicationError, NotFound
from lodestar.core.forms import VersionField
from lodestar.core.http import add_error_to_form, int_param, service_errors
from lodestar.core.pdf import report_response
from lodestar.execution.forms import PersonField
from lodestar.goals.access import visible_goals
from lodestar.org.models import Person
from lodestar.org.permissions import person_of, require_person

RATING_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


# --- forms ------------------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    """One review: a 1–5 choice and a comment per qualitative indicator, the overall comment, and for a
    cross-department reviewer the anonymous box."""

    version = VersionField()
    summary = forms.CharField(
        label=gettext_lazy("Overall comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    anonymous = forms.BooleanField(
        label=gettext_lazy("Hide my name from the person appraised"), required=False
    )

    def __init__(self, *args, review: Review, indicators: list[Indicator], **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            self.fields[f"rating_{indicator.pk}"] = forms.ChoiceField(
                label=indicator.name,
                choices=RATING_CHOICES,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"comment_{indicator.pk}"] = forms.CharField(
                label=gettext_lazy("Comment"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        if review.role != ReviewRole.PEER:
            del self.fields["anonymous"]

    def ratings(self) -> list[dict]:
        rows = []
        for indicator in self.indicators:
            value = self.cleaned_data.get(f"rating_{indicator.pk}")
            if value:
                rows.append(
                    {
                        "indicator_id": indicator.pk,
                        "rating": int(value),
                        "comment": self.cleaned_data.get(f"comment_{indicator.pk}", ""),
                    }
                )
        return rows

    def rows(self):
        """(indicator, rating field, comment field) for the template."""
        return [(i, self[f"rating_{i.pk}"], self[f"comment_{i.pk}"]) for i in self.indicators]


class LinkedEvidenceForm(forms.Form):
    """Evidence that links to the person's own work — an action item, a check-in or a case: one of the
    candidates `selectors.evidence_*` offers, and a note. The chosen id is checked against that same set
    (never a query over everything): anything else, garbage included, is the field's "not found"."""

    FIELDS: dict[str, tuple] = {
        EvidenceKind.ITEM: (
            "item",
            gettext_lazy("One of my action items of the period"),
            gettext_lazy("Action item not found."),
            gettext_lazy("Add the action item"),
        ),
        EvidenceKind.CHECKIN: (
            "checkin",
            gettext_lazy("One of my check-ins of the period"),
            gettext_lazy("Check-in not found."),
            gettext_lazy("Add the check-in"),
        ),
        EvidenceKind.CASE: (
            "case",
            gettext_lazy("A case from the library"),
            gettext_lazy("Case not found."),
            gettext_lazy("Add the case"),
        ),
    }

    kind = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control", "maxlength": 300}),
    )

    def __init__(self, *args, kind: str, candidates, **kwargs):
        kwargs.setdefault("auto_id", f"ev-{kind}-%s")
        kwargs.setdefault("initial", {"kind": kind})
        super().__init__(*args, **kwargs)
        self.evidence_kind = kind  # not `kind`: the template would read the hidden field of that name
        self.candidates = candidates
        self.field_name, label, self.not_found, self.submit_label = self.FIELDS[kind]
        shown = list(candidates[: selectors.EVIDENCE_CHOICES_SHOWN])
        self.has_candidates = bool(shown)
        self.fields[self.field_name] = forms.CharField(
            label=label,
            widget=forms.Select(
                choices=[(obj.pk, evidence_choice_label(kind, obj)) for obj in shown],
                attrs={"class": "form-select"},
            ),
        )
        self.order_fields(["kind", self.field_name, "note"])

    def clean(self):
        data = super().clean()
        if self.field_name in data:
            pk = int_param(data[self.field_name])
            chosen = self.candidates.filter(pk=pk).first() if pk else None
            if chosen is None:
                self.add_error(self.field_name, forms.ValidationError(self.not_found, code="not_found"))
            else:
                data[self.field_name] = chosen
        return data

    @property
    def visible(self) -> bool:
        """Shown when there is something to choose, or an error to show."""
        return self.has_candidates or self.is_bound


def evidence_choice_label(kind: str, obj) -> str:
    if kind == EvidenceKind.ITEM:
        return f"{obj.title} · {obj.due}" if obj.due else obj.title
    if kind == EvidenceKind.CHECKIN:
        return f"{obj.measure.name} · {obj.period_start}–{obj.period_end}"
    return obj.title


EVIDENCE_CANDIDATES: dict[str, Callable[[Any, Appraisal], QuerySet]] = {
    EvidenceKind.ITEM: selectors.evidence_items,
    EvidenceKind.CHECKIN: selectors.evidence_checkins,
    EvidenceKind.CASE: selectors.evidence_cases,
}


def _linked_forms(user, appraisal: Appraisal, bound: LinkedEvidenceForm | None = None) -> list:
    return [
        bound
        if bound is not None and bound.evidence_kind == kind
        else LinkedEvidenceForm(kind=kind, candidates=candidates(user, appraisal))
        for kind, candidates in EVIDENCE_CANDIDATES.items()
    ]


class PeerForm(forms.Form):
    reviewer = PersonField(label=gettext_lazy("Cross-department reviewer"), queryset=Person.objects.none())

    def __init__(self, *args, appraisal: Appraisal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = (
            Person.objects.filter(is_active=True)
            .exclude(pk=appraisal.person_id)
            .select_related("department")
            .order_by("department__path", "display_name")
        )


# --- helpers ----------------------------------------------------------------------------------------


def _back(appraisal_id: int, anchor: str = "") -> HttpResponse:
    url = reverse("appraisal:detail", args=[appraisal_id])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _indicators(appraisal: Appraisal) -> list[Indicator]:
    return list(Indicator.objects.filter(template_id=appraisal.template_id).order_by("sort_order", "id"))


def _source_rows(component: dict) -> list[dict]:
    """A quantitative component's source rows, each with `taken_at_local`: the snapshot time stored as
    an ISO string (UTC), parsed back to an aware datetime so the page shows it in the local time zone
    (`|date` converts it). Copies: the stored components are left as they are."""
    rows = []
    for row in (component.get("source") or {}).get("rows") or []:
        try:
            taken_at = parse_datetime(row.get("taken_at") or "")
        except ValueError:
            taken_at = None
        if taken_at is not None and timezone.is_naive(taken_at):
            taken_at = timezone.make_aware(taken_at, datetime.UTC)
        rows.append({**row, "taken_at_local": taken_at})
    return rows


# --- pages ------------------------------------------------------------------------------------------


@appraisal_page
def home(request):
    require_person(request.user)
    mine = selectors.my_appraisals(request.user)
    team = selectors.team_appraisals(request.user)
    written = selectors.reviews_written(request.user)
    return render(
        request,
        "appraisal/reviews/home.html",
        {
            "mine": [(a, access.can_see_result(request.user, a)) for a in mine],
            "waiting": selectors.reviews_waiting(request.user),
            "team": [(a, access.can_see_result(request.user, a)) for a in team],
            "written": written[: selectors.WRITTEN_SHOWN],
            "written_more": len(written) > selectors.WRITTEN_SHOWN,
            "nav_section": "appraisal",
        },
    )


def score_context(user, appraisal: Appraisal) -> dict:
    """What `appraisal/reviews/_score_table.html` shows: the page and the printable result alike."""
    components = appraisal.components or []
    by_role = selectors.qualitative_by_role(components)
    rows = [
        {**c, "qualitative": by_role.get(c["indicator_id"]), "source_rows": _source_rows(c)}
        for c in components
    ]
    return {
        "appraisal": appraisal,
        "cycle": appraisal.cycle,
        "rows": rows,
        "shows_result": access.can_see_result(user, appraisal),
        "missing": appraisal.missing or [],
    }


def _detail_context(
    request, appraisal: Appraisal, linked_form: LinkedEvidenceForm | None = None, **extra
) -> dict:
    user = request.user
    can_request = access.can_request_peers(user, appraisal)
    can_evidence = access.can_add_evidence(user, appraisal)
    can_rate = access.can_rate_competencies(user, appraisal)
    ratings = selectors.competency_ratings(appraisal)
    competencies = []
    if can_rate:
        rated = {r.competency_id: r.rating for r in ratings}
        competencies = [
            (c, rated.get(c.pk))
            for c in Competency.objects.filter(is_active=True).order_by("group", "sort_order", "id")
        ]
    chart = selectors.radar(appraisal.person_id)
    context = {
        **score_context(user, appraisal),
        "reviews": selectors.visible_reviews(user, appraisal),
        "evidence": selectors.evidence_of(appraisal),
        "competency_ratings": ratings,
        "competencies": competencies,
        "can_request": can_request,
        "can_evidence": can_evidence,
        "can_rate": can_rate,
        "peer_form": PeerForm(appraisal=appraisal) if can_request else None,
        "my_goals": list(
            visible_goals(user)
            .filter(owner=appraisal.person, period=appraisal.cycle.period)
            .order_by("name")[:50]
        )
        if can_evidence
        else [],
        "linked_forms": _linked_forms(user, appraisal, linked_form) if can_evidence else [],
        "chart": chart,
        "has_chart": bool(chart["series"]),
        "labels": {"person": appraisal.person.display_name, "department": _("department average")},
        "nav_section": "appraisal",
    }
    context.update(extra)
    return context


@appraisal_page
def detail(request, appraisal_id: int):
    appraisal = access.access_appraisal(request.user, appraisal_id)
    return render(request, "appraisal/reviews/detail.html", _detail_context(request, appraisal))


@appraisal_page
def result_report(request, appraisal_id: int, as_pdf: bool = False):
    """The appraisal's result (score table, final score, grade, coefficient) as a PDF or a printable
    page: the page's reader and the page's figures (`score_context`, `_score_table.html`)."""
    appraisal = access.access_appraisal(request.user, appraisal_id)
    context = {
        **score_context(request.user, appraisal),
        "reviews": selectors.visible_reviews(request.user, appraisal),
        "generated_at": timezone.localtime(),
    }
    return report_response(
        request,
        "appraisal/reviews/report_print.html",
        context,
        as_pdf=as_pdf,
        filename=f"appraisal-{appraisal.pk}.pdf",
        back_url=reverse("appraisal:detail", args=[appraisal.pk]),
    )


@appraisal_page
def review(request, review_id: int):
    item = access.access_review(request.user, review_id)
    appraisal = item.appraisal
    person = person_of(request.user)
    own = person is not None and item.reviewer_id == person.pk
    if not (own or access.can_read_review(request.user, item)):
        raise NotFound(_("Review not found."))
    can_write = access.can_write_review(request.user, item)
    indicators = _indicators(appraisal)
    qualitative = [i for i in indicators if i.kind == IndicatorKind.QUALITATIVE]
    existing = {r.indicator_id: r for r in item.ratings.all()}
    form = None
    if can_write:
        initial = {"version": item.version, "summary": item.summary, "anonymous": item.anonymous}
        for indicator_id, rating in existing.items():
            initial[f"rating_{indicator_id}"] = str(rating.rating)
            initial[f"comment_{indicator_id}"] = rating.comment
        form = ReviewForm(
            request.POST if request.method == "POST" else None,
            initial=initial,
            review=item,
            indicators=qualitative,
        )
        if request.method == "POST" and form.is_valid():
            submit = "submit" in request.POST
            try:
                services.review_save(
                    actor=request.user,
                    review=item,
                    version=form.cleaned_data["version"],
                    ratings=form.ratings(),
                    summary=form.cleaned_data["summary"],
                    anonymous=form.cleaned_data.get("anonymous") if item.role == ReviewRole.PEER else None,
                    submit=submit,
                )
            except ApplicationError as exc:
                add_error_to_form(form, exc)
            else:
                messages.success(request, _("Your review was submitted.") if submit else _("Draft saved."))
                return redirect("appraisal:review", item.pk)
    elif request.method == "POST":
        messages.error(request, _("This review can no longer be changed."))
        return redirect("appraisal:review", item.pk)
    # The person's figures (achievements, their sources, scores) are for whoever may see the appraisal:
    # the person, their line managers and HR. A cross-department reviewer rates the qualitative
    # indicators only, and sees just those and their own text (user guide: peers see no figures).
    shows_figures = access.can_see_appraisal(request.user, appraisal)
    components = {c["indicator_id"]: c for c in appraisal.components or []} if shows_figures else {}
    quantitative = (
        [(i, components.get(i.pk)) for i in indicators if i.kind == IndicatorKind.QUANTITATIVE]
        if shows_figures
        else []
    )
    return render(
        request,
        "appraisal/reviews/review.html",
        {
            "review": item,
            "appraisal": appraisal,
            "form": form,
            "qualitative": [
                (i, existing.get(i.pk), [(n, i.rubric.get(str(n), "")) for n in range(1, 6)])
                for i in qualitative
            ],
            "quantitative": quantitative,
            "reviewer_shown": access.can_see_reviewer(request.user, item),
            "can_open_appraisal": shows_figures,
            "shows_figures": shows_figures,
            "nav_section": "appraisal",
        },
    )


@require_POST
@appraisal_page
def peer_add(request, appraisal_id: int):
    appraisal = access.access_appraisal(request.user, appraisal_id)
    form = PeerForm(request.POST, appraisal=appraisal)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(appraisal.pk, "reviews")
    with service_errors(request):
        services.peer_request(
            actor=request.user, appraisal=appraisal, reviewer_ids=[form.cleaned_data["reviewer"].pk]
        )
        messages.success(request, _("The reviewer was asked for a cross-department review."))
    return _back(appraisal.pk, "reviews")


@require_POST
@appraisal_page
def peer_remove(request, appraisal_id: int, review_id: int):
    appraisal = access.access_appraisal(request.user, appraisal_id)
    item = Review.objects.filter(pk=review_id, appraisal=appraisal).first()
    if item is None:
        raise NotFound(_("Review not found."))
    item.appraisal = appraisal
    with service_errors(request):
        services.peer_remove(actor=request.user, review=item)
        messages.success(request, _("The cross-department review was removed."))
    return _back(appraisal.pk, "reviews")


@require_POST
@appraisal_page
def evidence_add(request, appraisal_id: int):
    appraisal = access.access_appraisal(request.user, appraisal_id)
    kind = request.POST.get("kind", "")
    if kind in EVIDENCE_CANDIDATES:
        return _linked_evidence_add(request, appraisal, kind)
    linked: dict = {}
    with service_errors(request):
        if kind == EvidenceKind.GOAL:
            goal_id = int_param(request.POST.get("goal"))
            goal = visible_goals(request.user).filter(pk=goal_id).first() if goal_id else None
            if goal is None:
                raise NotFound(_("Goal not found."), field="goal_id")
            linked["goal"] = goal
        elif kind not in (EvidenceKind.FILE, EvidenceKind.LINK):
            raise ApplicationError(_("Choose a kind of evidence."), field="kind")
        services.evidence_add(
            actor=request.user,
            appraisal=appraisal,
            kind=kind,
            upload=request.FILES.get("file"),
            url=request.POST.get("url", ""),
            note=request.POST.get("note", ""),
            **linked,
        )
        messages.success(request, _("The evidence was added."))
    return _back(appraisal.pk, "evidence")


def _linked_evidence_add(request, appraisal: Appraisal, kind: str) -> HttpResponse:
    """An action item, check-in or case: a form error on its field (the page again) when refused."""
    if not access.can_add_evidence(request.user, appraisal):
        messages.error(request, _("Only the person appraised adds evidence, while reviews are open."))
        return _back(appraisal.pk, "evidence")
    form = LinkedEvidenceForm(
        request.POST, kind=kind, candidates=EVIDENCE_CANDIDATES[kind](request.user, appraisal)
    )
    if form.is_valid():
        try:
            services.evidence_add(
                actor=request.user,
                appraisal=appraisal,
                kind=kind,
                note=form.cleaned_data["note"],
                **{form.field_name: form.cleaned_data[form.field_name]},
            )
        except ApplicationError as exc:
            add_error_to_form(form, exc)
        else:
            messages.success(request, _("The evidence was added."))
            return _back(appraisal.pk, "evidence")
    return render(
        request, "appraisal/reviews/detail.html", _detail_context(request, appraisal, linked_form=form)
    )


@require_POST
@appraisal_page
def evidence_delete(request, evidence_id: int):
    evidence = Evidence.objects.filter(pk=evidence_id).first()
    if evidence is None:
        raise NotFound(_("Evidence not found."))
    evidence.appraisal = access.access_appraisal(request.user, evidence.appraisal_id)
    with service_errors(request):
        services.evidence_delete(actor=request.user, evidence=evidence)
        messages.success(request, _("The evidence was removed."))
    return _back(evidence.appraisal_id, "evidence")


@appraisal_page
def evidence_download(request, evidence_id: int):
    evidence = Evidence.objects.filter(pk=evidence_id, kind=EvidenceKind.FILE).first()
    if evidence is None or not evidence.file:
        raise NotFound(_("File not found."))
    access.access_appraisal(request.user, evidence.appraisal_id)
    # Read whole (at most 10 MB) and closed at once: a streamed file would hold the storage open.
    with evidence.file.open("rb") as handle:
        data = handle.read()
    response = HttpResponse(data, content_type=evidence.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, evidence.name)
    return response


@require_POST
@appraisal_page
def competencies_save(request, appraisal_id: int):
    appraisal = access.access_appraisal(request.user, appraisal_id)
    ratings: dict[int, int] = {}
    for key, value in request.POST.items():
        if key.startswith("competency_") and value:
            competency_id = int_param(key.removeprefix("competency_"))
            if competency_id is None or not value.isdigit():
                messages.error(request, _("A rating is a whole number from 1 to 5."))
                return _back(appraisal.pk, "competencies")
            ratings[competency_id] = int(value)
    with service_errors(request):
        services.competency_ratings_save(actor=request.user, appraisal=appraisal, ratings=ratings)
        messages.success(request, _("The competency ratings were saved."))
    return _back(appraisal.pk, "competencies")


urlpatterns = [
    path("", home, name="home"),
    path("<int:appraisal_id>/", detail, name="detail"),
    path("<int:appraisal_id>/report/", result_report, name="report"),
    path("<int:appraisal_id>/report.pdf", result_report, {"as_pdf": True}, name="report_pdf"),
    path("reviews/<int:review_id>/", review, name="review"),
    path("<int:appraisal_id>/peers/", peer_add, name="peer_add"),
    path("<int:appraisal_id>/peers/<int:review_id>/remove/", peer_remove, name="peer_remove"),
    path("<int:appraisal_id>/evidence/", evidence_add, name="evidence_add"),
    path("evidence/<int:evidence_id>/delete/", evidence_delete, name="evidence_delete"),
    path("evidence/<int:evidence_id>/download/", evidence_download, name="evidence_download"),
    path("<int:appraisal_id>/competencies/", competencies_save, name="competencies_save"),
]
