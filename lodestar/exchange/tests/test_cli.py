"""The `lodestar` console command: its help, the operator commands it dispatches, the pass-through."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

from lodestar import cli


def test_the_entry_point_is_declared_in_pyproject():
    pyproject = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["lodestar"] == "lodestar.cli:main"


def test_help_lists_the_operator_commands(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for usage in (
        "lodestar import <table> FILE --user U [--skip-bad-rows]",
        "lodestar export <table> FILE [--language L] [--user U]",
        "lodestar seed-demo",
        "lodestar rebuild",
        "lodestar backup FILE",
        "lodestar restore FILE [--force]",
        "lodestar migrate",
    ):
        assert usage in out
    assert cli.main([]) == 0


def test_every_operator_command_but_the_spreadsheet_ones_is_installed():
    commands = get_commands()
    for name, (command, _usage, _summary) in cli.COMMANDS.items():
        if name not in {"import", "export"}:
            assert command in commands, name


def test_a_command_this_install_lacks_is_named_not_a_traceback(monkeypatch, capsys):
    monkeypatch.setitem(cli.COMMANDS, "import", ("no_such_import_command", "import <table> FILE", "…"))
    assert cli.main(["import", "goals", "goals.xlsx", "--user", "admin"]) == 1
    err = capsys.readouterr().err
    assert "no management command `no_such_import_command`" in err


def test_a_command_help_is_the_command_own(capsys):
    assert cli.main(["restore", "--help"]) == 0
    out = capsys.readouterr().out
    assert "usage: lodestar restore" in out
    assert "--force" in out


def test_other_commands_pass_through_to_django(capsys):
    assert cli.main(["help", "--commands"]) == 0
    out = capsys.readouterr().out
    assert "backup" in out.split() and "restore" in out.split() and "migrate" in out.split()


def test_a_refused_restore_is_a_message_and_exit_code(capsys, tmp_path):
    assert cli.main(["restore", str(tmp_path / "missing.zip")]) == 1
    assert "lodestar restore: No such file" in capsys.readouterr().err


def test_a_backup_into_a_missing_folder_is_a_message(org, capsys, tmp_path):
    assert cli.main(["backup", str(tmp_path / "no" / "such" / "folder" / "b.zip")]) == 1
    assert "lodestar backup: Cannot write" in capsys.readouterr().err


def test_rebuild_and_backup_run_through_the_dispatcher(org, capsys, tmp_path):
    assert cli.main(["rebuild"]) == 0
    assert "Rebuilt roll-ups" in capsys.readouterr().out
    archive = tmp_path / "backup.zip"
    assert cli.main(["backup", str(archive)]) == 0
    assert "manifest.json" in zipfile.ZipFile(archive).namelist()


@pytest.mark.skipif(
    not {"import_table", "export_table"} <= set(get_commands()),
    reason="import_table / export_table (issue #17's spreadsheet exchange) are not installed yet",
)
def test_export_then_import_run_through_the_dispatcher(org, tmp_path):
    admin = org.person("admin").user.username
    path = tmp_path / "goals.xlsx"
    assert cli.main(["export", "goals", str(path), "--user", admin]) == 0
    assert zipfile.is_zipfile(path)  # an xlsx is a zip
    assert cli.main(["import", "goals", str(path), "--user", admin]) == 0


def test_the_installed_script_runs():
    script = Path(sys.executable).parent / "lodestar"
    if not script.exists():
        pytest.skip("the lodestar script is not installed in this venv (pip install -e .)")
    done = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0
    assert "lodestar backup FILE" in done.stdout
