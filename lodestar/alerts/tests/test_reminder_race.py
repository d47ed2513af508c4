"""Two reminder runs at the same moment, on PostgreSQL: each person is reminded once a week.

Run A claims the person's (person, week) reminder row and is held just before it writes the
message; run B starts meanwhile and sees neither A's claim nor A's message (both uncommitted).
B's own claim must wait for A's row and then be refused — without the claim both runs send it.

SQLite is skipped: its writers are serialised anyway (see lodestar/core/tests/test_version_race.py).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from unittest.mock import patch

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from lodestar.alerts import reminders
from lodestar.notifications import delivery
from lodestar.notifications.models import Notification

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL row locks only"),
]

HOLD_SECONDS = 0.5


class HoldFirstSender:
    """Wraps `delivery.queue`: the first caller signals and waits to be released."""

    def __init__(self, original):
        self.original = original
        self.holding = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.first = True

    def __call__(self, **kwargs):
        with self.lock:
            is_first, self.first = self.first, False
        if is_first:
            self.holding.set()
            self.release.wait(10)
        return self.original(**kwargs)


def test_two_reminder_runs_at_once_send_one_reminder(org, goal, measure):
    now = timezone.make_aware(dt.datetime(2026, 12, 4, 17, 0))
    hold = HoldFirstSender(delivery.queue)
    results: dict[str, object] = {}

    def run(key):
        def target():
            try:
                results[key] = reminders.send_checkin_reminders(now=now)
            except Exception as exc:
                results[key] = repr(exc)
            finally:
                close_old_connections()
                connection.close()

        thread = threading.Thread(target=target)
        thread.start()
        return thread

    with patch.object(delivery, "queue", hold):
        first = run("a")
        assert hold.holding.wait(10), "run A never reached its message"
        second = run("b")
        time.sleep(HOLD_SECONDS)
        hold.release.set()
        first.join(15)
        second.join(15)
    assert results == {"a": 1, "b": 0}
    assert Notification.objects.filter(verb=reminders.REMINDER_VERB, recipient=org.member).count() == 1
