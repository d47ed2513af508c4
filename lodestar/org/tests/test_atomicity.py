"""People and department imports under a fault midway: all rows or none.

The import validates the whole file first, then writes inside one transaction; these tests make
an inner step of the writing raise after some rows were written (proved by the snapshot taken at
the fault) and compare every row of the touched tables with the state before the import.
"""

from __future__ import annotations

from unittest.mock import patch

import pytest
from django.contrib.auth import get_user_model

from lodestar.conftest import fresh_user
from lodestar.core.testing import Fault, InjectedFault, snapshot
from lodestar.org import importing
from lodestar.org.models import Department, Person
from lodestar.org.tests.test_importing import DEPARTMENT_ROWS, PEOPLE_ROWS, csv_bytes

pytestmark = pytest.mark.django_db

TABLES = (Department, Person, get_user_model())


def run(org, kind: str, rows) -> None:
    importing.org_import(actor=fresh_user(org.admin), kind=kind, data=csv_bytes(rows), filename="org.csv")


def test_department_import(org):
    before = snapshot(*TABLES)
    # Placing the departments in the tree fails: they were created and renamed by then.
    fault = Fault(importing._move_subtree, observe=lambda: snapshot(*TABLES))
    with patch("lodestar.org.importing._move_subtree", fault), pytest.raises(InjectedFault):
        run(org, "departments", DEPARTMENT_ROWS)
    assert len(fault.observed["org.Department"]) == len(before["org.Department"]) + 2
    assert snapshot(*TABLES) == before


def test_people_import(org):
    before = snapshot(*TABLES)
    # The second person fails: the first one (and their user account) was created by then.
    fault = Fault(importing._role_of, on_call=2, observe=lambda: snapshot(*TABLES))
    with patch("lodestar.org.importing._role_of", fault), pytest.raises(InjectedFault):
        run(org, "people", PEOPLE_ROWS)
    assert len(fault.observed["org.Person"]) == len(before["org.Person"]) + 1
    assert snapshot(*TABLES) == before
