"""`lodestar backup FILE` (`manage.py backup FILE`): all data and uploaded files in one archive."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from lodestar.exchange.backup.snapshot import backup_write


class Command(BaseCommand):
    help = (
        "Write a consistent snapshot of all data and uploaded files to FILE (a zip archive), "
        "while the app stays in use. Restore it with `lodestar restore FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", metavar="FILE", help="The archive to write (e.g. lodestar-2026-12-06.zip)."
        )
        parser.add_argument("--database", default="default", help="The database alias (default: default).")

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            result = backup_write(options["file"], using=options["database"])
        except OSError as exc:  # a folder that does not exist, a full disk, no permission
            raise CommandError(f"Cannot write {options['file']}: {exc.strerror or exc}") from exc
        size = result.path.stat().st_size / 1024 / 1024
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {result.rows} rows of {result.tables} tables and {result.files} uploaded files "
                f"to {result.path} ({size:.1f} MB, {time.monotonic() - started:.1f} s)."
            )
        )
        for name in result.missing_files:
            self.stderr.write(
                f"Warning: {name} is named by a record but was deleted before it could be copied."
            )
