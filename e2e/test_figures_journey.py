"""Journey (issue 13): figures read like the spreadsheet — 800万 on the goal table with the exact figure
on hover, in Chinese and in English (8M), whole-number plans of counted things (no 3.85篇), a level
planned at its target, and a menu where 任务看板 and 数据看板 are two things.

E2E_STEP_SHOTS=/tmp/shots-figures keeps a screenshot of every step to look at."""

from __future__ import annotations

import os
import re
from decimal import Decimal

from playwright.sync_api import expect

from e2e.conftest import login
from lodestar.goals.models import Goal
from lodestar.tracking import services as tracking_services


def table_url(page, goal: Goal) -> str:
    return f"{page.base_url}/goals/?department={goal.department_id}&period={goal.period_id}"


def test_figures_read_like_the_spreadsheet(page, step, browser):
    video = Goal.objects.get(name="抖音短视频播放量800万")
    notes = Goal.objects.get(name="小红书笔记50篇")
    login(page, "admin")

    with step("the goal table shows 800万 with 8,000,000 on hover"):
        page.goto(table_url(page, video))
        row = page.locator(f"#goal-row-{video.pk}")
        base = row.get_by_test_id("base-target").locator(".figure")
        expect(base).to_have_text("800万")
        expect(base).to_have_attribute("title", "8,000,000")
        expect(row).to_contain_text("播放量 ≥ 800万")
        table = page.get_by_test_id("goal-table")
        for header in ("基准目标", "挑战目标", "共识状态", "进度"):
            expect(table.locator("thead")).to_contain_text(header)
        expect(row.get_by_test_id("consensus")).to_contain_text("已达成共识")
        # One progress value: the number and the bar's width are the same figure.
        shown = row.get_by_test_id("progress-value").inner_text()
        width = Decimal(row.locator("[role=progressbar]").get_attribute("aria-valuenow"))
        assert Decimal(shown.rstrip("%")) == width.quantize(Decimal(1)), (shown, width)

    with step("the menu names the task board and the data dashboards apart"):
        nav = page.locator("#nav-main")
        expect(nav).to_contain_text("数据看板")
        page.goto(f"{page.base_url}/execution/board/")
        expect(page.locator("body")).to_contain_text("任务看板")

    with step("a counted measure is planned in whole notes, the level at its target"):
        measures = {m.name: m for m in notes.measures.all()}
        page.goto(f"{page.base_url}/tracking/measures/{measures['笔记篇数'].pk}/")
        texts = page.get_by_test_id("plan-points").locator("tbody td.text-end").all_inner_texts()
        assert len(texts) > 5
        for text in texts:
            assert re.fullmatch(r"\d+篇", text.strip()), text  # 4篇, 8篇 … never 3.85篇
        plan = tracking_services.measure_plan(measures["笔记篇数"])
        assert all(p.expected_cumulative % 1 == 0 for p in plan) and plan[-1].expected_cumulative == 50
        likes = tracking_services.measure_plan(measures["单篇平均点赞"])
        assert {p.expected_cumulative for p in likes} == {Decimal(500)}  # not a ramp from 0

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    context.add_cookies([{"name": "django_language", "value": "en", "url": page.base_url}])
    english = context.new_page()
    english.base_url = page.base_url
    try:
        login(english, "admin")
        english.goto(table_url(english, video))
        with step("in English the same figure is 8M, exact on hover"):
            base = english.locator(f"#goal-row-{video.pk}").get_by_test_id("base-target").locator(".figure")
            expect(base).to_have_text("8M")
            expect(base).to_have_attribute("title", "8,000,000")
            expect(english.get_by_test_id("goal-table").locator("thead")).to_contain_text("Challenge target")
            shots = os.environ.get("E2E_STEP_SHOTS")
            if shots:
                english.screenshot(path=f"{shots}/figures-goal-table-en.png", full_page=True)
    finally:
        context.close()
