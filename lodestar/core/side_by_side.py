"""Read-only work run side by side: a dashboard's panels (看板, issue 16) each wait on their own query.

A panel spends about half its time in Python and half waiting for the database. Run one after the
other, the company dashboard at scale L waits for nine queries in turn; run on two threads, one panel's
query runs in the database while another panel's rows are turned into figures (the sqlite3 and psycopg
drivers release the GIL while a query runs). Measured at L on a two-core machine: PostgreSQL 293 → 169 ms,
SQLite 287 → 213 ms for the nine panels (bench/README.md, "Sixth pass").

Each helper thread reads through its own database connection, kept as the request's is (CONN_MAX_AGE,
CONN_HEALTH_CHECKS): a new PostgreSQL connection costs a few milliseconds and a cold catalog cache.
The callables see the caller's language and time zone (both are per thread in Django).

The work runs in the calling thread instead, one call after the other, when another connection could
not see what the caller sees:
- inside a transaction (`atomic`): its uncommitted writes — every test that is not transactional;
- on an in-memory SQLite database, which only the connection that made it holds;
- when `SIDE_BY_SIDE_WORKERS` is 0, or for a single call;
- in a helper thread (a call that runs calls side by side would otherwise wait for a helper that waits
  for it).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone, translation

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None  # a pool made before a fork has no threads in the child
_pool_size = 0
_helper = threading.local()  # set in the helper threads: a call that runs calls side by side runs them itself


def workers() -> int:
    return int(getattr(settings, "SIDE_BY_SIDE_WORKERS", 2))


def can_run_side_by_side() -> bool:
    """Whether another connection would read what the calling thread's connection reads now."""
    connection = connections[DEFAULT_DB_ALIAS]
    if workers() < 1 or connection.in_atomic_block or getattr(_helper, "active", False):
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())  # type: ignore[attr-defined]


def run_side_by_side[T](calls: Sequence[Callable[[], T]]) -> list[T]:
    """Each call's result, in the order of `calls`; a call's exception is raised here, as if the calls
    had run one after the other (the others still finish first)."""
    if len(calls) < 2 or not can_run_side_by_side():
        return [call() for call in calls]
    language = translation.get_language()
    zone = timezone.get_current_timezone()
    pool = _the_pool()
    futures = [pool.submit(_in_helper, call, language, zone) for call in calls]
    wait(futures)  # none still reading when the caller goes on, even after a failure
    return [future.result() for future in futures]


def close_connections() -> None:
    """Close the helper threads' connections (a test database cannot be dropped while they are open).
    Each helper runs exactly one of the closing tasks: they wait for each other at a barrier."""
    with _lock:
        pool = _pool if _pool_pid == os.getpid() else None
        count = _pool_size
    if pool is None:
        return
    barrier = threading.Barrier(count)

    def close() -> None:
        barrier.wait(timeout=10)
        connections.close_all()

    for future in [pool.submit(close) for _ in range(count)]:
        future.result()


def _the_pool() -> ThreadPoolExecutor:
    global _pool, _pool_pid, _pool_size
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool_size = workers()
            _pool = ThreadPoolExecutor(max_workers=_pool_size, thread_name_prefix="side-by-side")
            _pool_pid = os.getpid()
        return _pool


def _in_helper[T](call: Callable[[], T], language: str | None, zone) -> T:
    # As at the start of a request: a connection past CONN_MAX_AGE or broken is closed, and with
    # CONN_HEALTH_CHECKS the next query first checks that the kept one still works.
    connections[DEFAULT_DB_ALIAS].close_if_unusable_or_obsolete()
    _helper.active = True
    with translation.override(language), timezone.override(zone):
        return call()
