"""Background work of the knowledge library, run by the task worker.

- remind_sop_reviews: daily (07:00 local time), tells each SOP's owner once that its review date has
  come (`lodestar.knowledge.services.send_review_reminders`). `manage.py schedule_tasks` queues the
  first run (`ensure_scheduled`); each run queues the next.
"""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone

from lodestar.core.worker import enqueue_once


def next_run_time(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return (local + dt.timedelta(days=1)).replace(hour=7, minute=0, second=0, microsecond=0)


@task
def remind_sop_reviews(today: str | None = None, reschedule: bool = True) -> int:
    """Remind the owners of SOPs whose review date has come; returns how many were notified."""
    from lodestar.knowledge.services import send_review_reminders

    sent = send_review_reminders(dt.date.fromisoformat(today) if today else None)
    if reschedule:
        enqueue_once(remind_sop_reviews, run_after=next_run_time(timezone.now()), reschedule=True)
    return sent


def ensure_scheduled() -> bool:
    return enqueue_once(remind_sop_reviews, reschedule=True)
