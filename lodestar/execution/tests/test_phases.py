"""Campaign phases (预热期 → 爆发期 → 返场期) in the pages and the API: add, rename and date,
reorder, with the planners' rights (`can_plan_in`) in both; the item form offers only the phases
of the item's plan. Fixtures: execution/tests/conftest.py (市场部 planned by its manager 赵敏)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.execution import services
from lodestar.execution.models import Phase
from lodestar.execution.tests.conftest import user_of

HX = {"HTTP_HX_REQUEST": "true"}
NOV_1, NOV_10, NOV_11, NOV_20 = (
    dt.date(2026, 11, 1),
    dt.date(2026, 11, 10),
    dt.date(2026, 11, 11),
    dt.date(2026, 11, 20),
)


def names(department, goal=None) -> list[str]:
    return [p.name for p in services.plan_phases(department, goal)]


def table(department) -> str:
    return f"{reverse('execution:table')}?department={department.pk}"


@pytest.fixture
def three(org):
    actor = user_of(org.mkt_manager)
    return [services.phase_create(actor=actor, department=org.mkt, name=n) for n in services.DEFAULT_PHASES]


# --- services --------------------------------------------------------------------------------


def test_phases_are_added_at_the_end_renamed_dated_and_reordered(org, three):
    actor = user_of(org.mkt_manager)
    assert names(org.mkt) == ["预热期", "爆发期", "返场期"]
    warmup = services.phase_update(
        actor=actor, phase=three[0], version=1, name=" 预售期 ", start=NOV_1, end=NOV_10
    )
    assert (warmup.name, warmup.start, warmup.end, warmup.version) == ("预售期", NOV_1, NOV_10, 2)
    services.phase_move(actor=actor, phase=three[2], position=0)
    assert names(org.mkt) == ["返场期", "预售期", "爆发期"]
    services.phase_move(actor=actor, phase=three[2], position=99)  # past the end: last
    assert names(org.mkt) == ["预售期", "爆发期", "返场期"]
    assert list(services.plan_phases(org.mkt, None).values_list("sort_order", flat=True)) == [0, 1, 2]


def test_phase_rules_refuse_bad_input_and_stale_versions(org, three):
    actor = user_of(org.mkt_manager)
    with pytest.raises(ApplicationError) as exc:
        services.phase_update(actor=actor, phase=three[0], version=1, name="  ", start=None, end=None)
    assert exc.value.field == "name"
    with pytest.raises(ApplicationError) as exc:
        services.phase_update(actor=actor, phase=three[0], version=1, name="预热期", start=NOV_11, end=NOV_1)
    assert (exc.value.field, exc.value.code) == ("end", "due_before_start")
    services.phase_update(actor=actor, phase=three[0], version=1, name="预热", start=None, end=None)
    with pytest.raises(ConflictError):
        services.phase_update(actor=actor, phase=three[0], version=1, name="旧版本", start=None, end=None)
    assert Phase.objects.get(pk=three[0].pk).name == "预热"


@pytest.mark.parametrize("role", ["sales_manager", "viewer", "hr"])
def test_only_planners_of_the_department_change_phases(org, three, role):
    actor = user_of(org.person(role))
    with pytest.raises(PermissionDeniedError):
        services.phase_update(actor=actor, phase=three[0], version=1, name="改名", start=None, end=None)
    with pytest.raises(PermissionDeniedError):
        services.phase_move(actor=actor, phase=three[2], position=0)
    with pytest.raises(PermissionDeniedError):
        services.phase_create(actor=actor, department=org.mkt, name="加一个")
    assert names(org.mkt) == ["预热期", "爆发期", "返场期"]


def test_a_goals_plan_has_its_own_phases(org, three, make_goal):
    goal = make_goal()
    actor = user_of(org.member)  # a member plans in their own department
    services.phase_create(actor=actor, department=org.mkt, goal=goal, name="双11爆发期")
    assert names(org.mkt, goal) == ["双11爆发期"] and names(org.mkt) == ["预热期", "爆发期", "返场期"]


# --- pages -----------------------------------------------------------------------------------


def test_the_task_table_adds_renames_dates_and_reorders_phases(org, client_for, three):
    client = client_for("mkt_manager")
    page = client.get(table(org.mkt)).content.decode()
    assert 'data-testid="phases"' in page and 'data-testid="phase-add"' in page
    response = client.post(
        reverse("execution:phase_add"),
        {"department": org.mkt.pk, "goal": "", "name": "长尾期", "start": "2026-11-21", "end": "2026-11-30"},
        **HX,
    )
    card = response.content.decode()
    assert response.status_code == 200 and 'id="phases"' in card and "长尾期" in card
    assert names(org.mkt)[-1] == "长尾期"
    response = client.post(
        reverse("execution:phase_edit", args=[three[1].pk]),
        {"version": 1, "name": "爆发期", "start": "2026-11-11", "end": "2026-11-11"},
        **HX,
    )
    assert response.status_code == 200
    assert Phase.objects.get(pk=three[1].pk).start == NOV_11
    client.post(reverse("execution:phase_edit", args=[three[1].pk]), {"move": "up"}, **HX)
    assert names(org.mkt) == ["爆发期", "预热期", "返场期", "长尾期"]
    # Without JavaScript: back to the table with a message.
    response = client.post(reverse("execution:phase_edit", args=[three[1].pk]), {"move": "down"})
    assert response.status_code == 302 and response["Location"].startswith(table(org.mkt))
    assert names(org.mkt) == ["预热期", "爆发期", "返场期", "长尾期"]


def test_bad_phase_input_is_shown_on_the_card_and_changes_nothing(org, english, three):
    client = english("mkt_manager")
    response = client.post(
        reverse("execution:phase_edit", args=[three[0].pk]),
        {"version": 1, "name": "预热期", "start": "2026-11-10", "end": "2026-11-01"},
        **HX,
    )
    assert "The end date is before the start date." in response.content.decode()
    response = client.post(
        reverse("execution:phase_edit", args=[three[0].pk]),
        {"version": 1, "name": "预热期", "start": "11/10", "end": ""},
        **HX,
    )
    assert "Enter a date as YYYY-MM-DD." in response.content.decode()
    response = client.post(reverse("execution:phase_add"), {"department": org.mkt.pk, "name": ""}, **HX)
    assert "Name the phase." in response.content.decode()
    assert Phase.objects.get(pk=three[0].pk).version == 1 and Phase.objects.count() == 3


def test_readers_see_the_phases_without_controls_and_outsiders_cannot_post(org, client_for, three):
    page = client_for("viewer").get(table(org.mkt)).content.decode()
    assert 'data-testid="phases"' in page and "预热期" in page
    assert (
        'data-testid="phase-add"' not in page
        and reverse("execution:phase_edit", args=[three[0].pk]) not in page
    )
    assert (
        client_for("viewer")
        .post(reverse("execution:phase_edit", args=[three[0].pk]), {"move": "down"})
        .status_code
        == 403
    )
    # 销售部 does not see 市场部's plan: its phases do not exist for them.
    assert (
        client_for("sales_member")
        .post(reverse("execution:phase_edit", args=[three[0].pk]), {"move": "down"})
        .status_code
        == 404
    )
    assert (
        client_for("sales_manager")
        .post(reverse("execution:phase_add"), {"department": org.mkt.pk, "name": "越权"})
        .status_code
        == 403
    )
    assert names(org.mkt) == ["预热期", "爆发期", "返场期"]


def test_the_task_table_with_phases_keeps_its_query_budget(
    org, client_for, three, make_item, django_assert_max_num_queries
):
    for index in range(6):
        make_item(f"任务{index}", phase=three[index % 3])
    client = client_for("mkt_manager")
    client.get(table(org.mkt))
    with django_assert_max_num_queries(24):
        response = client.get(table(org.mkt))
    assert response.status_code == 200


def test_the_item_form_offers_only_the_phases_of_the_items_plan(org, client_for, three, make_goal):
    goal = make_goal()
    actor = user_of(org.mkt_manager)
    goal_phase = services.phase_create(actor=actor, department=org.mkt, goal=goal, name="目标阶段")
    sales_phase = services.phase_create(actor=user_of(org.sales_manager), department=org.sales, name="销售期")
    client = client_for("mkt_manager")
    page = client.get(f"{reverse('execution:create')}?department={org.mkt.pk}").content.decode()
    assert "预热期" in page and "目标阶段" not in page and "销售期" not in page
    page = client.get(reverse("execution:form_choices"), {"department": org.mkt.pk, "goal": goal.pk}, **HX)
    body = page.content.decode()
    assert f'value="{goal_phase.pk}"' in body and "预热期" in body and f'value="{sales_phase.pk}"' not in body
    # A phase of another plan posted anyway is refused by the form.
    response = client.post(
        reverse("execution:create"),
        {"title": "串台", "department": org.mkt.pk, "priority": "P1", "phase": sales_phase.pk},
    )
    assert response.status_code == 200 and 'data-field-error="phase"' in response.content.decode()


# --- API: the same services and rules ---------------------------------------------------------


def test_api_renames_dates_and_moves_phases_with_the_same_rights(org, api, three):
    manager = api("mkt_manager")
    body = manager.patch(
        f"/phases/{three[0].pk}", {"version": 1, "name": "预售期", "end": "2026-11-10"}
    ).json()
    assert (body["name"], body["end"], body["version"]) == ("预售期", "2026-11-10", 2)
    response = manager.patch(f"/phases/{three[0].pk}", {"version": 1, "name": "旧"})
    assert response.status_code == 409
    response = manager.patch(f"/phases/{three[0].pk}", {"version": 2, "start": "2026-11-20"})
    assert response.status_code == 422 and response.json()["field"] == "end"
    moved = manager.post(f"/phases/{three[2].pk}/move", {"position": 0})
    assert moved.status_code == 200
    assert [p["name"] for p in moved.json()["items"]] == ["返场期", "预售期", "爆发期"]
    assert api("viewer").patch(f"/phases/{three[0].pk}", {"version": 2, "name": "x"}).status_code == 403
    assert api("sales_manager").post(f"/phases/{three[0].pk}/move", {"position": 2}).status_code == 404
    assert names(org.mkt) == ["返场期", "预售期", "爆发期"]
