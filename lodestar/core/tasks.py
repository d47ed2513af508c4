"""Background work of the core: the sweep that re-queues the tasks of dead workers (see worker.py)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone

from lodestar.core import worker

SWEEP_EVERY = dt.timedelta(minutes=5)


@task
def requeue_stale_tasks(reschedule: bool = True) -> int:
    """Every five minutes: a worker that died without being restarted does not strand its task."""
    counts = worker.requeue_stale()
    if reschedule:
        worker.enqueue_once(requeue_stale_tasks, run_after=timezone.now() + SWEEP_EVERY, reschedule=True)
    return counts["requeued"]


def ensure_scheduled() -> bool:
    """Queue the stale-task sweep's first run (`manage.py schedule_tasks`)."""
    return worker.enqueue_once(requeue_stale_tasks, reschedule=True)
