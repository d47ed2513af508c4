"""The goal-setting table as an xlsx file: the seed's headers and order, formats, lists, guide, safety."""

from __future__ import annotations

from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from lodestar.exchange import goal_table
from lodestar.exchange.tests.conftest import export_workbook, load
from lodestar.goals import services
from lodestar.testing.organisation import fresh_user

SEED_HEADERS = [
    "目标名称",
    "目标类型",
    "SMART目标描述",
    "负责人",
    "协作部门",
    "起止时间",
    "衡量标准",
    "权重",
    "备注",
]


def test_headers_in_the_seeds_order_then_ours_with_id_and_version_hidden(world, goals, tmp_path):
    sheet = load(export_workbook(fresh_user(world.mkt_manager), tmp_path)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:9] == SEED_HEADERS
    assert headers[9:] == ["所属部门", "类别", "可见范围", "状态", "达成率", "ID", "版本"]
    assert sheet.column_dimensions["O"].hidden and sheet.column_dimensions["P"].hidden
    assert sheet.freeze_panes == "B2"
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["A"].width == 28


def test_english_headers_for_an_english_reader(world, goals, tmp_path):
    book = load(export_workbook(fresh_user(world.mkt_manager), tmp_path, language="en"))
    headers = [cell.value for cell in book.worksheets[0][1]]
    assert headers[:3] == ["Goal name", "Goal type", "SMART description"]
    assert book.worksheets[0].title == "Goals"
    assert book.worksheets[1].title == "Columns"


def test_values_formats_and_lists(world, goals, tmp_path):
    book = load(export_workbook(fresh_user(world.mkt_manager), tmp_path))
    sheet = book.worksheets[0]
    row = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}["新品A Q3销售额"]
    assert sheet.cell(row, 8).value == pytest.approx(0.6)
    assert sheet.cell(row, 8).number_format == "0.00%"
    assert sheet.cell(row, 6).value == f"{world.q3.start:%Y-%m-%d} ~ {world.q3.end:%Y-%m-%d}"
    assert sheet.cell(row, 7).value == "销售额 ≥ 5000000 元"
    assert sheet.cell(row, 5).value == "销售部"
    assert sheet.cell(row, 4).value == "赵敏"
    assert sheet.cell(row, 15).value == goals["sales"].pk
    assert sheet.cell(row, 16).value == goals["sales"].version
    validations = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert "B2:B5000" in validations and "K2:K5000" in validations and "L2:L5000" in validations
    lists = book["lists"]
    assert lists.sheet_state == "hidden"
    assert "销售额" in [c.value for c in lists["A"]]
    guide = book.worksheets[1]
    assert guide["A1"].value == "营销目标设定与共识表"
    guide_rows = [[c.value for c in row] for row in guide.iter_rows(min_row=5)]
    assert [r[0] for r in guide_rows] == [c.zh for c in goal_table.SPEC.columns]


def test_only_goals_the_user_may_see(world, goals, tmp_path):
    member = load(export_workbook(fresh_user(world.member), tmp_path)).worksheets[0]
    names = {member.cell(r, 1).value for r in range(2, member.max_row + 1)}
    assert names == {"新品A Q3销售额", "小红书品牌曝光"}
    manager = load(export_workbook(fresh_user(world.sales_manager), tmp_path)).worksheets[0]
    assert "销售部内部目标" in {manager.cell(r, 1).value for r in range(2, manager.max_row + 1)}


def test_formula_injection_is_neutralised(world, goals, tmp_path):
    services.goal_update(
        actor=fresh_user(world.mkt_manager),
        goal=goals["exposure"],
        version=goals["exposure"].version,
        notes='=HYPERLINK("http://evil.example","click")',
        description="+1+1",
    )
    path = export_workbook(fresh_user(world.mkt_manager), tmp_path)
    sheet = load(path).worksheets[0]
    row = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}["小红书品牌曝光"]
    notes = sheet.cell(row, 9)
    assert notes.data_type == "s" and notes.quotePrefix
    assert notes.value == '=HYPERLINK("http://evil.example","click")'
    assert sheet.cell(row, 3).data_type == "s"
    # No formula element anywhere in the sheet's XML.
    import zipfile

    with zipfile.ZipFile(path) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    # And a reader sees the text exactly.
    values = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert any(r[8] == '=HYPERLINK("http://evil.example","click")' for r in values)


def test_export_queries_do_not_grow_with_goals(world, goals, django_assert_max_num_queries, tmp_path):
    manager = fresh_user(world.mkt_manager)
    for index in range(10):
        services.goal_create(actor=manager, name=f"目标{index}", department=world.mkt, period=world.q4)
    manager = fresh_user(world.mkt_manager)
    with django_assert_max_num_queries(12):
        rows = list(goal_table.export_rows(manager))
    assert len(rows) == 12
    assert all(isinstance(r["weight"], Decimal | None) for r in rows)
