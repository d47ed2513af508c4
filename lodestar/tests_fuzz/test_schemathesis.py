"""Property-based fuzzing of the whole REST API against its own OpenAPI document.

Every operation of /api/v1 gets generated requests (valid and invalid) with an admin token on the
seeded demo organisation, judged by ALL of schemathesis' checks (`--checks all`): no 5xx; declared
status codes, content types, headers and response schemas; requests the document allows are accepted
and requests it forbids are refused (positive/negative data); a request without the token is refused.
"The document says what the server enforces, the server enforces what it says." A stateful run then
chains operations through the links schemathesis infers from the document (create → read → update →
delete), with the stateful checks (use after free, resource availability) on top.

One refinement of `positive_data_acceptance`: a schema-valid request may still break a business rule
that no JSON Schema can state (an end date before its start, a closed period, a goal that is not a
draft); those answer 422 with a service's code and count as accepted data. A 400/422 for the request's
shape (a pydantic error type, an unknown field) on schema-valid data is a failure.

`make test` runs a small fixed budget. For a deeper hunt set LODESTAR_FUZZ_EXAMPLES (examples per
operation), LODESTAR_FUZZ_STEPS (stateful scenarios) and LODESTAR_FUZZ_COVERAGE=1 (schemathesis'
boundary-value phase, minutes per operation).
"""

from __future__ import annotations

import json
import os
import typing

import pytest
import schemathesis
from django.apps import apps
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from pydantic_core.core_schema import ErrorType
from schemathesis.checks import CHECKS, load_all_checks, not_a_server_error
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from config.api import api
from lodestar.core.schemas import MAX_ID

# Which records a path parameter names: most fuzzed ids hit the seeded data, so the operations run
# their real code paths and not only the 404.
PATH_MODELS = {
    "period_id": "core.Period",
    "department_id": "org.Department",
    "person_id": "org.Person",
    "goal_id": "goals.Goal",
    "measure_id": "goals.Measure",
    "record_id": "goals.ConsensusRecord",
    "template_id": ("goals.GoalTemplate", "appraisal.Template"),
    "item_id": "execution.ActionItem",
    "predecessor_id": "execution.ActionItem",
    "rule_id": "alerts.AlertRule",
    "alert_id": "alerts.Alert",
    "checkin_id": "tracking.CheckIn",
    "endpoint_id": "notifications.WebhookEndpoint",
    "case_id": "knowledge.Case",
    "sop_id": "knowledge.Sop",
    "cycle_id": "appraisal.Cycle",
    "appraisal_id": "appraisal.Appraisal",
    "review_id": "appraisal.Review",
    "evidence_id": "appraisal.Evidence",
    "indicator_id": "appraisal.Indicator",
    "position_id": "org.Position",
    "competency_id": "appraisal.Competency",
    "member_id": "appraisal.CommitteeMember",
    "move_id": "appraisal.CalibrationMove",
    "pip_id": "appraisal.Pip",
    "appeal_id": "appraisal.Appeal",
    "line_id": "budget.BudgetLine",
    "spend_id": "budget.Spend",
}

# Small and fixed: the fuzz suite runs in `make test` on SQLite and PostgreSQL.
MAX_EXAMPLES = int(os.environ.get("LODESTAR_FUZZ_EXAMPLES", "20"))
STATEFUL_SCENARIOS = int(os.environ.get("LODESTAR_FUZZ_STEPS", "10"))
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
        "phases": {"coverage": {"enabled": COVERAGE_PHASE}},
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
            name: st.sampled_from([value, *KNOWN_IDS[name]]) if _swappable(name, value) else st.just(value)
            for name, value in path_parameters.items()
        }
    )


def _swappable(name: str, value) -> bool:
    # Only a valid id may become a known one: a negative case's id (too large, not a number) must stay
    # as generated, or the request would turn valid while schemathesis still expects a refusal.
    return bool(KNOWN_IDS.get(name)) and type(value) is int and value <= MAX_ID


@pytest.fixture
def known_ids(admin_token):
    for name, models in PATH_MODELS.items():
        # `_base_manager`: soft-deleted records too, which must answer 404 like unknown ids.
        KNOWN_IDS[name] = [
            pk
            for model in ((models,) if isinstance(models, str) else models)
            for pk in apps.get_model(model)._base_manager.order_by("pk").values_list("pk", flat=True)[:50]
        ]
    yield
    KNOWN_IDS.clear()


# Errors of the request's shape (config/api.py: pydantic's error types, unknown fields, NUL characters,
# dates out of range, a body that is not JSON). Any other 422 code comes from a service's business rule.
REQUEST_SHAPE_CODES = {
    *typing.get_args(ErrorType),
    "unknown_field",
    "null_character",
    "date_format",
    "malformed",
}


def _is_business_rule(response) -> bool:
    if response.status_code not in (409, 422):
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    codes = {body.get("code")} | {item.get("code") for item in body.get("errors") or []}
    return not (codes & REQUEST_SHAPE_CODES)


def positive_data_accepted_or_a_business_rule(ctx, response, case):
    """`positive_data_acceptance`, except that a business rule's 422 counts as accepting the data."""
    __tracebackhide__ = True
    if _is_business_rule(response):
        return None
    return positive_data_acceptance(ctx, response, case)


load_all_checks()
ALL_CHECKS = [check for check in CHECKS.get_all() if check is not positive_data_acceptance] + [
    positive_data_accepted_or_a_business_rule
]
STATEFUL_CHECKS = [check for check in ALL_CHECKS if check is not ignored_auth]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_operation(case, admin_token, known_ids, wsgi_in_test_transaction, no_outgoing_webhooks):
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, checks=ALL_CHECKS)


def test_api_workflows(admin_token, known_ids, wsgi_in_test_transaction, no_outgoing_webhooks):
    """Stateful: scenarios of chained calls along the links inferred from the document."""
    machine = schema.as_state_machine()

    class Workflow(machine):
        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Bearer {admin_token}"}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            __tracebackhide__ = True
            # `ignored_auth` takes the token passed per call for a generated one in stateful runs (a false
            # alarm); the per-operation test above runs it with the token as explicit auth.
            checks = STATEFUL_CHECKS
            if any(value is None for value in (case.path_parameters or {}).values()):
                # A link that followed a null reference (`"measure_id": null`) asks for `/measures/None`:
                # not valid data whatever the link says, so only "no 5xx" applies.
                checks = [not_a_server_error]
            case.validate_response(response, checks=checks, transport_kwargs=kwargs or None)

    Workflow.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=6,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
