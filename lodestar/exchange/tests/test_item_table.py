"""The task decomposition table (营销策略执行任务分解表): export, and the round trip through execution's services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from lodestar.exchange import item_table
from lodestar.exchange.imports import table_import_run_now
from lodestar.exchange.models import TableImport
from lodestar.exchange.tests.conftest import load, rows_by_name
from lodestar.exchange.xlsx_writer import write_table
from lodestar.execution.models import ActionItem, RaciRole
from lodestar.execution.services import items as item_services
from lodestar.testing.organisation import fresh_user


@pytest.fixture
def items(world, goals):
    manager = fresh_user(world.mkt_manager)
    kol = item_services.item_create(
        actor=manager,
        department=world.mkt,
        title="筛选10位职场博主",
        responsible=[world.member],
        accountable=world.mkt_manager,
        start=dt.date(2026, 6, 1),
        due=dt.date(2026, 6, 10),
        deliverable="KOL名单及报价单",
        priority="P0",
        budget=Decimal("20000"),
        goal=goals["sales"],
    )
    contract = item_services.item_create(
        actor=manager,
        department=world.mkt,
        title="签订合作合同",
        responsible=[world.content_member],
        accountable=world.mkt_manager,
        planned_quantity=Decimal("10"),
        unit="份",
    )
    return {"kol": kol, "contract": contract}


def _export(user, tmp_path, language="zh-hans"):
    path = tmp_path / "items.xlsx"
    write_table(item_table.SPEC, item_table.export_rows(user, None), str(path), language=language)
    return path


def test_export_has_the_seeds_columns_first(world, items, tmp_path):
    book = load(_export(fresh_user(world.mkt_manager), tmp_path))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:6] == ["任务", "负责人", "起止时间", "交付物", "优先级", "资源需求"]
    assert headers[-2:] == ["ID", "版本"]
    row = rows_by_name(sheet)["筛选10位职场博主"]
    assert sheet.cell(row, 2).value == "林晓"
    assert sheet.cell(row, 3).value == "2026-06-01 ~ 2026-06-10"
    assert sheet.cell(row, 5).value == "P0"
    assert sheet.cell(row, 15).value == 20000 and sheet.cell(row, 15).number_format == '#,##0.00" 元"'
    assert sheet.cell(row, 11).value == items["kol"].goal_id
    assert book.worksheets[1].title == "列说明"


def test_round_trip_through_the_execution_services(world, items, tmp_path):
    path = _export(fresh_user(world.mkt_manager), tmp_path)
    book = load(path)
    sheet = book.worksheets[0]
    rows = rows_by_name(sheet)
    sheet.cell(rows["筛选10位职场博主"], 3).value = "2026.6.2-6.12"  # the seed's way
    sheet.cell(rows["筛选10位职场博主"], 2).value = "林晓、陈静"
    sheet.cell(rows["签订合作合同"], 13).value = 4  # actual quantity
    sheet.cell(rows["签订合作合同"], 8).value = "进行中"
    new = sheet.max_row + 1
    for column, value in {
        1: "跟踪内容发布数据",
        2: "陈静",
        3: "2026-06-20 ~ 2026-06-30",
        5: "P2",
        10: "市场部",
    }.items():
        sheet.cell(new, column).value = value
    book.save(path)

    result = table_import_run_now(actor=fresh_user(world.mkt_manager), table="items", path=str(path))

    assert result.status == TableImport.Status.DONE, result.errors
    assert (result.created, result.updated, result.unchanged) == (1, 2, 0)
    kol = ActionItem.objects.get(pk=items["kol"].pk)
    assert (kol.start, kol.due) == (dt.date(2026, 6, 2), dt.date(2026, 6, 12))
    assert {r.person.display_name for r in kol.raci.filter(role=RaciRole.RESPONSIBLE)} == {"林晓", "陈静"}
    contract = ActionItem.objects.get(pk=items["contract"].pk)
    assert (contract.actual_quantity, contract.status) == (Decimal("4"), "doing")
    created = ActionItem.objects.get(title="跟踪内容发布数据")
    assert created.priority == "P2" and created.department == world.mkt


def test_conflicts_and_bad_rows(world, items, tmp_path):
    path = _export(fresh_user(world.mkt_manager), tmp_path)
    item = items["contract"]
    item_services.item_update(actor=fresh_user(world.mkt_manager), item=item, version=item.version, unit="件")
    book = load(path)
    sheet = book.worksheets[0]
    rows = rows_by_name(sheet)
    sheet.cell(rows["签订合作合同"], 4).value = "合作协议"
    sheet.cell(rows["筛选10位职场博主"], 5).value = "P9"
    sheet.cell(rows["筛选10位职场博主"], 3).value = "2026-06-10 ~ 2026-06-01"  # ends before it starts
    book.save(path)
    result = table_import_run_now(actor=fresh_user(world.mkt_manager), table="items", path=str(path))
    assert result.status == TableImport.Status.INVALID
    assert [c["row"] for c in result.conflicts] == [rows["签订合作合同"]]
    assert {e["field"] for e in result.errors} == {"priority"}
    assert ActionItem.objects.get(pk=item.pk).deliverable == ""


def test_commands_export_and_import_items(world, items, tmp_path):
    path = tmp_path / "items.xlsx"
    call_command("export_table", "items", str(path), "--user", world.mkt_manager.username)
    book = load(path)
    sheet = book.worksheets[0]
    sheet.cell(rows_by_name(sheet)["签订合作合同"], 4).value = "合作协议、内容脚本"
    book.save(path)
    call_command("import_table", "items", str(path), "--user", world.mkt_manager.username)
    assert ActionItem.objects.get(pk=items["contract"].pk).deliverable == "合作协议、内容脚本"
