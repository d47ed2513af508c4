"""Demo source data (DOMAIN.md §3 数据真实性): two measures bound to platform metrics.

- Fed: 小红书笔记50篇 · 单篇平均点赞 takes its weekly level from 小红书蒲公英 "单篇平均点赞数" (the mean
  of the days): the last four weeks become source check-ins (来源数据) and set its current value.
- Verified: 抖音短视频播放量800万 · 播放量 has weekly check-ins typed by 周涛; 抖音巨量引擎
  "短视频日播放量" holds the platform's daily figures. Three weeks agree; one was reported 8% above
  the platform's figure: one open discrepancy, raised as a data-discrepancy alert.

Sources, metrics and points are created with get_or_create by name (the import demo seeds other
series of these sources under other metric names), so seeding twice changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lodestar.alerts import evaluation
from lodestar.demo.defaults import ensure_default_lists
from lodestar.goals.models import Goal
from lodestar.metrics import feeding, verification
from lodestar.metrics.models import DataSource, MetricPoint, SourceMetric
from lodestar.tracking.models import CheckIn, CheckInOrigin


def _metric(source: str, name: str, **fields) -> SourceMetric:
    data_source, _created = DataSource.objects.get_or_create(name=source)
    metric, _created = SourceMetric.objects.get_or_create(source=data_source, name=name, defaults=fields)
    return metric


def _points(metric: SourceMetric, days: dict[dt.date, Decimal]) -> None:
    for day, value in days.items():
        MetricPoint.objects.get_or_create(metric=metric, channel=None, date=day, defaults={"value": value})


def _week_days(start: dt.date, total: Decimal) -> dict[dt.date, Decimal]:
    """A week's total spread over its seven days (whole numbers; the last day takes the rest)."""
    daily = (total / 7).quantize(Decimal(1))
    days = {start + dt.timedelta(days=i): daily for i in range(6)}
    days[start + dt.timedelta(days=6)] = total - daily * 6
    return days


def seed_demo_verification(admin) -> None:
    ensure_default_lists()
    video_goal = Goal.objects.filter(name="抖音短视频播放量800万").first()
    xhs_goal = Goal.objects.filter(name="小红书笔记50篇").first()
    if video_goal is None or xhs_goal is None:
        return
    views = video_goal.measures.get(name="播放量")
    reported = list(
        CheckIn.objects.filter(measure=views, origin=CheckInOrigin.REPORTED, actual__isnull=False).order_by(
            "period_start"
        )
    )
    verify = _metric("抖音巨量引擎", "短视频日播放量", unit="次", use=SourceMetric.Use.VERIFY, measure=views)
    for index, checkin in enumerate(reported):
        # The platform's week: as reported, except the third week, reported 8% above it.
        source = (checkin.actual / Decimal("1.08")).quantize(Decimal(1)) if index == 2 else checkin.actual
        _points(verify, _week_days(checkin.period_start, source))

    likes = xhs_goal.measures.get(name="单篇平均点赞")
    feed = _metric(
        "小红书蒲公英",
        "单篇平均点赞数",
        unit="赞",
        use=SourceMetric.Use.FEED,
        aggregation=SourceMetric.Aggregation.MEAN,
        measure=likes,
    )
    weeks = [(c.period_start, c.period_end) for c in reported] or []
    for n, (start, _end) in enumerate(weeks):
        _points(feed, {start + dt.timedelta(days=i): Decimal(480 + 20 * n + 5 * i) for i in range(7)})
    feeding.feed_points([feed.pk])
    goals = verification.verify_metrics([verify.pk, feed.pk])
    if goals:
        evaluation.evaluate_for_goals(sorted(goals))
