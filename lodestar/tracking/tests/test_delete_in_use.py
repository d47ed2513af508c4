"""Deleting a record that others still refer to: a 409 `in_use` (API) or an error message (pages)
naming what blocks it, with counts — never a 500 (ProtectedError) and never a silent cascade.

Issue #11: `DELETE /api/v1/departments/{id}` of a department that owns goals answered 500.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import ProtectedError
from django.utils import translation

from lodestar.alerts.models import AlertRule
from lodestar.core.references import in_use_error
from lodestar.core.testing import ApiClient
from lodestar.execution.models import ActionItem
from lodestar.goals import services as goal_services
from lodestar.goals.models import Goal, GoalStatus, Measure
from lodestar.org.models import Department
from lodestar.org.services import department_create
from lodestar.tracking.models import CheckIn
from lodestar.tracking.tests import support
from lodestar.tracking.tests.support import page

fresh = support.fresh


@pytest.fixture
def team(world) -> Department:
    """An empty sub-department of 市场部 (deletable by 赵敏, the manager of 市场部)."""
    return department_create(actor=fresh(world.admin), name="直播组", parent=world.mkt, code="MKT-L")


def _api(person, language: str) -> ApiClient:
    return ApiClient(person, language=language)


def test_delete_a_department_that_owns_goals_is_a_409_naming_them(world, team, make_goal):
    make_goal("直播GMV 100万", department=team)
    make_goal("直播场次 50场", department=team)
    response = _api(world.mkt_manager, "zh-hans").delete(f"/departments/{team.pk}")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "in_use"
    assert body["message"].startswith("该部门仍有 2 个目标")
    english = _api(world.mkt_manager, "en").delete(f"/departments/{team.pk}").json()["message"]
    assert english == "This department still has 2 goals. Move or delete them first."
    assert Department.objects.filter(pk=team.pk).exists()


def test_goals_in_the_trash_still_block_and_are_named(world, team, make_goal):
    goal = make_goal("直播GMV 100万", department=team)
    goal_services.goal_delete(actor=fresh(world.mkt_manager), goal=goal)
    assert not Goal.objects.filter(pk=goal.pk).exists() and Goal.all_objects.filter(pk=goal.pk).exists()
    body = _api(world.mkt_manager, "zh-hans").delete(f"/departments/{team.pk}").json()
    assert body["code"] == "in_use"
    assert "1 个目标（其中 1 个在回收站）" in body["message"]


def test_items_members_and_alert_rules_block_a_department_delete(world, team):
    ActionItem.objects.create(title="直播脚本", department=team)
    AlertRule.objects.create(
        name="直播预警", scope="department", department=team, condition="no_checkin", days=7
    )
    response = _api(world.mkt_manager, "zh-hans").delete(f"/departments/{team.pk}")
    assert response.status_code == 409
    message = response.json()["message"]
    assert "1 个行动项" in message and "1 条预警规则" in message and "、" in message
    # The rule was not cascaded away behind the user's back.
    assert AlertRule.objects.filter(department=team).count() == 1


def test_an_empty_department_is_deleted(world, team):
    assert _api(world.mkt_manager, "en").delete(f"/departments/{team.pk}").status_code == 204
    assert not Department.objects.filter(pk=team.pk).exists()


def test_the_department_page_shows_what_blocks_the_delete(world, team, make_goal):
    make_goal("直播GMV 100万", department=team)
    response = page(world.mkt_manager).post(
        f"/org/departments/{team.pk}/delete/", follow=True, headers={"Accept-Language": "zh-hans"}
    )
    assert response.status_code == 200
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors and errors[0].startswith("该部门仍有 1 个目标")
    assert Department.objects.filter(pk=team.pk).exists()


def _measure_with_a_checkin(world, make_goal, activate) -> Measure:
    goal = activate(make_goal("直播GMV 100万"))
    measure = goal.measures.get()
    CheckIn.objects.create(
        measure=measure,
        author=world.mkt_manager,
        period_start=dt.date(2026, 4, 6),
        period_end=dt.date(2026, 4, 12),
        actual=5,
        cumulative=5,
    )
    # Back to draft (a measure can only be deleted from a draft goal); its check-in is history.
    Goal.objects.filter(pk=goal.pk).update(status=GoalStatus.DRAFT)
    return measure


def test_delete_a_measure_with_check_ins_is_a_409_naming_them(world, make_goal, activate):
    measure = _measure_with_a_checkin(world, make_goal, activate)
    response = _api(world.mkt_manager, "zh-hans").delete(f"/measures/{measure.pk}")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "in_use" and "1 条打卡记录" in body["message"]
    assert Measure.objects.filter(pk=measure.pk).exists()
    assert CheckIn.objects.filter(measure_id=measure.pk).count() == 1


def test_the_measure_page_shows_what_blocks_the_delete(world, make_goal, activate):
    measure = _measure_with_a_checkin(world, make_goal, activate)
    response = page(world.mkt_manager).post(
        f"/goals/measures/{measure.pk}/delete/", follow=True, headers={"Accept-Language": "zh-hans"}
    )
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors and "1 条打卡记录" in errors[0]
    assert Measure.objects.filter(pk=measure.pk).exists()


def test_a_measure_without_history_is_deleted_with_its_plan(world, make_goal):
    goal = make_goal(
        "直播GMV 100万", measures=[dict(support.measure_spec("场次")), dict(support.measure_spec("GMV"))]
    )
    measure = goal.measures.order_by("pk").first()
    assert _api(world.mkt_manager, "en").delete(f"/measures/{measure.pk}").status_code == 204
    assert not Measure.objects.filter(pk=measure.pk).exists()


def test_a_protected_error_that_slipped_through_is_named_too(world, team, make_goal):
    make_goal("直播GMV 100万", department=team)
    with pytest.raises(ProtectedError) as exc:
        Department.objects.get(pk=team.pk).delete()
    with translation.override("en"):  # the message in English, whatever the last test left active
        error = in_use_error(exc.value)
    assert (error.status, error.code) == (409, "in_use")
    assert "1 goal" in error.message
