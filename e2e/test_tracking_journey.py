"""Journey: a team lead fills in the weekly report and acknowledges an alert in the inbox."""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.conftest import login
from lodestar.alerts.models import Alert
from lodestar.goals.models import Goal, Measure
from lodestar.tracking.models import CheckIn


def test_weekly_report_and_alert_acknowledgement(page):
    notes = Measure.objects.get(name="笔记篇数", goal__name="小红书笔记50篇")
    before = notes.current
    progress_before = Goal.objects.get(name="小红书笔记50篇").progress

    login(page, "chenjing")
    # Alerts raised for her goals have reached the inbox.
    expect(page.get_by_test_id("unread-count")).to_be_visible()

    page.goto(f"{page.base_url}/tracking/")
    row = page.get_by_test_id("checkin-row").filter(has=page.get_by_role("link", name="笔记篇数"))
    row.locator("[data-role=actual]").fill("4")
    row.get_by_test_id("save-row").click()
    expect(
        page.get_by_test_id("checkin-row")
        .filter(has=page.get_by_role("link", name="笔记篇数"))
        .get_by_test_id("row-saved")
    ).to_be_visible()
    notes.refresh_from_db()
    assert notes.current == before + 4
    assert CheckIn.objects.filter(measure=notes).count() >= 1
    assert Goal.objects.get(name="小红书笔记50篇").progress > progress_before

    page.goto(f"{page.base_url}/alerts/")
    first = page.get_by_test_id("alert-row").first
    expect(first).to_be_visible()
    first.get_by_test_id("acknowledge").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Alert.objects.filter(status="acknowledged").exists()
