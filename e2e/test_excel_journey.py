"""Journey: 赵敏 exports her goal-setting table to Excel (导出 Excel), edits a goal's name in the file with
openpyxl, uploads it (从 Excel 导入), sees the check's plan (one update), confirms, and finds the new name on
the goal's page; the same file uploaded again is a conflict, not an overwrite."""

from __future__ import annotations

from openpyxl import load_workbook
from playwright.sync_api import expect

from e2e.conftest import login
from lodestar.goals.models import Goal


def test_goal_table_round_trip_through_excel(page, step, tmp_path):
    login(page, "zhaomin")
    path = tmp_path / "goals.xlsx"
    with step("she exports the goal-setting table"):
        page.goto(f"{page.base_url}/goals/")
        with page.expect_download() as download:
            page.get_by_test_id("export-goals").click()
        download.value.save_as(path)
        assert download.value.suggested_filename.endswith(".xlsx")

    with step("she edits a goal's name in the file"):
        book = load_workbook(path)
        sheet = book.worksheets[0]
        headers = [cell.value for cell in sheet[1]]
        assert headers[:9] == [
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
        id_column = headers.index("ID") + 1
        goal_id = sheet.cell(2, id_column).value
        new_name = f"{sheet.cell(2, 1).value}（Excel 修订）"
        sheet.cell(2, 1).value = new_name
        book.save(path)

    with step("she uploads it, sees one update planned and confirms"):
        page.get_by_test_id("import-goals").click()
        page.set_input_files("#id_file", str(path))
        page.get_by_test_id("upload-table").click()
        expect(page.get_by_test_id("table-import-state")).to_have_text("可以导入")
        expect(page.get_by_test_id("table-import-plan")).to_contain_text("更新 1 条")
        page.get_by_test_id("confirm-import").click()
        expect(page.get_by_test_id("table-import-state")).to_have_text("已导入")

    with step("the goal's page shows the new name"):
        page.goto(f"{page.base_url}/goals/{goal_id}/")
        expect(page.locator("h1.page-title")).to_contain_text("（Excel 修订）")
        assert Goal.objects.get(pk=goal_id).name == new_name

    with step("the same file again, after a change in the app, is a conflict"):
        book = load_workbook(path)
        book.worksheets[0].cell(2, 1).value = f"{new_name}·第二次"
        book.save(path)
        page.goto(f"{page.base_url}/exchange/goals/import/")
        page.set_input_files("#id_file", str(path))
        page.get_by_test_id("upload-table").click()
        expect(page.get_by_test_id("table-import-state")).to_have_text("有错误行或冲突")
        expect(page.get_by_test_id("conflict-row")).to_have_count(1)
        assert Goal.objects.get(pk=goal_id).name == new_name
