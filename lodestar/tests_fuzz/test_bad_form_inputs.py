"""The bad-input corpus sent to the HTML forms: every case ends in a form error on its field with
nothing written, or is stored exactly as sent. Never a 500, never a half-written record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from lodestar.execution.models import ActionItem
from lodestar.goals.models import Goal
from lodestar.tests_fuzz.corpus import (
    ALWAYS_REJECTED,
    Demo,
    cases,
    form_errors,
    form_ok,
    remove,
    same_value,
    snapshot,
)
from lodestar.tracking.models import CheckIn

pytestmark = pytest.mark.usefixtures("demo_world")

# --- HTML forms -------------------------------------------------------------------------------


@dataclass
class FormTarget:
    name: str
    url: Callable[[Demo], str]
    data: Callable[[Demo], dict]
    model: str
    fields: dict[str, str]
    # How to find the record the form wrote or edited, to compare what was stored.
    record: Callable[[Demo], models.Model | None]
    # Forms rendered several to a page (the weekly report's rows) prefix their field names.
    prefix: Callable[[Demo], str] | None = None

    def post_data(self, demo: Demo, data: dict) -> dict:
        if self.prefix is None:
            return data
        return {f"{self.prefix(demo)}-{key}": value for key, value in data.items()}


def _newest(model: str):
    return lambda demo: apps.get_model(model)._base_manager.order_by("-pk").first()


def _goal_form(demo: Demo) -> dict:
    return {
        "kind": "kpi",
        "name": "新目标",
        "owner": demo.admin.pk,
        "department": demo.department.pk,
        "period": demo.period.pk,
        "visibility": "public",
    }


def _item_form(demo: Demo) -> dict:
    return {"title": "新任务", "department": demo.department.pk, "priority": "P1"}


def _measure_form(demo: Demo) -> dict:
    return {"name": "新指标", "unit": "count", "direction": "higher", "target": "100", "accumulates": ""}


def _this_week() -> tuple[dt.date, dt.date]:
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    return monday, monday + dt.timedelta(days=6)


def _checkin_row_url(demo: Demo) -> str:
    year, week, _day = _this_week()[0].isocalendar()
    return f"/tracking/rows/measure/{demo.measure.pk}/?week={year}-W{week:02d}"


def _checkin_form(demo: Demo) -> dict:
    existing = CheckIn.objects.filter(measure=demo.measure, period_start=_this_week()[0]).first()
    start, end = _this_week()
    return {
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "version": existing.version if existing else "",
        "planned": "5",
        "actual": "4",
        "comment": "",
    }


FORM_TARGETS = [
    FormTarget(
        "department-form",
        lambda d: "/org/departments/new/",
        lambda d: {"name": "新部门", "code": "NEW-DEPT", "parent": d.department.pk, "sort_order": "0"},
        "org.Department",
        {"name": "text", "code": "text", "sort_order": "number"},
        _newest("org.Department"),
    ),
    FormTarget(
        "person-form",
        lambda d: "/org/people/new/",
        lambda d: {
            "username": "newbie",
            "display_name": "新同事",
            "department": d.department.pk,
            "role": "member",
            "password": "a-long-enough-password-1",
            "is_active": "on",
        },
        "org.Person",
        {"display_name": "text", "username": "text", "title": "text"},
        _newest("org.Person"),
    ),
    FormTarget(
        "period-form",
        lambda d: "/periods/custom/",
        lambda d: {"name": "618大促", "start": "2026-06-01", "end": "2026-06-18"},
        "core.Period",
        {"name": "text", "start": "date", "end": "date"},
        _newest("core.Period"),
    ),
    FormTarget(
        "goal-create-form",
        lambda d: "/goals/new/",
        _goal_form,
        "goals.Goal",
        {"name": "text", "description": "text", "weight": "number"},
        _newest("goals.Goal"),
    ),
    FormTarget(
        "goal-edit-form",
        lambda d: f"/goals/{d.top_goal.pk}/edit/",
        lambda d: {
            **_goal_form(d),
            "kind": d.top_goal.kind,
            "name": d.top_goal.name,
            "owner": d.top_goal.owner_id,
            "department": d.top_goal.department_id,
            "period": d.top_goal.period_id,
            "visibility": d.top_goal.visibility,
            "version": d.top_goal.version,
        },
        "goals.Goal",
        {"name": "text", "notes": "text", "weight": "number"},
        lambda d: Goal._base_manager.get(pk=d.top_goal.pk),
    ),
    FormTarget(
        "measure-form",
        lambda d: f"/goals/{d.goal.pk}/measures/new/",
        _measure_form,
        "goals.Measure",
        {"name": "text", "unit_label": "text", "target": "number", "baseline": "number"},
        _newest("goals.Measure"),
    ),
    FormTarget(
        "item-create-form",
        lambda d: "/execution/items/new/",
        _item_form,
        "execution.ActionItem",
        {"title": "text", "description": "text", "budget": "number", "due": "date"},
        _newest("execution.ActionItem"),
    ),
    FormTarget(
        "item-edit-form",
        lambda d: f"/execution/items/{d.item.pk}/edit/",
        lambda d: {
            **_item_form(d),
            "title": d.item.title,
            "department": d.item.department_id,
            "goal": d.item.goal_id or "",
            "measure": d.item.measure_id or "",
            "priority": d.item.priority,
            "version": d.item.version,
        },
        "execution.ActionItem",
        {"title": "text", "deliverable": "text", "planned_quantity": "number", "start": "date"},
        lambda d: ActionItem._base_manager.get(pk=d.item.pk),
    ),
    FormTarget(
        "checkin-row-form",
        _checkin_row_url,
        _checkin_form,
        "tracking.CheckIn",
        {"comment": "text", "improvement": "text", "actual": "number", "confidence": "number"},
        lambda d: CheckIn._base_manager.filter(measure=d.measure).order_by("-version", "-pk").first(),
        prefix=lambda d: f"m-{d.measure.pk}",
    ),
    FormTarget(
        "alert-rule-form",
        lambda d: "/alerts/rules/new/",
        lambda d: {
            "name": "达成率<80%",
            "scope": "department",
            "department": d.department.pk,
            "condition": "achievement_below",
            "threshold": "0.8",
            "recipients": ["owner"],
            "channels": ["inbox"],
            "is_active": "on",
        },
        "alerts.AlertRule",
        {"name": "text", "threshold": "number", "days": "number"},
        _newest("alerts.AlertRule"),
    ),
    FormTarget(
        "webhook-form",
        lambda d: "/inbox/webhooks/new/",
        lambda d: {"name": "市场群机器人", "kind": "generic", "url": "https://hooks.example.com/x"},
        "notifications.WebhookEndpoint",
        {"name": "text", "url": "text", "secret": "text"},
        _newest("notifications.WebhookEndpoint"),
    ),
]


@pytest.mark.parametrize(("target", "field", "label", "value"), cases(FORM_TARGETS))
def test_form_bad_input(target: FormTarget, field, label, value, demo, admin_browser):
    baseline = admin_browser.post(target.url(demo), target.post_data(demo, target.data(demo)))
    assert form_ok(baseline), form_errors(baseline) or baseline.status_code
    if target.record(demo) is not None and "edit" not in target.name and target.prefix is None:
        remove(target.record(demo))  # frees unique names; the edit forms need a fresh version instead
    data = target.data(demo.reload())
    before = snapshot(target.model)
    response = admin_browser.post(target.url(demo), target.post_data(demo, {**data, field: value}))
    assert response.status_code < 500
    errors = form_errors(response)
    if form_ok(response):
        assert label not in ALWAYS_REJECTED, f"{label} was accepted"
        stored = getattr(target.record(demo), field)
        assert same_value(stored, value) or (value == "" and stored is None), (stored, value)
    else:
        assert response.status_code in (200, 400), response.status_code
        assert field in errors, errors
        assert snapshot(target.model) == before, "a refused form wrote something"
