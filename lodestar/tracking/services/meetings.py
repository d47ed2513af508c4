"""The weekly meeting's writes: its decisions (follow-ups) and reminders to those who have not
reported yet."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.services import Actor, validated_save
from lodestar.execution import services as execution_services
from lodestar.execution.access import can_plan_in
from lodestar.goals.models import Goal
from lodestar.notifications import delivery
from lodestar.notifications.models import Notification
from lodestar.org.models import Department, Person
from lodestar.org.permissions import person_of
from lodestar.tracking.access import can_run_meeting, can_tick_decision
from lodestar.tracking.models import MeetingDecision

if TYPE_CHECKING:  # selectors read the services' plans: a runtime import would be circular
    from lodestar.tracking.selectors import Week

REMINDER_VERB = "report_reminder"


@transaction.atomic
def meeting_follow_up(
    *,
    actor: Actor,
    department: Department,
    week_start: dt.date,
    title: str,
    responsible: Person | None = None,
    due: dt.date | None = None,
    goal: Goal | None = None,
    description: str = "",
) -> MeetingDecision:
    """Record a decision of the department's meeting of the week starting `week_start` and
    capture it as an action item of the department (its R = the decision's owner). Members and
    managers of the department (`execution.access.can_plan_in`)."""
    if not can_plan_in(actor, department):
        raise PermissionDeniedError(
            _("You can plan items in your own department or in departments you manage.")
        )
    if week_start.weekday() != 0:
        raise ApplicationError(_("A meeting's week starts on a Monday."), field="week")
    title = (title or "").strip()
    if not title:
        raise ApplicationError(_("Write the decision."), field="title", code="required")
    item = execution_services.item_create(
        actor=actor,
        department=department,
        title=title,
        responsible=[responsible] if responsible else None,
        due=due,
        goal=goal,
        description=description,
    )
    return validated_save(
        MeetingDecision(
            department=department,
            week_start=week_start,
            text=title,
            owner=responsible,
            due=due,
            item=item,
            created_by=person_of(actor),
        )
    )


def decision_set_status(*, actor: Actor, decision: MeetingDecision, done: bool) -> MeetingDecision:
    """Tick a decision off (done) or open it again: the meeting's manager or the decision's owner."""
    if not can_tick_decision(actor, decision):
        raise PermissionDeniedError(_("Only the meeting's manager or the decision's owner can tick it off."))
    status = MeetingDecision.Status.DONE if done else MeetingDecision.Status.OPEN
    if decision.status != status:
        decision.status = status
        decision.done_at = timezone.now() if done else None
        decision.save(update_fields=["status", "done_at", "updated_at"])
    return decision


@transaction.atomic
def reporters_remind(
    *, actor: Actor, department: Department, week: Week, person: Person | None = None
) -> int:
    """Remind the department's missing reporters of `week` (or only `person`, who must be one of
    them; not the sender themself) to hand in their weekly report: one notification each, in the inbox and by email (the
    notifications app's channels), in the person's own language. Returns how many were sent.

    The meeting's manager only (`access.can_run_meeting`). Idempotent within a day: someone
    already reminded today (by anyone) is not reminded again; concurrent clicks are serialised on
    the department's row.
    """
    from lodestar.tracking.reporting import expected_reporters

    if not can_run_meeting(actor, department):
        raise PermissionDeniedError(_("Only a manager of the department can send reminders."))
    Department.objects.select_for_update().filter(pk=department.pk).first()
    missing = expected_reporters(department, week).missing
    if person is not None:
        missing = [p for p in missing if p.pk == person.pk]
        if not missing:
            raise ApplicationError(_("This person has nothing left to report this week."), field="person")
    if not missing:
        return 0
    today_start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    already = set(
        Notification.objects.filter(
            recipient__in=[p.pk for p in missing], verb=REMINDER_VERB, created_at__gte=today_start
        ).values_list("recipient_id", flat=True)
    )
    sender = person_of(actor)
    people = [
        p
        for p in Person.objects.filter(pk__in=[p.pk for p in missing]).select_related("user")
        if p.pk not in already and (sender is None or p.pk != sender.pk)
    ]
    languages = delivery.languages_of(people)
    url = f"{reverse('tracking:report')}?week={week.key}"
    pending = []
    for recipient in people:
        with translation.override(languages[recipient.pk]):
            title = _("Please hand in your weekly report for %(week)s (%(department)s weekly meeting)") % {
                "week": week.key,
                "department": department.name,
            }
            pending += delivery.queue(
                recipients=[recipient],
                channels=["inbox", "email"],
                title=title,
                body=_("The weekly meeting is waiting for your figures."),
                url=url,
                verb=REMINDER_VERB,
                actor=sender,
            )
    delivery.send_later(pending)
    return len(people)
