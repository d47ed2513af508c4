"""`seed_demo` on a database without the demo: never touching an organisation that has data, and the
printed logins of a first seed.

These need a database the demo package's seeded organisation (lodestar/demo/tests/conftest.py) is not in,
so they live outside that package.
"""

from __future__ import annotations

import io

from django.core.management import call_command

from lodestar.demo import data
from lodestar.org.models import Department, Person
from lodestar.org.tests.factories import DepartmentFactory


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_never_touches_an_existing_organisation(db):
    DepartmentFactory(name="我们自己的公司")
    assert "nothing to do" in seed()
    assert list(Department.objects.values_list("name", flat=True)) == ["我们自己的公司"]
    assert not Person.objects.exists()


def test_print_logins(db):
    output = seed("--print-logins")
    for username, _label in data.LOGINS:
        assert username in output
    assert data.DEMO_PASSWORD in output
