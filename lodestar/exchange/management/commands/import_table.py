"""`manage.py import_table <table> <file> --user USERNAME [--skip-bad-rows]`: import a filled-in table as
that user, through the same check and services as the upload page (lodestar/exchange/imports.py).

Nothing is written when a row is bad or conflicts with a change made in the app since the export, unless
--skip-bad-rows; every such row is printed with its line and reason, and the command then exits with an
error. The `lodestar import` console command calls this command by this name and these arguments."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from lodestar.core.errors import ApplicationError
from lodestar.exchange.imports import table_import_run_now
from lodestar.exchange.management.commands.export_table import user_named
from lodestar.exchange.models import TableImport
from lodestar.exchange.tables import TABLES


class Command(BaseCommand):
    help = "Import a filled-in seeds' table (goals …) from an xlsx or csv file."

    def add_arguments(self, parser):
        parser.add_argument("table", choices=sorted(TABLES))
        parser.add_argument("file", help="The .xlsx (or .csv) file to read")
        parser.add_argument("--user", required=True, help="Import as this user (their permissions apply)")
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="Import the good rows, leaving out bad and conflicting ones",
        )

    def handle(self, *args, **options):
        user = user_named(options["user"])
        try:
            result = table_import_run_now(
                actor=user,
                table=options["table"],
                path=options["file"],
                skip_bad_rows=options["skip_bad_rows"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        for conflict in result.conflicts:
            self.stderr.write(f"line {conflict['row']}: conflict: {conflict['message']}")
        for error in result.errors:
            self.stderr.write(
                f"line {error['row']}: {error['field'] or ''} {error['code']}: {error['message']}"
            )
        summary = (
            f"{result.rows_total} rows: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.rows_bad} bad or conflicting"
        )
        if result.status == TableImport.Status.DONE:
            self.stdout.write(summary + ("" if not result.rows_bad else " (skipped)"))
            return
        if result.status == TableImport.Status.FAILED:
            raise CommandError(result.failure)
        raise CommandError(summary + ": nothing was written (fix the file or use --skip-bad-rows)")
