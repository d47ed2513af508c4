"""Journeys: the appraisal results table (考核表) and the retrospective table (营销目标复盘分析表) back from Excel.

The demo's only appraisal cycle (2026年Q2绩效考核) is published, so locked: the first journey runs a Q2 cycle of
品牌部 up to the manager review through the appraisal services (as HR and the reviewers would), then
韩雪 (品牌部经理) rates 彭丽 in the exported 考核表 and submits her review by import; after calibration opens,
孙丽 (HR) lifts 彭丽's grade in the file with a 校准理由. Who sees the import button is checked per role.

Figures by hand (lodestar/demo/appraisal.py, template 市场岗: 销售额 40%, 客户留存率 20%, 线索转化率 10%,
方案创新 15%, 团队协作 15%; no cross-department reviewer in this cycle):
- 销售额 17 / 20 万元 = 85% → 85; 客户留存率 45.5 / 35 = 130% → capped at 120; 线索转化率 4.4 / 8 = 55% < 60% → 0.
- The final score is Σ weight × score of the score table; 彭丽's pay base is 9,000 元 and A's coefficient 1.20
  → bonus 10,800.00 (HR only).

The second: 赵敏 adds a row without ID to the exported 营销目标复盘分析表 — 目标周期 2026Q3, 目标名称 小红书品牌曝光
— and the import opens that goal's retrospective with her 关键亮点 and 主要问题; the figures come from the
goal (达成率 = 实际 / 目标). 林晓 (specialist) cannot open a retrospective of a goal that is not hers.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from e2e.conftest import login, logout
from lodestar.appraisal.models import Appraisal, CalibrationMove, Cycle, Review, ReviewRole, ReviewStatus
from lodestar.appraisal.services import cycles
from lodestar.appraisal.services import reviews as review_services
from lodestar.core.models import Period
from lodestar.goals.models import Goal
from lodestar.org.models import Department, Person
from lodestar.retrospectives.models import Retrospective

SHOTS = Path("/tmp/h-e2e-shots")
CYCLE_NAME = "2026财年Q2品牌部绩效考核（Excel）"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def user_of(username: str):
    return Person.objects.select_related("user").get(user__username=username).user


def write_reviews(cycle: Cycle, role: str, rating: int = 4, exclude: tuple[str, ...] = ()) -> None:
    """The reviews of a stage written and submitted through the services, as their reviewers would."""
    for review in (
        Review.objects.filter(appraisal__cycle=cycle, role=role)
        .exclude(appraisal__person__user__username__in=exclude)
        .select_related("reviewer__user")
    ):
        indicators = review_services.qualitative_indicators(review.appraisal)
        review_services.review_save(
            actor=review.reviewer.user,
            review=review,
            version=review.version,
            ratings=[{"indicator_id": i.pk, "rating": rating} for i in indicators],
            summary="按计划完成Q2工作。",
            submit=True,
        )


def advance(cycle: Cycle) -> Cycle:
    cycle.refresh_from_db()
    return cycles.cycle_advance(actor=user_of("sunli"), cycle=cycle, version=cycle.version)


def brand_cycle_in_manager_review() -> Cycle:
    """HR creates and starts the Q2 cycle of 品牌部; everyone writes the self review; HR opens the manager
    review (the demo's own cycle is published and leaves 品牌部 out)."""
    q2 = Period.objects.get(kind="quarter", is_closed=True)
    today = dt.date.today()
    hr = user_of("sunli")
    cycle = cycles.cycle_create(
        actor=hr,
        period=q2,
        name=CYCLE_NAME,
        departments=[Department.objects.get(name="品牌部")],
        stage_dates=[
            {
                "stage": stage,
                "starts": today + dt.timedelta(days=7 * n),
                "ends": today + dt.timedelta(days=7 * n + 6),
            }
            for n, stage in enumerate(("self", "manager", "peer", "calibration"))
        ],
    )
    cycle = cycles.cycle_start(actor=hr, cycle=cycle, version=cycle.version)
    write_reviews(cycle, ReviewRole.SELF)
    return advance(cycle)  # → 上级评


def upload(page, path: Path) -> None:
    page.set_input_files("#id_file", str(path))
    page.get_by_test_id("upload-table").click()


def export_to(page, test_id: str, path: Path) -> None:
    with page.expect_download() as download:
        page.get_by_test_id(test_id).click()
    download.value.save_as(path)
    assert download.value.suggested_filename.endswith(".xlsx")


def sheet_rows(path: Path):
    book = load_workbook(path)
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    return book, sheet, headers


def test_appraisal_table_import_by_the_manager_and_by_hr(page, step, tmp_path):
    cycle = brand_cycle_in_manager_review()
    pengli = Appraisal.objects.get(cycle=cycle, person__user__username="pengli")
    cycle_url = f"{page.base_url}/appraisal/cycles/{cycle.pk}/"
    path = tmp_path / "appraisals.xlsx"

    with step("the specialist 彭丽 opens the cycle: export, no import"):
        login(page, "pengli")
        page.goto(cycle_url)
        expect(page.get_by_test_id("export-appraisals")).to_be_visible()
        expect(page.get_by_test_id("import-appraisals")).to_have_count(0)
        expect(page.get_by_test_id("cycle-advance")).to_have_count(0)
        # Her score is computed from her self review already, but it is no result before publishing.
        mine = page.get_by_test_id("appraisal-row").filter(has_text="彭丽")
        expect(mine.get_by_test_id("final-score")).to_have_text("—")
        expect(mine.get_by_test_id("grade")).to_have_text("—")
        shot(page, "appraisal-01-member-cycle")
        logout(page)

    with step("a guest has no appraisal pages"):
        login(page, "guest")
        response = page.goto(cycle_url)
        assert response is not None and response.status == 403
        logout(page)

    with step("韩雪, 彭丽's reviewing manager, exports the 考核表"):
        login(page, "hanxue")
        page.goto(cycle_url)
        expect(page.get_by_test_id("import-appraisals")).to_be_visible()
        shot(page, "appraisal-02-manager-cycle")
        export_to(page, "export-appraisals", path)

    with step("she rates 彭丽 in the file, writes her comment and submits the review"):
        book, sheet, headers = sheet_rows(path)
        assert headers[:4] == ["考核周期", "姓名", "岗位", "部门"]
        col = {name: headers.index(name) + 1 for name in headers}
        rows = [r for r in range(2, sheet.max_row + 1) if sheet.cell(r, col["姓名"]).value == "彭丽"]
        indicators = [sheet.cell(r, col["考核指标"]).value for r in rows]
        assert indicators == ["销售额", "客户留存率", "线索转化率", "方案创新", "团队协作"]
        assert sheet.cell(rows[0], col["上级评价状态"]).value == "待处理"
        for r in rows:
            name = sheet.cell(r, col["考核指标"]).value
            if name == "方案创新":
                sheet.cell(r, col["上级评分"]).value = 5
                sheet.cell(r, col["评分说明"]).value = "两场发布会媒体邀约到位率100%。"
            elif name == "团队协作":
                sheet.cell(r, col["上级评分"]).value = 3
                sheet.cell(r, col["评分说明"]).value = "与内容营销部排期冲突两次。"
        sheet.cell(rows[0], col["上级评语"]).value = "媒体关系维护好，跨部门配合需加强。"
        sheet.cell(rows[0], col["上级评价状态"]).value = "已提交"
        book.save(path)

    with step("she uploads it from the cycle page, checks the plan and confirms"):
        page.goto(cycle_url)
        page.get_by_test_id("import-appraisals").click()
        upload(page, path)
        expect(page.get_by_test_id("table-import-state")).to_have_text("可以导入")
        expect(page.get_by_test_id("table-import-plan")).to_contain_text("更新 3 条")
        shot(page, "appraisal-03-manager-check")
        page.get_by_test_id("confirm-import").click()
        expect(page.get_by_test_id("table-import-state")).to_have_text("已导入")
        shot(page, "appraisal-04-manager-applied")

    with step("彭丽's appraisal page shows the submitted manager review"):
        page.goto(f"{page.base_url}/appraisal/{pengli.pk}/")
        review = page.get_by_test_id("review-row").filter(has_text="上级评")
        expect(review).to_contain_text("已提交")
        expect(review).to_contain_text("方案创新: 5")
        expect(review).to_contain_text("团队协作: 3")
        expect(review).to_contain_text("媒体关系维护好，跨部门配合需加强。")
        shot(page, "appraisal-05-manager-review-shown")
        manager = Review.objects.get(appraisal=pengli, role=ReviewRole.MANAGER)
        assert manager.status == ReviewStatus.SUBMITTED
        assert {
            r.indicator.name: (r.rating, r.comment) for r in manager.ratings.select_related("indicator")
        } == {
            "方案创新": (5, "两场发布会媒体邀约到位率100%。"),
            "团队协作": (3, "与内容营销部排期冲突两次。"),
        }

    with step("with her review submitted, 韩雪 has nothing left to import"):
        write_reviews(cycle, ReviewRole.MANAGER, exclude=("pengli",))
        page.goto(cycle_url)
        expect(page.get_by_test_id("import-appraisals")).to_have_count(0)
        logout(page)

    advance(cycle)  # → 跨部门评 (nobody is asked)
    advance(cycle)  # → 校准: the cycle is scored

    with step("calibration: HR exports the 考核表 and sees 彭丽's score add up"):
        login(page, "sunli")
        page.goto(f"{page.base_url}/appraisal/{pengli.pk}/")
        components = page.get_by_test_id("component")
        expect(components).to_have_count(5)
        total = Decimal(0)
        for index in range(5):
            cells = components.nth(index).locator("td")
            weight = Decimal(cells.nth(1).inner_text().strip().rstrip("%"))
            score = Decimal(cells.nth(3).inner_text().strip())
            total += weight * score / 100
        expect(components.filter(has_text="销售额").locator("td").nth(3)).to_have_text("85.00")
        expect(components.filter(has_text="客户留存率").locator("td").nth(3)).to_have_text("120.00")
        expect(components.filter(has_text="线索转化率").locator("td").nth(3)).to_have_text("0.00")
        final = Decimal(page.get_by_test_id("final-score").inner_text())
        assert abs(final - total) <= Decimal("0.01"), (final, total)
        computed = page.get_by_test_id("grade").inner_text().strip()
        shot(page, "appraisal-06-hr-score")
        page.goto(cycle_url)
        expect(page.get_by_test_id("import-appraisals")).to_be_visible()
        row = page.get_by_test_id("appraisal-row").filter(has_text="彭丽")
        expect(row.get_by_test_id("final-score")).to_have_text(f"{final:.2f}")
        expect(row.get_by_test_id("grade")).to_have_text(computed)
        export_to(page, "export-appraisals", path)

    new_grade = "A" if computed != "A" else "S"
    reason = "发布会媒体曝光超出预期，部门内横向对比后上调。"
    with step("HR changes 彭丽's grade with a 校准理由 in the file and imports it"):
        book, sheet, headers = sheet_rows(path)
        col = {name: headers.index(name) + 1 for name in headers}
        first = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, col["姓名"]).value == "彭丽")
        assert sheet.cell(first, col["等级"]).value == computed
        assert Decimal(str(sheet.cell(first, col["最终得分"]).value)) == final
        assert sheet.cell(first, col["绩效奖金"]).value is not None  # HR sees the money
        sheet.cell(first, col["等级"]).value = new_grade
        sheet.cell(first, col["校准理由"]).value = reason
        book.save(path)
        page.get_by_test_id("import-appraisals").click()
        upload(page, path)
        expect(page.get_by_test_id("table-import-plan")).to_contain_text("更新 1 条")
        page.get_by_test_id("confirm-import").click()
        expect(page.get_by_test_id("table-import-state")).to_have_text("已导入")

    with step("the move is on the calibration board and 彭丽's result"):
        page.goto(f"{page.base_url}/appraisal/cycles/{cycle.pk}/calibration/")
        move = page.get_by_test_id("move-row").filter(has_text="彭丽")
        expect(move).to_contain_text(f"{computed} → {new_grade}")
        expect(move).to_contain_text("孙丽")
        expect(move).to_contain_text(reason)
        shot(page, "appraisal-07-calibration-move")
        page.goto(f"{page.base_url}/appraisal/{pengli.pk}/")
        expect(page.get_by_test_id("grade")).to_contain_text(new_grade)
        coefficient = Decimal(page.get_by_test_id("coefficient").inner_text())
        bonus = Decimal(page.get_by_test_id("bonus").inner_text().replace(",", ""))
        assert bonus == Decimal(9000) * coefficient, (bonus, coefficient)
        assert CalibrationMove.objects.filter(appraisal=pengli, to_grade=new_grade).count() == 1
        logout(page)

    with step("the director 赵敏 calibrates 品牌部 too: she has the import button; 彭丽 has not"):
        login(page, "zhaomin")
        page.goto(cycle_url)
        expect(page.get_by_test_id("import-appraisals")).to_be_visible()
        logout(page)
        login(page, "pengli")
        page.goto(cycle_url)
        expect(page.get_by_test_id("import-appraisals")).to_have_count(0)
        shot(page, "appraisal-08-member-calibration")


def test_retrospective_opened_by_import(page, step, tmp_path):
    q3 = Period.objects.get(kind="quarter", key__endswith="-Q3", start__year=dt.date.today().year)
    goal = Goal.objects.get(name="小红书品牌曝光", period=q3)
    assert not Retrospective.objects.filter(goal=goal).exists()
    period_text = f"{q3.start.year}Q3"
    path = tmp_path / "retrospectives.xlsx"

    def add_row(source: Path, target: Path, highlights: str, problems: str) -> None:
        book, sheet, headers = sheet_rows(source)
        assert headers[:11] == [
            "目标周期",
            "目标名称",
            "目标值",
            "实际完成值",
            "达成率",
            "关键亮点",
            "主要问题",
            "根本原因分析",
            "改进计划",
            "责任人",
            "完成时限",
        ]
        row = sheet.max_row + 1
        sheet.cell(row, 1).value = period_text
        sheet.cell(row, 2).value = "小红书品牌曝光"
        sheet.cell(row, 6).value = highlights
        sheet.cell(row, 7).value = problems
        book.save(target)

    with step("a guest reads the list without an import button"):
        login(page, "guest")
        page.goto(page.base_url + "/retrospectives/")
        expect(page.get_by_test_id("export-retrospectives")).to_be_visible()
        expect(page.get_by_test_id("import-retrospectives")).to_have_count(0)
        logout(page)

    with step("林晓 (specialist) cannot open the retrospective of a goal that is not hers"):
        login(page, "linxiao")
        page.goto(page.base_url + "/retrospectives/")
        export_to(page, "export-retrospectives", path)
        mine = tmp_path / "linxiao.xlsx"
        add_row(path, mine, "小红书笔记曝光破千万。", "达人报价上涨。")
        page.get_by_test_id("import-retrospectives").click()
        upload(page, mine)
        expect(page.get_by_test_id("table-import-state")).to_have_text("有错误行或冲突")
        expect(page.get_by_test_id("error-row")).to_have_count(1)
        shot(page, "retro-01-member-refused")
        assert not Retrospective.objects.filter(goal=goal).exists()
        logout(page)

    highlights = "Q3小红书笔记累计曝光1,200万，爆文率8%，高于行业均值。"
    problems = "9月达人报价上涨30%，腰部达人合作数低于计划。"
    with step("赵敏 exports the table and adds a row for 小红书品牌曝光 in Q3"):
        login(page, "zhaomin")
        page.goto(page.base_url + "/retrospectives/")
        export_to(page, "export-retrospectives", path)
        add_row(path, path, highlights, problems)

    with step("she uploads it: one retrospective to create"):
        page.get_by_test_id("import-retrospectives").click()
        upload(page, path)
        expect(page.get_by_test_id("table-import-state")).to_have_text("可以导入")
        expect(page.get_by_test_id("table-import-plan")).to_contain_text("新建 1 条")
        shot(page, "retro-02-check")
        page.get_by_test_id("confirm-import").click()
        expect(page.get_by_test_id("table-import-state")).to_have_text("已导入")
        retrospective = Retrospective.objects.get(goal=goal, period=q3)

    with step("the new retrospective is listed and shows her text with the goal's figures"):
        page.goto(page.base_url + "/retrospectives/")
        expect(page.locator(f"a[href='/retrospectives/{retrospective.pk}/']").first).to_be_visible()
        shot(page, "retro-03-list")
        page.goto(f"{page.base_url}/retrospectives/{retrospective.pk}/")
        body = page.locator("body")
        # 达成率: the first measure's actual / target, and the goal's (全部指标) the mean of its measures,
        # each capped at 100% (DOMAIN.md, "A goal with several measures").
        measures = list(goal.measures.order_by("sort_order", "id"))
        rates = [m.current / m.target * 100 for m in measures]
        overall = sum(min(rate, Decimal(100)) for rate in rates) / len(rates)
        achievement = page.locator("tr").filter(has_text="达成率").first
        expect(achievement).to_contain_text(f"{rates[0]:.2f}%")
        expect(achievement).to_contain_text(re.compile(rf"全部指标）\s*{overall:.2f}%"))
        expect(body).to_contain_text("小红书品牌曝光")
        expect(body).to_contain_text(highlights)
        expect(body).to_contain_text(problems)
        shot(page, "retro-04-detail")
        assert retrospective.highlights == highlights and retrospective.problems == problems
        assert retrospective.owner.user.username == "zhaomin"
