"""Issue 11 on the goal pages: measure weights in the form and the table, the uncapped figure
beside the capped one, the final health badge, the current target beside a title that embeds an
old one, and amounts with too many decimals refused by the form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from django.utils import translation

from lodestar.goals import rollup
from lodestar.goals.models import Goal, Measure
from lodestar.goals.tests.conftest import fresh

SALES = {"name": "销售额", "unit": "wan_yuan", "target": "700"}


def client_for(person) -> Client:
    client = Client()
    client.force_login(fresh(person))
    return client


def zh(client: Client, url: str) -> str:
    with translation.override("zh-hans"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    return response.content.decode()


def adjusted_goal(make_goal, activate) -> Goal:
    """ "华东区销售额700万" after its target went to 550万 (applied as an approved adjustment would)."""
    goal = activate(make_goal("华东区销售额700万", measures=[{**SALES, "current": "520"}]))
    Measure.objects.filter(goal=goal).update(target=Decimal(550))
    rollup.rollup_from(goal)
    return goal


def test_the_current_target_is_shown_beside_a_title_that_embeds_the_old_one(world, make_goal, activate):
    goal = adjusted_goal(make_goal, activate)
    unchanged = activate(make_goal("华北区销售额300万", measures=[{**SALES, "target": "300"}]))
    client = client_for(world.mkt_manager)
    scope = f"?period={world.year.pk}&department={world.mkt.pk}"
    for url in (
        reverse("goals:detail", args=[goal.pk]),
        reverse("goals:table") + scope,
        reverse("goals:tree") + scope,
    ):
        page = zh(client, url)
        assert "当前目标 销售额 550万元" in page, url
        assert page.count('data-testid="current-target"') == 1, url  # not beside 华北区
    assert "当前目标" not in zh(client, reverse("goals:detail", args=[unchanged.pk]))


def test_detail_shows_the_uncapped_figure_and_measure_weights(world, make_goal):
    goal = make_goal(
        measures=[
            {**SALES, "target": "500", "current": "480", "weight": "50"},
            {"name": "新客占比", "unit": "percent", "target": "40", "current": "42", "weight": "50"},
        ]
    )
    page = zh(client_for(world.mkt_manager), reverse("goals:detail", args=[goal.pk]))
    assert 'data-testid="achievement">98%<' in page
    assert "未封顶 101%" in page  # 100.5% rounded for display
    assert page.count('data-testid="measure-weight">50%<') == 2


def test_measure_form_saves_a_weight_and_refuses_too_many_decimals(world, make_goal):
    goal = make_goal(measures=[SALES])
    client = client_for(world.mkt_manager)
    url = reverse("goals:measure_add", args=[goal.pk])
    base = {"name": "新客占比", "unit": "percent", "direction": "higher", "target": "40"}
    response = client.post(url, {**base, "target": "40.123456", "weight": "40"})
    assert "target" in response.context["form"].errors
    assert goal.measures.count() == 1
    response = client.post(url, {**base, "weight": "40"})  # 销售额 takes the other 60
    assert response.status_code == 302
    assert goal.measures.get(name="新客占比").weight == Decimal(40)
    response = client.post(url, {**base, "name": "复购率", "weight": "70"})
    assert response.status_code == 200  # 40 + 70: refused on the page, on the weight field
    assert "weight" in response.context["form"].errors
    assert goal.measures.count() == 2


def test_target_zero_needs_a_baseline_on_the_page(world, make_goal):
    goal = make_goal(measures=[SALES])
    response = client_for(world.mkt_manager).post(
        reverse("goals:measure_add", args=[goal.pk]),
        {"name": "投诉数", "unit": "count", "direction": "lower", "target": "0"},
    )
    assert "baseline" in response.context["form"].errors


def test_a_goal_of_an_ended_period_shows_its_final_status(world, make_goal, activate):
    goal = activate(make_goal(period=world.quarters[0], measures=[{**SALES, "current": "500"}]))
    rollup.rebuild_all(today=dt.date(2026, 12, 4))
    assert fresh_goal(goal).health == "missed"  # 500 of 700
    page = zh(client_for(world.mkt_manager), reverse("goals:detail", args=[goal.pk]))
    assert 'data-health="missed">未达成<' in page


def fresh_goal(goal: Goal) -> Goal:
    return Goal.objects.get(pk=goal.pk)
