"""The retrospective table (营销目标复盘分析表): the seed's columns, figures read only, the text, owner and
deadline (a serial date, as a general-format cell holds it) written through retrospective_update; a row
without an ID opens the goal's retrospective through retrospective_open."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lodestar.exchange import retrospective_table
from lodestar.exchange.imports import (
    table_import_apply,
    table_import_run,
    table_import_run_now,
    table_import_upload,
)
from lodestar.exchange.models import TableImport
from lodestar.exchange.tests.conftest import load
from lodestar.exchange.xlsx_writer import write_table
from lodestar.goals import services as goal_services
from lodestar.retrospectives import services
from lodestar.retrospectives.models import Retrospective
from lodestar.testing.organisation import fresh_user


@pytest.fixture
def retrospective(world, goals):
    return services.retrospective_open(
        actor=fresh_user(world.mkt_manager), goal=goals["sales"], period=world.q3
    )


def _export(user, tmp_path):
    path = tmp_path / "retros.xlsx"
    write_table(retrospective_table.SPEC, retrospective_table.export_rows(user, None), str(path))
    return path


def test_round_trip_of_the_retrospective_table(world, retrospective, tmp_path):
    path = _export(fresh_user(world.mkt_manager), tmp_path)
    book = load(path)
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:11] == [
        "目标周期", "目标名称", "目标值", "实际完成值", "达成率", "关键亮点", "主要问题", "根本原因分析", "改进计划", "责任人", "完成时限",
    ]  # fmt: skip
    assert sheet.cell(2, 11).number_format == "yyyy-mm-dd"
    sheet.cell(2, 6).value = "抖音短视频+直播组合转化率提升30%"
    sheet.cell(2, 8).value = "服务器压力测试未覆盖大促场景"
    sheet.cell(2, 10).value = "林晓"
    sheet.cell(2, 11).value = 46310  # 2026-10-15 as an Excel serial in a general cell
    sheet.cell(2, 11).number_format = "General"
    sheet.cell(2, 3).value = 1  # a read-only figure: ignored
    sheet.append([None, "新复盘"])
    book.save(path)

    result = table_import_run_now(actor=fresh_user(world.mkt_manager), table="retrospectives", path=str(path))

    assert result.status == TableImport.Status.INVALID
    assert [(e["row"], e["field"], e["code"]) for e in result.errors] == [(3, "period", "required")]
    result = table_import_run_now(
        actor=fresh_user(world.mkt_manager), table="retrospectives", path=str(path), skip_bad_rows=True
    )
    assert result.status == TableImport.Status.DONE and result.updated == 1
    retrospective = Retrospective.objects.get(pk=retrospective.pk)
    assert retrospective.highlights == "抖音短视频+直播组合转化率提升30%"
    assert retrospective.root_cause == "服务器压力测试未覆盖大促场景"
    assert retrospective.owner == world.member
    assert retrospective.due == dt.date(2026, 10, 15)


def _new_row(period, goal, *, highlights="", owner=None, due=None):
    """A row typed under the header: 目标周期, 目标名称 … 完成时限 (no ID, no version)."""
    return [period, goal, None, None, None, highlights, "复购率低于目标", None, None, owner, due]


def _import(user, path, **kwargs):
    return table_import_run_now(actor=user, table="retrospectives", path=str(path), **kwargs)


def test_a_row_without_id_opens_the_goals_retrospective(world, goals, tmp_path):
    path = _export(fresh_user(world.mkt_manager), tmp_path)
    book = load(path)
    # The seed's way of naming the quarter (2024.Q3), the goal by its name.
    book.worksheets[0].append(
        _new_row(
            "2026.Q3", "新品A Q3销售额", highlights="抖音短视频+直播组合", owner="林晓", due="2026/10/15"
        )
    )
    book.save(path)

    result = _import(fresh_user(world.mkt_manager), path)

    assert result.status == TableImport.Status.DONE, result.errors
    assert result.created == 1
    retrospective = Retrospective.objects.get(goal=goals["sales"], period=world.q3)
    assert "taken_at" in retrospective.figures  # opened with the period's snapshot
    assert (retrospective.highlights, retrospective.problems) == ("抖音短视频+直播组合", "复购率低于目标")
    assert (retrospective.owner, retrospective.due) == (world.member, dt.date(2026, 10, 15))
    assert retrospective.created_by == world.mkt_manager

    # Exported again, it is an ordinary row: the exported "period · goal" title and label round-trip.
    again = _export(fresh_user(world.mkt_manager), tmp_path)
    book = load(again)
    sheet = book.worksheets[0]
    assert sheet.cell(2, 2).value == retrospective.title and sheet.cell(2, 12).value == retrospective.pk
    period_label, title = sheet.cell(2, 1).value, sheet.cell(2, 2).value
    sheet.append(_new_row(period_label, title.replace("新品A Q3销售额", "小红书品牌曝光")))
    book.save(again)
    result = _import(fresh_user(world.mkt_manager), again)
    assert result.status == TableImport.Status.DONE and (result.created, result.unchanged) == (1, 1)
    assert Retrospective.objects.filter(goal=goals["exposure"], period=world.q3).exists()


def test_bad_new_rows_are_reported_with_line_and_reason_and_nothing_is_written(
    world, goals, retrospective, tmp_path
):
    goal_services.goal_create(
        actor=fresh_user(world.sales_manager),
        name="小红书品牌曝光",  # the same name as 市场部's goal of the quarter
        department=world.sales,
        period=world.q3,
        owner=world.sales_manager,
    )
    path = _export(fresh_user(world.mkt_manager), tmp_path)
    book = load(path)
    sheet = book.worksheets[0]
    sheet.cell(2, 6).value = "改了亮点"  # a good edit of the existing row (line 2)
    for row in (
        _new_row("2099Q1", "新品A Q3销售额"),  # 3: no such period
        _new_row("2026Q3", "没有这个目标"),  # 4: no such goal
        _new_row("2026Q3", "小红书品牌曝光"),  # 5: two goals of that name
        _new_row("2026Q3", "新品A Q3销售额"),  # 6: already has its retrospective (the fixture's)
        _new_row(None, "新品A Q3销售额"),  # 7: no period
        _new_row("2026Q3", None, highlights="x"),  # 8: no goal
    ):
        sheet.append(row)
    book.save(path)

    result = _import(fresh_user(world.mkt_manager), path)

    assert result.status == TableImport.Status.INVALID
    assert [(e["row"], e["field"], e["code"]) for e in result.errors] == [
        (3, "period", "unknown"),
        (4, "title", "unknown"),
        (5, "title", "ambiguous"),
        (6, "period", "retrospective_exists"),
        (7, "period", "required"),
        (8, "title", "required"),
    ]
    assert all(e["message"] for e in result.errors)
    assert Retrospective.objects.count() == 1
    assert Retrospective.objects.get(pk=retrospective.pk).highlights == ""  # the good row waits too


def test_only_who_may_open_it_opens_a_retrospective_by_import(world, goals, tmp_path):
    path = _export(fresh_user(world.member), tmp_path)
    book = load(path)
    book.worksheets[0].append(_new_row("2026Q3", "新品A Q3销售额"))  # 赵敏's goal: 林晓 may not open it
    book.save(path)
    result = _import(fresh_user(world.member), path)
    assert result.status == TableImport.Status.INVALID
    assert [(e["row"], e["code"]) for e in result.errors] == [(2, "permission_denied")]
    hidden = _new_row("2026Q3", "销售部内部目标")  # 销售部's department-only goal: invisible to 赵敏
    book = load(path)
    book.worksheets[0].cell(2, 2).value = hidden[1]
    book.save(path)
    result = _import(fresh_user(world.mkt_manager), path)
    assert [(e["row"], e["field"], e["code"]) for e in result.errors] == [(2, "title", "unknown")]
    assert not Retrospective.objects.exists()


def test_the_check_opens_nothing_and_the_confirm_opens_it(world, goals, tmp_path):
    path = _export(fresh_user(world.mkt_manager), tmp_path)
    book = load(path)
    book.worksheets[0].append(_new_row("2026Q3", "新品A Q3销售额", highlights="检查"))
    book.save(path)
    manager = fresh_user(world.mkt_manager)
    table_import = table_import_upload(
        actor=manager,
        table="retrospectives",
        file=SimpleUploadedFile("retros.xlsx", path.read_bytes()),
        enqueue=False,
    )
    checked = table_import_run(import_id=table_import.pk)
    assert checked.status == TableImport.Status.CHECKED and checked.created == 1
    assert not Retrospective.objects.exists()  # the dry run rolled the opening back
    table_import_apply(actor=manager, table_import=checked)
    done = table_import_run(import_id=checked.pk)
    assert done.status == TableImport.Status.DONE and done.created == 1
    assert Retrospective.objects.get(goal=goals["sales"]).highlights == "检查"


@pytest.mark.skipif(
    not shutil.which("libreoffice") and not shutil.which("soffice"), reason="LibreOffice is not installed"
)
def test_a_file_saved_by_libreoffice(world, goals, retrospective, tmp_path):  # pragma: no cover
    path = _export(fresh_user(world.mkt_manager), tmp_path)
    book = load(path)
    book.worksheets[0].cell(2, 7).value = "LibreOffice"
    book.worksheets[0].append(_new_row("2026Q3", "小红书品牌曝光", due="2026-10-10"))
    book.save(path)
    out = tmp_path / "lo"
    soffice = shutil.which("libreoffice") or shutil.which("soffice")
    subprocess.run(
        [soffice, "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        check=True,
        timeout=120,
    )
    result = _import(fresh_user(world.mkt_manager), out / "retros.xlsx")
    assert result.status == TableImport.Status.DONE, result.errors
    assert (result.created, result.updated) == (1, 1)
    assert Retrospective.objects.get(pk=retrospective.pk).problems == "LibreOffice"
    assert Retrospective.objects.get(goal=goals["exposure"]).due == dt.date(2026, 10, 10)
