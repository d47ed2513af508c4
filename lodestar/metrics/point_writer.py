"""Writing an import's points in SQL, set-based (issue 16): the SQL of `import_services._write`.

The parsed rows (`ParsedRows`: date, channel, one value per metric) go into a temporary table of the same
column types as MetricPoint — on PostgreSQL by COPY, on SQLite by one prepared INSERT run over the rows
(`executemany`). Then, for each metric, three statements do what the import promises (idempotent by
metric, channel and date; every change recorded):

1. the change history: a MetricPointChange (old value, new value, the import, the time) for each existing
   point whose value differs — `INSERT … SELECT` from the temporary table joined to the points;
2. those points take their new value — an UPDATE from the history just written;
3. the points that do not exist yet — `INSERT … SELECT … WHERE NOT EXISTS`.

A metric without any point in the rows' dates (a first import) skips 1 and 3's lookups: a plain
`INSERT … SELECT`.

MetricPoint's metric and channel have no database FOREIGN KEY constraint (its docstring says why), so before
writing, the writer proves what the constraint's per-row checks proved, set-based: every metric, and every
channel the rows name, exists — else `IntegrityError` and nothing is written. On PostgreSQL those rows are
locked `FOR KEY SHARE` (the lock the constraint's checks took), so a concurrent delete of one of them waits
for this transaction and then meets the parent's delete trigger instead of leaving points without a parent. Unchanged points are not touched. Each statement's row count gives the metric's created and updated points.
Values are compared by the database in the column's own type (NUMERIC on PostgreSQL; on SQLite the same
NUMERIC affinity the ORM's writes get, so the same text compares equal). The caller holds the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, connection

from lodestar.metrics.models import Channel, MetricPoint, MetricPointChange, SourceMetric
from lodestar.metrics.parsed_rows import ParsedRows

TEMP_TABLE = "lodestar_import_rows"
POINTS = MetricPoint._meta.db_table
CHANGES = MetricPointChange._meta.db_table
METRICS = SourceMetric._meta.db_table
CHANNELS = Channel._meta.db_table
EXECUTEMANY_ROWS = 10_000


@dataclass(frozen=True)
class MetricCounts:
    metric_id: int
    created: int
    updated: int


def _value_columns(count: int) -> list[str]:
    return [f"v{i}" for i in range(count)]


def _create_temp_table(cursor, columns: int) -> None:
    field = MetricPoint._meta.get_field
    types = {
        "date": field("date").db_type(connection),
        "channel": field("channel").target_field.rel_db_type(connection),  # type: ignore[union-attr]
        "value": field("value").db_type(connection),
    }
    values = ", ".join(f"{name} {types['value']}" for name in _value_columns(columns))
    cursor.execute(f"DROP TABLE IF EXISTS {TEMP_TABLE}")
    suffix = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
    cursor.execute(
        f"CREATE TEMPORARY TABLE {TEMP_TABLE} (date {types['date']} NOT NULL, "
        f"channel_id {types['channel']} NULL, {values}){suffix}"
    )


def _load(cursor, rows: ParsedRows) -> None:
    names = ", ".join(["date", "channel_id", *_value_columns(rows.columns)])
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {TEMP_TABLE} ({names}) FROM STDIN") as copy:
            for block in rows.blocks():
                copy.write(block)
        cursor.execute(f"ANALYZE {TEMP_TABLE}")
        return
    marks = ", ".join(["%s"] * (rows.columns + 2))
    insert = f"INSERT INTO {TEMP_TABLE} ({names}) VALUES ({marks})"
    batch: list[tuple] = []
    for row in rows.rows():
        batch.append(row)
        if len(batch) >= EXECUTEMANY_ROWS:
            cursor.executemany(insert, batch)
            batch = []
    if batch:
        cursor.executemany(insert, batch)


def write_points(
    *,
    rows: ParsedRows,
    metric_ids: Sequence[int],
    import_id: int,
    now: dt.datetime,
    without_channel: bool,
) -> list[MetricCounts]:
    """Create, update (with history) or leave each point of `rows`; the counts per metric, in order.

    `metric_ids[i]` is the metric of the rows' i-th value; `without_channel` says the rows' channel is None
    (every row of a file is either with a channel or without one)."""
    if len(metric_ids) != rows.columns:
        raise ValueError("one metric per value column")
    if not rows.count:
        return [MetricCounts(metric_id, 0, 0) for metric_id in metric_ids]
    stamp = connection.ops.adapt_datetimefield_value(now)
    same_channel = "p.channel_id IS NULL" if without_channel else "p.channel_id = t.channel_id"
    counts = []
    with connection.cursor() as cursor:
        _lock_metrics(cursor, metric_ids)
        _create_temp_table(cursor, rows.columns)
        _load(cursor, rows)
        _lock_channels(cursor)
        for index, metric_id in enumerate(metric_ids):
            value = f"t.v{index}"
            if not _has_points(cursor, metric_id, rows):
                # Nothing of this metric in the file's dates (a first import): every row is a new point.
                cursor.execute(
                    f"INSERT INTO {POINTS} (metric_id, channel_id, date, value, created_at, updated_at) "
                    f"SELECT %s, t.channel_id, t.date, {value}, %s, %s FROM {TEMP_TABLE} t",
                    [metric_id, stamp, stamp],
                )
                counts.append(MetricCounts(metric_id, created=cursor.rowcount, updated=0))
                continue
            cursor.execute(
                f"INSERT INTO {CHANGES} (point_id, old_value, new_value, metric_import_id, at) "
                f"SELECT p.id, p.value, {value}, %s, %s FROM {TEMP_TABLE} t "
                f"JOIN {POINTS} p ON p.metric_id = %s AND p.date = t.date AND {same_channel} "
                f"WHERE p.value <> {value}",
                [import_id, stamp, metric_id],
            )
            updated = cursor.rowcount
            cursor.execute(
                f"INSERT INTO {POINTS} (metric_id, channel_id, date, value, created_at, updated_at) "
                f"SELECT %s, t.channel_id, t.date, {value}, %s, %s FROM {TEMP_TABLE} t "
                f"WHERE NOT EXISTS (SELECT 1 FROM {POINTS} p "
                f"WHERE p.metric_id = %s AND p.date = t.date AND {same_channel})",
                [metric_id, stamp, stamp, metric_id],
            )
            counts.append(MetricCounts(metric_id, created=cursor.rowcount, updated=updated))
        if any(c.updated for c in counts):
            _apply_changes(cursor, import_id, stamp)
        cursor.execute(f"DROP TABLE IF EXISTS {TEMP_TABLE}")
    return counts


def _key_share() -> str:
    return " FOR KEY SHARE" if connection.vendor == "postgresql" else ""


def _lock_metrics(cursor, metric_ids: Sequence[int]) -> None:
    """Every metric exists, locked against deletion until the transaction ends; else IntegrityError."""
    marks = ", ".join(["%s"] * len(metric_ids))
    cursor.execute(
        f"SELECT id FROM {METRICS} WHERE id IN ({marks}) ORDER BY id{_key_share()}", list(metric_ids)
    )
    missing = set(metric_ids) - {row[0] for row in cursor.fetchall()}
    if missing:
        raise IntegrityError(f"no source metric {sorted(missing)}: points not written")


def _lock_channels(cursor) -> None:
    """Every channel the loaded rows name exists, locked like the metrics; else IntegrityError. Locked
    first, then checked, so a channel deleted meanwhile is found missing."""
    cursor.execute(
        f"SELECT id FROM {CHANNELS} WHERE id IN (SELECT channel_id FROM {TEMP_TABLE}) "
        f"ORDER BY id{_key_share()}"
    )
    cursor.fetchall()
    cursor.execute(
        f"SELECT DISTINCT t.channel_id FROM {TEMP_TABLE} t WHERE t.channel_id IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM {CHANNELS} c WHERE c.id = t.channel_id)"
    )
    missing = [row[0] for row in cursor.fetchall()]
    if missing:
        raise IntegrityError(f"no channel {sorted(missing)[:10]}: points not written")


def _has_points(cursor, metric_id: int, rows: ParsedRows) -> bool:
    """Whether the metric has a point (of any channel) within the rows' first and last date."""
    ops = connection.ops
    cursor.execute(
        f"SELECT 1 FROM {POINTS} WHERE metric_id = %s AND date >= %s AND date <= %s LIMIT 1",
        [metric_id, ops.adapt_datefield_value(rows.first), ops.adapt_datefield_value(rows.last)],
    )
    return cursor.fetchone() is not None


def _apply_changes(cursor, import_id: int, stamp: object) -> None:
    """The points take the new values of this import's history rows (written at `stamp`)."""
    if connection.vendor == "postgresql":
        cursor.execute(
            f"UPDATE {POINTS} p SET value = c.new_value, updated_at = %s FROM {CHANGES} c "
            "WHERE c.metric_import_id = %s AND c.at = %s AND c.point_id = p.id",
            [stamp, import_id, stamp],
        )
        return
    cursor.execute(
        f"UPDATE {POINTS} SET updated_at = %s, value = (SELECT c.new_value FROM {CHANGES} c "
        f"WHERE c.point_id = {POINTS}.id AND c.metric_import_id = %s AND c.at = %s) "
        f"WHERE id IN (SELECT c.point_id FROM {CHANGES} c WHERE c.metric_import_id = %s AND c.at = %s)",
        [stamp, import_id, stamp, import_id, stamp],
    )
