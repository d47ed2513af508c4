"""The matrices' world is built once per module (building it per test would cost minutes)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from lodestar.tests_matrix.world import build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once per module inside a transaction that is rolled back at the end; each test runs in
    a savepoint within it (pytest-django's `db`)."""
    with (
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)
