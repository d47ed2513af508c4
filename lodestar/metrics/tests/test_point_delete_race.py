"""A metric deleted while an import writes its points, on PostgreSQL: no point is ever left without its
metric now that the points table has no FOREIGN KEY constraint (issue 16).

Import A has written its points and holds its locks (the source row, the metric `FOR KEY SHARE`); B
deletes the metric meanwhile. Through the service B waits for A's source lock and then cascades to A's
points; through a bare `delete()` (no source lock) B's collector finds no points (A's are uncommitted),
waits for A's key-share lock, and then the metric's delete trigger refuses — as the deferred constraint
did. SQLite is skipped: its writers are serialised anyway.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from lodestar.metrics import point_writer, services
from lodestar.metrics.models import Channel, DataSource, MetricImport, MetricPoint, SourceMetric
from lodestar.metrics.parsed_rows import ParsedRows

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL row locks only"),
]

HOLD_SECONDS = 0.5


def _race(delete):
    """Run import A up to its commit, start `delete` (B) meanwhile, then let A commit; B's outcome."""
    source = DataSource.objects.create(name="抖音电商罗盘")
    metric = SourceMetric.objects.create(source=source, name="成交金额")
    # a flushed transactional test database may have lost the migration's default channels
    channel, _ = Channel.objects.get_or_create(code="race-douyin", defaults={"name": "抖音"})
    written, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def thread(key, target):
        def run():
            try:
                results[key] = target()
            except Exception as exc:
                results[key] = exc
            finally:
                close_old_connections()
                connection.close()

        started = threading.Thread(target=run)
        started.start()
        return started

    def import_a():
        with transaction.atomic(), ParsedRows(1) as spool:
            DataSource.objects.select_for_update().filter(pk=source.pk).first()  # as `_write` does
            for i in range(3):
                spool.add(dt.date(2031, 7, 1) + dt.timedelta(days=i), channel.pk, [Decimal("1.0000")])
            point_writer.write_points(
                rows=spool,
                metric_ids=[metric.pk],
                import_id=MetricImport.objects.create(source=source, filename="x.csv").pk,
                now=timezone.now(),
                without_channel=False,
            )
            written.set()
            release.wait(10)
        return "imported"

    a = thread("a", import_a)
    assert written.wait(10), f"import A never wrote: {results}"
    b = thread("b", lambda: delete(SourceMetric.objects.get(pk=metric.pk)))
    time.sleep(HOLD_SECONDS)
    assert b.is_alive(), "the delete did not wait for the import"
    release.set()
    a.join(15)
    b.join(15)
    return metric, results


def test_a_metric_deleted_through_the_service_during_an_import_takes_its_points_along(org):
    metric, results = _race(lambda m: services.source_metric_delete(actor=None, metric=m))
    assert results == {"a": "imported", "b": None}
    assert not SourceMetric.objects.filter(pk=metric.pk).exists()
    assert not MetricPoint.objects.filter(metric_id=metric.pk).exists()


def test_a_bare_delete_racing_an_import_is_refused_rather_than_leaving_orphans(org):
    metric, results = _race(lambda m: m.delete())
    assert results["a"] == "imported"
    assert type(results["b"]).__name__ == "IntegrityError", results["b"]
    assert SourceMetric.objects.filter(pk=metric.pk).exists()
    assert MetricPoint.objects.filter(metric_id=metric.pk).count() == 3
