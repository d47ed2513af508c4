"""A corpus of bad inputs sent to the HTML forms, the API's create/update endpoints and the importers.

Every case must end in a clear error (a form error on the page; JSON 4xx with code, message and the
field) with nothing written, or be stored exactly as sent (emoji and mixed scripts are valid text).
Never a 500 and never a half-written record. Each (target, field, value) is its own named test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps

from lodestar.tests_fuzz.corpus import (
    ALWAYS_REJECTED,
    MIXED,
    Demo,
    cases,
    remove,
    same_value,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("demo_world")


# --- API --------------------------------------------------------------------------------------


@dataclass
class ApiTarget:
    name: str
    method: str
    path: Callable[[Demo], str]
    payload: Callable[[Demo], dict]
    model: str
    fields: dict[str, str]


def _checkin_payload(demo: Demo) -> dict:
    # A week long after the demo's check-ins, inside the goal's period.
    end = demo.period.end
    return {
        "measure_id": demo.measure.pk,
        "period_kind": "week",
        "period_start": str(end.fromordinal(end.toordinal() - 6)),
        "period_end": str(end),
        "planned": "5",
        "actual": "4",
    }


API_TARGETS = [
    ApiTarget(
        "department-create",
        "post",
        lambda d: "/departments",
        lambda d: {"name": "新部门", "code": "NEW-DEPT", "parent_id": d.department.pk},
        "org.Department",
        {"name": "text", "code": "text", "sort_order": "number"},
    ),
    ApiTarget(
        "person-create",
        "post",
        lambda d: "/people",
        lambda d: {"username": "newbie", "display_name": "新同事", "department_id": d.department.pk},
        "org.Person",
        {"display_name": "text", "username": "text", "title": "text", "phone": "text"},
    ),
    ApiTarget(
        "period-create",
        "post",
        lambda d: "/periods",
        lambda d: {"kind": "custom", "name": "618大促", "start": "2026-06-01", "end": "2026-06-18"},
        "core.Period",
        {"name": "text", "start": "date", "end": "date"},
    ),
    ApiTarget(
        "goal-create",
        "post",
        lambda d: "/goals",
        lambda d: {"name": "新目标", "department_id": d.department.pk, "period_id": d.period.pk},
        "goals.Goal",
        {"name": "text", "description": "text", "notes": "text", "weight": "number", "sort_order": "number"},
    ),
    ApiTarget(
        "goal-update",
        "patch",
        lambda d: f"/goals/{d.goal.pk}",
        lambda d: {"version": d.goal.version},
        "goals.Goal",
        {"name": "text", "context": "text", "weight": "number"},
    ),
    ApiTarget(
        "measure-create",
        "post",
        lambda d: f"/goals/{d.goal.pk}/measures",
        lambda d: {"name": "新指标", "target": "100"},
        "goals.Measure",
        {"name": "text", "unit_label": "text", "target": "number", "baseline": "number"},
    ),
    ApiTarget(
        "item-create",
        "post",
        lambda d: "/items",
        lambda d: {"title": "新任务", "department_id": d.department.pk},
        "execution.ActionItem",
        {
            "title": "text",
            "description": "text",
            "budget": "number",
            "planned_quantity": "number",
            "start": "date",
            "due": "date",
        },
    ),
    ApiTarget(
        "item-update",
        "patch",
        lambda d: f"/items/{d.item.pk}",
        lambda d: {"version": d.item.version},
        "execution.ActionItem",
        {"title": "text", "deliverable": "text", "actual_quantity": "number", "due": "date"},
    ),
    ApiTarget(
        "checkin-create",
        "post",
        lambda d: "/check-ins",
        _checkin_payload,
        "tracking.CheckIn",
        {
            "comment": "text",
            "deviation_reason": "text",
            "actual": "number",
            "planned": "number",
            "confidence": "number",
            "period_start": "date",
        },
    ),
    ApiTarget(
        "alert-rule-create",
        "post",
        lambda d: "/alert-rules",
        lambda d: {
            "name": "达成率<80%",
            "scope": "department",
            "department_id": d.department.pk,
            "condition": "achievement_below",
            "threshold": "0.8",
            "recipients": ["owner"],
            "channels": ["inbox"],
        },
        "alerts.AlertRule",
        {"name": "text", "threshold": "number", "escalate_after_days": "number"},
    ),
    ApiTarget(
        "department-update",
        "patch",
        lambda d: f"/departments/{d.department.pk}",
        lambda d: {"version": d.department.version},
        "org.Department",
        {"name": "text", "sort_order": "number"},
    ),
    ApiTarget(
        "person-update",
        "patch",
        lambda d: f"/people/{d.admin.pk}",
        lambda d: {"version": d.admin.version},
        "org.Person",
        {"display_name": "text", "phone": "text"},
    ),
    ApiTarget(
        "period-update",
        "patch",
        lambda d: f"/periods/{d.quarter.pk}",
        lambda d: {"version": d.quarter.version},
        "core.Period",
        {"name": "text", "end": "date"},
    ),
    ApiTarget(
        "measure-update",
        "patch",
        lambda d: f"/measures/{d.measure.pk}",
        lambda d: {"version": d.measure.version},
        "goals.Measure",
        {"name": "text", "target": "number", "current": "number"},
    ),
    ApiTarget(
        "checkin-update",
        "patch",
        lambda d: f"/check-ins/{d.checkin.pk}",
        lambda d: {"version": d.checkin.version},
        "tracking.CheckIn",
        {"comment": "text", "actual": "number"},
    ),
    ApiTarget(
        "alert-rule-update",
        "patch",
        lambda d: f"/alert-rules/{d.rule.pk}",
        # No version yet; sent anyway so the case still works once rules check it.
        lambda d: {"version": d.rule.version},
        "alerts.AlertRule",
        {"name": "text", "threshold": "number", "days": "number"},
    ),
    ApiTarget(
        "webhook-create",
        "post",
        lambda d: "/webhook-endpoints",
        lambda d: {"name": "市场群机器人", "kind": "generic", "url": "https://hooks.example.com/x"},
        "notifications.WebhookEndpoint",
        {"name": "text", "url": "text", "secret": "text"},
    ),
]


@pytest.mark.parametrize(("target", "field", "label", "value"), cases(API_TARGETS))
def test_api_bad_input(target: ApiTarget, field, label, value, demo, admin_api):
    payload = target.payload(demo)
    assert admin_api.send(target.method, target.path(demo), payload).status_code in (200, 201), (
        "the baseline payload must be valid, or the case tests nothing"
    )
    # The baseline call wrote a record (or a new version): start each bad call from that state.
    if target.method == "patch":
        payload = target.payload(demo.reload())
    else:
        _undo_baseline(target)
    before = snapshot(target.model)
    response = admin_api.send(target.method, target.path(demo), {**payload, field: value})
    assert response.status_code < 500, response.content
    body = response.json()
    if response.status_code < 300:
        assert label not in ALWAYS_REJECTED, f"{label} was accepted: {body.get(field)!r}"
        # Write-only fields (a webhook's secret) are not echoed: read them from the database.
        stored = body[field] if field in body else getattr(_record_of(target, body["id"]), field)
        assert same_value(stored, value), f"stored {stored!r}, sent {value!r}"
    else:
        assert 400 <= response.status_code < 500
        assert body["code"] and body["message"], body
        assert body["field"] == field, body
        assert snapshot(target.model) == before, "a refused request wrote something"


def _record_of(target: ApiTarget, pk: int):
    return apps.get_model(target.model)._base_manager.get(pk=pk)


def _undo_baseline(target: ApiTarget) -> None:
    """Remove the record the baseline created, so unique names and periods are free again."""
    remove(apps.get_model(target.model)._base_manager.order_by("-pk").first())


def test_json_body_that_is_not_json_is_a_clear_400(demo, admin_api):
    response = admin_api.client.post(
        "/api/v1/goals", b"\xff\xfe{not json", content_type="application/json", headers=admin_api.headers
    )
    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "malformed"


@pytest.mark.parametrize("path", ["/goals", "/items", "/people"])
def test_nul_in_a_search_query_is_a_field_error(path, admin_api):
    response = admin_api.get(path, q="周报\x00")
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == "q" and body["message"]


@pytest.mark.parametrize("path", ["/goals", "/items", "/people"])
def test_mixed_scripts_search_query_is_fine(path, admin_api):
    assert admin_api.get(path, q=MIXED).status_code == 200
