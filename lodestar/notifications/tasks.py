"""Background work of notifications, run by the task worker (`manage.py db_worker`, or RQ).

- deliver_pending: every minute, pending email and webhook deliveries (retries with backoff);
  it queues its own next run, `manage.py schedule_tasks` (→ `ensure_scheduled`) the first.
- send_deliveries: the first attempt of just-queued deliveries (`delivery.send_later`).
"""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone

from lodestar.core.worker import enqueue_once

MINUTE = dt.timedelta(minutes=1)


@task
def deliver_pending(reschedule: bool = True) -> int:
    from lodestar.notifications import delivery

    sent = delivery.deliver_pending()
    if reschedule:  # once only: a retried run may already have queued its successor
        enqueue_once(deliver_pending, run_after=timezone.now() + MINUTE, reschedule=True)
    return sent


@task
def send_deliveries(ids: list[int]) -> int:
    """The first attempt of the deliveries of a just-raised alert."""
    from lodestar.notifications import delivery

    return delivery.deliver_ids(ids)


PERIODIC = {"lodestar.notifications.tasks.deliver_pending": deliver_pending}


def ensure_scheduled() -> list[str]:
    """Queue each periodic task unless a run is already waiting; returns the ones queued."""
    return [path for path, the_task in PERIODIC.items() if enqueue_once(the_task, reschedule=True)]
