"""The demo seeded once for the whole package (seeding costs most of a minute; it ran once per test).

`demo` is the seeded organisation: `seed_demo` runs once, inside a transaction that is rolled back when
the package is done, and each test still runs in its own savepoint (pytest-django's `db`), so what one
test writes (a second seed, an edited person, a rebuilt roll-up) never reaches the next. Every module
here uses it: the tests that need an empty database (the first seed, a company with its own data) live
in lodestar/demo/tests_fresh, outside the package, so they never run while it is open.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(scope="package")
def seeded_demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded_demo, db):
    """The seeded demo organisation, in the test's own savepoint."""
