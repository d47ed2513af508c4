"""Property-based fuzzing of the whole REST API against its own OpenAPI document.

Every operation of /api/v1 gets generated requests (valid and invalid) with an admin token on the
seeded demo organisation. A response must not be a 5xx, must use a status code and content type
the operation declares, and must match the declared schema of that status.

`make test` runs a small fixed budget. For a deeper hunt set LODESTAR_FUZZ_EXAMPLES (examples per
operation) and LODESTAR_FUZZ_COVERAGE=1 (schemathesis' boundary-value phase, minutes per operation).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.apps import apps
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.api import api

# Which records a path parameter names: most fuzzed ids hit the seeded data, so the operations run
# their real code paths and not only the 404.
PATH_MODELS = {
    "period_id": "core.Period",
    "department_id": "org.Department",
    "person_id": "org.Person",
    "goal_id": "goals.Goal",
    "measure_id": "goals.Measure",
    "record_id": "goals.ConsensusRecord",
    "template_id": "goals.GoalTemplate",
    "item_id": "execution.ActionItem",
    "predecessor_id": "execution.ActionItem",
    "rule_id": "tracking.AlertRule",
    "alert_id": "tracking.Alert",
    "checkin_id": "tracking.CheckIn",
    "endpoint_id": "notifications.WebhookEndpoint",
}

# Small and fixed: the fuzz suite runs in `make test` on SQLite and PostgreSQL.
MAX_EXAMPLES = int(os.environ.get("LODESTAR_FUZZ_EXAMPLES", "20"))
COVERAGE_PHASE = os.environ.get("LODESTAR_FUZZ_COVERAGE") == "1"

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            # The token comes from the test; random Authorization headers would only test 401.
            "with-security-parameters": False,
        },
        # The coverage phase sends hundreds of boundary cases per operation: too slow for every run.
        "phases": {"coverage": {"enabled": COVERAGE_PHASE}, "stateful": {"enabled": False}},
    }
)

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"), config=CONFIG)
schema.app = WSGIHandler()


# Filled by the `known_ids` fixture before each test: explicit examples are drawn while pytest collects,
# when the database is out of reach, and those keep their generated ids.
KNOWN_IDS: dict[str, list[int]] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    return st.fixed_dictionaries(
        {
            name: st.sampled_from([value, *KNOWN_IDS[name]]) if KNOWN_IDS.get(name) else st.just(value)
            for name, value in path_parameters.items()
        }
    )


@pytest.fixture
def known_ids(admin_token):
    for name, model in PATH_MODELS.items():
        # `_base_manager`: soft-deleted records too, which must answer 404 like unknown ids.
        manager = apps.get_model(model)._base_manager
        KNOWN_IDS[name] = list(manager.order_by("pk").values_list("pk", flat=True)[:50])
    yield
    KNOWN_IDS.clear()


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_operation(case, admin_token, known_ids, wsgi_in_test_transaction, no_outgoing_webhooks):
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=CHECKS)
