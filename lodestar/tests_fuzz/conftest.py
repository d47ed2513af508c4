"""Fixtures of the fuzz suites: one seeded demo world per module, rolled back at the end; the demo
records and signed-in admin clients of the bad-input suites."""

from __future__ import annotations

import io

import pytest
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections, transaction

from lodestar.alerts.models import AlertRule
from lodestar.conftest import login, token_for
from lodestar.core.models import Period, PeriodKind
from lodestar.core.testing import ApiClient
from lodestar.execution.models import ActionItem
from lodestar.goals.models import Goal, GoalStatus
from lodestar.org.models import Department, Person
from lodestar.tests_fuzz.corpus import Demo
from lodestar.tracking.models import CheckIn


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """The demo organisation, seeded once for the module inside a transaction that is rolled back
    (per module, not per package: test_regressions builds its own organisation in the same tables).

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
    monkeypatch.setattr("lodestar.notifications.delivery._send", lambda url, body, headers, **kw: 200)


# --- the bad-input suites (test_bad_*.py) --------------------------------------------------------


@pytest.fixture
def demo(db) -> Demo:
    goal = Goal.objects.filter(status=GoalStatus.ACTIVE, measures__isnull=False).order_by("pk").first()
    return Demo(
        admin=Person.objects.get(user__username="admin"),
        department=Department.objects.get(code="MKT"),
        period=goal.period,
        goal=goal,
        top_goal=Goal.objects.filter(parent__isnull=True).order_by("pk").first(),
        measure=goal.measures.order_by("pk").first(),
        item=ActionItem.objects.filter(goal=goal).order_by("pk").first()
        or ActionItem.objects.order_by("pk").first(),
        checkin=CheckIn.objects.filter(measure__isnull=False).order_by("pk").first(),
        rule=AlertRule.objects.order_by("pk").first(),
        quarter=Period.objects.filter(kind=PeriodKind.QUARTER).order_by("start").last(),
    )


@pytest.fixture
def admin_api(demo) -> ApiClient:
    return ApiClient(token=token_for(demo.admin))


@pytest.fixture
def admin_browser(demo):
    return login(demo.admin)
