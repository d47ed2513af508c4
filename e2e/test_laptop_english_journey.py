"""Journey (issue #16): what walking the demo as each role in both languages found, on a 1,366 px laptop.

赵敏 (总监) reads Lodestar in English: the menu had pushed the inbox and her account off the screen (the
pages scrolled sideways by about 190 px), and the tracking page offered the deviation reasons in Chinese
(资源不足, 合作方延期 …) although each has an English name. 林晓 (专员), who sees no channel budget, found
the channel ROI page drawing an empty chart over every channel at 0.00.
"""

from __future__ import annotations

from playwright.sync_api import expect

from e2e.conftest import login, logout

WIDTH = 1366  # the viewport of every journey (e2e/conftest.py)


def test_the_director_in_english_and_a_specialist_without_channel_budget(page, step):
    with step("赵敏 switches to English: every page fits the laptop's width, the inbox in view"):
        login(page, "zhaomin")
        page.get_by_test_id("language-switch").select_option("en")
        expect(page.get_by_test_id("inbox-link")).to_contain_text("Inbox")
        for path in (
            "/dashboards/company/",
            "/tracking/",
            "/budget/",
            "/budget/channels/",
            "/data/verification/",
        ):
            page.goto(page.base_url + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, path
            box = page.get_by_test_id("inbox-link").bounding_box()
            assert box is not None and box["x"] + box["width"] <= WIDTH, path

    with step("the tracking page offers the deviation reasons in English"):
        page.goto(page.base_url + "/tracking/")
        reasons = page.locator("select[name$='deviation_category']").first
        expect(reasons).to_be_attached()
        options = reasons.locator("option").all_inner_texts()
        assert "Partner delay" in options and "合作方延期" not in options
        logout(page)

    with step("林晓 opens channel ROI: the page says there is no channel budget, no empty chart"):
        login(page, "linxiao")
        page.goto(page.base_url + "/budget/channels/")
        expect(page.get_by_test_id("no-channel-budget")).to_contain_text("暂无渠道预算")
        expect(page.get_by_test_id("channel-roi-chart")).to_have_count(0)
        expect(page.get_by_test_id("channel-row")).to_have_count(0)
