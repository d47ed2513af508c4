"""Stage reminders and overdue notices through the notification channels, each sent once."""

from __future__ import annotations

import datetime as dt

from lodestar.appraisal.models import CycleStage, Stage
from lodestar.appraisal.services import cycles
from lodestar.appraisal.services.reminders import send_stage_reminders
from lodestar.appraisal.tasks import remind_stages
from lodestar.notifications.models import Notification


def _cycle(aw):
    cycle = cycles.cycle_create(
        actor=aw.user("hr"),
        period=aw.q3,
        departments=[aw.org.mkt],
        stage_dates=[{"stage": "self", "starts": dt.date(2024, 10, 1), "ends": dt.date(2024, 10, 5)}],
    )
    return cycles.cycle_start(actor=aw.user("hr"), cycle=cycle, version=cycle.version)


def test_a_reminder_two_days_before_the_stage_ends_then_nothing_more(aw):
    cycle = _cycle(aw)
    assert cycle.stage == Stage.SELF
    Notification.objects.all().delete()
    assert send_stage_reminders(dt.date(2024, 10, 2)) == 0  # three days left: not yet
    assert send_stage_reminders(dt.date(2024, 10, 3)) == 1
    notice = Notification.objects.get()
    assert notice.recipient == aw.person
    assert "2024-10-05" in notice.title
    assert send_stage_reminders(dt.date(2024, 10, 4)) == 0  # once per stage


def test_overdue_tells_the_reviewer_and_hr_once(aw):
    _cycle(aw)
    Notification.objects.all().delete()
    sent = send_stage_reminders(dt.date(2024, 10, 6))
    recipients = set(Notification.objects.values_list("recipient__user__username", flat=True))
    assert sent == 2 and recipients == {"member", "hr"}
    assert set(Notification.objects.values_list("verb", flat=True)) == {"overdue"}
    assert send_stage_reminders(dt.date(2024, 10, 7)) == 0
    assert CycleStage.objects.get().overdue_notified_at is not None


def test_a_submitted_review_is_not_reminded(aw):
    cycle = _cycle(aw)
    aw.rate_worked_example(cycle)
    Notification.objects.all().delete()
    assert send_stage_reminders(dt.date(2024, 10, 6)) == 0


def test_the_daily_task_runs_the_reminders(aw):
    _cycle(aw)
    Notification.objects.all().delete()
    assert remind_stages.call(today="2024-10-03", reschedule=False) == 1
