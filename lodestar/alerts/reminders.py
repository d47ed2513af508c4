"""Weekly check-in reminders: each person with measures not yet reported this ISO week is reminded
once, at their own day and time, outside their quiet hours, in their own language."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lodestar.alerts.models import CheckInReminder
from lodestar.alerts.subjects import leaf_measures
from lodestar.goals.models import Goal, GoalStatus, Measure
from lodestar.notifications import delivery
from lodestar.notifications.models import Notification, NotificationPreference
from lodestar.org.models import Person
from lodestar.tracking.models import CheckIn

REMINDER_VERB = "checkin_reminder"


def _week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.isoweekday() - 1)
    return monday, monday + dt.timedelta(days=6)


def people_due_checkin(today: dt.date) -> dict[int, list[Measure]]:
    """Owners of active goals' measures with no check-in for the ISO week of `today` → those measures."""
    monday, sunday = _week_bounds(today)
    reported = CheckIn.objects.filter(period_end__gte=monday, period_start__lte=sunday, measure__isnull=False)
    measures = (
        leaf_measures(
            Goal.objects.filter(status=GoalStatus.ACTIVE, owner__isnull=False, owner__is_active=True)
        )
        .filter(goal__period__start__lte=sunday, goal__period__end__gte=monday)
        .exclude(pk__in=reported.values("measure"))
    )
    due: dict[int, list[Measure]] = {}
    for measure in measures:
        due.setdefault(measure.goal.owner_id, []).append(measure)
    return due


def send_checkin_reminders(now: dt.datetime | None = None) -> int:
    """Remind each person with due check-ins once a week, at their reminder day and time (Friday
    16:00 by default) or later that week, never inside their quiet hours; returns how many.

    Safe to run twice at once: each reminder first claims its (person, week) row, whose unique
    constraint lets exactly one run through; the other run's insert fails in its savepoint (on
    PostgreSQL it waits for the first run's commit) and it skips that person. Each reminder is
    written in the person's own language (their notification preference, else the site's).
    """
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    monday, _sunday = _week_bounds(today)
    week_start = timezone.make_aware(dt.datetime.combine(monday, dt.time.min))
    due = people_due_checkin(today)
    if not due:
        return 0
    preferences = {p.person_id: p for p in NotificationPreference.objects.filter(person__in=due)}
    already = set(
        CheckInReminder.objects.filter(person__in=due, week_start=monday).values_list("person", flat=True)
    ) | set(  # reminders sent before the claims existed
        Notification.objects.filter(
            recipient__in=due, verb=REMINDER_VERB, created_at__gte=week_start
        ).values_list("recipient", flat=True)
    )
    people = {p.pk: p for p in Person.objects.filter(pk__in=due).select_related("user")}
    sent = 0
    for person_id, measures in due.items():
        if person_id in already or person_id not in people:
            continue
        preference = preferences.get(person_id) or NotificationPreference(person_id=person_id)
        reminder_time = preference.reminder_time
        if isinstance(reminder_time, str):
            reminder_time = dt.time.fromisoformat(reminder_time)
        moment = (preference.reminder_weekday, reminder_time)
        if (today.isoweekday(), local.time().replace(tzinfo=None)) < moment:
            continue
        if delivery.quiet_until(preference, now) is not None:
            continue
        if _send_reminder(people[person_id], measures, monday, preference.language or settings.LANGUAGE_CODE):
            sent += 1
    return sent


def _send_reminder(person: Person, measures: list[Measure], monday: dt.date, language: str) -> bool:
    """Claim this week's reminder for the person and queue it; False when another run has it."""
    try:
        with transaction.atomic():
            CheckInReminder.objects.create(person=person, week_start=monday)
            with translation.override(language):
                names = "、".join(f"{m.goal.name} · {m.name}" for m in measures[:5])
                title = _("Weekly check-in due: %(names)s") % {"names": names}
                if len(measures) > 5:
                    title += " " + _("and %(count)s more") % {"count": len(measures) - 5}
                pending = delivery.queue(
                    recipients=[person],
                    channels=["inbox", "email"],
                    title=title,
                    body=_("Please record this week's figures before the weekly meeting."),
                    url=reverse("goals:detail", args=[measures[0].goal_id]),
                    verb=REMINDER_VERB,
                )
    except IntegrityError:
        return False
    delivery.send_later(pending)
    return True
