"""Issue 11: a tampered hidden `version` on a page form (non-numeric, negative, missing on an edit, or
stale) is refused with a clear message — "该记录已被他人修改，请刷新后重试" — never a 500 and never a
silent save. Checked on the goal form, the goal table's inline row, the measure form, the item form,
the task table's inline row, the weekly report's check-in row and the department form.

The world (world.py) is built once per module; each test runs in a savepoint.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from lodestar.execution.models import ActionItem
from lodestar.goals.models import Goal, Measure
from lodestar.org.models import Department
from lodestar.tests_matrix.world import fresh
from lodestar.tracking.models import CheckIn
from lodestar.tracking.selectors import parse_week

MESSAGE = "该记录已被他人修改，请刷新后重试"
STALE = "该记录已被他人修改。请刷新后重新提交您的修改。"  # the services' version conflict
TAMPERED = ["x", "-1", "", "99999999999999999999"]


@pytest.fixture
def manager(world, client):
    client.force_login(fresh(world["people"]["manager"]))
    return client


def refused(response) -> str:
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    assert MESSAGE in page or STALE in page, page[:3000]
    return page


@pytest.mark.parametrize("version", [*TAMPERED, "stale"])
def test_goal_form(world, db, manager, version):
    goal = Goal.objects.get(pk=world["kwargs"]["goal_id"])
    data = {
        "kind": goal.kind,
        "name": "改过的名字",
        "owner": goal.owner_id,
        "department": goal.department_id,
        "period": goal.period_id,
        "visibility": goal.visibility,
        "weight": goal.weight or "",
        "version": goal.version - 1 if version == "stale" else version,
    }
    refused(manager.post(reverse("goals:edit", args=[goal.pk]), data))
    assert Goal.objects.get(pk=goal.pk).name == goal.name
    # The same form with the right version saves.
    data["version"] = goal.version
    assert manager.post(reverse("goals:edit", args=[goal.pk]), data).status_code == 302
    assert Goal.objects.get(pk=goal.pk).name == "改过的名字"


@pytest.mark.parametrize("version", [*TAMPERED, "stale"])
def test_goal_table_row(world, db, manager, version):
    goal = Goal.objects.get(pk=world["kwargs"]["goal_id"])
    data = {
        "name": "改过的名字",
        "owner": goal.owner_id,
        "version": goal.version - 1 if version == "stale" else version,
    }
    refused(manager.post(reverse("goals:row", args=[goal.pk]), data, headers={"HX-Request": "true"}))
    assert Goal.objects.get(pk=goal.pk).name == goal.name


@pytest.mark.parametrize("version", ["x", ""])
def test_measure_form(world, db, manager, version):
    measure = Measure.objects.get(pk=world["kwargs"]["measure_id"])
    data = {
        "name": "改过的指标",
        "unit": measure.unit,
        "direction": measure.direction,
        "target": measure.target,
        "version": version,
    }
    refused(manager.post(reverse("goals:measure_edit", args=[measure.pk]), data))
    assert Measure.objects.get(pk=measure.pk).name == measure.name


@pytest.mark.parametrize("version", [*TAMPERED, "stale"])
def test_item_form(world, db, manager, version):
    item = ActionItem.objects.get(pk=world["kwargs"]["item_id"])
    data = {
        "title": "改过的任务",
        "priority": item.priority,
        "version": item.version - 1 if version == "stale" else version,
    }
    refused(manager.post(reverse("execution:edit", args=[item.pk]), data))
    assert ActionItem.objects.get(pk=item.pk).title == item.title


@pytest.mark.parametrize("version", [*TAMPERED, "stale"])
def test_item_table_row(world, db, manager, version):
    item = ActionItem.objects.get(pk=world["kwargs"]["item_id"])
    data = {
        "title": "改过的任务",
        "priority": item.priority,
        "status": item.status,
        "version": item.version - 1 if version == "stale" else version,
    }
    refused(manager.post(reverse("execution:row", args=[item.pk]), data, headers={"HX-Request": "true"}))
    assert ActionItem.objects.get(pk=item.pk).title == item.title


@pytest.mark.parametrize("version", ["x", "-1", "99999999999999999999"])
def test_checkin_row(world, db, manager, version):
    checkin = CheckIn.objects.get(pk=world["kwargs"]["checkin_id"])
    week = parse_week("2026-W47", dt.date(2026, 11, 20))
    prefix = f"m-{checkin.measure_id}"
    data = {
        "period_start": week.start.isoformat(),
        "period_end": week.end.isoformat(),
        "version": version,
        "planned": "",
        "actual": "12",
    }
    url = f"{reverse('tracking:checkin_row', args=['measure', checkin.measure_id])}?week={week.key}"
    refused(manager.post(url, {f"{prefix}-{k}": v for k, v in data.items()}, headers={"HX-Request": "true"}))
    stored = CheckIn.objects.get(pk=checkin.pk)
    assert (stored.version, stored.cumulative) == (checkin.version, checkin.cumulative)


@pytest.mark.parametrize("version", ["x", ""])
def test_department_form(world, db, version, client):
    client.force_login(fresh(world["people"]["admin"]))
    department = Department.objects.get(pk=world["kwargs"]["department_id"])
    data = {"name": "改过的部门", "code": department.code, "sort_order": 0, "version": version}
    if department.parent_id:
        data["parent"] = department.parent_id
    refused(client.post(reverse("org:department_edit", args=[department.pk]), data))
    assert Department.objects.get(pk=department.pk).name == department.name
