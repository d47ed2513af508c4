"""Pages of the knowledge library: the case library (search, detail, form, suggestions for a goal), the
SOP library (detail with the rendered text, versions, diff) and the annual report (page and PDF)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.core.errors import NotFound
from lodestar.core.http import int_param, page_view, service_errors
from lodestar.core.pdf import report_response
from lodestar.goals.access import access_goal, visible_goals
from lodestar.knowledge import access, domain, selectors, services
from lodestar.knowledge.forms import CaseForm, SopForm, SopVersionForm, case_tag_initial
from lodestar.knowledge.models import Case, Sop, SopVersion, Tag
from lodestar.org.models import Department
from lodestar.org.permissions import access_department, person_of, require_person

PAGE_SIZE = 30


def _highlight(text: str, terms: list[str], limit: int = 0) -> str:
    from django.utils.html import escape

    if limit and len(text) > limit:
        text = text[:limit] + "…"
    return mark_safe(  # every piece is escaped
        "".join(
            f"<mark>{escape(piece)}</mark>" if hit else escape(piece)
            for piece, hit in domain.highlight_spans(text, terms)
        )
    )


# --- cases -----------------------------------------------------------------------------------------


@page_view
def case_list(request):
    require_person(request.user)
    q = request.GET.get("q", "")[:200]
    tag = request.GET.get("tag", "")[:40]
    outcome = request.GET.get("outcome", "")
    department_id = int_param(request.GET.get("department"))
    department = Department.objects.filter(pk=department_id).first() if department_id else None
    queryset = selectors.search_cases(
        selectors.cases_with_lists(), q=q, tag=tag, outcome=outcome, department=department
    ).order_by("-created_at", "-id")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    terms = domain.search_terms(q)
    for case in page.object_list:
        case.title_html = _highlight(case.title, terms)
        case.summary_html = _highlight(case.context or case.body, terms, limit=140)
        case.tag_hits = {
            t.name
            for t in case.tags.all()
            if t.name == tag or any(term.lower() in t.name.lower() for term in terms)
        }
    return render(
        request,
        "knowledge/case_list.html",
        {
            "page": page,
            "q": q,
            "tag": tag,
            "outcome": outcome,
            "department": department,
            "departments": Department.objects.filter(is_active=True).order_by("path"),
            "tags": Tag.objects.order_by("kind", "name"),
            "outcomes": Case.Outcome.choices,
            "terms": terms,
        },
    )


@page_view
def case_detail(request, case_id: int):
    case = access.access_case(request.user, case_id)
    goals = list(visible_goals(request.user).filter(cases=case).select_related("department", "period"))
    retrospective_visible = access.can_read_retrospective(request.user, case.retrospective_id)
    return render(
        request,
        "knowledge/case_detail.html",
        {
            "case": case,
            "goals": goals,
            "figures": domain.visible_figures(case.figures, {g.pk for g in goals}),
            "retrospective_visible": retrospective_visible,
            "tags": list(case.tags.all()),
            "sops": list(case.sops.all()),
            "can_edit": access.can_edit_case(request.user, case),
        },
    )


def _retrospective_for(request, pk: int | None):
    if pk is None:
        return None
    return access.access_source_retrospective(request.user, pk)


def _case_form_page(request, case: Case | None):
    if case is None:
        access.require_case_creator(request.user)
    retrospective = None
    if request.method == "POST":
        form = CaseForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            retrospective = _retrospective_for(request, data.get("retrospective")) if case is None else None
            fields = {
                "title": data["title"],
                "outcome": data["outcome"],
                "department": data["department"],
                "period": data["period"],
                "context": data["context"],
                "body": data["body"],
                "reasons": data["reasons"],
                "tags": form.tags(),
                "goals": list(data["goals"]),
            }
            with service_errors(form):
                if case is None:
                    case = services.case_create(actor=request.user, retrospective=retrospective, **fields)
                    messages.success(request, _("Case saved to the library."))
                else:
                    services.case_update(actor=request.user, case=case, version=data.get("version"), **fields)
                    messages.success(request, _("Case saved."))
                return redirect("knowledge:case_detail", case.pk)
    else:
        if case is not None:
            initial = {
                "title": case.title,
                "outcome": case.outcome,
                "department": case.department_id,
                "period": case.period_id,
                "context": case.context,
                "body": case.body,
                "reasons": case.reasons,
                "goals": [g.pk for g in case.goals.all()],
                "version": case.version,
                **case_tag_initial(case.tags.all()),
            }
        else:
            person = person_of(request.user)
            initial = {"department": person.department_id if person else None}
            retrospective = _retrospective_for(request, int_param(request.GET.get("retrospective")))
            goal_id = int_param(request.GET.get("goal"))
            prefill = {}
            if retrospective is not None:
                prefill = services.case_initial_from_retrospective(retrospective)
                initial["retrospective"] = retrospective.pk
            elif goal_id:
                prefill = services.case_initial_from_goal(access_goal(request.user, goal_id))
            for key, value in prefill.items():
                if key == "goals":
                    initial[key] = [g.pk for g in value]
                elif key == "tags":
                    initial.update(case_tag_initial(value))
                elif key in ("department", "period"):
                    initial[key] = value.pk if value else None
                elif value:
                    initial[key] = value
        form = CaseForm(initial=initial, user=request.user)
    goal_ids = form["goals"].value() or []
    preview = services.figures_of(
        visible_goals(request.user).filter(pk__in=[int_param(g) for g in goal_ids if int_param(g)])
    )
    return render(
        request,
        "knowledge/case_form.html",
        {"form": form, "case": case, "retrospective": retrospective, "figures": preview},
    )


@page_view
def case_create(request):
    return _case_form_page(request, None)


@page_view
def case_edit(request, case_id: int):
    return _case_form_page(request, access.access_case(request.user, case_id, write=True))


@require_POST
@page_view
def case_delete(request, case_id: int):
    case = access.access_case(request.user, case_id, write=True)
    with service_errors(request):
        services.case_delete(actor=request.user, case=case)
        messages.success(request, _("Case deleted."))
        return redirect("knowledge:cases")
    return redirect("knowledge:case_detail", case.pk)


@page_view
def case_suggested(request):
    """HTMX fragment on a goal's page: cases sharing tags with the cases of similar goals."""
    require_person(request.user)
    goal_id = int_param(request.GET.get("goal"))
    if goal_id is None:
        raise NotFound(_("Goal not found."), field="goal_id")
    goal = access_goal(request.user, goal_id)
    cases = selectors.suggested_cases(goal)
    return render(
        request,
        "knowledge/_suggested.html",
        {"goal": goal, "cases": cases, "can_create": access.can_create_case(request.user)},
    )


# --- SOPs ------------------------------------------------------------------------------------------


@page_view
def sop_list(request):
    require_person(request.user)
    q = request.GET.get("q", "")[:200]
    sops = Sop.objects.select_related("department", "owner")
    for term in domain.search_terms(q):
        sops = sops.filter(title__icontains=term)
    sops = list(sops.order_by("title", "id"))
    latest = {
        row["sop"]: row["n"]
        for row in SopVersion.objects.filter(sop__in=sops).values("sop").annotate(n=Max("number"))
    }
    today = timezone.localdate()
    for sop in sops:
        sop.latest_number = latest.get(sop.pk)
        sop.review_due = sop.review_date <= today
    return render(
        request,
        "knowledge/sop_list.html",
        {"sops": sops, "q": q, "can_create": access.can_create_sop(request.user)},
    )


@page_view
def sop_detail(request, sop_id: int):
    sop = access.access_sop(request.user, sop_id)
    versions = list(sop.versions.select_related("author").order_by("-number"))
    number = int_param(request.GET.get("version"))
    shown = next((v for v in versions if v.number == number), versions[0] if versions else None)
    if number and shown is not None and shown.number != number:
        raise NotFound(_("SOP version not found."), field="number")
    return render(
        request,
        "knowledge/sop_detail.html",
        {
            "sop": sop,
            "versions": versions,
            "shown": shown,
            "body_html": mark_safe(domain.render_markdown(shown.body_markdown)) if shown else "",  # sanitised
            "cases": list(sop.cases.select_related("department")),
            "review_due": sop.review_date <= timezone.localdate(),
            "can_edit": access.can_edit_sop(request.user, sop),
            "can_delete": access.can_delete_sop(request.user, sop),
        },
    )


def _sop_form_page(request, sop: Sop | None):
    if sop is None:
        access.require_sop_creator(request.user)
    new = sop is None
    if request.method == "POST":
        form = SopForm(
            request.POST,
            user=request.user,
            new=new,
            initial={"department": sop.department_id} if sop else None,
        )
        if form.is_valid():
            data = form.cleaned_data
            with service_errors(form):
                if sop is None:
                    sop = services.sop_create(
                        actor=request.user,
                        title=data["title"],
                        owner=data["owner"],
                        department=data["department"],
                        review_date=data["review_date"],
                        body_markdown=data["body_markdown"],
                        change_note=data["change_note"],
                        cases=list(data["cases"]),
                    )
                    messages.success(request, _("SOP created."))
                else:
                    services.sop_update(
                        actor=request.user,
                        sop=sop,
                        version=data.get("version"),
                        title=data["title"],
                        owner=data["owner"],
                        department=data["department"],
                        review_date=data["review_date"],
                        cases=list(data["cases"]),
                    )
                    messages.success(request, _("SOP saved."))
                return redirect("knowledge:sop_detail", sop.pk)
    else:
        if sop is not None:
            initial = {
                "title": sop.title,
                "department": sop.department_id,
                "owner": sop.owner_id,
                "review_date": sop.review_date,
                "cases": [c.pk for c in sop.cases.all()],
                "version": sop.version,
            }
        else:
            person = person_of(request.user)
            initial = {
                "owner": person.pk if person else None,
                "department": person.department_id if person else None,
                "review_date": timezone.localdate() + dt.timedelta(days=180),
            }
        form = SopForm(initial=initial, user=request.user, new=new)
    return render(request, "knowledge/sop_form.html", {"form": form, "sop": sop})


@page_view
def sop_create(request):
    return _sop_form_page(request, None)


@page_view
def sop_edit(request, sop_id: int):
    return _sop_form_page(request, access.access_sop(request.user, sop_id, write=True))


@page_view
def sop_version_new(request, sop_id: int):
    sop = access.access_sop(request.user, sop_id, write=True)
    latest = sop.versions.order_by("-number").first()
    if request.method == "POST":
        form = SopVersionForm(request.POST)
        if form.is_valid():
            with service_errors(form):
                version = services.sop_add_version(
                    actor=request.user,
                    sop=sop,
                    body_markdown=form.cleaned_data["body_markdown"],
                    change_note=form.cleaned_data["change_note"],
                )
                messages.success(request, _("Version %(number)s saved.") % {"number": version.number})
                return redirect("knowledge:sop_detail", sop.pk)
    else:
        form = SopVersionForm(initial={"body_markdown": latest.body_markdown if latest else ""})
    return render(request, "knowledge/sop_version_form.html", {"form": form, "sop": sop, "latest": latest})


@page_view
def sop_diff(request, sop_id: int):
    sop = access.access_sop(request.user, sop_id)
    versions = list(sop.versions.select_related("author").order_by("-number"))
    by_number = {v.number: v for v in versions}
    newest = versions[0].number if versions else 1
    new_number = int_param(request.GET.get("to")) or newest
    old_number = int_param(request.GET.get("from")) or max(new_number - 1, 1)
    if old_number not in by_number or new_number not in by_number:
        raise NotFound(_("SOP version not found."), field="number")
    old, new = by_number[old_number], by_number[new_number]
    lines = domain.line_diff(old.body_markdown, new.body_markdown)
    added, removed = domain.diff_counts(lines)
    return render(
        request,
        "knowledge/sop_diff.html",
        {
            "sop": sop,
            "versions": versions,
            "old": old,
            "new": new,
            "lines": lines,
            "added": added,
            "removed": removed,
        },
    )


@require_POST
@page_view
def sop_delete(request, sop_id: int):
    sop = access.access_sop(request.user, sop_id, delete=True)
    with service_errors(request):
        services.sop_delete(actor=request.user, sop=sop)
        messages.success(request, _("SOP deleted."))
        return redirect("knowledge:sops")
    return redirect("knowledge:sop_detail", sop.pk)


# --- annual report --------------------------------------------------------------------------------


def _report_context(request) -> dict:
    person = require_person(request.user)
    today = timezone.localdate()
    year = int_param(request.GET.get("year")) or today.year
    if not 1900 <= year <= 2999:
        year = today.year
    department_id = int_param(request.GET.get("department"))
    if "department" in request.GET and department_id is None and request.GET["department"] == "":
        department = None  # the whole company
    elif department_id is not None:
        department = access_department(request.user, department_id)
    else:
        department = (
            None if access.can_read_report(request.user, None) else (person.department if person else None)
        )
    access.require_report_reader(request.user, department)
    report = selectors.annual_report(year, department, user=request.user)
    departments = [
        d
        for d in Department.objects.filter(is_active=True).order_by("path")
        if access.can_read_report(request.user, d)
    ]
    return {
        "report": report,
        "year": year,
        "department": department,
        "departments": departments,
        "may_company": access.can_read_report(request.user, None),
        "years": list(range(today.year + 1, today.year - 5, -1)),
        "generated_at": timezone.localtime(),
    }


@page_view
def report(request):
    return render(request, "knowledge/report.html", _report_context(request))


@page_view
def report_pdf(request):
    context = _report_context(request)
    # ASCII only: a department's code may be Chinese, and the header must stay plain.
    department = context["department"]
    name = f"annual-report-{context['year']}-{f'department-{department.pk}' if department else 'company'}.pdf"
    back = f"{reverse('knowledge:report')}?year={context['year']}&department={department.pk if department else ''}"
    return report_response(
        request, "knowledge/report_print.html", context, as_pdf=True, filename=name, back_url=back
    )
