"""Fixtures of the webhook tests: a local HTTP server that records the POSTs (never an outside
address), the organisation, and on-commit hooks run as a real commit would."""

from __future__ import annotations

import pytest

from lodestar.notifications.tests.test_delivery import WebhookServer
from lodestar.testing.organisation import GOALS, build_organisation


@pytest.fixture
def server():
    server = WebhookServer()
    yield server
    server.close()


@pytest.fixture
def world(db):
    return build_organisation(GOALS)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the on-commit hooks of what the block writes, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
