"""The metrics app's answers to signals: points imported (its own `points_imported`), a check-in
recorded (tracking's `checkin_recorded`) and a metric bound to a measure (SourceMetric saved).
Each feeds the bound measures (`feeding`) and re-checks their reported figures (`verification`);
a full rebuild of the roll-ups (goals' `figures_rebuilt`) rebuilds the stored comparisons."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save

from lodestar.goals.signals import figures_rebuilt
from lodestar.metrics import feeding, verification
from lodestar.metrics.models import SourceMetric
from lodestar.metrics.signals import points_imported
from lodestar.tracking.models import CheckIn
from lodestar.tracking.signals import checkin_recorded

log = logging.getLogger(__name__)


def on_points_imported(sender, *, metric_ids, date_from=None, **kwargs) -> None:
    """New or changed points: feed the measures fed by these metrics from `date_from` on, then compare
    the reported figures of every measure bound to them."""
    metric_ids = list(metric_ids)
    try:
        feeding.feed_points(metric_ids, date_from)
        verification.verify_metrics(metric_ids)
    except Exception:  # the points are committed: a failure here is logged, never the import's error
        log.exception("Feeding or verifying metrics %s after an import failed", metric_ids)


def on_checkin_recorded(sender, *, checkin_id: int, **kwargs) -> None:
    """A check-in was entered, corrected, deleted or restored: compare its measure again when a
    source metric is bound to it (one query otherwise)."""
    measure_id = (
        CheckIn.all_objects.filter(pk=checkin_id, measure__source_metrics__isnull=False)
        .values_list("measure_id", flat=True)
        .first()
    )
    if measure_id is not None:
        try:
            verification.verify_measures([measure_id])
        except Exception:  # the check-in is committed; the hourly run of the rules catches up
            log.exception("Verifying measure %s after check-in %s failed", measure_id, checkin_id)


def on_metric_saved(sender, *, instance: SourceMetric, created: bool, raw: bool = False, **kwargs) -> None:
    """A metric bound (or re-bound, or its tolerance changed): feed and compare after commit."""
    if raw:
        return
    metric_id = instance.pk

    def run() -> None:
        try:
            feeding.feed_points([metric_id])
            verification.verify_metrics([metric_id])
        except Exception:  # the metric is saved; the next import or check-in compares again
            log.exception("Feeding or verifying metric %s after it was saved failed", metric_id)

    transaction.on_commit(run, robust=True)


def on_figures_rebuilt(**kwargs) -> None:
    """goals' `rollup.rebuild_all()` has recomputed every stored figure: so are the comparisons."""
    verification.rebuild_comparisons()


def connect() -> None:
    points_imported.connect(on_points_imported, dispatch_uid="metrics.feed_and_verify")
    checkin_recorded.connect(on_checkin_recorded, dispatch_uid="metrics.verify_on_checkin")
    post_save.connect(on_metric_saved, sender=SourceMetric, dispatch_uid="metrics.metric_bound")
    figures_rebuilt.connect(on_figures_rebuilt, dispatch_uid="metrics.comparisons_rebuild")
