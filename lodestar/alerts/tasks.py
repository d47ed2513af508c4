"""Background work of alerting, run by the task worker (`manage.py db_worker`, or RQ).

Each periodic task queues its own next run (`run_after`) when the backend supports deferred
tasks; `manage.py schedule_tasks` (→ `ensure_scheduled`) queues the first run of each.

- evaluate_alerts: every hour, all active alert rules.
- escalate_alerts: every hour, unacknowledged alerts up the reporting line.
- send_checkin_reminders: every 15 minutes; each person is reminded once a week at their own
  day and time (NotificationPreference, Friday 16:00 by default), outside their quiet hours.

The deliveries the alerts queue are sent by `lodestar.notifications.tasks`.
"""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone

from lodestar.core.worker import enqueue_once

HOUR = dt.timedelta(hours=1)
REMINDER_STEP = dt.timedelta(minutes=15)


def _again(the_task, delay: dt.timedelta, reschedule: bool) -> None:
    # Once only: a run retried after its worker died may already have queued its successor.
    if reschedule:
        enqueue_once(the_task, run_after=timezone.now() + delay, reschedule=True)


@task
def evaluate_alerts(reschedule: bool = True) -> int:
    """Evaluate every active alert rule; returns how many alerts were raised."""
    from lodestar.alerts.evaluation import evaluate_rules

    raised = len(evaluate_rules())
    _again(evaluate_alerts, HOUR, reschedule)
    return raised


@task
def escalate_alerts(reschedule: bool = True) -> int:
    from lodestar.alerts import escalation

    escalated = len(escalation.escalate_alerts())
    _again(escalate_alerts, HOUR, reschedule)
    return escalated


@task
def send_checkin_reminders(reschedule: bool = True) -> int:
    from lodestar.alerts.reminders import send_checkin_reminders as run

    sent = run()
    _again(send_checkin_reminders, REMINDER_STEP, reschedule)
    return sent


PERIODIC = {
    "lodestar.alerts.tasks.evaluate_alerts": evaluate_alerts,
    "lodestar.alerts.tasks.escalate_alerts": escalate_alerts,
    "lodestar.alerts.tasks.send_checkin_reminders": send_checkin_reminders,
}


def ensure_scheduled() -> list[str]:
    """Queue each periodic task unless a run is already waiting; returns the ones queued."""
    return [path for path, the_task in PERIODIC.items() if enqueue_once(the_task, reschedule=True)]
