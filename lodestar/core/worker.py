"""The task worker's safety net: tasks whose worker died are run again, and periodic tasks queue
their next run only once.

django-tasks-db claims a task by setting it RUNNING (under `select_for_update(skip_locked=True)`)
and only a live worker ever moves it on to SUCCESSFUL or FAILED. A worker killed mid-task (deploy,
OOM, SIGKILL, a lost machine) therefore leaves the task RUNNING for ever: it is never retried, and a
periodic task that queues its own next run at its end stops for good. `requeue_stale()` puts such
tasks back to READY:

- A worker of this machine (our worker ids are ``host:pid:random``) whose process is gone is dead
  at once — so `manage.py run_worker` restarting after a crash picks its task up again immediately.
- Any other RUNNING task counts as lost once it started longer than `LODESTAR_TASK_LEASE_MINUTES`
  ago (60 by default; longer than any of our tasks — a delivery batch is at most 200 × 10 s).
- A task that has already been claimed `MAX_CLAIMS` times is marked FAILED instead, so a task that
  kills its worker every time (e.g. out of memory) cannot loop for ever.

Running a task again is safe because every task body is idempotent: recurring items advance the
rule under a row lock in one transaction, alerts are unique per rule and subject while unresolved,
deliveries are claimed with a lease before they are sent, and `enqueue_once` keeps one next run
per periodic task.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import get_random_string

MAX_CLAIMS = 3
DEFAULT_LEASE_MINUTES = 60
LOST_EXCEPTION = "lodestar.core.worker.WorkerLost"


class WorkerLost(Exception):
    """Recorded on a task whose workers died `MAX_CLAIMS` times while running it."""


def uses_database_queue(backend) -> bool:
    # `django.tasks.default_task_backend` is a proxy: its own __class__ is not the backend's.
    return type(backend).__module__.startswith("django_tasks_db")


def _host() -> str:
    return socket.gethostname()[:40]


def new_worker_id() -> str:
    """``host:pid:random`` (at most 64 characters), so a sweep on this host can tell a dead worker."""
    return f"{_host()}:{os.getpid()}:{get_random_string(8)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user holds the pid: not ours, but alive
        return True
    return True


def worker_is_dead(worker_id: str) -> bool | None:
    """True/False for a worker id of this host; None when we cannot tell (another host, a foreign id)."""
    parts = worker_id.split(":")
    if len(parts) < 3 or not parts[-2].isdigit():
        return None
    host = ":".join(parts[:-2])
    if host != _host():
        return None
    return not _pid_alive(int(parts[-2]))


def lease() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "LODESTAR_TASK_LEASE_MINUTES", DEFAULT_LEASE_MINUTES))


def _is_lost(task, now: dt.datetime) -> bool:
    last_worker = task.worker_ids[-1] if task.worker_ids else ""
    dead = worker_is_dead(last_worker)
    if dead is not None:
        return dead
    return task.started_at is None or task.started_at < now - lease()


def requeue_stale(now: dt.datetime | None = None) -> dict[str, int]:
    """Put the RUNNING tasks of dead workers back to READY (or FAILED after `MAX_CLAIMS`)."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0}
    for task in DBTaskResult.objects.filter(status="RUNNING").only("id", "worker_ids", "started_at"):
        if not _is_lost(task, now):
            continue
        # Conditional on the same claim: another sweep, or the worker finishing after all, wins.
        same_claim = DBTaskResult.objects.filter(pk=task.pk, status="RUNNING", worker_ids=task.worker_ids)
        if len(task.worker_ids) >= MAX_CLAIMS:
            done = same_claim.update(
                status="FAILED",
                finished_at=now,
                exception_class_path=LOST_EXCEPTION,
                traceback=f"{LOST_EXCEPTION}: the worker died {len(task.worker_ids)} times running this task",
            )
            counts["failed"] += done
        else:
            counts["requeued"] += same_claim.update(status="READY", started_at=None)
    return counts


def enqueue_once(the_task, *, run_after: dt.datetime | None = None, **kwargs) -> bool:
    """Queue a periodic task's next run unless one is already waiting; returns whether it queued.

    A run that is retried after its worker died may already have queued its successor; without
    this check every crash would add one more copy of the periodic chain.
    """
    backend = the_task.get_backend()
    if not backend.supports_defer:
        return False
    if uses_database_queue(backend):
        from django_tasks_db.models import DBTaskResult

        if DBTaskResult.objects.filter(task_path=the_task.module_path, status="READY").exists():
            return False
    (the_task.using(run_after=run_after) if run_after else the_task).enqueue(**kwargs)
    return True


# Each app's `ensure_scheduled` (queue the first run of its periodic tasks), registered in its
# AppConfig.ready(): `manage.py schedule_tasks` lives in core and never imports the apps above it.
_RECURRING: list[Callable[[], object]] = []


def register_recurring(ensure_scheduled: Callable[[], object]) -> None:
    """Add an app's scheduler to those `schedule_tasks` runs (once, however often ready() runs)."""
    if ensure_scheduled not in _RECURRING:
        _RECURRING.append(ensure_scheduled)


def schedule_recurring() -> bool:
    """Queue every registered app's periodic tasks that are not queued yet; True if any was queued."""
    queued = False
    for ensure_scheduled in _RECURRING:
        queued = bool(ensure_scheduled()) or queued
    return queued
