"""Source data feeding measures (DOMAIN.md §3; issue #16 "imported figures feed measures").

A source metric bound to a measure with use "feed" makes the measure's actuals: its daily points
are rolled up into the measure's check-in periods and written as the check-ins of those periods,
marked as source data (`CheckIn.origin` "source", shown as 来源数据), through tracking's one writer
of check-ins and measure figures (`tracking.services.checkin_record_source`). The measure's
current value, its goal's roll-up and the usual alerts follow from there, as for any check-in.

The check-in periods of a measure
---------------------------------
Check-ins follow the weekly report (周报): ISO weeks, Monday to Sunday (`tracking.selectors.week_of`;
a week straddling the goal period's first or last day is still the goal's, as check-ins accept).
A fed measure gets one check-in per week that has source data, and only the days inside the goal's
period count: the week's figure is the metric's `aggregation` of those days' figures (sum for
amounts and counts, mean for levels; a day's figure is its all-channel point, or the sum of its
channels' points, `domain.day_totals`).

Feeding again is idempotent: a week's source check-in is corrected in place (same row, version
bumped, history kept), and unchanged weeks are not written. Because an accumulating measure's
cumulative continues the previous week's, every week from the first changed one to the last with
data is fed again, in date order. A week a person has reported is left as reported; the source's
figure for it is compared instead (`verification`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction

from lodestar.goals.models import GoalStatus
from lodestar.metrics import domain
from lodestar.metrics.models import MetricPoint, SourceMetric
from lodestar.tracking.models import CheckIn
from lodestar.tracking.services import checkin_record_source

log = logging.getLogger(__name__)


def feeding_metrics(metric_ids: Iterable[int] | None = None):
    """The metrics that feed a measure of an active, live goal (those of `metric_ids` if given)."""
    metrics = SourceMetric.objects.filter(
        use=SourceMetric.Use.FEED,
        measure__isnull=False,
        measure__goal__deleted_at__isnull=True,
        measure__goal__status=GoalStatus.ACTIVE,
    ).select_related("measure__goal__period")
    if metric_ids is not None:
        metrics = metrics.filter(pk__in=list(metric_ids))
    return metrics


def metric_feed(metric: SourceMetric, *, since: dt.date | None = None) -> list[CheckIn]:
    """Feed one metric's points into its measure's weekly check-ins, from the week of `since`
    (the first date that changed; None: from the start of the goal's period). Returns the source
    check-ins written or confirmed."""
    measure = metric.measure
    if measure is None:
        return []
    period = measure.goal.period
    first = max(since, period.start) if since is not None else period.start
    first = first - dt.timedelta(days=first.weekday())  # the whole week of the first change
    first = max(first, period.start)
    rows = MetricPoint.objects.filter(metric=metric, date__gte=first, date__lte=period.end).values_list(
        "date", "channel_id", "value"
    )
    days = domain.day_totals(rows)
    if not days:
        return []
    written = []
    with transaction.atomic():
        for week_start, week_end in domain.week_periods(min(days), max(days)):
            values = [value for day, value in sorted(days.items()) if week_start <= day <= week_end]
            actual = domain.aggregate(values, metric.aggregation)
            if actual is None:
                continue
            checkin = checkin_record_source(
                measure=measure, period_start=week_start, period_end=week_end, actual=actual
            )
            if checkin is not None:
                written.append(checkin)
    return written


def feed_points(metric_ids: Iterable[int], start: dt.date | None = None) -> list[CheckIn]:
    """Feed the measures bound to `metric_ids` after their points changed from `start` on."""
    written: list[CheckIn] = []
    for metric in feeding_metrics(metric_ids):
        written += metric_feed(metric, since=start)
    return written
