"""Fixtures of the fuzz suites: one seeded demo world per module, rolled back at the end."""

from __future__ import annotations

import io

import pytest
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections, transaction

from lodestar.conftest import token_for
from lodestar.org.models import Person


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """The demo organisation, seeded once for the module inside a transaction that is rolled back.

    Each test still runs in its own savepoint (`db`), so the writes of one test never leak into
    the next; seeding once keeps the module fast enough for `make test`.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def admin_token(demo_world, db) -> str:
    return token_for(Person.objects.get(user__username="admin"))


@pytest.fixture
def wsgi_in_test_transaction():
    """Serve requests through the real WSGI handler inside the test's transaction.

    Django's test client disconnects `close_old_connections` for the same reason: the handler would
    otherwise close the connection at the end of each request, which inside the test transaction
    throws the seeded data away.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def no_outgoing_webhooks(monkeypatch):
    """Fuzzed webhook endpoints point anywhere: deliveries answer 200 without leaving the machine."""
    monkeypatch.setattr("lodestar.notifications.delivery._post", lambda endpoint, message: 200)
