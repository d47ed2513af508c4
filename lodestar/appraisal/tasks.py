"""Background work of appraisal, run by the task worker.

- start_cycle: creates a large cycle's appraisals (`services.cycles.start_appraisals`, one transaction).
- remind_stages: daily (07:00 local time): for each running cycle's current stage, reminds reviewers
  with a pending review once when the stage has two days left, and tells them and HR once when it is
  overdue (`services.reminders.send_stage_reminders`). `manage.py schedule_tasks` queues the first run.
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
def start_cycle(cycle_id: int) -> int:
    from lodestar.appraisal.services.cycles import start_appraisals

    return start_appraisals(cycle_id)


@task
def remind_stages(today: str | None = None, reschedule: bool = True) -> int:
    """Send the due stage reminders and overdue notices; returns how many people were told."""
    from lodestar.appraisal.services.reminders import send_stage_reminders

    sent = send_stage_reminders(dt.date.fromisoformat(today) if today else None)
    if reschedule:
        enqueue_once(remind_stages, run_after=next_run_time(timezone.now()), reschedule=True)
    return sent


def ensure_scheduled() -> bool:
    return enqueue_once(remind_stages, reschedule=True)
