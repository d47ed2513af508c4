"""The weekly meeting (周例会) as it is held: who has not reported (填报人数 2 / 9) with a one-click
reminder, exceptions first, the decisions taken (and last week's, to tick off), and the minutes
as a printable page made of the same template parts."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.http import add_error_to_form, int_param, page_view
from lodestar.core.pdf import report_response
from lodestar.execution.access import can_plan_in
from lodestar.org.models import Person
from lodestar.org.permissions import person_of, require_person
from lodestar.tracking import reporting, selectors, services
from lodestar.tracking.access import can_run_meeting, can_tick_decision
from lodestar.tracking.forms import FollowUpForm
from lodestar.tracking.models import MeetingDecision
from lodestar.tracking.views import _checkin_view, _department_scope, _departments, _may_read_department


def _meeting_people(department):
    return list(
        Person.objects.filter(is_active=True, department__path__startswith=department.path).order_by(
            "department__path", "display_name"
        )
    )


def _meeting_url(department, week) -> str:
    return f"{reverse('tracking:meeting')}?department={department.pk}&week={week.key}"


def _meeting_context(request, department, week, *, form=None, goals=None) -> dict:
    """What the meeting page and its minutes show (the same parts)."""
    today = timezone.localdate()
    if goals is None:
        goals = selectors.department_goals(request.user, department, week)
    items = selectors.department_open_items(request.user, department, today)
    for item in items:
        item.responsible = [r.person for r in item.raci.all() if r.person_id]
        item.overdue_days = (today - item.due).days if item.due and item.due < today else 0
    checkins = selectors.department_checkins(request.user, department, week)
    help_rows = [_checkin_view(c) for c in checkins if selectors.needs_help(c)]
    decisions = reporting.meeting_decisions(department, week)
    carried = reporting.carried_decisions(department, week)
    for decision in (*decisions, *carried):
        decision.can_tick = can_tick_decision(request.user, decision)
        decision.overdue = decision.status == "open" and decision.due is not None and decision.due < today
    reader = person_of(request.user)
    expected = reporting.expected_reporters(department, week)
    return {
        "department": department,
        "departments": _departments(),
        "week": week,
        "today": today,
        "exception_goals": [g for g in goals if g.health in ("off_track", "at_risk")],
        "other_goals": [g for g in goals if g.health not in ("off_track", "at_risk")],
        "overdue_items": [i for i in items if i.overdue_days and i.status != "blocked"],
        "blocked_items": [i for i in items if i.status == "blocked"],
        "help_rows": help_rows,
        "resource_rows": [r for r in help_rows if r["resources"]],
        "reporting": expected,
        # Whom "remind all" reaches: the missing, but not the reader themself.
        "remindable": [p for p in expected.missing if reader is None or p.pk != reader.pk],
        "decisions": decisions,
        "carried_decisions": carried,
        "can_remind": can_run_meeting(request.user, department),
        "reader": reader,
        "can_follow_up": can_plan_in(request.user, department),
        "form": form,
        "section": "meeting",
    }


@page_view
def meeting(request):
    """The weekly meeting (周例会): who has not reported, exceptions first, decisions."""
    _person, department = _department_scope(request)
    week = selectors.parse_week(request.GET.get("week"), timezone.localdate())
    people = _meeting_people(department)
    goals = selectors.department_goals(request.user, department, week)
    form = FollowUpForm(people=people, goals=goals)
    if request.method == "POST":
        if not can_plan_in(request.user, department):
            raise PermissionDeniedError(
                _("You can plan items in your own department or in departments you manage.")
            )
        form = FollowUpForm(request.POST, people=people, goals=goals)
        if form.is_valid():
            data = form.cleaned_data
            try:
                decision = services.meeting_follow_up(
                    actor=request.user,
                    department=department,
                    week_start=week.start,
                    title=data["title"],
                    responsible=next((p for p in people if p.pk == data["responsible"]), None),
                    due=data["due"],
                    goal=next((g for g in goals if g.pk == data["goal"]), None),
                    description=data["description"],
                )
            except ApplicationError as exc:
                if isinstance(exc, PermissionDeniedError):
                    raise
                add_error_to_form(form, exc)
            else:
                messages.success(
                    request,
                    _("Decision “%(title)s” recorded and added to the action plan.")
                    % {"title": decision.text},
                )
                return redirect(_meeting_url(department, week))
    context = _meeting_context(request, department, week, form=form, goals=goals)
    query = f"?department={department.pk}&week={week.key}"
    context["minutes_url"] = reverse("tracking:meeting_minutes") + query
    context["minutes_pdf_url"] = reverse("tracking:meeting_minutes_pdf") + query
    return render(request, "tracking/meeting.html", context)


@page_view
def meeting_minutes(request, as_pdf: bool = False):
    """The meeting's minutes (会议纪要) as a printable page or a PDF: the same parts, without the
    controls."""
    _person, department = _department_scope(request)
    week = selectors.parse_week(request.GET.get("week"), timezone.localdate())
    context = _meeting_context(request, department, week)
    context.update(
        printing=True,
        can_remind=False,
        can_follow_up=False,
        generated_at=timezone.localtime(),
        attendees=_meeting_people(department),
    )
    for decision in (*context["decisions"], *context["carried_decisions"]):
        decision.can_tick = False
    query = f"?department={department.pk}&week={week.key}"
    context["minutes_pdf_url"] = reverse("tracking:meeting_minutes_pdf") + query
    return report_response(
        request,
        "tracking/meeting_minutes.html",
        context,
        as_pdf=as_pdf,
        filename=f"meeting-minutes-{department.pk}-{week.key}.pdf",
        back_url=reverse("tracking:meeting") + query,
    )


@page_view
@require_POST
def meeting_remind(request):
    """Remind the missing reporters of the week (all, or `person`): the meeting's manager."""
    _person, department = _department_scope(request)
    week = selectors.parse_week(request.GET.get("week"), timezone.localdate())
    person = None
    if request.POST.get("person"):
        person = Person.objects.filter(pk=int_param(request.POST.get("person")) or 0).first()
        if person is None:
            raise Http404(_("Person not found."))
    try:
        sent = services.reporters_remind(actor=request.user, department=department, week=week, person=person)
    except ApplicationError as exc:
        if isinstance(exc, PermissionDeniedError):
            raise
        messages.error(request, exc.message)
    else:
        if sent:
            messages.success(request, _("Reminder sent to %(count)s people.") % {"count": sent})
        else:
            messages.info(request, _("Everyone missing was already reminded today."))
    return redirect(_meeting_url(department, week))


@page_view
@require_POST
def decision_status(request, decision_id: int):
    """Tick a meeting decision off (done=1) or open it again (done=0)."""
    decision = MeetingDecision.objects.select_related("department").filter(pk=decision_id).first()
    if decision is None or not _may_read_department(
        request.user, require_person(request.user), decision.department
    ):
        raise Http404(_("Decision not found."))
    services.decision_set_status(actor=request.user, decision=decision, done=request.POST.get("done") == "1")
    week = selectors.parse_week(request.GET.get("week"), timezone.localdate())
    return redirect(_meeting_url(decision.department, week))
