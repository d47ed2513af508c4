"""`lodestar`: the operator's command (installed by `pip install -e .` as .venv/bin/lodestar).

A thin dispatcher over Django's management commands, with the settings `manage.py` uses
(DJANGO_SETTINGS_MODULE defaults to config.settings.local; set it to config.settings.production on
a server):

    lodestar import <table> FILE --user U [--skip-bad-rows]   → import_table
    lodestar export <table> FILE [--language L] [--user U]    → export_table
    lodestar seed-demo                                        → seed_demo
    lodestar rebuild                                          → rebuild_rollups
    lodestar backup FILE                                      → backup
    lodestar restore FILE [--force]                           → restore

Any other word is a management command and passes through unchanged (`lodestar migrate`,
`lodestar createsuperuser`, `lodestar run_worker`, …). The operator commands run with
`call_command`: their arguments are parsed by the command's own parser, so `lodestar import` knows
whatever options `import_table` has.
"""

from __future__ import annotations

import os
import sys

# Operator name → (management command, usage, what it does).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "import": (
        "import_table",
        "import <table> FILE --user U [--skip-bad-rows]",
        "import a seed table (goals, items, check-ins, …) from an xlsx file",
    ),
    "export": (
        "export_table",
        "export <table> FILE [--language L] [--user U]",
        "export a seed table to an xlsx file",
    ),
    "seed-demo": ("seed_demo", "seed-demo", "load the demo organisation (first start only)"),
    "rebuild": (
        "rebuild_rollups",
        "rebuild",
        "recompute every goal's stored achievement, progress and health",
    ),
    "backup": ("backup", "backup FILE", "all data and uploaded files in one archive, while the app runs"),
    "restore": ("restore", "restore FILE [--force]", "load a backup into an empty install"),
}


def usage() -> str:
    lines = ["usage: lodestar <command> [arguments]", "", "Operator commands:"]
    for _name, (_command, synopsis, summary) in COMMANDS.items():
        lines.append(f"  lodestar {synopsis:<48} {summary}")
    lines += [
        "",
        "Every other manage.py command passes through: lodestar migrate, lodestar createsuperuser,",
        "lodestar run_worker, lodestar schedule_tasks, … (`lodestar help --commands` lists them).",
        "`lodestar <command> --help` describes a command's options.",
        "",
        f"Settings: DJANGO_SETTINGS_MODULE={os.environ.get('DJANGO_SETTINGS_MODULE', 'config.settings.local')}; "
        "data under LODESTAR_DATA_DIR, or DATABASE_URL.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    if not argv or argv[0] in {"-h", "--help"} or argv == ["help"]:
        print(usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["lodestar", *argv])
        return 0
    return run_operator_command(name, rest)


def run_operator_command(name: str, args: list[str]) -> int:
    import django
    from django.core.management import call_command, get_commands, load_command_class
    from django.core.management.base import CommandError

    django.setup()
    command, synopsis, _summary = COMMANDS[name]
    app = get_commands().get(command)
    if app is None:
        print(
            f"lodestar {name}: this install has no management command `{command}` yet, which "
            f"`lodestar {synopsis}` runs. Update Lodestar (it comes with the spreadsheet exchange of "
            "issue #17), then `pip install -e .` again.",
            file=sys.stderr,
        )
        return 1
    if {"-h", "--help"} & set(args):
        load_command_class(app, command).create_parser("lodestar", name).print_help()
        return 0
    try:
        call_command(command, *args)
    except CommandError as exc:
        print(f"lodestar {name}: {exc}", file=sys.stderr)
        return exc.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
