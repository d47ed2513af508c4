"""The appraisal results table (考核表): a row per appraisal and indicator, exported as each reader may see
it and imported through the appraisal services — the manager's ratings, comments and submission while
reviews are open, HR's calibration of the grade with a reason, nothing once published.

The world is the appraisal tests' (`aw`): 林晓 appraised on the seeds' 市场岗 template (销售额 40%, 客户留存率
20%, 线索转化率 10% quantitative; 方案创新 15%, 团队协作 15% qualitative), her reviewing manager 赵敏."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal

import pytest

from lodestar.appraisal.models import Appraisal, CalibrationMove, Rating, Review, ReviewRole, ReviewStatus
from lodestar.appraisal.services import cycles, reviews
from lodestar.appraisal.tests.conftest import aw  # noqa: F401 - the appraisal world, a fixture
from lodestar.exchange import appraisal_table
from lodestar.exchange.imports import table_import_run_now
from lodestar.exchange.models import TableImport
from lodestar.exchange.tests.conftest import load
from lodestar.exchange.xlsx_writer import write_table

Status = TableImport.Status
HEADERS = [
    "考核周期", "姓名", "岗位", "部门", "考核指标", "指标类型", "权重", "评分标准", "达成率", "上级评分", "评分说明", "得分",
    "最终得分", "等级", "校准理由", "绩效系数", "绩效奖金", "上级评语", "上级评价状态", "ID", "指标ID", "版本", "评价版本",
]  # fmt: skip
COL = {header: index for index, header in enumerate(HEADERS, start=1)}


@pytest.fixture
def cycle(aw):  # noqa: F811
    cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3, departments=[aw.org.mkt], name="Q3 市场部")
    return cycles.cycle_start(actor=aw.user("hr"), cycle=cycle, version=cycle.version)


def _to_calibration(aw, cycle):  # noqa: F811
    aw.rate_worked_example(cycle)
    for _stage in range(3):  # self → manager → peer → calibration (entering it scores the cycle)
        cycle.refresh_from_db()
        cycles.cycle_advance(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    cycle.refresh_from_db()
    return cycle


def _export(user, tmp_path, name="appraisals.xlsx"):
    path = tmp_path / name
    write_table(appraisal_table.SPEC, appraisal_table.export_rows(user, None), str(path))
    return path


def _rows(sheet) -> dict[str, int]:
    """考核指标 → its line."""
    return {sheet.cell(row, COL["考核指标"]).value: row for row in range(2, sheet.max_row + 1)}


def _import(user, path, **kwargs):
    return table_import_run_now(actor=user, table="appraisals", path=str(path), **kwargs)


def _manager_review(cycle, aw):  # noqa: F811
    return Review.objects.get(appraisal__cycle=cycle, appraisal__person=aw.person, role=ReviewRole.MANAGER)


def test_the_export_is_a_row_per_indicator_with_the_appraisal_on_its_first_row(aw, cycle, tmp_path):  # noqa: F811
    cycle = _to_calibration(aw, cycle)
    sheet = load(_export(aw.user("hr"), tmp_path)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADERS
    rows = _rows(sheet)
    assert list(rows) == ["销售额", "客户留存率", "线索转化率", "方案创新", "团队协作"]
    first, innovation = rows["销售额"], rows["方案创新"]
    assert (
        sheet.cell(first, COL["姓名"]).value == "林晓" and sheet.cell(innovation, COL["姓名"]).value == "林晓"
    )
    assert sheet.cell(first, COL["权重"]).value == pytest.approx(0.4)
    assert sheet.cell(first, COL["达成率"]).value == pytest.approx(0.96)
    assert sheet.cell(first, COL["得分"]).value == pytest.approx(96)
    assert "120%" in sheet.cell(first, COL["评分标准"]).value
    assert sheet.cell(innovation, COL["上级评分"]).value == 4  # the worked example's manager rating
    assert sheet.cell(innovation, COL["得分"]).value == pytest.approx(82)
    # The appraisal's own columns on its first row only (as a merged cell reads back).
    assert sheet.cell(first, COL["最终得分"]).value == pytest.approx(88.95)
    assert sheet.cell(first, COL["等级"]).value == "A"
    assert sheet.cell(first, COL["绩效奖金"]).value == pytest.approx(12000)
    assert (
        sheet.cell(innovation, COL["最终得分"]).value is None
        and sheet.cell(innovation, COL["等级"]).value is None
    )
    assert sheet.column_dimensions["T"].hidden and sheet.column_dimensions["W"].hidden
    # The manager sees the result (no pay); 林晓 sees neither her result nor the manager's review yet.
    mine = load(_export(aw.user("member"), tmp_path, "mine.xlsx")).worksheets[0]
    first = _rows(mine)["销售额"]
    assert mine.cell(first, COL["最终得分"]).value is None and mine.cell(first, COL["等级"]).value is None
    assert mine.cell(_rows(mine)["方案创新"], COL["上级评分"]).value is None
    assert mine.cell(first, COL["得分"]).value == pytest.approx(96)  # indicator scores: as her page shows
    manager = load(_export(aw.user("mkt_manager"), tmp_path, "team.xlsx")).worksheets[0]
    assert manager.cell(2, COL["等级"]).value == "A" and manager.cell(2, COL["绩效奖金"]).value is None


def test_round_trip_of_the_managers_ratings_comment_and_submission(aw, cycle, tmp_path):  # noqa: F811
    path = _export(aw.user("mkt_manager"), tmp_path)
    book = load(path)
    sheet = book.worksheets[0]
    rows = _rows(sheet)
    sheet.cell(rows["方案创新"], COL["上级评分"]).value = 4
    sheet.cell(rows["方案创新"], COL["评分说明"]).value = "两个方案被采纳"
    sheet.cell(rows["团队协作"], COL["上级评分"]).value = 5
    sheet.cell(rows["销售额"], COL["上级评语"]).value = "Q3表现突出"
    sheet.cell(rows["销售额"], COL["上级评价状态"]).value = "已提交"  # submitted after her last row
    sheet.cell(rows["销售额"], COL["得分"]).value = 100  # a computed cell: ignored
    book.save(path)

    result = _import(aw.user("mkt_manager"), path)

    assert result.status == Status.DONE, (result.errors, result.conflicts)
    assert (result.updated, result.unchanged) == (3, 2)
    review = _manager_review(cycle, aw)
    assert (review.status, review.summary) == (ReviewStatus.SUBMITTED, "Q3表现突出")
    ratings = {r.indicator.name: (r.rating, r.comment) for r in review.ratings.select_related("indicator")}
    assert ratings == {"方案创新": (4, "两个方案被采纳"), "团队协作": (5, "")}
    appraisal = Appraisal.objects.get(pk=review.appraisal_id)
    scores = {c["name"]: c["score"] for c in appraisal.components}
    assert Decimal(scores["方案创新"]) == 80 and Decimal(scores["团队协作"]) == 100  # rescored on submit

    again = load(_export(aw.user("mkt_manager"), tmp_path, "again.xlsx")).worksheets[0]
    rows = _rows(again)
    assert again.cell(rows["方案创新"], COL["上级评分"]).value == 4
    assert again.cell(rows["方案创新"], COL["评分说明"]).value == "两个方案被采纳"
    assert again.cell(rows["销售额"], COL["上级评价状态"]).value == "已提交"


def test_a_review_changed_in_the_app_since_the_export_is_a_conflict(aw, cycle, tmp_path):  # noqa: F811
    path = _export(aw.user("mkt_manager"), tmp_path)
    review = _manager_review(cycle, aw)
    innovation = aw.indicators["方案创新"]
    reviews.review_save(
        actor=aw.user("mkt_manager"),
        review=review,
        version=review.version,
        ratings=[{"indicator_id": innovation.pk, "rating": 3}],
    )
    book = load(path)
    sheet = book.worksheets[0]
    sheet.cell(_rows(sheet)["方案创新"], COL["上级评分"]).value = 5
    book.save(path)
    result = _import(aw.user("mkt_manager"), path)
    assert result.status == Status.INVALID
    assert [c["row"] for c in result.conflicts] == [_rows(sheet)["方案创新"]]
    assert Rating.objects.get(review=review, indicator=innovation).rating == 3  # not overwritten


def test_bad_rows_are_reported_with_line_and_reason_and_nothing_is_written(aw, cycle, tmp_path):  # noqa: F811
    path = _export(aw.user("mkt_manager"), tmp_path)
    book = load(path)
    sheet = book.worksheets[0]
    rows = _rows(sheet)
    sheet.cell(rows["团队协作"], COL["上级评分"]).value = 5  # a good row
    sheet.cell(rows["方案创新"], COL["上级评分"]).value = 7
    sheet.cell(rows["销售额"], COL["上级评分"]).value = 4  # quantitative: from the snapshot
    sheet.cell(
        rows["客户留存率"], COL["上级评语"]
    ).value = "写错了行"  # the appraisal's column, not its first row
    sheet.cell(rows["线索转化率"], COL["评分说明"]).value = "只有说明"
    sheet.cell(rows["线索转化率"], COL["上级评分"]).value = "很好"
    sheet.append(["Q3 市场部", "新员工", None, None, "方案创新", None, None, None, None, 3])  # no ID
    book.save(path)

    result = _import(aw.user("mkt_manager"), path)

    assert result.status == Status.INVALID
    assert [(e["row"], e["field"], e["code"]) for e in result.errors] == [
        (rows["销售额"], "rating", "quantitative"),
        (rows["客户留存率"], "summary", "not_first_row"),
        (rows["线索转化率"], "rating", "not_a_number"),
        (rows["方案创新"], "rating", "rating_range"),
        (7, "id", "create_in_app"),
    ]
    assert all(e["message"] for e in result.errors)
    assert not Rating.objects.filter(review=_manager_review(cycle, aw)).exists()  # the good row waits too


def test_only_the_reviewing_manager_writes_the_managers_ratings(aw, cycle, tmp_path):  # noqa: F811
    path = _export(aw.user("hr"), tmp_path)
    book = load(path)
    sheet = book.worksheets[0]
    sheet.cell(_rows(sheet)["方案创新"], COL["上级评分"]).value = 2
    book.save(path)
    result = _import(aw.user("hr"), path)
    assert [(e["row"], e["code"]) for e in result.errors] == [(_rows(sheet)["方案创新"], "permission_denied")]
    assert not Rating.objects.filter(review__role=ReviewRole.MANAGER).exists()


def test_calibration_by_hr_with_a_reason_not_by_a_specialist(aw, cycle, tmp_path):  # noqa: F811
    cycle = _to_calibration(aw, cycle)
    path = _export(aw.user("hr"), tmp_path)
    book = load(path)
    book.worksheets[0].cell(2, COL["等级"]).value = "S"
    book.save(path)
    result = _import(aw.user("hr"), path)
    assert [(e["row"], e["field"], e["code"]) for e in result.errors] == [(2, "reason", "required")]

    book.worksheets[0].cell(2, COL["校准理由"]).value = "跨部门项目贡献突出"
    book.save(path)
    result = _import(aw.user("hr"), path)
    assert result.status == Status.DONE and result.updated == 1, result.errors
    appraisal = Appraisal.objects.get(cycle=cycle)
    assert (appraisal.grade, appraisal.calibrated_grade, appraisal.bonus_coefficient) == (
        "A",
        "S",
        Decimal("1.50"),
    )
    move = CalibrationMove.objects.get(appraisal=appraisal)
    assert (move.from_grade, move.to_grade, move.reason) == ("A", "S", "跨部门项目贡献突出")
    result = _import(aw.user("hr"), path)  # the same file again: nothing left to change
    assert result.status == Status.DONE and result.updated == 0

    # 林晓 (a specialist) may not calibrate — her own grade least of all.
    mine = _export(aw.user("member"), tmp_path, "mine.xlsx")
    book = load(mine)
    book.worksheets[0].cell(2, COL["等级"]).value = "S"
    book.worksheets[0].cell(2, COL["校准理由"]).value = "我觉得应该是S"
    book.save(mine)
    result = _import(aw.user("member"), mine)
    assert [(e["row"], e["code"]) for e in result.errors] == [(2, "permission_denied")]
    assert CalibrationMove.objects.count() == 1

    # A grade moved in the app since the export: a conflict.
    book = load(path)
    book.worksheets[0].cell(2, COL["等级"]).value = "B"
    book.save(path)
    result = _import(aw.user("hr"), path)
    assert len(result.conflicts) == 1 and CalibrationMove.objects.count() == 1


def test_a_published_cycle_is_locked(aw, cycle, tmp_path):  # noqa: F811
    cycle = _to_calibration(aw, cycle)
    cycles.cycle_publish(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    path = _export(aw.user("hr"), tmp_path)
    book = load(path)
    book.worksheets[0].cell(2, COL["等级"]).value = "B"
    book.worksheets[0].cell(2, COL["校准理由"]).value = "发布后修改"
    book.save(path)
    result = _import(aw.user("hr"), path)
    assert [(e["row"], e["field"], e["code"]) for e in result.errors] == [(2, "grade", "published")]
    assert Appraisal.objects.get(cycle=cycle).effective_grade == "A"


def test_export_queries_do_not_grow_with_appraisals(aw, cycle, django_assert_max_num_queries):  # noqa: F811
    with django_assert_max_num_queries(12):
        rows = list(appraisal_table.export_rows(aw.user("hr"), {"cycle_id": cycle.pk}))
    assert len(rows) == 5


@pytest.mark.skipif(
    not shutil.which("libreoffice") and not shutil.which("soffice"), reason="LibreOffice is not installed"
)
def test_a_file_saved_by_libreoffice(aw, cycle, tmp_path):  # noqa: F811 # pragma: no cover - needs LibreOffice
    path = _export(aw.user("mkt_manager"), tmp_path)
    book = load(path)
    sheet = book.worksheets[0]
    sheet.cell(_rows(sheet)["团队协作"], COL["上级评分"]).value = 4
    sheet.cell(_rows(sheet)["团队协作"], COL["评分说明"]).value = "LibreOffice"
    book.save(path)
    out = tmp_path / "lo"
    soffice = shutil.which("libreoffice") or shutil.which("soffice")
    subprocess.run(
        [soffice, "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        check=True,
        timeout=120,
    )
    result = _import(aw.user("mkt_manager"), out / "appraisals.xlsx")
    assert result.status == Status.DONE and result.updated == 1, result.errors
    rating = Rating.objects.get(review=_manager_review(cycle, aw), indicator=aw.indicators["团队协作"])
    assert (rating.rating, rating.comment) == (4, "LibreOffice")
