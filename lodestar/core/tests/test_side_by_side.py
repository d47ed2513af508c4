"""Read-only calls run side by side (core/side_by_side.py): on helper threads with their own connections
when those read what the caller reads, in the caller's thread otherwise; results in order, the caller's
language and time zone, a call's exception raised to the caller.

The helpers need committed data: those tests are transactional and run where another connection reaches
the test database (PostgreSQL; SQLite's test database lives in one connection's memory, where the calls
stay in the calling thread — tested too).
"""

from __future__ import annotations

import threading
import zoneinfo

import pytest
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lodestar.core import side_by_side
from lodestar.core.models import Period, PeriodKind
from lodestar.core.side_by_side import can_run_side_by_side, run_side_by_side


def _thread() -> int:
    return threading.get_ident()


@pytest.mark.django_db
def test_inside_a_transaction_the_calls_run_in_the_callers_thread_in_order():
    assert connection.in_atomic_block  # the test's own transaction
    assert not can_run_side_by_side()
    results = run_side_by_side([_thread, lambda: "second", _thread])
    assert results == [threading.get_ident(), "second", threading.get_ident()]


@pytest.mark.django_db
def test_no_workers_runs_the_calls_in_order(settings):
    settings.SIDE_BY_SIDE_WORKERS = 0
    assert not can_run_side_by_side()
    assert run_side_by_side([lambda: 1, lambda: 2]) == [1, 2]


def test_the_helpers_only_run_where_another_connection_reads_the_same_database(settings):
    settings.SIDE_BY_SIDE_WORKERS = 2
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    assert can_run_side_by_side() is not in_memory


@pytest.fixture
def helpers(settings):
    """Helpers on for the test; their connections closed after it (the test database is flushed and
    finally dropped, which PostgreSQL refuses while another connection is open)."""
    settings.SIDE_BY_SIDE_WORKERS = 2
    if not can_run_side_by_side():
        pytest.skip("the test database lives in one connection's memory: the calls stay in this thread")
    yield
    side_by_side.close_connections()


@pytest.mark.django_db(transaction=True)
def test_helpers_read_committed_rows_in_the_callers_language_and_time_zone(helpers):
    Period.objects.create(
        kind=PeriodKind.MONTH, key="2031-07", name="2031年7月", start="2031-07-01", end="2031-07-31"
    )
    here = threading.get_ident()

    def seen():
        return (
            threading.get_ident() != here,
            Period.objects.filter(key="2031-07").count(),
            translation.get_language(),
            _("Goal"),
            timezone.get_current_timezone_name(),
        )

    with translation.override("en"), timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        english = run_side_by_side([seen, seen, seen])
    with translation.override("zh-hans"):
        chinese = run_side_by_side([seen, seen])
    assert english == [(True, 1, "en", "Goal", "Europe/Berlin")] * 3
    assert chinese == [(True, 1, "zh-hans", "目标", timezone.get_default_timezone_name())] * 2


@pytest.mark.django_db(transaction=True)
def test_calls_run_side_by_side_from_a_helper_run_in_that_helper(helpers):
    """A helper waiting for work queued behind it would wait for ever: nested calls run where they are."""

    def nested():
        outer = threading.get_ident()
        return run_side_by_side([_thread, _thread, _thread]) == [outer] * 3

    assert run_side_by_side([nested, nested, nested, nested]) == [True] * 4


@pytest.mark.django_db(transaction=True)
def test_a_calls_exception_reaches_the_caller_after_the_others_finish(helpers):
    finished = []

    def fails():
        raise ValueError("panel failed")

    def slow():
        Period.objects.count()
        finished.append(True)
        return "done"

    with pytest.raises(ValueError, match="panel failed"):
        run_side_by_side([fails, slow, slow])
    assert finished == [True, True]
    # the helpers still work afterwards
    assert run_side_by_side([lambda: Period.objects.count(), lambda: 2]) == [Period.objects.count(), 2]


@pytest.mark.django_db(transaction=True)
def test_a_broken_helper_connection_is_replaced(helpers):
    """A helper's kept connection that failed (a server restart, a killed backend) is not reused."""
    from django.db import connections

    def break_own_connection():
        own = connections["default"]
        own.ensure_connection()
        own.errors_occurred = True
        own.connection.close()  # the socket is gone; Django has not noticed
        return True

    assert run_side_by_side([break_own_connection, break_own_connection]) == [True, True]
    assert run_side_by_side([Period.objects.count, Period.objects.count]) == [0, 0]
