"""MetricPoint's metric and channel have no database FOREIGN KEY constraint (issue 16, the import's speed):
deleting a metric, a source or a channel still removes or protects its points, a parent named by points
still refuses a raw delete (the parents' delete triggers), and the import's writer refuses to write a point
for a metric or channel that does not exist. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from lodestar.metrics import point_writer
from lodestar.metrics.models import Channel, MetricImport, MetricPoint, MetricPointChange, SourceMetric
from lodestar.metrics.parsed_rows import ParsedRows

DAY = dt.date(2031, 7, 1)


def _write(source, metrics, rows, *, without_channel=False):
    with transaction.atomic(), ParsedRows(len(metrics)) as spool:
        for day, channel_id, *values in rows:
            spool.add(day, channel_id, [Decimal(v).quantize(Decimal("0.0001")) for v in values])
        return point_writer.write_points(
            rows=spool,
            metric_ids=[m.pk for m in metrics],
            import_id=MetricImport.objects.create(source=source, filename="x.csv").pk,
            now=timezone.now(),
            without_channel=without_channel,
        )


@pytest.fixture
def series(org, source):
    """Two metrics of the source with points on two channels, one of them changed once (history)."""
    amount = SourceMetric.objects.create(source=source, name="成交金额")
    visitors = SourceMetric.objects.create(source=source, name="访客数")
    douyin, tmall = Channel.objects.order_by("id")[:2]
    rows = [(DAY, douyin.pk, "10", "1"), (DAY, tmall.pk, "20", "2")]
    _write(source, [amount, visitors], rows)
    _write(source, [amount, visitors], [(DAY, douyin.pk, "11", "1"), rows[1]])
    assert MetricPoint.objects.count() == 4 and MetricPointChange.objects.count() == 1
    return amount, visitors, douyin, tmall


def test_deleting_a_metric_removes_its_points_and_their_history(series):
    amount, visitors, _douyin, _tmall = series
    amount.delete()
    assert not MetricPoint.objects.filter(metric_id=amount.pk).exists()
    assert not MetricPointChange.objects.exists()
    assert MetricPoint.objects.filter(metric=visitors).count() == 2


def test_deleting_a_source_removes_its_metrics_and_points(series, source):
    source.delete()
    assert not SourceMetric.objects.exists()
    assert not MetricPoint.objects.exists()
    assert not MetricPointChange.objects.exists()


def test_a_channel_named_by_points_is_protected(series):
    _amount, _visitors, douyin, _tmall = series
    with pytest.raises(ProtectedError):
        douyin.delete()
    assert Channel.objects.filter(pk=douyin.pk).exists()
    assert MetricPoint.objects.filter(channel=douyin).count() == 2


@pytest.mark.parametrize("parent", ["metric", "channel"])
def test_a_parent_named_by_points_refuses_a_raw_delete(series, parent):
    """What the FOREIGN KEY constraint refused, the parent's delete trigger refuses (migration 0005);
    PostgreSQL only (on SQLite the triggers would stop Django's flush, see the migration)."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite keeps no delete triggers: Django's flush deletes tables in no fixed order")
    amount, _visitors, douyin, _tmall = series
    table, pk = {
        "metric": (SourceMetric._meta.db_table, amount.pk),
        "channel": (Channel._meta.db_table, douyin.pk),
    }[parent]
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
    assert MetricPoint.objects.count() == 4


def test_a_parent_without_points_can_be_deleted_raw(org, source):
    metric = SourceMetric.objects.create(source=source, name="曝光量")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SourceMetric._meta.db_table} WHERE id = %s", [metric.pk])
    assert not SourceMetric.objects.filter(pk=metric.pk).exists()


def test_the_writer_refuses_a_metric_that_does_not_exist(org, source):
    amount = SourceMetric.objects.create(source=source, name="成交金额")
    gone = SourceMetric.objects.create(source=source, name="访客数")
    gone.delete()
    channel = Channel.objects.order_by("id").first()
    with pytest.raises(IntegrityError):
        _write(source, [amount, gone], [(DAY, channel.pk, "1", "2")])
    assert not MetricPoint.objects.exists()


def test_the_writer_refuses_a_channel_that_does_not_exist(org, source):
    amount = SourceMetric.objects.create(source=source, name="成交金额")
    channel = Channel.objects.order_by("id").first()
    missing = Channel.objects.order_by("-id").first().pk + 1000
    with pytest.raises(IntegrityError):
        _write(source, [amount], [(DAY, channel.pk, "1"), (DAY, missing, "2")])
    assert not MetricPoint.objects.exists()


def test_the_points_table_has_no_metric_id_index_nor_foreign_key_constraints(db):
    """The schema migration 0005 leaves: the (metric, date) index serves lookups by metric."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, MetricPoint._meta.db_table)
    assert not [name for name, c in constraints.items() if c["foreign_key"]]
    assert [c["columns"] for c in constraints.values() if c["index"] and c["columns"][0] == "metric_id"]
    assert ["metric_id"] not in [c["columns"] for c in constraints.values() if c["index"]]
