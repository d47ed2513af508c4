"""Issue 13 on the goal pages: figures as a spreadsheet shows them (800万 with the exact figure on
hover), the goal table's 基准目标 / 挑战目标 / 共识状态 columns and one progress value."""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.urls import reverse

from lodestar.goals import rollup
from lodestar.goals.models import Measure
from lodestar.goals.services import consensus
from lodestar.goals.tests.conftest import fresh
from lodestar.goals.tests.test_achievement_pages import client_for, zh

VIEWS = {
    "name": "播放量",
    "unit": "count",
    "direction": "higher",
    "target": "8000000",
    "challenge": "12000000",
}


def table_url(world) -> str:
    return f"{reverse('goals:table')}?department={world.mkt.pk}&period={world.year.pk}"


def en(client, url: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switcher's choice
    response = client.get(url)
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert response.status_code == 200
    return response.content.decode()


def test_the_goal_table_reads_like_the_spreadsheet(world, make_goal, activate):
    goal = activate(make_goal("抖音播放量", measures=[{**VIEWS, "current": "4000000"}]))
    client = client_for(world.mkt_manager)
    page = zh(client, table_url(world))
    for header in ("基准目标", "挑战目标", "共识状态"):
        assert f">{header}</th>" in page
    assert '<span class="figure" title="8,000,000">800万</span>' in page  # base target, exact on hover
    assert '<span class="figure" title="12,000,000">1200万</span>' in page  # challenge
    assert "播放量 ≥ 800万" in page  # the measure's condition
    assert "已达成共识" in page and "已签 1 / 1" in page
    # One progress value: the text and the bar show the goal's progress (50%).
    row = page[page.index(f'id="goal-row-{goal.pk}"') :]
    assert re.search(r'data-testid="progress-value"[^>]*>50%<', row)
    assert 'aria-valuenow="50.0"' in row
    page = en(client, table_url(world))
    assert '<span class="figure" title="8,000,000">8M</span>' in page and ">Base target</th>" in page


def test_the_table_shows_the_current_target_after_an_adjustment_and_open_sign_offs(
    world, make_goal, activate
):
    adjusted = activate(
        make_goal("华东区销售额", measures=[{"name": "销售额", "unit": "wan_yuan", "target": "700"}])
    )
    Measure.objects.filter(goal=adjusted).update(target=Decimal(550))
    rollup.rollup_from(adjusted)
    pending = make_goal("新品B 销售额")
    consensus.consensus_start(
        actor=fresh(world.mkt_manager),
        goals=[pending],
        participants=[
            {"person": world.mkt_manager, "required": True},
            {"person": world.member, "required": True},
        ],
        minutes="",
    )
    page = zh(client_for(world.mkt_manager), table_url(world))
    base = page[page.index(f'id="goal-row-{adjusted.pk}"') :]
    assert re.search(
        r'<s class="text-secondary" title="原始目标"><span class="figure" title="7,000,000元">700万元</span></s>',
        base,
    )
    assert '<strong><span class="figure" title="5,500,000元">550万元</span></strong>' in base
    row = page[page.index(f'id="goal-row-{pending.pk}"') :]
    assert "收集签字中" in row[:6000] and "已签 0 / 2" in row[:6000]


def test_the_goal_page_and_the_measure_page_show_figures_with_the_exact_one_on_hover(
    world, make_goal, activate
):
    goal = activate(make_goal("抖音播放量", measures=[{**VIEWS, "current": "4000000"}]))
    measure = goal.measures.get()
    client = client_for(world.mkt_manager)
    for url in (reverse("goals:detail", args=[goal.pk]), reverse("tracking:measure", args=[measure.pk])):
        page = zh(client, url)
        assert '<span class="figure" title="8,000,000">800万</span>' in page, url
        assert '<span class="figure" title="12,000,000">1200万</span>' in page, url
    # The goal page offers the owner an input with the exact value; the measure page shows 400万.
    assert '<span class="figure" title="4,000,000">400万</span>' in page
