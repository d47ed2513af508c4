"""`lodestar restore FILE` (`manage.py restore FILE`): load a backup into an empty install."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from lodestar.exchange.backup.restore import RestoreRefused, restore_archive


class Command(BaseCommand):
    help = (
        "Load a backup written by `lodestar backup` into this install, which must be migrated and "
        "empty. Everything is loaded in one transaction and checked (row counts and checksums) "
        "before it is committed. Stop the web server and the worker first."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="The archive written by `lodestar backup`.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="DELETE every record of this install (and overwrite uploaded files of the same name), "
            "then load the backup. Without it, a database that holds data is refused.",
        )
        parser.add_argument("--database", default="default", help="The database alias (default: default).")

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            result = restore_archive(options["file"], using=options["database"], force=options["force"])
        except RestoreRefused as exc:
            raise CommandError(str(exc)) from exc
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {options['file']}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {result.rows} rows of {result.tables} tables and {result.files} uploaded files, "
                f"counts and checksums verified ({time.monotonic() - started:.1f} s)."
            )
        )
        self.stdout.write(
            "Next: `lodestar schedule_tasks` queues the worker's recurring jobs if they are not queued."
        )
