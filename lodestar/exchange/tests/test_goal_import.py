"""Importing the goal-setting table: the round trip through the goal services, conflicts, bad rows, and the
shapes Excel, WPS and LibreOffice save (title rows, formulas' cached values, percent cells, serial dates)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from lodestar.exchange.models import TableImport
from lodestar.exchange.tests.conftest import export_workbook, load, rows_by_name, run_import
from lodestar.goals import services
from lodestar.goals.models import Goal
from lodestar.testing.organisation import fresh_user

Status = TableImport.Status


def _save(book, path: Path) -> Path:
    book.save(path)
    return path


def test_round_trip_updates_by_id_and_creates_new_rows(world, goals, tmp_path):
    manager = fresh_user(world.mkt_manager)
    path = export_workbook(manager, tmp_path)
    book = load(path)
    sheet = book.worksheets[0]
    rows = rows_by_name(sheet)
    sheet.cell(rows["新品A Q3销售额"], 1).value = "新品A Q3销售额(线上)"
    sheet.cell(rows["新品A Q3销售额"], 8).value = 0.55
    sheet.cell(rows["小红书品牌曝光"], 9).value = "需避免违规笔记被限流"
    new = sheet.max_row + 1
    for column, value in {
        1: "用户复购率提升",
        2: "用户运营",
        4: "林晓",
        5: "销售部、内容组",
        6: f"{world.q3.start:%Y.%-m.%-d}-{world.q3.end:%-m.%-d}",  # the seed's 2024.7.1-9.30
        7: "复购率 ≥ 20%",
        8: "10%",
        10: "市场部",
    }.items():
        sheet.cell(new, column).value = value
    _save(book, path)
    history_before = goals["sales"].history.count()

    result = run_import(fresh_user(world.mkt_manager), path)

    assert result.status == Status.DONE, result.errors
    assert (result.created, result.updated, result.unchanged) == (1, 2, 0)
    sales = Goal.objects.get(pk=goals["sales"].pk)
    assert sales.name == "新品A Q3销售额(线上)"
    assert sales.weight == Decimal("55.00")
    assert sales.version == goals["sales"].version + 1
    assert sales.history.count() == history_before + 1
    created = Goal.objects.get(name="用户复购率提升")
    assert created.period == world.q3 and created.department == world.mkt
    assert created.owner == world.member and created.weight == Decimal("10.00")
    assert str(created.goal_type) == "用户运营"
    assert {d.name for d in created.collaborating_departments.all()} == {"销售部", "内容组"}
    measure = created.measures.get()
    assert (measure.name, measure.target, measure.unit) == ("复购率", Decimal("20"), "percent")


def test_an_unedited_file_changes_nothing(world, goals, tmp_path):
    path = export_workbook(fresh_user(world.mkt_manager), tmp_path)
    versions = dict(Goal.objects.values_list("pk", "version"))
    result = run_import(fresh_user(world.mkt_manager), path)
    assert result.status == Status.DONE
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert dict(Goal.objects.values_list("pk", "version")) == versions


def test_a_goal_changed_in_the_app_since_the_export_is_a_conflict(world, goals, tmp_path):
    path = export_workbook(fresh_user(world.mkt_manager), tmp_path)
    goal = goals["sales"]
    services.goal_update(
        actor=fresh_user(world.mkt_manager), goal=goal, version=goal.version, notes="app edit"
    )
    book = load(path)
    sheet = book.worksheets[0]
    rows = rows_by_name(sheet)
    sheet.cell(rows["新品A Q3销售额"], 9).value = "file edit"
    sheet.cell(rows["小红书品牌曝光"], 9).value = "fine"
    _save(book, path)

    result = run_import(fresh_user(world.mkt_manager), path)

    assert result.status == Status.INVALID
    assert [c["row"] for c in result.conflicts] == [rows["新品A Q3销售额"]]
    assert "版本" in result.conflicts[0]["message"] or "version" in result.conflicts[0]["message"]
    assert Goal.objects.get(pk=goal.pk).notes == "app edit"
    assert Goal.objects.get(pk=goals["exposure"].pk).notes == ""  # nothing written: the file is not clean

    skipped = run_import(fresh_user(world.mkt_manager), path, skip_bad_rows=True)
    assert skipped.status == Status.DONE and skipped.updated == 1
    assert Goal.objects.get(pk=goal.pk).notes == "app edit"
    assert Goal.objects.get(pk=goals["exposure"].pk).notes == "fine"


def test_every_bad_row_is_reported_and_nothing_written(world, goals, tmp_path):
    path = export_workbook(fresh_user(world.mkt_manager), tmp_path)
    book = load(path)
    sheet = book.worksheets[0]
    rows = rows_by_name(sheet)
    sheet.cell(rows["新品A Q3销售额"], 8).value = "很多"  # not a percentage
    sheet.cell(rows["新品A Q3销售额"], 4).value = "不存在的人"
    sheet.cell(rows["小红书品牌曝光"], 8).value = 0.5  # 60% + 50% > 100%: the goal service refuses it
    new = sheet.max_row + 1
    sheet.cell(new, 1).value = "没有周期的目标"
    sheet.cell(new, 10).value = "市场部"
    sheet.cell(new, 6).value = "2031-02-30 ~ 2031-03-31"
    good = new + 1
    sheet.cell(good, 1).value = "好目标"
    sheet.cell(good, 10).value = "市场部"
    sheet.cell(good, 6).value = world.q4.name
    _save(book, path)

    result = run_import(fresh_user(world.mkt_manager), path)

    assert result.status == Status.INVALID
    by_row = {}
    for error in result.errors:
        by_row.setdefault(error["row"], set()).add((error["field"], error["code"]))
    assert by_row[rows["新品A Q3销售额"]] == {("weight", "not_a_number"), ("owner", "unknown")}
    assert by_row[rows["小红书品牌曝光"]] == {("weight", "weights_over_100")}
    assert by_row[new] == {("period", "impossible_date")}
    assert good not in by_row
    assert all(e["message"] for e in result.errors)
    assert not Goal.objects.filter(name="好目标").exists()

    skipped = run_import(fresh_user(world.mkt_manager), path, skip_bad_rows=True)
    assert skipped.status == Status.DONE and skipped.created == 1 and skipped.rows_bad == 3
    assert Goal.objects.filter(name="好目标", period=world.q4).exists()


def test_rows_go_through_the_services_permission_checks(world, goals, tmp_path):
    """林晓 may see 市场部's goals but not change them: each row is refused, none written."""
    path = export_workbook(fresh_user(world.member), tmp_path)
    book = load(path)
    sheet = book.worksheets[0]
    sheet.cell(rows_by_name(sheet)["小红书品牌曝光"], 9).value = "member edit"
    _save(book, path)
    result = run_import(fresh_user(world.member), path)
    assert result.status == Status.INVALID
    assert result.errors[0]["code"] == "permission_denied"
    assert Goal.objects.get(pk=goals["exposure"].pk).notes == ""


def test_editing_an_existing_goals_measures_is_a_row_error(world, goals, tmp_path):
    path = export_workbook(fresh_user(world.mkt_manager), tmp_path)
    book = load(path)
    sheet = book.worksheets[0]
    sheet.cell(rows_by_name(sheet)["新品A Q3销售额"], 7).value = "销售额 ≥ 6000000 元"
    _save(book, path)
    result = run_import(fresh_user(world.mkt_manager), path)
    assert {e["code"] for e in result.errors} == {"measures_read_only"}


def _with_cached_formula(path: Path, cell: str, formula: str, cached: str) -> None:
    """Make `cell` a formula with a cached value, as Excel and WPS save it (openpyxl writes none)."""
    copy = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text, count = re.subn(
                    rf'<c r="{cell}"([^>]*?)(?:/>|>.*?</c>)',
                    rf'<c r="{cell}"\1><f>{formula}</f><v>{cached}</v></c>',
                    text,
                    count=1,
                )
                assert count == 1
                data = text.encode()
            target.writestr(item, data)
    copy.replace(path)


def test_a_file_as_excel_or_wps_saves_it(world, goals, tmp_path):
    """A merged title above the header, a formula's cached value, a percent-formatted cell, the seed's
    headers with their explanations in brackets."""
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "2026年Q3 营销目标设定与共识表"
    sheet.merge_cells("A1:H1")
    headers = [
        "目标名称",
        "目标类型(如销售额/用户增长/品牌曝光)",
        "负责人",
        "起止时间",
        "权重",
        "所属部门",
        "ID",
        "版本",
    ]
    for index, header in enumerate(headers, start=1):
        sheet.cell(3, index).value = header
    goal = goals["exposure"]
    sheet.append(
        [
            "小红书品牌曝光 Q3",
            "品牌曝光",
            "赵敏",
            f"{world.q3.start} ~ {world.q3.end}",
            0,
            "市场部",
            goal.pk,
            goal.version,
        ]
    )
    sheet.append(["新目标", "销售额", "赵敏", world.q4.name, 0.05, "市场部", None, None])
    sheet["E5"].number_format = "0%"
    path = _save(book, tmp_path / "excel.xlsx")
    _with_cached_formula(path, "E4", "0.2+0.05", "0.25")

    result = run_import(fresh_user(world.mkt_manager), path)

    assert result.status == Status.DONE, result.errors
    assert result.header_line == 3
    goal.refresh_from_db()
    assert goal.name == "小红书品牌曝光 Q3" and goal.weight == Decimal("25.00")
    assert Goal.objects.get(name="新目标").weight == Decimal("5.00")


def test_a_file_that_is_not_the_table_is_refused_at_once(world, tmp_path):
    from lodestar.core.errors import ApplicationError

    book = Workbook()
    book.active.append(["日期", "渠道", "销售额"])
    path = _save(book, tmp_path / "other.xlsx")
    with pytest.raises(ApplicationError) as caught:
        run_import(fresh_user(world.mkt_manager), path)
    assert caught.value.code == "no_header" and caught.value.field == "file"
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(ApplicationError) as caught:
        run_import(fresh_user(world.mkt_manager), tmp_path / "bad.xlsx")
    assert caught.value.code == "bad_file"


@pytest.mark.skipif(
    not shutil.which("libreoffice") and not shutil.which("soffice"), reason="LibreOffice is not installed"
)
def test_a_file_saved_by_libreoffice(world, goals, tmp_path):  # pragma: no cover - needs LibreOffice
    path = export_workbook(fresh_user(world.mkt_manager), tmp_path)
    book = load(path)
    sheet = book.worksheets[0]
    sheet.cell(rows_by_name(sheet)["小红书品牌曝光"], 9).value = "LibreOffice"
    _save(book, path)
    out = tmp_path / "lo"
    subprocess.run(
        [
            shutil.which("libreoffice") or shutil.which("soffice"),
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        timeout=120,
    )
    result = run_import(fresh_user(world.mkt_manager), out / "goals.xlsx")
    assert result.status == Status.DONE and result.updated == 1
