"""Background work of alerting, run by the task worker (`manage.py db_worker`, or RQ).

Each periodic task queues its own next run (`run_after`) when the backend supports deferred
tasks; `manage.py schedule_tasks` (→ `ensure_scheduled`) queues the first run of each.

- evaluate_alerts: every hour, all active alert rules.
- deliver_pending: every minute, pending email and webhook deliveries (retries with backoff).
- escalate_alerts: every hour, unacknowledged alerts up the reporting line.
- send_checkin_reminders: every 15 minutes; each person is reminded once a week at their own
  day and time (NotificationPreference, Friday 16:00 by default), outside their quiet hours.
- requeue_stale_tasks (lodestar.core.tasks): every 5 minutes, tasks left RUNNING by a dead worker.
"""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone

from lodestar.core.tasks import requeue_stale_tasks
from lodestar.core.worker import enqueue_once

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
REMINDER_STEP = dt.timedelta(minutes=15)


def _again(the_task, delay: dt.timedelta, reschedule: bool) -> None:
    # Once only: a run retried after its worker died may already have queued its successor.
    if reschedule:
        enqueue_once(the_task, run_after=timezone.now() + delay, reschedule=True)


@task
def evaluate_alerts(reschedule: bool = True) -> int:
    """Evaluate every active alert rule; returns how many alerts were raised."""
    from lodestar.tracking.alerts import evaluate_rules

    raised = len(evaluate_rules())
    _again(evaluate_alerts, HOUR, reschedule)
    return raised


@task
def deliver_pending(reschedule: bool = True) -> int:
    from lodestar.notifications import delivery

    sent = delivery.deliver_pending()
    _again(deliver_pending, MINUTE, reschedule)
    return sent


@task
def escalate_alerts(reschedule: bool = True) -> int:
    from lodestar.tracking import alerts

    escalated = len(alerts.escalate_alerts())
    _again(escalate_alerts, HOUR, reschedule)
    return escalated


@task
def send_deliveries(ids: list[int]) -> int:
    """The first attempt of the deliveries of a just-raised alert."""
    from lodestar.notifications import delivery

    return delivery.deliver_ids(ids)


@task
def send_checkin_reminders(reschedule: bool = True) -> int:
    from lodestar.tracking.alerts import send_checkin_reminders as run

    sent = run()
    _again(send_checkin_reminders, REMINDER_STEP, reschedule)
    return sent


PERIODIC = {
    "lodestar.tracking.tasks.evaluate_alerts": evaluate_alerts,
    "lodestar.tracking.tasks.deliver_pending": deliver_pending,
    "lodestar.tracking.tasks.escalate_alerts": escalate_alerts,
    "lodestar.tracking.tasks.send_checkin_reminders": send_checkin_reminders,
    "lodestar.core.tasks.requeue_stale_tasks": requeue_stale_tasks,
}


def ensure_scheduled() -> list[str]:
    """Queue each periodic task unless a run is already waiting; returns the ones queued."""
    return [path for path, the_task in PERIODIC.items() if enqueue_once(the_task, reschedule=True)]
