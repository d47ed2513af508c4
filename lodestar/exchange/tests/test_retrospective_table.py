"""The retrospective table (营销目标复盘分析表): the seed's columns, figures read only, the text, owner and
deadline (a serial date, as a general-format cell holds it) written through retrospective_update."""

from __future__ import annotations

import datetime as dt

import pytest

from lodestar.exchange import retrospective_table
from lodestar.exchange.imports import table_import_run_now
from lodestar.exchange.models import TableImport
from lodestar.exchange.tests.conftest import load
from lodestar.exchange.xlsx_writer import write_table
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
    assert [(e["row"], e["code"]) for e in result.errors] == [(3, "create_in_app")]
    result = table_import_run_now(
        actor=fresh_user(world.mkt_manager), table="retrospectives", path=str(path), skip_bad_rows=True
    )
    assert result.status == TableImport.Status.DONE and result.updated == 1
    retrospective = Retrospective.objects.get(pk=retrospective.pk)
    assert retrospective.highlights == "抖音短视频+直播组合转化率提升30%"
    assert retrospective.root_cause == "服务器压力测试未覆盖大促场景"
    assert retrospective.owner == world.member
    assert retrospective.due == dt.date(2026, 10, 15)
