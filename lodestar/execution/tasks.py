"""Background work of the execution module, run by the task worker (`manage.py db_worker`)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone

from lodestar.core.worker import enqueue_once
from lodestar.execution import services

TASK_PATH = "lodestar.execution.tasks.generate_recurring_items"


def next_run_time(now: dt.datetime) -> dt.datetime:
    """06:00 local time on the next day: recurring items appear before the working day starts."""
    local = timezone.localtime(now)
    tomorrow = (local + dt.timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    return tomorrow


@task
def generate_recurring_items(reschedule: bool = True) -> int:
    """Create the due recurring items (周报, 周例会), then queue the next daily run."""
    created = services.generate_recurring_items()
    if reschedule:
        enqueue_once(generate_recurring_items, run_after=next_run_time(timezone.now()), reschedule=True)
    return created


def ensure_scheduled() -> bool:
    """Queue the daily run unless one is already waiting; returns whether it queued one."""
    return enqueue_once(generate_recurring_items, reschedule=True)
