"""Journey: the whole loop as a new manager lives it, in one browser session.

刘洋 (manager of 内容营销部) sets a quarter goal with two measures and gets it signed off,
decomposes one measure between his two team leads, plans two action items with RACI and a
dependency, drags the first onto 进行中 on the kanban, files a weekly check-in far behind plan,
and finds the alert it raised in his inbox and on the alerts page, where he acknowledges it.

Alerts are evaluated right after a check-in commits (tracking.services → on_commit), in the web
request itself: no task worker is involved (only e-mail and webhook deliveries are queued).
Each step is named: a failure leaves e2e/artifacts/test_full_loop--<n>-<step>.png.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import login
from e2e.test_execution_journey import create_item, drag
from lodestar.alerts.models import Alert
from lodestar.core.models import Period
from lodestar.execution.models import ActionItem, Dependency
from lodestar.goals.models import Goal
from lodestar.org.models import Department
from lodestar.tracking.models import CheckIn

GOAL = "Q4小红书种草曝光与转化"


def test_full_loop(page, step):
    content = Department.objects.get(code="MKT-CONTENT")
    today = timezone.localdate()
    quarter = Period.objects.get(kind="quarter", start__lte=today, end__gte=today)

    with step("log in as the manager"):
        login(page, "liuyang")
        expect(page.locator("h1.page-title")).to_contain_text("刘洋")

    with step("set the goal"):
        page.goto(f"{page.base_url}/goals/new/?department={content.pk}&period={quarter.pk}")
        page.fill("#id_name", GOAL)
        page.fill("#id_description", "本季度小红书笔记曝光量达到200万,带来新客线索2000条。")
        page.get_by_role("button", name="保存").click()
        expect(page.locator("h1.page-title")).to_contain_text(GOAL)
        goal = Goal.objects.get(name=GOAL)

    with step("add two measures"):
        for name, target in (("曝光量", "2000000"), ("新客线索", "2000")):
            page.get_by_role("link", name="添加衡量标准").first.click()
            page.fill("#id_name", name)
            page.fill("#id_baseline", "0")
            page.fill("#id_target", target)
            page.get_by_role("button", name="保存").click()
            expect(page.get_by_test_id("measures")).to_contain_text(name)
        assert goal.measures.count() == 2

    with step("consensus sign-off"):
        own = page.locator("#id_participants option", has_text="刘洋").get_attribute("value")
        page.select_option("#id_participants", [own])
        page.fill("#id_minutes", "目标共识会:内容营销部负责Q4小红书曝光200万、线索2000条。")
        page.get_by_role("button", name="发起共识").click()
        expect(page.get_by_test_id("consensus-state")).to_contain_text("收集签字中")
        page.get_by_test_id("decision-form").get_by_role("button", name="同意并签字").click()
        expect(page.get_by_test_id("consensus-state")).to_contain_text("已达成共识")
        goal.refresh_from_db()
        assert goal.status == "active"

    with step("decompose the exposure between the two team leads"):
        page.get_by_role("link", name="拆解", exact=True).click()
        form = page.get_by_test_id("decompose-form")
        form.locator("#measure").select_option(label="曝光量 · 2,000,000")
        form.get_by_role("button", name="添加拆解项").click()
        form.get_by_role("button", name="添加拆解项").click()
        rows = form.locator("tbody tr")
        for index, (label, share, lead) in enumerate(
            (("小红书组", "60", "陈静"), ("短视频组", "40", "周涛"))
        ):
            row = rows.nth(index)
            row.locator("input[name=label]").fill(label)
            row.locator("input[name=value]").fill(share)
            row.locator("select[name=owner]").select_option(label=lead)
        expect(page.get_by_test_id("running-total")).to_contain_text("100% / 100%")
        form.get_by_role("button", name="生成子目标").click()
        expect(page.locator(".alert-success")).to_be_visible()
        children = {c.owner.display_name: c for c in Goal.objects.filter(parent=goal)}
        assert sorted(children) == ["周涛", "陈静"]
        assert children["陈静"].measures.get().target == 1200000

    with step("plan two items with RACI and a dependency"):
        start, due = today.isoformat(), (today + dt.timedelta(days=10)).isoformat()
        brief = create_item(page, goal, "Q4种草达人招募", ["linxiao"], "chenjing", start, due)
        posting = create_item(page, goal, "Q4种草笔记投放", ["linxiao", "heyu"], "chenjing", start, due)
        expect(page.get_by_test_id("raci")).to_contain_text("何雨")
        page.get_by_test_id("dependency-form").locator(f"input[value='{brief.pk}']").check()
        page.get_by_test_id("dependency-form").get_by_role("button").click()
        expect(page.locator("#dependencies")).to_contain_text("Q4种草达人招募")
        assert Dependency.objects.filter(predecessor=brief, successor=posting).exists()

    with step("move the first item on the kanban"):
        page.goto(f"{page.base_url}/execution/board/?goal={goal.pk}")
        drag(page, f"[data-testid=card-{brief.pk}]", "[data-testid=column-doing]")
        expect(page.get_by_test_id("column-doing").get_by_test_id(f"card-{brief.pk}")).to_be_visible()
        page.wait_for_timeout(500)
        assert ActionItem.objects.get(pk=brief.pk).status == "doing"

    with step("weekly check-in far behind plan"):
        page.goto(f"{page.base_url}/tracking/")
        leads = page.get_by_test_id("checkin-row").filter(has=page.get_by_role("link", name="新客线索"))
        leads.locator("[data-role=actual]").fill("20")
        leads.get_by_test_id("save-row").click()
        expect(
            page.get_by_test_id("checkin-row")
            .filter(has=page.get_by_role("link", name="新客线索"))
            .get_by_test_id("row-saved")
        ).to_be_visible()
        expect(page.get_by_test_id("submitted-count")).to_contain_text("1 / 2")
        assert CheckIn.objects.filter(measure__goal=goal, measure__name="新客线索").count() == 1
        alert = Alert.objects.get(goal=goal)
        assert alert.status == "open"

    with step("the alert reaches the inbox"):
        page.goto(f"{page.base_url}/inbox/")
        expect(page.get_by_test_id("inbox")).to_contain_text(GOAL)

    with step("acknowledge the alert"):
        page.goto(f"{page.base_url}/alerts/")
        row = page.get_by_test_id("alert-row").filter(has_text=GOAL).first
        expect(row).to_be_visible()
        row.get_by_test_id("acknowledge").click()
        expect(page.locator(".alert-success")).to_be_visible()
        alert.refresh_from_db()
        assert alert.status == "acknowledged"
        assert alert.acknowledged_by.display_name == "刘洋"
