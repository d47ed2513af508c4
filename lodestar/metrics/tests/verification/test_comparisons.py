"""The stored comparisons (`metrics.Comparison`): every reported figure beside the source's figure for
its period, flagged or not, kept by `verification.verify_measures` whenever either side changes, and
rebuilt from scratch by `verification.rebuild_comparisons` (the migration's backfill and the nightly
`rebuild_all`) to exactly what the writer keeps. The dashboards' reported-vs-source panel adds them up.
Fixtures in conftest.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lodestar.goals.rollup import rebuild_all
from lodestar.metrics import verification
from lodestar.metrics.models import Comparison, Discrepancy, SourceMetric
from lodestar.metrics.tests.verification.conftest import WEEK, add_points, import_points, week_of_days
from lodestar.tracking.services import checkin_delete, checkin_restore, checkin_submit

from .conftest import user_of

NEXT_WEEK = (WEEK[0] + dt.timedelta(days=7), WEEK[1] + dt.timedelta(days=7))
LAST_WEEK = (WEEK[0] - dt.timedelta(days=7), WEEK[1] - dt.timedelta(days=7))


def report(org, measure, actual, week=WEEK, version=None):
    return checkin_submit(
        actor=user_of(org.member),
        measure=measure,
        period_start=week[0],
        period_end=week[1],
        actual=Decimal(actual),
        version=version,
    )


def stored() -> list[tuple]:
    """(check-in, measure, metric, period start, period end, reported, source, flagged) of every pair."""
    ordered = Comparison.objects.order_by("period_start", "metric_id")
    return list(ordered.values_list(*verification.COMPARISON_COLUMNS))


def test_each_reported_week_with_source_data_is_stored_flagged_or_not(
    org, goal, measure, metric_for, django_capture_on_commit_callbacks
):
    metric = metric_for()
    add_points(metric, week_of_days(WEEK[0], 100))  # 700 for the week
    add_points(metric, week_of_days(LAST_WEEK[0], 100))
    with django_capture_on_commit_callbacks(execute=True):
        within = report(org, measure, 720, LAST_WEEK)  # +2.9%: within 5%
        beyond = report(org, measure, 756)  # +8%
        report(org, measure, 900, NEXT_WEEK)  # no source data for that week: nothing to compare
    assert stored() == [
        (within.pk, measure.pk, metric.pk, *LAST_WEEK, Decimal(720), Decimal(700), False),
        (beyond.pk, measure.pk, metric.pk, *WEEK, Decimal(756), Decimal(700), True),
    ]
    # The flagged one is the discrepancy; the stored pair has the same figures.
    found = Discrepancy.objects.get()
    assert (found.checkin_id, found.reported, found.source) == (beyond.pk, Decimal(756), Decimal(700))


def test_a_corrected_figure_a_restated_day_and_a_deleted_check_in_move_the_pair(
    org, goal, measure, metric_for, django_capture_on_commit_callbacks
):
    metric = metric_for()
    add_points(metric, week_of_days(WEEK[0], 100))
    with django_capture_on_commit_callbacks(execute=True):
        checkin = report(org, measure, 756)
    with django_capture_on_commit_callbacks(execute=True):
        checkin = report(org, measure, 705, version=checkin.version)  # corrected: within tolerance now
    assert [(r[5], r[6], r[7]) for r in stored()] == [(Decimal(705), Decimal(700), False)]
    with django_capture_on_commit_callbacks(execute=True):
        import_points(metric, {WEEK[0]: 20})  # the platform restated a day: 620
    assert [(r[5], r[6], r[7]) for r in stored()] == [(Decimal(705), Decimal(620), True)]
    with django_capture_on_commit_callbacks(execute=True):
        checkin_delete(actor=user_of(org.member), checkin=checkin)
    assert stored() == []
    with django_capture_on_commit_callbacks(execute=True):
        checkin_restore(actor=user_of(org.admin), checkin_id=checkin.pk)  # from the trash
    assert [(r[0], r[6]) for r in stored()] == [(checkin.pk, Decimal(620))]


def test_a_tolerance_change_reflags_and_unbinding_removes_the_pairs(
    org, goal, measure, metric_for, django_capture_on_commit_callbacks
):
    metric = metric_for()
    add_points(metric, week_of_days(WEEK[0], 100))
    with django_capture_on_commit_callbacks(execute=True):
        report(org, measure, 735)  # +5%: exactly the tolerance, not flagged
    assert [r[7] for r in stored()] == [False]
    with django_capture_on_commit_callbacks(execute=True):
        metric.tolerance = Decimal("0.03")
        metric.save()
    assert [r[7] for r in stored()] == [True]
    with django_capture_on_commit_callbacks(execute=True):
        metric.measure = None  # unbound
        metric.save()
    assert stored() == []


def test_a_mean_is_stored_to_four_places_and_an_explained_discrepancy_stays_explained(
    org, goal, measure, metric_for, django_capture_on_commit_callbacks
):
    metric = metric_for(aggregation="mean")
    add_points(metric, {WEEK[0]: 10, WEEK[0] + dt.timedelta(days=1): 10, WEEK[0] + dt.timedelta(days=2): 11})
    with django_capture_on_commit_callbacks(execute=True):
        report(org, measure, 12)
    assert [(r[6], r[7]) for r in stored()] == [(Decimal("10.3333"), True)]
    found = Discrepancy.objects.get()
    assert found.source == Decimal("10.3333")
    verification.discrepancy_update(
        actor=user_of(org.member),
        discrepancy=found,
        status="explained",
        note="口径不同",
        version=found.version,
    )
    # Comparing again with nothing changed must not read 10.3333… as a moved figure and reopen it.
    verification.verify_metrics([metric.pk])
    found.refresh_from_db()
    assert found.status == Discrepancy.Status.EXPLAINED


def test_the_rebuild_writes_exactly_what_the_writer_keeps(
    org, goal, measure, metric_for, django_capture_on_commit_callbacks
):
    metric = metric_for()
    mean = SourceMetric.objects.create(
        source=metric.source, name="转化率", unit="%", measure=measure, aggregation="mean"
    )
    add_points(metric, week_of_days(WEEK[0], 100))
    add_points(metric, week_of_days(LAST_WEEK[0], 90))
    add_points(mean, {WEEK[0]: 3, WEEK[1]: 4})
    with django_capture_on_commit_callbacks(execute=True):
        report(org, measure, 756)
        report(org, measure, 610, LAST_WEEK)
        gone = report(org, measure, 700, NEXT_WEEK)
        add_points(metric, week_of_days(NEXT_WEEK[0], 100))
        verification.verify_metrics([metric.pk, mean.pk])
        checkin_delete(actor=user_of(org.member), checkin=gone)
    kept = stored()
    assert len(kept) == 3  # two weeks of the sum, the one week of the mean with data; none deleted
    Comparison.objects.all().delete()
    assert verification.rebuild_comparisons() == 3
    assert stored() == kept
    Comparison.objects.all().delete()
    rebuild_all()  # the nightly rebuild includes them
    assert stored() == kept
    # The migration's backfill runs the same rebuild with its historical models.
    apps = MigrationExecutor(connection).loader.project_state(("metrics", "0006_comparisons")).apps
    Comparison.objects.all().delete()
    names = [
        ("metrics", "SourceMetric"),
        ("tracking", "CheckIn"),
        ("metrics", "MetricPoint"),
        ("metrics", "Comparison"),
    ]
    verification.rebuild_comparisons(tuple(apps.get_model(*name) for name in names))
    assert stored() == kept
