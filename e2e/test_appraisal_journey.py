"""Journey (issue #15, 绩效考核): a quarterly appraisal of 品牌部 from its cycle's creation to the feedback meeting.

HR (孙丽) creates the Q2 cycle of 品牌部 through the form and starts it; 彭丽 writes her self review; HR moves
the cycle on; 韩雪 (品牌部经理) writes the manager review and names 林晓 (内容营销部) as a cross-department
reviewer, who rates anonymously; HR moves to calibration, lifts 彭丽 from B to A with a reason, and publishes;
韩雪 writes the feedback meeting and both acknowledge it. The demo's own published cycle leaves 品牌部 out.

Figures by hand (lodestar/demo/appraisal.py), template 市场岗 (定量 70% + 定性 30%), period 2026财年Q2 closed:
- 销售额 40%: 彭丽's Q2 sales 17 / 20 万元 = 85% → 85 (linear, floor 60%, cap 120)
- 客户留存率 20%: Q2会员复购留存率 45.5 / 35 = 130% → capped at 120
- 线索转化率 10%: Q2线索转化率 4.4 / 8 = 55%, below the 60% floor → 0
- 方案创新 15%: self 4, manager 4, peer 5 → 60%·80 + 20%·100 + 20%·80 = 84
- 团队协作 15%: self 4, manager 3, peer 4 → 60%·60 + 20%·80 + 20%·80 = 68
Final = (40·85 + 20·120 + 10·0 + 15·84 + 15·68) / 100 = 58 + 22.8 = 80.80 → B (70 ≤ 80.80 < 85), coefficient 1.00;
moved to A in calibration → coefficient 1.20, bonus 9000 × 1.20 = 10,800.00 (shown to HR only).
"""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from e2e.conftest import login, logout
from lodestar.appraisal.models import Appraisal, Cycle, FeedbackMeeting, Review, ReviewRole
from lodestar.appraisal.services import reviews as review_services
from lodestar.core.models import Period
from lodestar.org.models import Department, Person

CYCLE_NAME = "2026财年Q2品牌部绩效考核"


def person_id(username: str) -> int:
    return Person.objects.get(user__username=username).pk


def submit_review(page, ratings: dict[str, int], summary: str, anonymous: bool = False) -> None:
    """Rate each qualitative indicator on the open review page and submit (the confirm dialog accepted)."""
    form = page.get_by_test_id("review-form")
    for name, rating in ratings.items():
        form.get_by_test_id("indicator").filter(has_text=name).locator(f"input[value='{rating}']").check()
    form.locator("textarea[name=summary]").fill(summary)
    if anonymous:
        form.get_by_test_id("anonymous").check()
    page.once("dialog", lambda dialog: dialog.accept())
    form.get_by_test_id("submit-review").click()
    expect(page.get_by_test_id("review-status")).to_have_class(re.compile(r"\bbg-green-lt\b"))  # submitted


def others_reviewed(cycle: Cycle, role: str) -> None:
    """The rest of 品牌部 (蒋涛, 韩雪) write their reviews of this stage through the services, as the demo
    does, so that every appraisal has a score and the cycle can be published."""
    for review in (
        Review.objects.filter(appraisal__cycle=cycle, role=role)
        .exclude(appraisal__person__user__username="pengli")
        .select_related("reviewer__user")
    ):
        indicators = review_services.qualitative_indicators(review.appraisal)
        review_services.review_save(
            actor=review.reviewer.user,
            review=review,
            version=review.version,
            ratings=[{"indicator_id": i.pk, "rating": 4} for i in indicators],
            submit=True,
        )


def open_waiting_review(page, text: str) -> None:
    """Open, from the appraisal home, the review of this cycle waiting for the reader whose line reads `text`."""
    page.goto(page.base_url + "/appraisal/")
    page.get_by_test_id("waiting-review").filter(has_text=CYCLE_NAME).filter(has_text=text).click()
    expect(page.get_by_test_id("review-form")).to_be_visible()


def advance(page, cycle: Cycle, to_label: str) -> None:
    page.goto(f"{page.base_url}/appraisal/cycles/{cycle.pk}/")
    button = page.get_by_test_id("cycle-advance")
    expect(button).to_contain_text(to_label)
    button.click()
    expect(page.get_by_test_id("stage-bar")).to_be_visible()


def test_quarterly_appraisal_of_the_brand_department(page, step):
    q2 = Period.objects.get(kind="quarter", is_closed=True)  # the demo closes 2026财年Q2 only
    brand = Department.objects.get(name="品牌部")
    assert not Appraisal.objects.filter(department=brand).exists(), "the demo leaves 品牌部 out"

    with step("HR creates the Q2 cycle of 品牌部"):
        login(page, "sunli")
        page.goto(page.base_url + "/appraisal/")
        page.get_by_test_id("tab-cycles").click()
        page.get_by_test_id("cycle-create").click()
        form = page.get_by_test_id("cycle-form")
        form.locator("#id_name").fill(CYCLE_NAME)
        form.locator("#id_period").select_option(str(q2.pk))
        form.locator("#id_departments").select_option([str(brand.pk)])
        today = dt.date.today()
        for offset, stage in enumerate(("self", "manager", "peer", "calibration")):
            form.locator(f"#id_{stage}_starts").fill((today + dt.timedelta(days=7 * offset)).isoformat())
            form.locator(f"#id_{stage}_ends").fill((today + dt.timedelta(days=7 * offset + 6)).isoformat())
        form.locator("button[type=submit]").click()
        expect(page.get_by_role("heading", name=CYCLE_NAME)).to_be_visible()
        cycle = Cycle.objects.get(name=CYCLE_NAME)

    with step("the scope preview leaves out 曹宇, whose position has no template"):
        preview = page.get_by_test_id("scope-preview")
        expect(preview).to_contain_text("将考核3人")
        expect(page.get_by_test_id("scope-skipped")).to_contain_text("曹宇")

    with step("HR starts the cycle: every appraisal is created at once"):
        page.get_by_test_id("cycle-start").click()
        expect(page.get_by_test_id("appraisal-row")).to_have_count(3)
        assert Appraisal.objects.filter(cycle=cycle).count() == 3
        logout(page)

    with step("彭丽 sees her quantitative figures from the snapshot and submits her self review"):
        login(page, "pengli")
        open_waiting_review(page, "我的自评")
        figures = page.get_by_test_id("quantitative")
        expect(figures.locator("tr").filter(has_text="销售额")).to_contain_text("85.00%")
        expect(figures.locator("tr").filter(has_text="客户留存率")).to_contain_text("130.00%")
        expect(figures.locator("tr").filter(has_text="线索转化率")).to_contain_text("55.00%")
        submit_review(page, {"方案创新": 4, "团队协作": 4}, "Q2完成两次品牌发布会的媒体邀约。")
        others_reviewed(cycle, ReviewRole.SELF)
        logout(page)

    with step("HR moves the cycle to the manager review"):
        login(page, "sunli")
        advance(page, cycle, "上级评")
        logout(page)

    with step("韩雪 names 林晓 as a cross-department reviewer and writes the manager review"):
        login(page, "hanxue")
        pengli = Appraisal.objects.get(cycle=cycle, person__user__username="pengli")
        page.goto(f"{page.base_url}/appraisal/{pengli.pk}/")
        peer_form = page.get_by_test_id("peer-form")
        peer_form.get_by_test_id("picker-reviewer").locator(f"input[value='{person_id('linxiao')}']").check(
            force=True
        )
        peer_form.locator("button[type=submit]").click()
        expect(page.get_by_test_id("review-row").filter(has_text="林晓")).to_be_visible()
        open_waiting_review(page, "彭丽")
        submit_review(page, {"方案创新": 4, "团队协作": 3}, "媒体关系维护好，跨部门配合需加强。")
        others_reviewed(cycle, ReviewRole.MANAGER)

    with step("韩雪 rates 彭丽's competencies and the capability radar draws"):
        page.goto(f"{page.base_url}/appraisal/{pengli.pk}/")
        competencies = page.get_by_test_id("competency-form")
        selects = competencies.locator("select")
        for index in range(selects.count()):
            selects.nth(index).select_option(str(3 + index % 3))
        competencies.locator("button[type=submit]").click()
        radar = page.get_by_test_id("competency-radar")
        expect(radar.locator("canvas")).to_have_count(1)
        logout(page)

    with step("HR moves the cycle to the cross-department review"):
        login(page, "sunli")
        advance(page, cycle, "跨部门评")
        logout(page)

    with step("林晓 rates 彭丽 anonymously and cannot open her appraisal"):
        login(page, "linxiao")
        open_waiting_review(page, "彭丽")
        submit_review(page, {"方案创新": 5, "团队协作": 4}, "发布会物料准备及时。", anonymous=True)
        response = page.goto(f"{page.base_url}/appraisal/{pengli.pk}/")
        assert response is not None and response.status == 404
        logout(page)

    with step("HR moves to calibration and sees 彭丽's score computed by hand"):
        login(page, "sunli")
        advance(page, cycle, "校准")
        page.goto(f"{page.base_url}/appraisal/{pengli.pk}/")
        table = page.get_by_test_id("score-table")
        rows = table.get_by_test_id("component")
        expect(rows.filter(has_text="销售额")).to_contain_text("85.00")
        expect(rows.filter(has_text="客户留存率")).to_contain_text("120.00")
        expect(rows.filter(has_text="线索转化率")).to_contain_text("0.00")
        expect(rows.filter(has_text="方案创新")).to_contain_text("84.00")
        expect(rows.filter(has_text="团队协作")).to_contain_text("68.00")
        expect(page.get_by_test_id("final-score")).to_have_text("80.80")
        expect(page.get_by_test_id("grade")).to_contain_text("B")
        expect(page.get_by_test_id("coefficient")).to_have_text("1.00")
        expect(page.get_by_test_id("bonus")).to_have_text("9,000.00")
        # Anonymous toward the reviewee only: HR sees who wrote it.
        expect(page.get_by_test_id("review-row").filter(has_text="林晓")).to_have_count(1)

    with step("HR lifts 彭丽 from B to A with a reason; the move is logged"):
        page.goto(f"{page.base_url}/appraisal/cycles/{cycle.pk}/calibration/")
        row = page.get_by_test_id("calibration-row").filter(has_text="彭丽")
        row.locator("select[name=to_grade]").select_option("A")
        row.locator("input[name=reason]").fill("发布会媒体曝光超出预期，部门内横向对比后上调。")
        row.locator("button").click()
        move = page.get_by_test_id("move-row").filter(has_text="彭丽")
        expect(move).to_contain_text("B → A")
        expect(move).to_contain_text("孙丽")
        expect(move).to_contain_text("发布会媒体曝光超出预期")

    with step("HR publishes the results"):
        page.goto(f"{page.base_url}/appraisal/cycles/{cycle.pk}/")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_test_id("cycle-publish").click()
        expect(page.get_by_test_id("cycle-publish")).to_have_count(0)
        cycle.refresh_from_db()
        assert cycle.is_published
        page.goto(f"{page.base_url}/appraisal/{pengli.pk}/")
        expect(page.get_by_test_id("grade")).to_contain_text("A")
        expect(page.get_by_test_id("coefficient")).to_have_text("1.20")
        expect(page.get_by_test_id("bonus")).to_have_text("10,800.00")
        logout(page)

    with step("韩雪 writes the feedback meeting and acknowledges it"):
        login(page, "hanxue")
        page.goto(f"{page.base_url}/appraisal/{pengli.pk}/")
        feedback = page.get_by_test_id("feedback-form")
        feedback.locator("[name=held_on]").fill(dt.date.today().isoformat())
        feedback.locator("[name=notes]").fill(
            "肯定发布会成果；线索转化率未达60%门槛，下季度与用户运营部共建线索评分。"
        )
        feedback.locator("[name=data_and_examples]").fill(
            "销售额17/20万元（85%）；留存率45.5%（130%）；转化率4.4%。"
        )
        feedback.locator("button[type=submit]").click()
        expect(page.get_by_test_id("feedback-notes")).to_contain_text("肯定发布会成果")
        page.get_by_test_id("feedback-acknowledge").click()
        expect(page.get_by_test_id("feedback-acks")).not_to_contain_text("经理：尚未确认")
        logout(page)

    with step("彭丽 reads her published result and acknowledges the meeting"):
        login(page, "pengli")
        page.goto(page.base_url + "/appraisal/")
        mine = page.get_by_test_id("my-appraisal").filter(has_text=CYCLE_NAME)
        expect(mine.get_by_test_id("final-score")).to_have_text("80.80")
        expect(mine.get_by_test_id("grade")).to_have_text("A")
        mine.get_by_role("link", name=CYCLE_NAME).click()
        expect(page.get_by_test_id("coefficient")).to_have_text("1.20")
        expect(page.get_by_test_id("bonus")).to_have_count(0)  # money is for HR and admins only
        expect(page.get_by_test_id("review-row").filter(has_text="林晓")).to_have_count(0)
        expect(page.get_by_test_id("reviewer").filter(has_text="匿名")).to_have_count(1)
        page.get_by_test_id("feedback-acknowledge").click()
        expect(page.get_by_test_id("feedback-acknowledged")).to_be_visible()
        meeting = FeedbackMeeting.objects.get(appraisal=pengli)
        assert meeting.person_ack_at and meeting.manager_ack_at
