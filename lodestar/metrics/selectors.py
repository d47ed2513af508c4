"""Reads of the platform data, with the related rows joined so a page's query count stays constant."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet

from lodestar.metrics.access import visible_sources, visible_sources_q
from lodestar.metrics.models import DataSource, MetricImport, MetricPoint


def sources_for(user) -> QuerySet[DataSource]:
    return visible_sources(user).annotate(metric_count=Count("metrics", distinct=True)).order_by("name")


def imports_for(user) -> QuerySet[MetricImport]:
    return MetricImport.objects.filter(visible_sources_q(user, "source__")).select_related(
        "source", "created_by"
    )


def series(
    user,
    *,
    source_id: int | None = None,
    metric_id: int | None = None,
    metric: str = "",
    channel_id: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[MetricPoint]:
    points = MetricPoint.objects.filter(visible_sources_q(user, "metric__source__")).select_related(
        "metric", "channel"
    )
    if source_id is not None:
        points = points.filter(metric__source_id=source_id)
    if metric_id is not None:
        points = points.filter(metric_id=metric_id)
    if metric:
        points = points.filter(metric__name=metric)
    if channel_id is not None:
        points = points.filter(channel_id=channel_id)
    if start is not None:
        points = points.filter(date__gte=start)
    if end is not None:
        points = points.filter(date__lte=end)
    return points.order_by("-date", "metric_id", "channel_id")
