"""Background work of the goals module, run by the task worker (`manage.py db_worker`, or RQ).

- refresh_date_figures: nightly (00:05 local time). A goal's stored health is pace against the
  plan *to date* and turns into its final verdict (achieved / missed) once its period has ended,
  so it changes with the calendar even when nobody reports anything. The roll-up keeps it right
  on every write; this run keeps it right on the days without one. It is `rollup.rebuild_all`
  for `today`, which writes only the rows whose figures changed.
"""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone

from lodestar.core.worker import enqueue_once

TASK_PATH = "lodestar.goals.tasks.refresh_date_figures"


def next_run_time(now: dt.datetime) -> dt.datetime:
    """00:05 local time on the next day: the new date's figures are there before anyone looks."""
    local = timezone.localtime(now)
    return (local + dt.timedelta(days=1)).replace(hour=0, minute=5, second=0, microsecond=0)


@task
def refresh_date_figures(today: str | None = None, reschedule: bool = True) -> int:
    """Recompute the figures that depend on the date (health, final status) as of `today`
    (ISO date; the local date by default); returns the number of goals checked."""
    from lodestar.goals.rollup import rebuild_all

    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    checked = rebuild_all(today=day)
    if reschedule:
        enqueue_once(refresh_date_figures, run_after=next_run_time(timezone.now()), reschedule=True)
    return checked


def refresh_after_period_closing(sender, *, period_id: int, is_closed: bool, **kwargs) -> None:
    """A period was closed or reopened: its goals take (or leave) their final status now, on the
    worker, instead of at the next nightly run."""
    refresh_date_figures.enqueue(reschedule=False)


def ensure_scheduled() -> bool:
    """Queue the nightly run unless one is already waiting; returns whether it queued one."""
    return enqueue_once(refresh_date_figures, reschedule=True)
