"""The trash (admins only): deleted goals, items, check-ins, cases and SOPs listed by kind, restored from the page and API."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lodestar.execution import services as execution
from lodestar.goals import services as goals
from lodestar.goals.models import Goal
from lodestar.tracking import services
from lodestar.tracking.tests.support import WEEK1, fresh, page, submit

ROLES_DENIED = ("mkt_manager", "member", "hr", "viewer")


def _fill_trash(world, tree, make_goal, n: int) -> None:
    for index in range(n):
        goal = make_goal(f"草稿{index}", measures=[])
        goals.goal_delete(actor=fresh(world.mkt_manager), goal=goal)
        item = execution.item_create(
            actor=fresh(world.mkt_manager), department=world.mkt, title=f"任务{index}"
        )
        execution.item_delete(actor=fresh(world.mkt_manager), item=item)
        week = (WEEK1[0].replace(day=WEEK1[0].day + 0), WEEK1[1])
        checkin = submit(world.mkt_manager, period=week, measure=tree.m1, actual=str(index + 1))
        services.checkin_delete(actor=fresh(world.mkt_manager), checkin=checkin)


def test_trash_lists_deleted_records_by_kind_with_who_and_when(world, tree, make_goal, api):
    _fill_trash(world, tree, make_goal, 2)
    body = api("admin").get("/trash").json()
    assert body["count"] == 6
    assert {row["kind"] for row in body["items"]} == {"goal", "item", "checkin"}
    assert all(row["deleted_by_name"] == "赵敏" and row["deleted_at"] for row in body["items"])
    only_items = api("admin").get("/trash", kind="item", page_size=1).json()
    assert only_items["count"] == 2 and [r["title"] for r in only_items["items"]] == ["任务1"]
    assert api("admin").get("/trash", kind="nonsense").status_code == 422

    html = page(world.admin).get("/trash/?kind=goal").content.decode()
    assert "草稿0" in html and "任务0" not in html


def test_trash_page_query_count_does_not_grow_with_rows(world, tree, make_goal):
    client = page(world.admin)
    _fill_trash(world, tree, make_goal, 1)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/trash/").status_code == 200
    _fill_trash(world, tree, make_goal, 4)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/trash/").status_code == 200
    assert len(many) == len(few)


def test_restore_button_on_the_trash_page(world, tree, make_goal):
    goal = make_goal("草稿", measures=[])
    goals.goal_delete(actor=fresh(world.mkt_manager), goal=goal)
    response = page(world.admin).post(f"/trash/goal/{goal.pk}/restore/", {"shown_kind": "goal"})
    assert response.status_code == 302 and response["Location"] == "/trash/?kind=goal"
    assert Goal.objects.filter(pk=goal.pk).exists()


@pytest.mark.parametrize("who", ROLES_DENIED)
def test_only_admins_see_the_trash_and_restore(world, tree, make_goal, api, who):
    goal = make_goal("草稿", measures=[])
    goals.goal_delete(actor=fresh(world.mkt_manager), goal=goal)
    client = page(world.person(who))
    assert client.get("/trash/").status_code == 403
    assert client.post(f"/trash/goal/{goal.pk}/restore/").status_code == 403
    assert api(who).get("/trash").status_code == 403
    assert api(who).post(f"/goals/{goal.pk}/restore").status_code == 403
    assert Goal.all_objects.get(pk=goal.pk).is_deleted


def test_anonymous_cannot_reach_the_trash(world, tree, make_goal, api):
    goal = make_goal("草稿", measures=[])
    goals.goal_delete(actor=fresh(world.mkt_manager), goal=goal)
    assert Client().get("/trash/").status_code == 302
    assert api(None).get("/trash").status_code == 401
    assert api(None).post(f"/goals/{goal.pk}/restore").status_code == 401
    assert page(world.admin).get("/trash/").status_code == 200


def _deleted_case_and_sop(world):
    import datetime as dt

    from lodestar.knowledge import services as knowledge

    case = knowledge.case_create(
        actor=fresh(world.mkt_manager), title="618直播转化率低", outcome="failure", department=world.mkt
    )
    sop = knowledge.sop_create(
        actor=fresh(world.mkt_manager),
        title="大促直播话术SOP",
        owner=world.mkt_manager,
        department=world.mkt,
        review_date=dt.date(2026, 12, 31),
        body_markdown="## 分层话术",
        cases=[case],
    )
    knowledge.case_delete(actor=fresh(world.mkt_manager), case=case)
    knowledge.sop_delete(actor=fresh(world.mkt_manager), sop=sop)
    return case, sop


def test_deleted_cases_and_sops_come_back_from_the_trash(world, api):
    from lodestar.knowledge.models import Case, Sop

    case, sop = _deleted_case_and_sop(world)
    listed = api("admin").get("/trash").json()
    assert {(row["kind"], row["title"]) for row in listed["items"]} == {
        ("case", "618直播转化率低"),
        ("sop", "大促直播话术SOP"),
    }
    assert api("admin").get("/trash", kind="sop").json()["count"] == 1
    html = page(world.admin).get("/trash/?kind=case").content.decode()
    assert f"trash-row-case-{case.pk}" in html and "trash-row-sop" not in html

    restored = api("admin").post(f"/cases/{case.pk}/restore")
    assert restored.status_code == 200 and restored.json()["title"] == "618直播转化率低"
    response = page(world.admin).post(f"/trash/sop/{sop.pk}/restore/", {"shown_kind": "sop"})
    assert response.status_code == 302 and response["Location"] == "/trash/?kind=sop"
    assert Case.objects.filter(pk=case.pk).exists()
    assert Sop.objects.get(pk=sop.pk).cases.get() == Case.objects.get(pk=case.pk)  # links kept
    assert api("admin").post(f"/cases/{case.pk}/restore").status_code == 404  # nothing left to restore


@pytest.mark.parametrize("who", ("mkt_manager", "member", "hr", "viewer"))
def test_only_admins_restore_cases_and_sops(world, api, who):
    from lodestar.knowledge.models import Case, Sop

    case, sop = _deleted_case_and_sop(world)
    assert api(who).post(f"/cases/{case.pk}/restore").status_code == 403
    assert api(who).post(f"/sops/{sop.pk}/restore").status_code == 403
    assert page(world.person(who)).post(f"/trash/case/{case.pk}/restore/").status_code == 403
    assert Case.all_objects.get(pk=case.pk).is_deleted and Sop.all_objects.get(pk=sop.pk).is_deleted
