"""Two writers in flight at the same moment, on PostgreSQL: the version check must be race-free.

Writer A loads the record under `select_for_update()`, passes the version check and is held just
before its save; writer B then starts with the same version. B must wait for A's lock, re-read
the row A committed and be refused — without the row lock B would read the old version, pass the
check and both would "succeed", one silently overwriting the other.

SQLite is skipped: its writers are serialised anyway (transactions start IMMEDIATE, see
config/settings/base.py), and its shared-cache test database does not wait for locks.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from unittest.mock import patch

import pytest
from django.contrib.auth import get_user_model
from django.db import close_old_connections, connection

from lodestar.alerts import rules as alert_rules
from lodestar.alerts.models import AlertRule
from lodestar.core import services as core_services
from lodestar.core.errors import ConflictError
from lodestar.core.models import CompanySettings
from lodestar.execution import services as execution_services
from lodestar.execution.models import ActionItem
from lodestar.notifications import delivery
from lodestar.notifications.models import WebhookEndpoint
from lodestar.org import periods_services
from lodestar.org.models import Department, Person, Role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL row locks only"),
]

HOLD_SECONDS = 0.5  # how long A keeps its lock after B has started


class HoldFirstWriter:
    """Wraps `bump_version` (called after the version check, before the save): the first caller
    signals that it holds the row and waits to be released; later callers pass straight through."""

    def __init__(self, original):
        self.original = original
        self.holding = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.first = True

    def __call__(self, obj):
        with self.lock:
            is_first, self.first = self.first, False
        if is_first:
            self.holding.set()
            self.release.wait(10)
        return self.original(obj)


def run_in_thread(results: dict, key: str, write) -> threading.Thread:
    def target():
        try:
            write()
            results[key] = "saved"
        except ConflictError as exc:
            results[key] = exc.code
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


def race(module_path: str, write_a, write_b) -> dict:
    hold = HoldFirstWriter(core_services.bump_version)
    results: dict[str, str] = {}
    with patch(f"{module_path}.bump_version", hold):
        first = run_in_thread(results, "a", write_a)
        assert hold.holding.wait(10), "writer A never reached its save"
        second = run_in_thread(results, "b", write_b)
        time.sleep(HOLD_SECONDS)
        hold.release.set()
        first.join(15)
        second.join(15)
    return results


@pytest.fixture
def admin():
    user = get_user_model().objects.create_user(username="race_admin", password="x")
    Person.objects.create(user=user, display_name="管理员", role=Role.ADMIN)
    return lambda: get_user_model().objects.get(pk=user.pk)  # a fresh user per thread


def test_alert_rule(admin):
    rule = alert_rules.rule_create(
        actor=admin(),
        name="达成率",
        scope="company",
        condition="achievement_below",
        threshold=Decimal("0.8"),
        recipients=["owner"],
    )
    results = race(
        "lodestar.alerts.rules",
        lambda: alert_rules.rule_update(actor=admin(), rule=rule, version=1, name="甲"),
        lambda: alert_rules.rule_update(actor=admin(), rule=rule, version=1, name="乙"),
    )
    assert results == {"a": "saved", "b": "version_conflict"}
    assert AlertRule.objects.values_list("name", "version").get() == ("甲", 2)


def test_webhook_endpoint(admin):
    endpoint = delivery.endpoint_create(actor=admin(), name="群", kind="feishu", url="https://example.com/h")
    results = race(
        "lodestar.notifications.delivery",
        lambda: delivery.endpoint_update(actor=admin(), endpoint=endpoint, version=1, name="甲"),
        lambda: delivery.endpoint_update(actor=admin(), endpoint=endpoint, version=1, name="乙"),
    )
    assert results == {"a": "saved", "b": "version_conflict"}
    assert WebhookEndpoint.objects.values_list("name", "version").get() == ("甲", 2)


def test_company_settings(admin):
    CompanySettings.load()
    results = race(
        "lodestar.org.periods_services",
        lambda: periods_services.company_settings_update(
            actor=admin(), company_name="甲", fiscal_year_start_month=4, version=1
        ),
        lambda: periods_services.company_settings_update(
            actor=admin(), company_name="乙", fiscal_year_start_month=7, version=1
        ),
    )
    assert results == {"a": "saved", "b": "version_conflict"}
    assert CompanySettings.load().company_name == "甲"


def test_action_item(admin):
    department = Department.objects.create(name="市场部", code="MKT")
    department.path = f"/{department.pk}/"
    department.save()
    person = Person.objects.get()
    item = execution_services.item_create(
        actor=admin(), title="笔记", department=department, responsible=[person], accountable=person
    )
    results = race(
        "lodestar.execution.services.items",
        lambda: execution_services.item_update(actor=admin(), item=item, version=1, title="甲"),
        lambda: execution_services.item_update(actor=admin(), item=item, version=1, title="乙"),
    )
    assert results == {"a": "saved", "b": "version_conflict"}
    assert ActionItem.objects.values_list("title", "version").get() == ("甲", 2)
