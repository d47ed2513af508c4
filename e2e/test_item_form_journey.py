"""Journey: forms that fit the work. The director lays out 内容营销部's campaign phases on the task
table (adds 预热期 / 爆发期 / 返场期, renames one, reorders them), creates an item with the grouped
5W1H form (R found by pinyin "lx" → 林晓, the A by "liuyang", only the goal's measures, only the
plan's phases), makes it wait on another department's work and sees that link on the timeline."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from e2e.conftest import login
from lodestar.execution.models import ActionItem, Phase
from lodestar.goals.models import Goal
from lodestar.org.models import Department, Person

SHOTS = Path(os.environ.get("ITEM_FORM_SHOTS", "/tmp/shots-items"))


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def pk(username: str) -> str:
    return str(Person.objects.get(user__username=username).pk)


def test_item_created_with_the_grouped_form_and_a_cross_department_dependency(page, step):
    content = Department.objects.get(code="MKT-CONTENT")
    goal = Goal.objects.get(name="Q4内容获客线索3万条")
    visual = ActionItem.objects.get(title="大促主视觉海报设计")  # 电商渠道组's work
    login(page, "zhaomin")

    with step("phases on the task table"):
        page.goto(f"{page.base_url}/execution/?department={content.pk}")
        card = page.get_by_test_id("phases")
        for name, start, end in (
            ("预热期", "2026-10-20", "2026-10-31"),
            ("爆发期", "2026-11-01", "2026-11-11"),
            ("返场期", "2026-11-12", "2026-11-20"),
        ):
            adder = page.get_by_test_id("phase-add")
            adder.locator("input[name=name]").fill(name)
            adder.locator("input[name=start]").fill(start)
            adder.locator("input[name=end]").fill(end)
            adder.get_by_role("button", name="添加阶段").click()
            expect(page.get_by_test_id("phase-notice")).to_contain_text(name)
        second = page.get_by_test_id("phase-2")
        second.locator("input[name=name]").fill("双11爆发期")
        second.get_by_role("button", name="保存").click()
        expect(page.get_by_test_id("phase-notice")).to_contain_text("阶段已保存")
        page.get_by_test_id("phase-3").get_by_role("button", name="上移“返场期”").click()
        expect(page.get_by_test_id("phase-2").locator("input[name=name]")).to_have_value("返场期")
        expect(page.get_by_test_id("phase-3").locator("input[name=name]")).to_have_value("双11爆发期")
        assert [p.name for p in Phase.objects.filter(department=content, goal=None)] == [
            "预热期",
            "返场期",
            "双11爆发期",
        ]
        shot(page, "01-phases-on-the-task-table")
        # Put them back in campaign order.
        page.get_by_test_id("phase-3").get_by_role("button", name="上移“双11爆发期”").click()
        expect(page.get_by_test_id("phase-2").locator("input[name=name]")).to_have_value("双11爆发期")
        expect(card).to_be_visible()

    with step("the grouped form"):
        page.goto(f"{page.base_url}/execution/items/new/?department={content.pk}&goal={goal.pk}")
        form = page.get_by_test_id("item-form")
        for legend in ("做什么", "谁来做", "何时", "在哪里"):
            expect(form.locator("fieldset legend", has_text=legend)).to_be_visible()
        for hidden in ("how", "resources", "raci_more"):
            expect(form.locator(f"details[data-group={hidden}]")).not_to_have_attribute("open", "")
        measures = page.locator("#id_measure option")
        # Another goal: its measures (and its plan's phases) replace the choices, without a reload.
        page.select_option(
            "#id_goal", label=page.locator("#id_goal option", has_text="小红书笔记50篇").first.inner_text()
        )
        expect(measures).to_have_text(
            ["- 请选择 -", "小红书笔记50篇 · 笔记篇数", "小红书笔记50篇 · 单篇平均点赞"]
        )
        page.select_option("#id_goal", str(goal.pk))
        expect(measures).to_have_count(2)  # the empty choice and 内容线索
        expect(measures.nth(1)).to_have_text("Q4内容获客线索3万条 · 内容线索")
        expect(page.locator("#id_phase option")).to_have_text(
            ["- 请选择 -", "预热期", "双11爆发期", "返场期"]
        )
        responsible = page.get_by_test_id("picker-responsible")
        expect(responsible).not_to_contain_text("访客")
        expect(responsible).not_to_contain_text("系统管理员")
        shot(page, "02-grouped-form")

    with step("people by pinyin"):
        page.fill("#id_title", "双11小红书种草笔记20篇")
        responsible.locator(f"input[value='{pk('zhaomin')}']").uncheck()  # the creator, ticked by default
        page.fill("#id_responsible", "lx")
        expect(responsible.locator("label:visible")).to_have_count(1)
        expect(responsible.locator("label:visible")).to_contain_text("林晓")
        page.press("#id_responsible", "Enter")  # the only match is ticked
        expect(responsible.locator(f"input[value='{pk('linxiao')}']")).to_be_checked()
        page.fill("#id_responsible", "")
        page.fill("#id_responsible", "heyu")
        responsible.locator(f"input[value='{pk('heyu')}']").check()
        accountable = page.get_by_test_id("picker-accountable")
        page.fill("#id_accountable", "liuyang")
        expect(accountable.locator("label:visible")).to_contain_text("刘洋")
        accountable.locator(f"input[value='{pk('liuyang')}']").check()
        expect(page.locator("[data-picker-chosen]").first).to_contain_text("何雨、林晓")
        page.select_option("#id_measure", label="Q4内容获客线索3万条 · 内容线索")
        page.fill("#id_planned_quantity", "20")
        page.fill("#id_unit", "篇")
        page.fill("#id_start", "2026-11-01")
        page.fill("#id_due", "2026-11-11")
        page.select_option("#id_phase", label="双11爆发期")
        page.fill("#id_done_standard", "点赞≥500, 评论≥100")
        form.locator("details[data-group=resources] summary").click()
        page.fill("#id_materials", "内容素材库, KOL名单")
        shot(page, "03-people-by-pinyin")
        page.get_by_role("button", name="保存").click()
        expect(page.locator("h1.page-title")).to_contain_text("双11小红书种草笔记20篇")
        item = ActionItem.objects.get(title="双11小红书种草笔记20篇")
        assert item.phase.name == "双11爆发期" and item.measure.name == "内容线索"
        assert set(item.raci.filter(role="R").values_list("person__display_name", flat=True)) == {
            "林晓",
            "何雨",
        }
        assert item.accountable.display_name == "刘洋"

    with step("a dependency on another department"):
        dependency = page.get_by_test_id("dependency-form")
        page.fill("#id_predecessor", "zhushijue")
        expect(dependency.locator(".picker-option:visible")).to_have_count(1)
        dependency.locator(f"input[value='{visual.pk}']").check()
        dependency.get_by_role("button", name="添加依赖").click()
        expect(page.locator("#dependencies")).to_contain_text("大促主视觉海报设计")
        expect(page.locator("#dependencies").get_by_test_id("other-department")).to_have_text("电商渠道组")
        shot(page, "04-cross-department-dependency")
        page.locator("[data-testid=raci] summary").click()
        expect(page.get_by_test_id("raci-form").get_by_test_id("picker-responsible")).to_be_visible()
        page.get_by_test_id("raci-form").locator("#id_consulted").fill("chen")
        expect(page.get_by_test_id("raci-form").get_by_test_id("picker-consulted")).to_contain_text("陈静")
        shot(page, "04b-raci-pickers")

    with step("the timeline shows it"):
        page.goto(f"{page.base_url}/execution/timeline/?department={content.pk}")
        expect(page.get_by_test_id("gantt")).to_have_attribute("data-ready", "1")
        outside = page.get_by_test_id("timeline-outside")
        expect(outside).to_contain_text("大促主视觉海报设计")
        expect(outside.get_by_test_id("other-department")).to_have_text("电商渠道组")
        expect(page.get_by_test_id(f"tl-row-{item.pk}").get_by_test_id("waits-on-other")).to_contain_text(
            "电商渠道组"
        )
        # Scroll the chart back to the campaign to see the dashed link from the other department.
        page.evaluate(
            """() => echarts.getInstanceByDom(document.getElementById('gantt')).dispatchAction(
                {type: 'dataZoom', dataZoomIndex: 0, startValue: new Date(2026, 9, 10).getTime(),
                 endValue: new Date(2026, 10, 25).getTime()})"""
        )
        shot(page, "05-timeline-cross-department")

    with step("the form in English"):
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": page.base_url}])
        page.goto(f"{page.base_url}/execution/items/new/?department={content.pk}&goal={goal.pk}")
        expect(page.get_by_test_id("item-form").locator("fieldset legend").first).to_contain_text("What")
        expect(page.get_by_test_id("picker-responsible")).to_contain_text("Other departments")
        shot(page, "06-grouped-form-english")
