"""Background work of the goals module, run by the task worker (`manage.py db_worker`, or RQ).

- refresh_date_figures: nightly (00:05 local time). A goal's stored health is pace against the
  plan *to date* and turns into its final verdict (achieved / missed) once its period has ended,
  so it changes with the calendar even when nobody reports anything. The roll-up keeps it right
  on every write; this run keeps it right on the days without one. It is `rollup.rebuild_all`
  for `today`, which writes only the rows whose figures changed.
- weekly_snapshots: every Monday (00:30 local time). Snapshots of every running goal's figures for the
  week (`services.closing.take_weekly_snapshots`, once per goal and week), so trends are drawn without
  replaying history.
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


def next_monday_run(now: dt.datetime) -> dt.datetime:
    """00:30 local time on the next Monday."""
    local = timezone.localtime(now)
    days = 7 - local.weekday()
    return (local + dt.timedelta(days=days)).replace(hour=0, minute=30, second=0, microsecond=0)


@task
def weekly_snapshots(today: str | None = None, reschedule: bool = True) -> int:
    """Take this week's snapshots (idempotent); returns the number of rows written."""
    from lodestar.goals.services.closing import take_weekly_snapshots

    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    written = take_weekly_snapshots(day)
    if reschedule:
        enqueue_once(weekly_snapshots, run_after=next_monday_run(timezone.now()), reschedule=True)
    return written


def ensure_scheduled() -> bool:
    """Queue the nightly run and this week's snapshots unless already waiting; whether it queued one."""
    queued = enqueue_once(refresh_date_figures, reschedule=True)
    return enqueue_once(weekly_snapshots, reschedule=True) or queued
