"""Journey: sign in, switch the language, open the org chart and the directory."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.conftest import login


def test_sign_in_switch_language_and_open_org_chart(page):
    login(page, "zhaomin")
    # Simplified Chinese is the default.
    expect(page.locator("h1.page-title")).to_contain_text("你好，赵敏")
    expect(page.get_by_role("link", name="组织")).to_be_visible()

    page.get_by_role("link", name="组织").click()
    page.get_by_role("link", name="组织架构图").click()
    chart = page.get_by_test_id("org-chart")
    expect(chart).to_contain_text("市场营销中心")
    expect(chart).to_contain_text("小红书组")
    expect(page.get_by_test_id("org-node").first).to_be_visible()

    # Switch to English: the same page, translated.
    page.get_by_test_id("language-switch").select_option("en")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("link", name="Org chart")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Organisation$"))).to_be_visible()
    expect(page.get_by_test_id("org-chart")).to_contain_text("内容营销部")

    # The directory filters by department and search text.
    page.get_by_role("link", name="People directory").click()
    page.fill("input[name=q]", "小红书")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("directory")).to_contain_text("林晓")
    expect(page.get_by_test_id("directory")).not_to_contain_text("王强")


def test_member_cannot_open_department_management(page):
    login(page, "linxiao")
    response = page.goto(page.base_url + "/org/departments/")
    assert response is not None and response.status == 403
    expect(page.locator("h1.page-title")).to_contain_text("无权")
