"""Soft delete and restore of goals, action items and check-ins: figures, lists, history, access
(the trash page and API: lodestar/trash/tests)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from lodestar.core.errors import ConflictError, PermissionDeniedError
from lodestar.execution import services as execution
from lodestar.execution.models import ActionItem, Dependency, RaciAssignment
from lodestar.goals import services as goals
from lodestar.goals.models import Goal, GoalKind, GoalStatus
from lodestar.goals.rollup import rebuild_all
from lodestar.tracking import services
from lodestar.tracking.models import CheckIn
from lodestar.tracking.tests.support import WEEK2, fresh, measure_spec, page, submit

ROLES_DENIED = ("mkt_manager", "member", "hr", "viewer")


def counted_item(world, tree, title="笔记 batch", quantity="30"):
    return execution.item_create(
        actor=fresh(world.mkt_manager),
        department=world.mkt,
        title=title,
        goal=tree.first,
        measure=tree.m1,
        actual_quantity=quantity,
    )


# --- check-ins ----------------------------------------------------------------------------


def test_checkin_delete_is_soft_recomputes_and_records_who(world, tree, api):
    submit(world.mkt_manager, measure=tree.m1, actual="5")
    second = submit(world.mkt_manager, measure=tree.m1, period=WEEK2, actual="7")
    services.checkin_delete(actor=fresh(world.mkt_manager), checkin=second)

    tree.reload()
    assert tree.m1.current == D(5) and tree.parent.progress == D("0.03")
    stored = CheckIn.all_objects.get(pk=second.pk)
    assert stored.deleted_by == world.mkt_manager and stored.deleted_at is not None
    last = stored.history.order_by("-history_id").first()
    assert (last.history_user_id, last.history_change_reason) == (world.mkt_manager.user_id, "deleted")
    listed = api("mkt_manager").get("/check-ins", measure_id=tree.m1.pk).json()
    assert [row["id"] for row in listed["items"]] != [] and second.pk not in [
        r["id"] for r in listed["items"]
    ]
    assert api("mkt_manager").get(f"/check-ins/{second.pk}").status_code == 404

    response = api("admin").post(f"/check-ins/{second.pk}/restore")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == second.pk
    tree.reload()
    assert tree.m1.current == D(12) and tree.parent.progress == D("0.072")


def test_checkin_restore_refused_when_the_period_was_reported_again(world, tree, api):
    first = submit(world.mkt_manager, measure=tree.m1, actual="5")
    services.checkin_delete(actor=fresh(world.mkt_manager), checkin=first)
    submit(world.mkt_manager, measure=tree.m1, actual="9")

    response = api("admin").post(f"/check-ins/{first.pk}/restore")
    assert response.status_code == 409
    assert response.json()["code"] == "period_reported"
    tree.reload()
    assert tree.m1.current == D(9)
    assert CheckIn.all_objects.get(pk=first.pk).is_deleted


def test_measure_page_shows_checkin_changes_with_deletes_and_restores(world, tree):
    checkin = submit(world.mkt_manager, measure=tree.m1, actual="5")
    services.checkin_delete(actor=fresh(world.mkt_manager), checkin=checkin)
    services.checkin_restore(actor=fresh(world.admin), checkin_id=checkin.pk)

    html = page(world.mkt_manager).get(f"/tracking/measures/{tree.m1.pk}/").content.decode()
    changes = html[html.index('data-testid="checkin-changes"') :]
    # Pages are in Chinese until the reader switches language.
    assert "g_admin · 已恢复" in changes
    assert "g_mkt_manager · 已删除" in changes
    assert "· 已创建 ·" in changes


# --- action items -------------------------------------------------------------------------


def test_item_delete_feeds_the_measure_and_keeps_links_for_restore(world, tree, api):
    item = counted_item(world, tree)
    other = counted_item(world, tree, title="笔记 batch 2", quantity="10")
    execution.dependency_add(actor=fresh(world.mkt_manager), predecessor=item, successor=other)
    tree.reload()
    assert tree.m1.current == D(40)

    with pytest.raises(PermissionDeniedError):
        execution.item_delete(actor=fresh(world.viewer), item=item)
    execution.item_delete(actor=fresh(world.mkt_manager), item=item)
    tree.reload()
    assert tree.m1.current == D(10)
    assert RaciAssignment.objects.filter(item_id=item.pk).exists()
    assert Dependency.objects.filter(predecessor_id=item.pk).exists()
    listed = api("mkt_manager").get("/items").json()
    assert item.pk not in [row["id"] for row in listed["items"]]
    shown_other = api("mkt_manager").get(f"/items/{other.pk}").json()
    assert shown_other["predecessor_ids"] == []  # the deleted predecessor no longer shows or blocks

    response = api("admin").post(f"/items/{item.pk}/restore")
    assert response.status_code == 200, response.content
    tree.reload()
    assert tree.m1.current == D(40)
    assert api("mkt_manager").get(f"/items/{other.pk}").json()["predecessor_ids"] == [item.pk]


def test_item_restore_refused_while_its_goal_is_deleted(world, make_goal, api):
    draft = make_goal("草稿目标", measures=[])
    item = execution.item_create(
        actor=fresh(world.mkt_manager), department=world.mkt, title="任务", goal=draft
    )
    with pytest.raises(ConflictError) as refused:
        goals.goal_delete(actor=fresh(world.mkt_manager), goal=draft)
    assert refused.value.code == "has_items"
    execution.item_delete(actor=fresh(world.mkt_manager), item=item)
    goals.goal_delete(actor=fresh(world.mkt_manager), goal=draft)

    response = api("admin").post(f"/items/{item.pk}/restore")
    assert response.status_code == 409 and response.json()["code"] == "goal_deleted"
    assert api("admin").post(f"/goals/{draft.pk}/restore").status_code == 200
    assert api("admin").post(f"/items/{item.pk}/restore").status_code == 200
    assert ActionItem.objects.filter(pk=item.pk).exists()


# --- goals --------------------------------------------------------------------------------


def test_goal_delete_updates_the_parent_and_restore_brings_it_back(world, tree, make_goal, api):
    child = make_goal(
        "视频号10条",
        kind=GoalKind.KEY_RESULT,
        parent=tree.parent,
        weight=D(0),
        measures=[measure_spec("视频")],
    )
    tree.reload()
    assert tree.parent.child_count == 3
    goals.goal_delete(actor=fresh(world.mkt_manager), goal=child)

    tree.reload()
    assert tree.parent.child_count == 2
    assert api("mkt_manager").get(f"/goals/{child.pk}").status_code == 404
    assert child.pk not in [g["id"] for g in api("mkt_manager").get("/goals", page_size=500).json()["items"]]
    assert page(world.mkt_manager).get(f"/goals/{child.pk}/").status_code == 404
    assert rebuild_all() == 3  # the deleted goal (and its measure) stay out of a full rebuild

    response = api("admin").post(f"/goals/{child.pk}/restore")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == GoalStatus.DRAFT
    tree.reload()
    assert tree.parent.child_count == 3
    html = page(world.admin).get(f"/goals/{child.pk}/").content.decode()
    history = html[html.index('data-testid="history"') :]
    assert "g_admin · 已恢复" in history and "g_mkt_manager · 已删除" in history


def test_goal_restore_refused_while_its_parent_is_deleted(world, make_goal, api):
    parent = make_goal("上级草稿", measures=[])
    child = make_goal("下级草稿", parent=parent, measures=[])
    with pytest.raises(ConflictError):
        goals.goal_delete(actor=fresh(world.mkt_manager), goal=parent)
    goals.goal_delete(actor=fresh(world.mkt_manager), goal=child)
    goals.goal_delete(actor=fresh(world.mkt_manager), goal=parent)

    response = api("admin").post(f"/goals/{child.pk}/restore")
    assert response.status_code == 409 and response.json()["code"] == "parent_deleted"
    assert Goal.all_objects.get(pk=child.pk).is_deleted


def test_restoring_a_record_that_is_not_deleted_is_404(world, tree, api):
    assert api("admin").post(f"/goals/{tree.first.pk}/restore").status_code == 404
    assert api("admin").post("/items/999999/restore").status_code == 404
