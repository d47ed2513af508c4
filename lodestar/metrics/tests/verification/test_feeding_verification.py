"""Source data feeding a measure, and cross-verification (数据交叉验证) of reported figures against
it with the data-discrepancy alert (issue #16: "a reported figure 8% off the imported one raises a
discrepancy alert"). Fixtures in conftest.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lodestar.alerts.models import Alert, AlertRule
from lodestar.core.errors import ConflictError, PermissionDeniedError
from lodestar.metrics import feeding, verification
from lodestar.metrics.models import Discrepancy, SourceMetric
from lodestar.metrics.tests.verification.conftest import WEEK, add_points, import_points, week_of_days
from lodestar.tracking.models import CheckIn, CheckInOrigin
from lodestar.tracking.services import checkin_delete, checkin_submit

from .conftest import user_of

FEED = SourceMetric.Use.FEED


def report(org, measure, actual, week=WEEK, **fields):
    return checkin_submit(
        actor=user_of(org.member),
        measure=measure,
        period_start=week[0],
        period_end=week[1],
        actual=Decimal(actual),
        **fields,
    )


# --- feeding ---------------------------------------------------------------------------------


def test_fed_points_become_weekly_source_checkins_and_the_current_value(
    org, goal, measure, metric_for, django_capture_on_commit_callbacks
):
    metric = metric_for(FEED)
    with django_capture_on_commit_callbacks(execute=True):
        # Wednesday 18 Nov to Tuesday 24 Nov: two weeks, 10,000 a day.
        import_points(metric, {dt.date(2026, 11, 18) + dt.timedelta(days=i): 10_000 for i in range(7)})
    rows = list(CheckIn.objects.filter(measure=measure).order_by("period_start"))
    assert [(c.period_start, c.period_end, c.actual, c.cumulative, c.origin) for c in rows] == [
        (
            dt.date(2026, 11, 16),
            dt.date(2026, 11, 22),
            Decimal(50_000),
            Decimal(50_000),
            CheckInOrigin.SOURCE,
        ),
        (
            dt.date(2026, 11, 23),
            dt.date(2026, 11, 29),
            Decimal(20_000),
            Decimal(70_000),
            CheckInOrigin.SOURCE,
        ),
    ]
    measure.refresh_from_db()
    assert measure.current == Decimal(70_000)
    assert rows[0].author == org.member  # the goal's owner: no person reported it


def test_feeding_again_is_idempotent_and_a_changed_day_corrects_the_same_checkin(
    org, goal, measure, metric_for
):
    metric = metric_for(FEED)
    add_points(metric, week_of_days(WEEK[0], 1_000))
    first = feeding.feed_points([metric.pk])
    again = feeding.feed_points([metric.pk])
    assert [c.pk for c in first] == [c.pk for c in again]
    checkin = CheckIn.objects.get(measure=measure)
    assert (checkin.actual, checkin.version) == (Decimal(7_000), first[0].version)
    add_points(metric, {WEEK[0]: 4_000})
    feeding.feed_points([metric.pk], WEEK[0])
    assert CheckIn.objects.filter(measure=measure).count() == 1
    checkin.refresh_from_db()
    assert checkin.actual == Decimal(10_000) and checkin.version == first[0].version + 1
    measure.refresh_from_db()
    assert measure.current == Decimal(10_000)


def test_a_mean_metric_averages_its_days_and_channels_add_up(org, goal, measure, metric_for):
    from lodestar.metrics.models import Channel

    metric = metric_for(FEED, aggregation=SourceMetric.Aggregation.MEAN)
    channels = list(Channel.objects.all()[:2])
    add_points(metric, {WEEK[0]: 10, WEEK[0] + dt.timedelta(days=1): 20}, channel=channels[0])
    add_points(metric, {WEEK[0]: 5}, channel=channels[1])
    feeding.feed_points([metric.pk])
    assert CheckIn.objects.get(measure=measure).actual == Decimal("17.5")  # (15 + 20) / 2


def test_a_week_a_person_reported_is_not_overwritten_by_the_feed(org, goal, measure, metric_for):
    reported = report(org, measure, 48_000)
    metric = metric_for(FEED)
    add_points(metric, week_of_days(WEEK[0], 10_000))
    assert feeding.feed_points([metric.pk]) == []
    reported.refresh_from_db()
    assert (reported.actual, reported.origin) == (Decimal(48_000), CheckInOrigin.REPORTED)
    # ... but it is compared: 48,000 against 70,000 is far beyond 5%.
    verification.verify_metrics([metric.pk])
    assert Discrepancy.objects.get(measure=measure).source == Decimal(70_000)


def test_feeding_raises_the_usual_alerts(org, goal, measure, metric_for, django_capture_on_commit_callbacks):
    AlertRule.objects.create(
        name="达成率<80%", condition="achievement_below", threshold=Decimal("0.8"), recipients=["owner"]
    )
    metric = metric_for(FEED)
    with django_capture_on_commit_callbacks(execute=True):
        import_points(metric, week_of_days(WEEK[0], 10))
    assert Alert.objects.filter(rule__condition="achievement_below", measure=measure).exists()


# --- cross-verification ------------------------------------------------------------------------


def test_reported_8_percent_off_the_imported_figure_raises_a_discrepancy_alert(
    org, goal, measure, metric_for, django_capture_on_commit_callbacks
):
    metric = metric_for()
    with django_capture_on_commit_callbacks(execute=True):
        report(org, measure, 108_000)
    assert not Discrepancy.objects.exists()  # no source data yet: nothing to compare
    with django_capture_on_commit_callbacks(execute=True):
        import_points(metric, week_of_days(WEEK[0], 100_000 / 7))
    found = Discrepancy.objects.get()
    assert (found.period_start, found.period_end, found.status) == (*WEEK, Discrepancy.Status.OPEN)
    assert found.reported == Decimal(108_000) and found.difference_rate == Decimal("0.0800")
    # The default rule (a data migration) raises it, to the owner and the manager.
    alert = Alert.objects.get(rule__condition="data_discrepancy")
    assert alert.measure == measure and alert.dedupe_key == f"discrepancy:{found.pk}"
    assert set(alert.recipients.all()) == {org.member, org.mkt_manager}
    assert "8.0%" in alert.detail


def test_reported_3_percent_off_raises_nothing(
    org, goal, measure, metric_for, django_capture_on_commit_callbacks
):
    metric = metric_for()
    add_points(metric, week_of_days(WEEK[0], 100_000 / 7))
    with django_capture_on_commit_callbacks(execute=True):
        report(org, measure, 103_000)
    assert not Discrepancy.objects.exists()
    assert not Alert.objects.filter(rule__condition="data_discrepancy").exists()


def test_the_tolerance_is_per_metric(org, goal, measure, metric_for):
    metric = metric_for(tolerance=Decimal("0.02"))
    add_points(metric, week_of_days(WEEK[0], 100_000 / 7))
    report(org, measure, 103_000)
    verification.verify_metrics([metric.pk])
    assert Discrepancy.objects.get().tolerance == Decimal("0.02")


def test_a_corrected_check_in_resolves_the_discrepancy_and_its_alert(
    org, goal, measure, metric_for, django_capture_on_commit_callbacks
):
    metric = metric_for()
    add_points(metric, week_of_days(WEEK[0], 100_000 / 7))
    with django_capture_on_commit_callbacks(execute=True):
        checkin = report(org, measure, 108_000)
    assert Alert.objects.get(rule__condition="data_discrepancy").status == Alert.Status.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        report(org, measure, 100_500, version=checkin.version + 0)
    found = Discrepancy.objects.get()
    assert found.status == Discrepancy.Status.RESOLVED and found.resolved_by is None
    assert found.reported == Decimal(100_500)
    assert Alert.objects.get(rule__condition="data_discrepancy").status == Alert.Status.RESOLVED


def test_deleting_the_reported_check_in_resolves_it(
    org, goal, measure, metric_for, django_capture_on_commit_callbacks
):
    metric = metric_for()
    add_points(metric, week_of_days(WEEK[0], 100))
    with django_capture_on_commit_callbacks(execute=True):
        checkin = report(org, measure, 900)
    with django_capture_on_commit_callbacks(execute=True):
        checkin_delete(actor=user_of(org.member), checkin=checkin)
    assert Discrepancy.objects.get().status == Discrepancy.Status.RESOLVED


def test_explained_then_new_figures_open_it_again(
    org, goal, measure, metric_for, django_capture_on_commit_callbacks
):
    metric = metric_for()
    add_points(metric, week_of_days(WEEK[0], 100))
    report(org, measure, 800)
    verification.verify_metrics([metric.pk])
    found = Discrepancy.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        found = verification.discrepancy_update(
            actor=user_of(org.member),
            discrepancy=found,
            status="explained",
            note="退款次周入账",
            version=found.version,
        )
    assert found.resolved_by == org.member
    assert Alert.objects.filter(rule__condition="data_discrepancy", status=Alert.Status.OPEN).count() == 0
    import_points(metric, {WEEK[0]: 150})  # the platform restated a day
    found.refresh_from_db()
    assert found.status == Discrepancy.Status.OPEN and found.source == Decimal(750)
    assert found.resolved_by is None


def test_settling_needs_the_owner_or_a_manager_and_the_version(org, goal, measure, metric_for):
    metric = metric_for()
    add_points(metric, week_of_days(WEEK[0], 100))
    report(org, measure, 800)
    verification.verify_metrics([metric.pk])
    found = Discrepancy.objects.get()
    with pytest.raises(PermissionDeniedError):
        verification.discrepancy_update(
            actor=user_of(org.sales_manager), discrepancy=found, status="resolved", version=found.version
        )
    with pytest.raises(ConflictError):
        verification.discrepancy_update(
            actor=user_of(org.mkt_manager), discrepancy=found, status="resolved", version=found.version + 5
        )
    done = verification.discrepancy_update(
        actor=user_of(org.mkt_manager),
        discrepancy=found,
        status="resolved",
        note="已更正",
        version=found.version,
    )
    assert done.status == "resolved" and done.resolved_by == org.mkt_manager


def test_a_source_of_zero_against_a_reported_figure_is_flagged_without_a_rate(org, goal, measure, metric_for):
    metric = metric_for()
    add_points(metric, week_of_days(WEEK[0], 0))
    report(org, measure, 5)
    verification.verify_metrics([metric.pk])
    found = Discrepancy.objects.get()
    assert found.difference_rate is None and found.source == 0
