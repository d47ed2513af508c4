"""Journey: a manager plans a campaign end to end — items from a goal with RACI, a dependency,
a move on the kanban and a new date on the timeline."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.conftest import login
from lodestar.execution.models import ActionItem
from lodestar.goals.models import Goal
from lodestar.org.models import Person


def person_id(username: str) -> str:
    return str(Person.objects.get(user__username=username).pk)


def create_item(page, goal: Goal, title: str, responsible: list[str], accountable: str, start: str, due: str):
    page.goto(f"{page.base_url}/goals/{goal.pk}/")
    page.get_by_role("link", name="行动计划").click()
    expect(page.get_by_test_id("item-table").or_(page.locator(".empty"))).to_be_visible()
    page.get_by_role("link", name="新建任务").first.click()
    page.fill("#id_title", title)
    picker = page.get_by_test_id("picker-responsible")
    for box in picker.locator("input:checked").all():
        box.uncheck()  # the creator is ticked by default
    for username in responsible:
        picker.locator(f"input[value='{person_id(username)}']").check()
    page.get_by_test_id("picker-accountable").locator(f"input[value='{person_id(accountable)}']").check()
    page.fill("#id_start", start)
    page.fill("#id_due", due)
    page.fill("#id_done_standard", "点赞≥500, 评论≥100")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1.page-title")).to_contain_text(title)
    return ActionItem.objects.get(title=title)


def drag(page, source: str, target: str) -> None:
    s = page.locator(source).bounding_box()
    t = page.locator(target).bounding_box()
    page.mouse.move(s["x"] + s["width"] / 2, s["y"] + 12)
    page.mouse.down()
    page.mouse.move(s["x"] + s["width"] / 2 + 5, s["y"] + 16, steps=3)
    page.mouse.move(t["x"] + t["width"] / 2, t["y"] + 30, steps=15)
    page.wait_for_timeout(150)
    page.mouse.up()


def test_manager_plans_a_campaign(page):
    goal = Goal.objects.get(name="小红书笔记50篇")
    login(page, "chenjing")
    screening = create_item(
        page, goal, "圣诞种草达人筛选", ["linxiao"], "chenjing", "2026-12-01", "2026-12-05"
    )
    posting = create_item(
        page, goal, "圣诞种草笔记发布", ["linxiao", "heyu"], "chenjing", "2026-12-06", "2026-12-20"
    )
    expect(page.get_by_test_id("raci")).to_contain_text("林晓")
    expect(page.get_by_test_id("raci")).to_contain_text("何雨")

    # The posting waits for the screening.
    page.get_by_test_id("dependency-form").locator(f"input[value='{screening.pk}']").check()
    page.get_by_test_id("dependency-form").get_by_role("button").click()
    expect(page.locator("#dependencies")).to_contain_text("圣诞种草达人筛选")

    # Marking the posting done first is refused: its predecessor is open.
    page.get_by_test_id("status-form").locator("select[name=status]").select_option("done")
    page.get_by_test_id("status-form").get_by_role("button").click()
    expect(page.locator(".alert-danger")).to_contain_text("圣诞种草达人筛选")
    posting.refresh_from_db()
    assert posting.status == "todo"

    # Kanban: drag the screening to 进行中.
    page.goto(f"{page.base_url}/execution/board/?goal={goal.pk}")
    drag(page, f"[data-testid=card-{screening.pk}]", "[data-testid=column-doing]")
    expect(page.get_by_test_id("column-doing").get_by_test_id(f"card-{screening.pk}")).to_be_visible()
    page.wait_for_timeout(500)
    screening.refresh_from_db()
    assert screening.status == "doing"

    # Timeline: give the posting a later due date.
    page.goto(f"{page.base_url}/execution/timeline/?goal={goal.pk}")
    row = page.locator(f"#tl-row-{posting.pk}")
    row.locator("input[name=due]").fill("2026-12-24")
    row.locator("button[type=submit]").click()
    page.wait_for_timeout(800)
    posting.refresh_from_db()
    assert str(posting.due) == "2026-12-24"
