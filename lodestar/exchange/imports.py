"""The import of a filled-in seeds' table: upload → check (a dry run) → confirm → import, in one transaction.

- `table_import_upload` stores the file (MEDIA_ROOT/table-imports/), refuses at once a file that cannot be
  read or has no header row of the table, and queues the check (`tasks.run_table_import`).
- The check (`table_import_run`, on the worker) runs every row through the table's row reader — which writes
  only through the apps' services, so permissions, frozen periods, sibling weights, history and roll-ups all
  apply — inside one transaction, each row in a savepoint, and rolls it all back: every bad row is recorded
  with its line, field, code and message, every row whose record changed in the app since the export as a
  conflict, and the counts of what would be created, updated and left unchanged.
- `table_import_apply` (the confirm step) runs the same again and commits — only when the file is clean, or
  with `skip_bad_rows`, which leaves the bad and conflicting rows out (their savepoints are rolled back).
  If the data changed between the check and the import so that a row now fails, nothing is written and the
  import is `invalid` again with the new report.

The management command `import_table` runs the check and the import inline (`table_import_run_now`).
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from lodestar.core.errors import ApplicationError, ConflictError, NotFound, PermissionDeniedError
from lodestar.core.services import Actor
from lodestar.exchange.columns import current_language
from lodestar.exchange.models import TableImport
from lodestar.exchange.rows import RowConflict, RowProblem
from lodestar.exchange.tables import table_named
from lodestar.exchange.xlsx_reader import SheetRows, iter_rows, read_sheet
from lodestar.org.permissions import can_write, is_admin

logger = logging.getLogger(__name__)
Status = TableImport.Status
ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt")


@dataclass
class Outcome:
    rows_total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    errors: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)

    @property
    def clean(self) -> bool:
        return not self.bad_rows


def access_import(user, import_id: int, *, table: str | None = None) -> TableImport:
    """An import its requester (or an admin) may read; 404 otherwise."""
    found = TableImport.objects.filter(pk=import_id).first()
    if (
        found is None
        or (table is not None and found.table != table)
        or not (found.requested_by_id == getattr(user, "pk", None) or is_admin(user))
    ):
        raise NotFound(_("Import not found."), field="import_id")
    return found


@contextmanager
def _local_copy(table_import: TableImport) -> Iterator[str]:
    """A local path of the stored file (the tests' in-memory storage has none: a temporary copy)."""
    try:
        local = table_import.file.path
    except NotImplementedError:
        local = ""
    if local and os.path.exists(local):
        yield local
        return
    suffix = os.path.splitext(table_import.filename)[1] or ".xlsx"
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy, table_import.file.open("rb") as stored:
        for chunk in stored.chunks():
            copy.write(chunk)
        copy.flush()
        yield copy.name


def _sheet(table_import: TableImport) -> SheetRows:
    with _local_copy(table_import) as path:
        return read_sheet(table_named(table_import.table).spec, path, table_import.filename)


def table_import_upload(
    *,
    actor: Actor,
    table: str,
    file: UploadedFile | File,
    language: str | None = None,
    skip_bad_rows: bool = False,
    apply_when_checked: bool = False,
    enqueue: bool = True,
) -> TableImport:
    """Store the file, refuse it now (422, field "file") when unreadable, and queue the check; with
    `apply_when_checked` the import follows the check when the file is clean (or `skip_bad_rows`)."""
    from django.conf import settings

    table_named(table)  # 404 for an unknown table
    if not can_write(actor):
        raise PermissionDeniedError(_("Your role can view but not change data."))
    name = os.path.basename(getattr(file, "name", "") or f"{table}.xlsx")[:200]
    if not name.lower().endswith(ACCEPTED_SUFFIXES):
        raise ApplicationError(
            _("Upload an .xlsx file (or .csv); old .xls files: save them as .xlsx first."),
            code="bad_file",
            field="file",
        )
    if file.size is not None and file.size > settings.LODESTAR_IMPORT_MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than %(mb)s MB.")
            % {"mb": settings.LODESTAR_IMPORT_MAX_BYTES // (1024 * 1024)},
            code="file_too_large",
            field="file",
        )
    table_import = TableImport(
        table=table,
        filename=name,
        language=current_language(language),
        requested_by=actor,
        skip_bad_rows=skip_bad_rows,
        apply_when_checked=apply_when_checked,
    )
    table_import.file.save(name, file, save=False)
    try:
        sheet = _sheet(table_import)
    except ApplicationError:
        table_import.file.delete(save=False)
        raise
    table_import.header_line = sheet.header_line
    table_import.ignored_headers = sheet.unknown_headers[:50]
    table_import.rows_total = len(sheet.rows)
    table_import.save()
    if enqueue:
        _enqueue(table_import.pk)
    return table_import


def _enqueue(pk: int) -> None:
    from lodestar.exchange.tasks import run_table_import

    transaction.on_commit(lambda: run_table_import.enqueue(pk))


@transaction.atomic
def table_import_apply(
    *, actor: Actor, table_import: TableImport, skip_bad_rows: bool = False
) -> TableImport:
    """The confirm step: import a checked file (with `skip_bad_rows`, one with bad rows or conflicts)."""
    table_import = TableImport.objects.select_for_update().get(pk=table_import.pk)
    if table_import.requested_by_id != getattr(actor, "pk", None) and not is_admin(actor):
        raise PermissionDeniedError(_("Only the person who uploaded the file can import it."))
    if table_import.status not in (Status.CHECKED, Status.INVALID):
        raise ConflictError(
            _("This import is %(status)s and cannot be imported now.")
            % {"status": table_import.get_status_display()},
            code="import_state",
            field="status",
        )
    if table_import.status == Status.INVALID and not skip_bad_rows:
        raise ApplicationError(
            _("The file has bad rows or conflicts: fix them and upload it again, or skip them."),
            code="has_bad_rows",
            field="skip_bad_rows",
        )
    table_import.status = Status.APPLYING
    table_import.skip_bad_rows = skip_bad_rows
    table_import.save(update_fields=["status", "skip_bad_rows", "updated_at"])
    _enqueue(table_import.pk)
    return table_import


# --- the run ---------------------------------------------------------------------------------------


def run_rows(reader, sheet: SheetRows, *, commit: bool, skip_bad_rows: bool) -> Outcome:
    """Every row through `reader.apply` in one transaction, each in a savepoint; committed only when
    `commit` and (the file is clean or `skip_bad_rows`), else rolled back. See the module docstring."""
    outcome = Outcome()
    rows = list(iter_rows(sheet))
    with transaction.atomic():
        prepare = getattr(reader, "prepare", None)
        if prepare is not None:  # a reader that reads several rows as one record (the appraisal table)
            prepare(rows)
        for line, values in rows:
            outcome.rows_total += 1
            try:
                with transaction.atomic():
                    result = reader.apply(line, values)
            except RowProblem as problem:
                for field_name, code, message in problem.items:
                    outcome.errors.append(
                        {"row": line, "field": field_name, "code": code, "message": message}
                    )
                outcome.bad_rows.add(line)
            except RowConflict as conflict:
                outcome.conflicts.append({"row": line, "id": values.get("id"), "message": str(conflict)})
                outcome.bad_rows.add(line)
            except ApplicationError as exc:
                # A service refused the row (permission, a closed period, weights over 100% …).
                field_name = exc.field[:-3] if exc.field and exc.field.endswith("_id") else exc.field
                outcome.errors.append(
                    {"row": line, "field": field_name, "code": exc.code, "message": exc.message}
                )
                for item in exc.errors:
                    outcome.errors.append(
                        {"row": line, "field": item.field, "code": item.code, "message": item.message}
                    )
                outcome.bad_rows.add(line)
            except DjangoValidationError as exc:
                for field_name, messages in (
                    exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
                ):
                    for message in messages:
                        outcome.errors.append(
                            {
                                "row": line,
                                "field": None if field_name == "__all__" else field_name,
                                "code": "invalid",
                                "message": message,
                            }
                        )
                outcome.bad_rows.add(line)
            else:
                outcome.counts[result] = outcome.counts.get(result, 0) + 1
        if not commit or (outcome.bad_rows and not skip_bad_rows):
            transaction.set_rollback(True)
    return outcome


def _store(table_import: TableImport, outcome: Outcome) -> None:
    table_import.rows_total = outcome.rows_total
    table_import.rows_bad = len(outcome.bad_rows)
    table_import.created = outcome.counts.get("created", 0)
    table_import.updated = outcome.counts.get("updated", 0)
    table_import.unchanged = outcome.counts.get("unchanged", 0)
    table_import.errors = outcome.errors[: TableImport.MAX_STORED_ERRORS]
    table_import.conflicts = outcome.conflicts[: TableImport.MAX_STORED_ERRORS]


def table_import_run(*, import_id: int) -> TableImport:
    """The worker's step: the check (status `checking`) or the import (status `applying`)."""
    table_import = TableImport.objects.select_related("requested_by").get(pk=import_id)
    if table_import.status not in (Status.CHECKING, Status.APPLYING):
        return table_import  # a retried task: already done
    applying = table_import.status == Status.APPLYING
    try:
        with override(table_import.language):
            sheet = _sheet(table_import)
            reader = table_named(table_import.table).row_reader(table_import.requested_by)
            if not applying:
                outcome = run_rows(reader, sheet, commit=False, skip_bad_rows=table_import.skip_bad_rows)
                _store(table_import, outcome)
                table_import.status = Status.CHECKED if outcome.clean else Status.INVALID
                if table_import.apply_when_checked and (outcome.clean or table_import.skip_bad_rows):
                    applying = True
                    reader = table_named(table_import.table).row_reader(table_import.requested_by)
            if applying:
                outcome = run_rows(reader, sheet, commit=True, skip_bad_rows=table_import.skip_bad_rows)
                _store(table_import, outcome)
                table_import.status = (
                    Status.DONE if (outcome.clean or table_import.skip_bad_rows) else Status.INVALID
                )
    except ApplicationError as exc:
        table_import.status = Status.FAILED
        table_import.failure = exc.message[:300]
    except Exception:
        logger.exception("table import %s failed", import_id)
        table_import.status = Status.FAILED
        with override(table_import.language):
            table_import.failure = _(
                "The import failed unexpectedly; nothing was written. Try again or tell your admin."
            )
    table_import.finished_at = timezone.now()
    table_import.save()
    return table_import


def table_import_run_now(
    *, actor: Actor, table: str, path: str, skip_bad_rows: bool = False, language: str | None = None
) -> TableImport:
    """Check and (when clean, or with `skip_bad_rows`) import a file inline: the `import_table` command."""
    with open(path, "rb") as handle:
        table_import = table_import_upload(
            actor=actor,
            table=table,
            file=File(handle, name=os.path.basename(path)),
            language=language,
            skip_bad_rows=skip_bad_rows,
            apply_when_checked=True,
            enqueue=False,
        )
    return table_import_run(import_id=table_import.pk)
