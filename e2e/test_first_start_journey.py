"""Journey: a real company's first start. From an EMPTY database (no demo), every page leads to the
setup wizard; the company, its departments and its first admin are created there, people are
imported from the org chart file, and the new admin sets the company's first goal."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import browser_page
from lodestar.goals.models import Goal
from lodestar.org import setup
from lodestar.org.models import Department, Person, Role

PASSWORD = "Xk9-very-secret"
PEOPLE = "账号,姓名,部门编码,职位,直属上级账号,角色,是否部门负责人\nzhaomin,赵敏,D01,品牌经理,,成员,是\nlinxiao,林晓,CONTENT,内容运营,zhaomin,成员,否\n"


@pytest.fixture
def empty_page(browser, live_server, transactional_db, settings, request):
    """A browser on a live server over an empty database: no demo, no accounts, the redirect on."""
    settings.LODESTAR_FIRST_RUN_REDIRECT = True
    setup.forget_organisation()
    with browser_page(browser, live_server, request) as page:
        yield page
    setup.forget_organisation()


def shot(page, name: str) -> None:
    import os

    folder = os.environ.get("E2E_STEP_SHOTS")
    if folder:
        page.screenshot(path=f"{folder}/first-start-{name}.png", full_page=True)


def test_first_start_to_a_first_goal(empty_page, tmp_path):
    page = empty_page
    assert not Department.objects.exists() and not Person.objects.exists()

    # Any page of an empty install leads to the wizard.
    page.goto(page.base_url + "/goals/")
    page.wait_for_url(page.base_url + "/setup/")
    expect(page.locator("h2")).to_contain_text("您的公司")
    page.fill("#id_company_name", "星辰科技")
    page.select_option("#id_fiscal_year_start_month", "1")
    shot(page, "1-company")
    page.get_by_role("button", name="下一步").click()

    page.wait_for_url(page.base_url + "/setup/departments/")
    page.fill("#id_departments", "品牌部\n品牌部")
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("[data-field-error=departments]")).to_contain_text("重复")
    page.fill("#id_departments", "品牌部\n内容营销部 | CONTENT\n渠道部")
    shot(page, "2-departments")
    page.get_by_role("button", name="下一步").click()

    page.wait_for_url(page.base_url + "/setup/admin/")
    expect(page.get_by_test_id("setup-summary")).to_contain_text("内容营销部")
    page.fill("#id_username", "chensy")
    page.fill("#id_display_name", "陈思远")
    page.fill("#id_title", "市场总监")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password_again", PASSWORD + "x")
    page.get_by_role("button", name="创建组织").click()
    expect(page.locator("[data-field-error=password_again]")).to_be_visible()
    assert not Department.objects.exists()
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password_again", PASSWORD)
    shot(page, "3-admin")
    page.get_by_role("button", name="创建组织").click()

    # Created and signed in: the optional import of people from the org chart file.
    page.wait_for_url(page.base_url + "/setup/people/")
    expect(page.locator(".alert-success")).to_contain_text("星辰科技 已设置完成")
    expect(page.get_by_test_id("department-codes")).to_contain_text("内容营销部 · CONTENT")
    people = tmp_path / "人员.csv"
    people.write_text(PEOPLE, encoding="utf-8-sig")
    page.set_input_files("#id_file", str(people))
    shot(page, "4-people")
    page.get_by_role("button", name="校验并导入").click()
    page.wait_for_url(page.base_url + "/setup/done/")
    expect(page.locator(".alert-success")).to_contain_text("2")
    shot(page, "5-done")
    admin = Person.objects.get(user__username="chensy")
    assert admin.role == Role.ADMIN and admin.department.code == "HQ"
    assert Person.objects.get(user__username="linxiao").manager.user.username == "zhaomin"

    # The wizard is closed now.
    response = page.request.get(page.base_url + "/setup/")
    assert response.status == 404

    # The new admin sets the company's first goal.
    page.get_by_test_id("first-goal").click()
    page.wait_for_url("**/goals/new/**")
    page.fill("#id_name", "2026年品牌曝光量1亿")
    page.select_option("#id_department", label="— 品牌部")
    shot(page, "6-goal-form")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1.page-title")).to_contain_text("2026年品牌曝光量1亿")
    shot(page, "7-goal")
    goal = Goal.objects.get(name="2026年品牌曝光量1亿")
    assert goal.owner == admin and goal.department.name == "品牌部"

    # The home page greets the admin as a person.
    page.goto(page.base_url + "/")
    expect(page.locator("h1.page-title")).to_contain_text("陈思远")
