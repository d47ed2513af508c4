"""`manage.py export_table <table> <file> [--language zh-hans|en] [--user USERNAME]`: one of the seeds'
tables as an xlsx file, as the web page and GET /api/v1/exports/{table} write it.

With --user, only what that person may see; without, the whole table (an operator's export, as an admin
sees it). The `lodestar export` console command calls this command by this name and these arguments."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lodestar.core.errors import ApplicationError
from lodestar.exchange.tables import TABLES, table_named
from lodestar.exchange.xlsx_writer import write_table


def user_named(username: str):
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user named {username!r}.")
    return user


class Command(BaseCommand):
    help = "Export one of the seeds' tables (goals …) as an xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("table", choices=sorted(TABLES))
        parser.add_argument("file", help="The .xlsx file to write")
        parser.add_argument(
            "--language", choices=["zh-hans", "en"], default="zh-hans", help="Header language"
        )
        parser.add_argument("--user", help="Export what this user may see (default: everything)")

    def handle(self, *args, **options):
        try:
            table = table_named(options["table"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if options.get("user"):
            reader = user_named(options["user"])
        else:
            # An operator's export: read as an admin would (an unsaved superuser account sees every record
            # through the same access rules; nothing is written with it).
            reader = get_user_model()(username="export_table", is_superuser=True)
        count = write_table(
            table.spec, table.export_rows(reader, None), options["file"], language=options["language"]
        )
        self.stdout.write(f"{count} rows written to {options['file']}")
