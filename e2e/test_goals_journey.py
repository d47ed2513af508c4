"""Journey: a manager sets a goal with a measure, runs consensus to sign-off, then requests a target
adjustment that an approver above approves."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.conftest import login, logout
from lodestar.core.models import Period
from lodestar.goals.models import Goal
from lodestar.org.models import Department


def test_goal_consensus_and_adjustment(page):
    content = Department.objects.get(code="MKT-CONTENT")
    quarter = Period.objects.filter(kind="quarter").order_by("-start").first()

    login(page, "liuyang")
    page.goto(f"{page.base_url}/goals/new/?department={content.pk}&period={quarter.pk}")
    page.fill("#id_name", "12月小红书曝光量300万")
    page.fill("#id_description", "12月底前小红书笔记累计曝光量达到300万,互动率不低于3%。")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1.page-title")).to_contain_text("12月小红书曝光量300万")
    expect(page.get_by_test_id("smart-warnings")).to_be_visible()  # no measure yet

    page.get_by_role("link", name="添加衡量标准").first.click()
    page.fill("#id_name", "曝光量")
    page.fill("#id_baseline", "0")
    page.fill("#id_target", "3000000")
    page.fill("#id_challenge", "3500000")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("measures")).to_contain_text("300万")  # 3,000,000 on hover

    # Consensus: the owner and the department manager (both 刘洋 here) plus the centre's director.
    zhaomin = page.locator("#id_participants option", has_text="赵敏")
    page.select_option(
        "#id_participants",
        [
            zhaomin.get_attribute("value"),
            page.locator("#id_participants option", has_text="刘洋").get_attribute("value"),
        ],
    )
    page.fill("#id_minutes", "目标共识会:内容部负责12月小红书曝光300万,品牌部提供素材支持。")
    page.get_by_role("button", name="发起共识").click()
    expect(page.get_by_test_id("consensus-state")).to_contain_text("收集签字中")
    page.get_by_test_id("decision-form").get_by_role("button", name="同意并签字").click()
    expect(page.get_by_test_id("signoffs")).to_contain_text("已同意")
    goal = Goal.objects.get(name="12月小红书曝光量300万")
    assert goal.status == "consensus"

    logout(page)
    login(page, "zhaomin")
    page.goto(f"{page.base_url}/goals/{goal.pk}/")
    page.fill("#id_comment", "同意,注意素材排期")
    page.get_by_test_id("decision-form").get_by_role("button", name="同意并签字").click()
    expect(page.get_by_test_id("consensus-state")).to_contain_text("已达成共识")
    goal.refresh_from_db()
    assert goal.status == "active"

    # A target adjustment is a request: nothing changes until an approver above (here the admin) approves.
    form = page.get_by_test_id("adjustment-form")
    form.locator("#id_new_target").fill("2500000")
    form.locator("#id_reason").fill("平台流量政策调整,曝光成本上升20%。")
    form.locator("#id_trigger").fill("平台流量政策变化")
    form.get_by_role("button", name="提交调整申请").click()
    expect(page.get_by_test_id("adjustment-status")).to_contain_text("待审批")
    expect(page.get_by_test_id("adjustments")).to_contain_text("平台流量政策变化")
    measure = goal.measures.get()
    assert measure.target == 3000000

    logout(page)
    login(page, "admin")
    page.goto(f"{page.base_url}/goals/{goal.pk}/")
    decide = page.get_by_test_id("adjustment-decide")
    decide.locator("textarea").fill("同意")
    decide.get_by_role("button", name="批准").click()
    expect(page.get_by_test_id("adjustment-status")).to_contain_text("已批准")
    expect(page.get_by_test_id("adjustments")).to_contain_text("250万")
    expect(page.get_by_test_id("measures")).to_contain_text("300万")  # the original target, struck through
    measure.refresh_from_db()
    assert measure.target == 2500000 and measure.original_target == 3000000


def test_goal_table_inline_edit_and_tree(page):
    login(page, "zhaomin")
    mkt = Department.objects.get(code="MKT")
    q3 = Period.objects.filter(kind="quarter", key__endswith="Q3").order_by("-start").first()
    page.goto(f"{page.base_url}/goals/?department={mkt.pk}&period={q3.pk}")
    table = page.get_by_test_id("goal-table")
    expect(table).to_contain_text("新品A Q3销售额")
    expect(page.get_by_test_id("weight-total").first).to_have_text("100%")

    row = table.locator("tr", has_text="用户复购率提升").first
    row.get_by_role("link", name="编辑").click()
    page.locator("form[hx-post] input[name=weight]").fill("15")
    page.locator("form[hx-post]").get_by_role("button", name="保存").click()
    expect(page.locator("[data-field-error=weight]")).to_contain_text("100%")  # 60 + 30 + 15 > 100

    page.goto(f"{page.base_url}/goals/tree/")
    tree = page.get_by_test_id("goal-tree")
    expect(tree).to_contain_text("营收增长50%")
    tree.get_by_test_id("tree-expand").first.click()
    expect(tree).to_contain_text("线索量达到10万条")
