"""The import of a platform export: upload → mapping → preview → validation → atomic import.

- `metric_import_upload` stores the file under the data dir (MEDIA_ROOT/metric-imports/) and reads its
  header; the mapping is pre-filled from the source's saved mapping of the same header shape (or guessed).
- `metric_import_set_mapping` checks and saves the mapping (creating the metrics it names) for the import and
  for the source's next file of the same shape.
- `metric_import_preview` reads the first rows with the mapping and shows each parsed value or its error.
- `metric_import_start` queues `tasks.run_metric_import` (on the worker; inline in tests), which calls
  `metric_import_run`: a first pass reads and parses every row once, records every bad one (row, column,
  code) with progress, and spools the good ones, parsed, to a temporary file (`parsed_rows.ParsedRows`);
  with bad rows and no `skip_bad_rows` the import stops as `invalid` and nothing is written. A second pass
  writes the spooled rows inside one transaction, set-based (`point_writer`: COPY on PostgreSQL): new
  points created, changed ones updated with a MetricPointChange each, unchanged ones untouched (idempotent
  by metric, channel and date). `signals.points_imported` is sent once, on commit, with the metrics that
  have a created or changed point.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, ConflictError
from lodestar.core.services import Actor
from lodestar.core.streaming import ReaderError, Rows, open_rows
from lodestar.metrics import domain, point_writer
from lodestar.metrics.models import (
    Channel,
    DataSource,
    ImportMapping,
    MetricImport,
    SourceMetric,
)
from lodestar.metrics.parsed_rows import ParsedRows
from lodestar.metrics.signals import points_imported
from lodestar.org.permissions import person_of

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 20000
PREVIEW_ROWS = 10
MAX_COLUMNS = 200
MAX_HEADER = 200
DEFAULT_MAX_BYTES = 200 * 1024 * 1024

Status = MetricImport.Status


def max_upload_bytes() -> int:
    return int(getattr(settings, "LODESTAR_METRIC_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def reader_message(code: str) -> str:
    return {
        "bad_encoding": _(
            "The file's text encoding was not recognised. Save it as UTF-8 or as an Excel workbook (.xlsx)."
        ),
        "empty": _("The file is empty: it needs a header row and data rows."),
        "file_too_large": _(
            "The Excel file expands to more data than we accept. Split it into smaller files."
        ),
    }.get(code, _("The file is damaged or not a .csv or .xlsx file."))


def cell_message(code: str, value: str = "") -> str:
    """The reader's words for a row error code (in the current language)."""
    messages = {
        "empty": _("The cell is empty."),
        "not_available": _("“%(value)s” is not a figure: fill in the value or skip the row."),
        "not_a_number": _("“%(value)s” is not a number."),
        "not_a_date": _("“%(value)s” is not a date (write 2031/7/1, 2031-07-01 or 2031年7月1日)."),
        "impossible_date": _("“%(value)s” is not a real date."),
        "unknown_channel": _(
            "“%(value)s” is not a known channel (add it to the channel list or fix the name)."
        ),
        "duplicate_date": _("An earlier row already has this date for the same channel."),
        "too_large": _("“%(value)s” is too large."),
    }
    return messages.get(code, _("This cell cannot be read.")) % {"value": value}


def _open(metric_import: MetricImport) -> Rows:
    """The stored file's rows; a storage without local paths (tests' in-memory one, an object store) is
    copied to a temporary file first, removed when the rows are closed."""
    try:
        local = metric_import.file.path
    except NotImplementedError:
        local = ""
    if local and os.path.exists(local):
        try:
            return open_rows(local, metric_import.filename)
        except ReaderError as exc:
            raise ApplicationError(reader_message(exc.code), code=exc.code, field="file") from exc
    suffix = os.path.splitext(metric_import.filename)[1]
    with (
        tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as copy,
        metric_import.file.open("rb") as stored,
    ):
        for chunk in stored.chunks():
            copy.write(chunk)
    try:
        rows = open_rows(copy.name, metric_import.filename)
    except ReaderError as exc:
        os.unlink(copy.name)
        raise ApplicationError(reader_message(exc.code), code=exc.code, field="file") from exc

    def cleaned() -> Iterator[tuple[int, list]]:
        try:
            yield from rows.rows
        finally:
            os.unlink(copy.name)

    return Rows(headers=rows.headers, encoding=rows.encoding, rows=cleaned())


# --- upload and mapping ------------------------------------------------------------------------------


def suggested_mapping(source: DataSource, headers: list[str]) -> dict[str, Any]:
    """The saved mapping of this header shape, else the latest one's columns that still exist, else a guess
    (日期 → date, 渠道 → channel, a header named like one of the source's metrics → that metric)."""
    signature = domain.header_signature(headers)
    saved = ImportMapping.objects.filter(source=source, signature=signature).first()
    if saved is not None:
        return _mapping_dict(saved)
    present = {domain.normal_name(h): h for h in headers}
    latest = ImportMapping.objects.filter(source=source).order_by("-updated_at").first()
    if latest is not None:
        guess = _mapping_dict(latest)
        guess["columns"] = [c for c in guess["columns"] if domain.normal_name(c["column"]) in present]
        for key in ("date_column", "channel_column"):
            if domain.normal_name(guess[key]) not in present:
                guess[key] = ""
        if guess["date_column"]:
            return guess
    metrics = {domain.normal_name(m.name): m for m in source.metrics.all()}
    date_column = domain.guess_column(headers, domain.DATE_HINTS)
    channel_column = domain.guess_column(headers, domain.CHANNEL_HINTS)
    columns = [
        {
            "column": h,
            "metric": metrics[domain.normal_name(h)].name,
            "measure_id": metrics[domain.normal_name(h)].measure_id,
        }
        for h in headers
        if h not in (date_column, channel_column) and domain.normal_name(h) in metrics
    ]
    return {
        "date_column": date_column,
        "channel_column": channel_column,
        "channel_id": None,
        "columns": columns,
    }


def _mapping_dict(saved: ImportMapping) -> dict[str, Any]:
    return {
        "date_column": saved.date_column,
        "channel_column": saved.channel_column,
        "channel_id": saved.channel_id,
        "columns": list(saved.columns),
    }


def metric_import_upload(*, actor: Actor, source: DataSource, file: UploadedFile) -> MetricImport:
    """Store an uploaded export and read its header; refused (422, field "file") when unreadable or
    when the source is no longer in use (inactive: its figures stay, new ones don't come in)."""
    if not source.is_active:
        raise ApplicationError(
            _("This data source is inactive: activate it again to import into it."),
            code="inactive",
            field="source_id",
        )
    if file.size is not None and file.size > max_upload_bytes():
        raise ApplicationError(
            _("The file is larger than %(mb)s MB.") % {"mb": max_upload_bytes() // (1024 * 1024)},
            code="file_too_large",
            field="file",
        )
    name = os.path.basename(file.name or "data.csv")[:200]
    if not name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
        raise ApplicationError(
            _("Upload a .csv or .xlsx file (old .xls files: save them as .xlsx first)."),
            code="bad_file",
            field="file",
        )
    metric_import = MetricImport(source=source, filename=name, created_by=person_of(actor))
    metric_import.file.save(name, file, save=False)
    try:
        rows = _open(metric_import)
        rows.rows.close()  # type: ignore[attr-defined]
    except ApplicationError:
        metric_import.file.delete(save=False)
        raise
    headers = rows.headers
    if len(headers) > MAX_COLUMNS or any(len(h) > MAX_HEADER for h in headers):
        metric_import.file.delete(save=False)
        raise ApplicationError(
            _("The header row is too wide: at most %(columns)s columns of %(chars)s characters.")
            % {"columns": MAX_COLUMNS, "chars": MAX_HEADER},
            code="bad_header",
            field="file",
        )
    if len(set(domain.normal_name(h) for h in headers if h)) != len([h for h in headers if h]):
        metric_import.file.delete(save=False)
        raise ApplicationError(
            _("Two columns of the file have the same header."), code="bad_header", field="file"
        )
    metric_import.headers = headers
    metric_import.encoding = rows.encoding
    metric_import.mapping = suggested_mapping(source, headers)
    metric_import.save()
    return metric_import


def _require_state(metric_import: MetricImport, *allowed: str) -> None:
    if metric_import.status not in allowed:
        raise ConflictError(
            _("This import is %(status)s and cannot do that now.")
            % {"status": metric_import.get_status_display()},
            code="import_state",
            field="status",
        )


EDITABLE = (Status.UPLOADED, Status.MAPPED, Status.INVALID, Status.FAILED)


@transaction.atomic
def metric_import_set_mapping(
    *,
    actor: Actor,
    metric_import: MetricImport,
    date_column: str,
    columns: list[dict[str, Any]],
    channel_column: str = "",
    channel: Channel | None = None,
    measures: dict[int, Any] | None = None,
) -> MetricImport:
    """Check and save the mapping. `columns`: [{"column", "metric", "measure_id"}]; a metric name the source
    does not have yet is created (sum of the days); `measures` maps the given measure ids to measures the
    caller may see (checked by the view), bound to their metric."""
    metric_import = MetricImport.objects.select_for_update().get(pk=metric_import.pk)
    _require_state(metric_import, *EDITABLE)
    headers = [h for h in metric_import.headers if h]
    if date_column not in headers:
        raise ApplicationError(
            _("Choose the column that holds the date."), code="required", field="date_column"
        )
    if channel_column and channel_column not in headers:
        raise ApplicationError(
            _("This column is not in the file."), code="unknown_column", field="channel_column"
        )
    if channel_column == date_column:
        raise ApplicationError(
            _("The channel column cannot be the date column."), code="invalid", field="channel_column"
        )
    if not columns:
        raise ApplicationError(_("Map at least one column to a metric."), code="required", field="columns")
    seen_columns: set[str] = set()
    seen_metrics: set[str] = set()
    cleaned: list[dict[str, Any]] = []
    source = metric_import.source
    existing = {m.name: m for m in SourceMetric.objects.filter(source=source)}
    for entry in columns:
        column = str(entry.get("column") or "").strip()
        metric_name = str(entry.get("metric") or "").strip()[:80]
        if column not in headers or column in (date_column, channel_column) or column in seen_columns:
            raise ApplicationError(
                _("“%(column)s” cannot be a value column.") % {"column": column},
                code="invalid",
                field="columns",
            )
        if not metric_name or metric_name in seen_metrics:
            raise ApplicationError(
                _("Give each value column its own metric name."), code="invalid", field="columns"
            )
        seen_columns.add(column)
        seen_metrics.add(metric_name)
        metric = existing.get(metric_name)
        if metric is None:
            metric = SourceMetric.objects.create(source=source, name=metric_name)
            existing[metric_name] = metric
        measure_id = entry.get("measure_id")
        if (
            measure_id is not None
            and measures is not None
            and measure_id in measures
            and metric.measure_id != measure_id
        ):
            metric.measure = measures[measure_id]
            metric.version += 1
            metric.save(update_fields=["measure", "version", "updated_at"])
        cleaned.append({"column": column, "metric": metric_name, "measure_id": metric.measure_id})
    mapping: dict[str, Any] = {
        "date_column": date_column,
        "channel_column": channel_column,
        "channel_id": channel.pk if channel is not None and not channel_column else None,
        "columns": cleaned,
    }
    ImportMapping.objects.update_or_create(
        source=source,
        signature=domain.header_signature(metric_import.headers),
        defaults={
            "headers": metric_import.headers,
            "date_column": date_column,
            "channel_column": channel_column,
            "channel_id": channel.pk if channel is not None and not channel_column else None,
            "columns": cleaned,
        },
    )
    metric_import.mapping = mapping
    metric_import.status = Status.MAPPED
    metric_import.errors, metric_import.errors_total, metric_import.rows_bad = [], 0, 0
    metric_import.save()
    return metric_import


def channel_lookup() -> dict[str, int]:
    """Every active channel by its normalised Chinese name, English name and code."""
    names: dict[str, int] = {}
    for pk, code, name, name_en in Channel.objects.filter(is_active=True).values_list(
        "pk", "code", "name", "name_en"
    ):
        for text in (code, name_en, name):
            if text:
                names[domain.normal_name(text)] = pk
    return names


def row_plan(metric_import: MetricImport) -> domain.RowPlan:
    mapping = metric_import.mapping or {}
    headers = list(metric_import.headers)
    if not mapping.get("date_column") or not mapping.get("columns"):
        raise ApplicationError(_("Map the file's columns first."), code="not_mapped", field="mapping")
    metrics = dict(SourceMetric.objects.filter(source=metric_import.source_id).values_list("name", "pk"))
    values = []
    for entry in mapping["columns"]:
        if entry["column"] not in headers or entry["metric"] not in metrics:
            raise ApplicationError(_("Map the file's columns first."), code="not_mapped", field="mapping")
        values.append(
            domain.ValueColumn(headers.index(entry["column"]), entry["column"], metrics[entry["metric"]])
        )
    channel_column = mapping.get("channel_column") or ""
    return domain.RowPlan(
        date_index=headers.index(mapping["date_column"]),
        date_header=mapping["date_column"],
        values=tuple(values),
        channel_index=headers.index(channel_column) if channel_column else None,
        channel_header=channel_column,
        fixed_channel_id=None if channel_column else mapping.get("channel_id"),
        channels=channel_lookup() if channel_column else {},
    )


def metric_import_preview(*, metric_import: MetricImport, limit: int = PREVIEW_ROWS) -> list[dict[str, Any]]:
    """The first rows of the file with what each cell is read as: [{"row", "cells", "date", "channel",
    "values": [{"column", "value"}], "errors": [{"field", "code", "message"}]}]."""
    plan = row_plan(metric_import)
    names = dict(Channel.objects.values_list("pk", "name"))
    rows = _open(metric_import)
    out: list[dict[str, Any]] = []
    guard = domain.DuplicateGuard()
    try:
        for line, cells in rows.rows:
            result = domain.read_row(cells, plan)
            problems = list(result.problems)
            if result.date is not None and not problems and guard.seen_before(result.date, result.channel_id):
                problems.append(domain.CellProblem(plan.date_header, "duplicate_date", ""))
            by_metric = dict(result.values)
            out.append(
                {
                    "row": line,
                    "cells": ["" if c is None else str(c) for c in cells[: len(metric_import.headers)]],
                    "date": result.date,
                    "channel": names.get(result.channel_id) if result.channel_id else None,
                    "values": [
                        {"column": v.header, "value": by_metric.get(v.metric_id)} for v in plan.values
                    ],
                    "errors": [
                        {"field": p.field, "code": p.code, "message": cell_message(p.code, p.value)}
                        for p in problems
                    ],
                }
            )
            if len(out) >= limit:
                break
    except ReaderError as exc:
        raise ApplicationError(reader_message(exc.code), code=exc.code, field="file") from exc
    finally:
        rows.rows.close()  # type: ignore[attr-defined]
    return out


@transaction.atomic
def metric_import_start(
    *, actor: Actor, metric_import: MetricImport, skip_bad_rows: bool = False
) -> MetricImport:
    """Queue the validation and import on the worker (`tasks.run_metric_import`)."""
    from lodestar.metrics.tasks import run_metric_import

    metric_import = MetricImport.objects.select_for_update().get(pk=metric_import.pk)
    _require_state(metric_import, Status.MAPPED, Status.INVALID, Status.FAILED)
    row_plan(metric_import)  # refuses an unmapped import now rather than on the worker
    metric_import.status = Status.VALIDATING
    metric_import.skip_bad_rows = skip_bad_rows
    metric_import.progress = 0
    metric_import.failure = ""
    metric_import.save()
    pk = metric_import.pk
    transaction.on_commit(lambda: run_metric_import.enqueue(pk))
    return metric_import


# --- the run on the worker -------------------------------------------------------------------------


def _estimate_rows(metric_import: MetricImport) -> int:
    """Lines in the file (for the progress bar): newlines counted in 1 MB chunks."""
    if metric_import.encoding == "xlsx":
        return 0
    newline = b"\n\x00" if metric_import.encoding.startswith("utf-16") else b"\n"
    count = 0
    with metric_import.file.open("rb") as handle:
        for chunk in handle.chunks(1024 * 1024):
            count += chunk.count(newline)
    return max(count, 1)


def _update(pk: int, **fields: Any) -> None:
    MetricImport.objects.filter(pk=pk).update(**fields)


def _checked_rows(
    metric_import: MetricImport, plan: domain.RowPlan
) -> Iterator[tuple[int, domain.RowResult, list[domain.CellProblem]]]:
    """Every data row with its problems (duplicates included), in file order."""
    rows = _open(metric_import)
    guard = domain.DuplicateGuard()
    try:
        for line, cells in rows.rows:
            result = domain.read_row(cells, plan)
            problems = list(result.problems)
            if result.date is not None and not problems and guard.seen_before(result.date, result.channel_id):
                problems.append(
                    domain.CellProblem(plan.date_header, "duplicate_date", result.date.isoformat())
                )
            yield line, result, problems
    except ReaderError as exc:
        raise ApplicationError(reader_message(exc.code), code=exc.code, field="file") from exc
    finally:
        rows.rows.close()  # type: ignore[attr-defined]


def _validate(metric_import: MetricImport, plan: domain.RowPlan, parsed: ParsedRows) -> None:
    """The first pass: every row read and checked; the bad ones recorded, the good ones spooled."""
    estimate = _estimate_rows(metric_import)
    errors: list[dict[str, Any]] = []
    errors_total = rows_total = rows_bad = 0
    for line, result, problems in _checked_rows(metric_import, plan):
        rows_total += 1
        if problems or result.date is None:
            rows_bad += 1
            errors_total += len(problems)
            for problem in problems:
                if len(errors) < MetricImport.MAX_STORED_ERRORS:
                    errors.append(
                        {"row": line, "field": problem.field, "code": problem.code, "value": problem.value}
                    )
        else:
            parsed.add(result.date, result.channel_id, [value for _metric, value in result.values])
        if rows_total % PROGRESS_EVERY == 0 and estimate:
            _update(metric_import.pk, progress=min(49, rows_total * 50 // estimate), rows_total=rows_total)
    metric_import.rows_total = rows_total
    metric_import.rows_bad = rows_bad
    metric_import.rows_ok = rows_total - rows_bad
    metric_import.errors = errors
    metric_import.errors_total = errors_total


def _write(metric_import: MetricImport, plan: domain.RowPlan, parsed: ParsedRows) -> set[int]:
    """The second pass: the spooled good rows written in one transaction (`point_writer`); the metrics
    with a created or changed point are announced once, on commit."""
    with transaction.atomic():
        DataSource.objects.select_for_update().filter(pk=metric_import.source_id).first()
        counts = point_writer.write_points(
            rows=parsed,
            metric_ids=[column.metric_id for column in plan.values],
            import_id=metric_import.pk,
            now=timezone.now(),
            without_channel=plan.channel_index is None and plan.fixed_channel_id is None,
        )
        created = sum(c.created for c in counts)
        updated = sum(c.updated for c in counts)
        touched = {c.metric_id for c in counts if c.created or c.updated}
        first, last = parsed.first, parsed.last
        metric_import.points_created = created
        metric_import.points_updated = updated
        metric_import.points_unchanged = parsed.count * len(plan.values) - created - updated
        metric_import.status = Status.DONE
        metric_import.progress = 100
        metric_import.date_from, metric_import.date_to = first, last
        metric_import.finished_at = timezone.now()
        metric_import.save()
        if touched and first is not None and last is not None:
            ids = sorted(touched)
            pk, source_id = metric_import.pk, metric_import.source_id
            date_from, date_to = first, last
            transaction.on_commit(
                lambda: points_imported.send(
                    sender=MetricImport,
                    import_id=pk,
                    source_id=source_id,
                    metric_ids=ids,
                    date_from=date_from,
                    date_to=date_to,
                )
            )
    return touched


def metric_import_run(*, import_id: int) -> MetricImport:
    """Validate, then (when clean or told to skip bad rows) import; see the module docstring."""
    metric_import = MetricImport.objects.select_related("source").get(pk=import_id)
    if metric_import.status != Status.VALIDATING:
        return metric_import  # already run (a retried task) or changed meanwhile
    try:
        plan = row_plan(metric_import)
        with ParsedRows(len(plan.values)) as parsed:
            _validate(metric_import, plan, parsed)
            if metric_import.rows_bad and not metric_import.skip_bad_rows:
                metric_import.status = Status.INVALID
                metric_import.progress = 100
                metric_import.finished_at = timezone.now()
                metric_import.save()
                return metric_import
            metric_import.status = Status.IMPORTING
            metric_import.progress = 50
            metric_import.save()
            _write(metric_import, plan, parsed)
    except ApplicationError as exc:
        _update(metric_import.pk, status=Status.FAILED, failure=exc.message[:300], finished_at=timezone.now())
        metric_import.refresh_from_db()
    except Exception:
        logger.exception("metric import %s failed", import_id)
        _update(
            metric_import.pk,
            status=Status.FAILED,
            failure=_("The import failed unexpectedly; nothing was written. Try again or tell your admin."),
            finished_at=timezone.now(),
        )
        metric_import.refresh_from_db()
    return metric_import


def error_items(metric_import: MetricImport) -> list[dict[str, Any]]:
    """The stored row errors with their messages in the current language."""
    return [
        {
            "row": e["row"],
            "field": e["field"],
            "code": e["code"],
            "message": cell_message(e["code"], e.get("value", "")),
        }
        for e in metric_import.errors
    ]
