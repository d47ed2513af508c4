"""`manage.py export_table` and `import_table`: the contract the `lodestar` console command calls."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from lodestar.exchange.tests.conftest import load, rows_by_name
from lodestar.goals.models import Goal


def test_export_then_import_through_the_commands(world, goals, tmp_path, capsys):
    path = tmp_path / "goals.xlsx"
    call_command("export_table", "goals", str(path), "--language", "en", "--user", world.member.username)
    sheet = load(path).worksheets[0]
    assert sheet["A1"].value == "Goal name"
    assert set(rows_by_name(sheet)) == {"新品A Q3销售额", "小红书品牌曝光"}  # what 林晓 may see

    call_command("export_table", "goals", str(path))  # an operator's export: everything, in Chinese
    book = load(path)
    sheet = book.worksheets[0]
    assert sheet["A1"].value == "目标名称"
    rows = rows_by_name(sheet)
    assert "销售部内部目标" in rows
    sheet.cell(rows["小红书品牌曝光"], 9).value = "命令行导入"
    sheet.cell(rows["销售部内部目标"], 9).value = "赵敏不能改"
    book.save(path)

    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_table", "goals", str(path), "--user", world.mkt_manager.username)
    assert f"line {rows['销售部内部目标']}" in capsys.readouterr().err
    assert Goal.objects.get(pk=goals["exposure"].pk).notes == ""

    call_command("import_table", "goals", str(path), "--user", world.mkt_manager.username, "--skip-bad-rows")
    assert "1 updated" in capsys.readouterr().out
    assert Goal.objects.get(pk=goals["exposure"].pk).notes == "命令行导入"
    assert Goal.objects.get(pk=goals["hidden"].pk).notes == ""


def test_commands_refuse_unknown_users_and_files(world, tmp_path):
    with pytest.raises(CommandError, match="No active user"):
        call_command("import_table", "goals", str(tmp_path / "x.xlsx"), "--user", "nobody")
    with pytest.raises(CommandError):
        call_command(
            "import_table", "goals", str(tmp_path / "missing.xlsx"), "--user", world.mkt_manager.username
        )
    with pytest.raises(CommandError):
        call_command("export_table", "nonsense", str(tmp_path / "x.xlsx"))
