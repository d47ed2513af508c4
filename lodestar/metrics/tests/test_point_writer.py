"""The import's parsed-rows spool and its set-based point writer (COPY on PostgreSQL, a temporary table on
both): what the spool holds comes back exactly, and re-imports update with history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from lodestar.metrics import parsed_rows, point_writer
from lodestar.metrics.models import Channel, MetricImport, MetricPoint, MetricPointChange, SourceMetric
from lodestar.metrics.parsed_rows import ParsedRows


def test_spool_round_trips_across_blocks(monkeypatch):
    monkeypatch.setattr(parsed_rows, "BLOCK_BYTES", 64)  # many blocks, lines cut at block ends
    monkeypatch.setattr(parsed_rows, "LINES_PER_WRITE", 3)
    days = [dt.date(2031, 7, 1) + dt.timedelta(days=i // 2) for i in range(25)]
    written = []
    with ParsedRows(2) as spool:
        for i, day in enumerate(days):
            channel = None if i % 5 == 0 else i
            values = (Decimal(i * 1000 + 1).quantize(Decimal("0.0001")), Decimal("-0.0350") * (i + 1))
            spool.add(day, channel, values)
            written.append((day.isoformat(), None if channel is None else str(channel), *map(str, values)))
        assert spool.count == 25
        assert (spool.first, spool.last) == (dt.date(2031, 7, 1), dt.date(2031, 7, 13))
        assert list(spool.rows()) == written
        assert list(spool.rows()) == written  # read again: the spool is not consumed
        text = b"".join(spool.blocks()).decode()
        assert all(block.endswith(b"\n") for block in spool.blocks())
    assert text.splitlines()[0] == "2031-07-01\t\\N\t1.0000\t-0.0350"
    assert text.count("\n") == 25


def test_spool_refuses_a_row_of_the_wrong_width():
    with ParsedRows(3) as spool:
        try:
            spool.add(dt.date(2031, 7, 1), None, [Decimal(1)])
        except ValueError:
            pass
        else:  # pragma: no cover
            raise AssertionError("a short row was spooled")
        assert spool.count == 0


def _spool(rows):
    spool = ParsedRows(2)
    for day, channel, a, b in rows:
        spool.add(
            day, channel, [Decimal(a).quantize(Decimal("0.0001")), Decimal(b).quantize(Decimal("0.0001"))]
        )
    return spool


def _import(source):
    return MetricImport.objects.create(source=source, filename="x.csv")


def test_writer_creates_then_updates_with_history(org, source):
    """A second write of the same keys with one changed value: one update with its history row, the rest
    unchanged, counted per metric (through COPY on PostgreSQL)."""
    amount = SourceMetric.objects.create(source=source, name="成交金额")
    visitors = SourceMetric.objects.create(source=source, name="访客数")
    douyin, tmall = Channel.objects.order_by("id")[:2]
    day = dt.date(2031, 7, 1)
    rows = [
        (day, douyin.pk, "933940.12", "10"),
        (day, tmall.pk, "1.5", "11"),
        (day + dt.timedelta(days=1), douyin.pk, "2", "12"),
    ]
    first_import = _import(source)
    with transaction.atomic(), _spool(rows) as spool:
        counts = point_writer.write_points(
            rows=spool,
            metric_ids=[amount.pk, visitors.pk],
            import_id=first_import.pk,
            now=timezone.now(),
            without_channel=False,
        )
    assert [(c.metric_id, c.created, c.updated) for c in counts] == [(amount.pk, 3, 0), (visitors.pk, 3, 0)]
    assert MetricPoint.objects.get(metric=amount, channel=douyin, date=day).value == Decimal("933940.12")

    rows[1] = (day, tmall.pk, "1.5", "99")  # one changed value: 访客数 of 天猫 on day 1
    rows.append((day + dt.timedelta(days=1), tmall.pk, "3", "4"))  # one new row
    second_import = _import(source)
    with transaction.atomic(), _spool(rows) as spool:
        counts = point_writer.write_points(
            rows=spool,
            metric_ids=[amount.pk, visitors.pk],
            import_id=second_import.pk,
            now=timezone.now(),
            without_channel=False,
        )
    assert [(c.metric_id, c.created, c.updated) for c in counts] == [(amount.pk, 1, 0), (visitors.pk, 1, 1)]
    changed = MetricPoint.objects.get(metric=visitors, channel=tmall, date=day)
    assert changed.value == Decimal(99)
    (change,) = MetricPointChange.objects.all()
    assert (change.point_id, change.old_value, change.new_value) == (changed.pk, Decimal(11), Decimal(99))
    assert change.metric_import_id == second_import.pk
    assert MetricPoint.objects.count() == 8
    unchanged = MetricPoint.objects.get(metric=amount, channel=douyin, date=day)
    assert unchanged.updated_at < changed.updated_at
    with connection.cursor() as cursor:  # the temporary table is gone
        tables = connection.introspection.table_names(cursor)
    assert point_writer.TEMP_TABLE not in tables


def test_writer_without_channel(org, source):
    """Points for all channels (no channel column, no fixed channel): matched on a NULL channel."""
    amount = SourceMetric.objects.create(source=source, name="成交金额")
    rate = SourceMetric.objects.create(source=source, name="转化率")
    day = dt.date(2031, 7, 1)
    rows = [(day, None, "100", "0.05"), (day + dt.timedelta(days=1), None, "200", "0.06")]
    with transaction.atomic(), _spool(rows) as spool:
        point_writer.write_points(
            rows=spool,
            metric_ids=[amount.pk, rate.pk],
            import_id=_import(source).pk,
            now=timezone.now(),
            without_channel=True,
        )
    rows[0] = (day, None, "100", "0.07")
    with transaction.atomic(), _spool(rows) as spool:
        counts = point_writer.write_points(
            rows=spool,
            metric_ids=[amount.pk, rate.pk],
            import_id=_import(source).pk,
            now=timezone.now(),
            without_channel=True,
        )
    assert [(c.created, c.updated) for c in counts] == [(0, 0), (0, 1)]
    assert MetricPoint.objects.filter(channel__isnull=True).count() == 4
    assert MetricPoint.objects.get(metric=rate, date=day).value == Decimal("0.07")
    assert MetricPointChange.objects.get().old_value == Decimal("0.05")


def test_writer_keeps_a_long_value_unchanged(org, source):
    """A value with 17 significant digits re-imported as it was is unchanged on both databases (SQLite
    compares the two stored values, not one read back through a float)."""
    amount = SourceMetric.objects.create(source=source, name="成交金额")
    visitors = SourceMetric.objects.create(source=source, name="访客数")
    channel = Channel.objects.order_by("id").first()
    rows = [(dt.date(2031, 7, 1), channel.pk, "1234567890123.4567", "1")]
    results = []
    for _ in range(2):
        with transaction.atomic(), _spool(rows) as spool:
            results.append(
                point_writer.write_points(
                    rows=spool,
                    metric_ids=[amount.pk, visitors.pk],
                    import_id=_import(source).pk,
                    now=timezone.now(),
                    without_channel=False,
                )
            )
    assert [(c.created, c.updated) for c in results[1]] == [(0, 0), (0, 0)]
    assert not MetricPointChange.objects.exists()
