"""Demo platform data (issue 16): four data sources with a year of daily figures per channel, as the
exports of 抖音电商罗盘, 天猫生意参谋, 小红书蒲公英 and the CRM would give them, and one finished import of
the last week's 小红书 file through the real import pipeline (mapping, validation, import).

The series are deterministic (a seeded random generator): a weekly rhythm (weekends sell more), the
618 (June) and 双11 (November) peaks, a slow growth over the year and some noise. About 8,000 points,
written with bulk_create so seeding stays fast."""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lodestar.demo.defaults import ensure_default_lists
from lodestar.metrics import import_services
from lodestar.metrics.models import Channel, DataSource, MetricImport, MetricPoint, SourceMetric
from lodestar.org.models import Department, Person

DAYS = 365

# name, kind, owning department, description, metrics [(name, unit, aggregation, base, is_rate)], channels
SOURCES = [
    (
        "抖音电商罗盘",
        DataSource.Kind.PLATFORM,
        "MKT-CHANNEL-EC",
        "抖音小店的经营数据：成交、访客与转化，按渠道（短视频、直播）导出。",
        [
            ("成交金额", "元", "sum", 180000, False),
            ("访客数", "人", "sum", 52000, False),
            ("转化率", "%", "mean", 0.021, True),
        ],
        ["douyin", "live"],
    ),
    (
        "天猫生意参谋",
        DataSource.Kind.PLATFORM,
        "MKT-CHANNEL-EC",
        "天猫旗舰店的生意参谋日报。",
        [
            ("成交金额", "元", "sum", 260000, False),
            ("访客数", "人", "sum", 61000, False),
            ("转化率", "%", "mean", 0.032, True),
        ],
        ["tmall"],
    ),
    (
        "小红书蒲公英",
        DataSource.Kind.PLATFORM,
        "MKT-CONTENT-XHS",
        "蒲公英平台的达人合作笔记数据。",
        [
            ("曝光量", "次", "sum", 420000, False),
            ("互动量", "次", "sum", 16000, False),
            ("笔记数", "篇", "sum", 3, False),
        ],
        ["xiaohongshu"],
    ),
    (
        "CRM",
        DataSource.Kind.CRM,
        "MKT-USEROPS-CRM",
        "会员与线索系统：新增线索和成交客户，按获客渠道。",
        [("新增线索", "条", "sum", 140, False), ("成交客户", "个", "sum", 18, False)],
        ["wechat", "linkedin", "edm", "summit"],
    ),
]


def _season(day: dt.date) -> float:
    """Weekends ×1.25, the run-up to 618 and 双11 up to ×2.2, a 25% growth over the year."""
    factor = 1.25 if day.weekday() >= 5 else 1.0
    for month, peak in ((6, 18), (11, 11)):
        if day.month == month and day.day <= peak:
            factor *= 1.0 + 1.2 * math.exp(-((peak - day.day) ** 2) / 18)
    return factor


def _series(rng: random.Random, start: dt.date, base: float, is_rate: bool, channel_share: float):
    for offset in range(DAYS):
        day = start + dt.timedelta(days=offset)
        growth = 1 + 0.25 * offset / DAYS
        noise = rng.uniform(0.85, 1.15)
        if is_rate:
            value = Decimal(str(round(base * noise * (1 + 0.2 * (_season(day) - 1)), 4)))
        else:
            value = Decimal(max(0, round(base * channel_share * growth * _season(day) * noise)))
        yield day, value


def seed_demo_metrics(admin_user) -> None:
    ensure_default_lists()
    rng = random.Random(16)
    today = timezone.localdate()
    start = today - dt.timedelta(days=DAYS)
    channels = {c.code: c for c in Channel.objects.all()}
    departments = {d.code: d for d in Department.objects.all()}
    points: list[MetricPoint] = []
    for name, kind, department_code, description, metrics, channel_codes in SOURCES:
        source = DataSource.objects.create(
            name=name, kind=kind, department=departments.get(department_code), description=description
        )
        for metric_name, unit, aggregation, base, is_rate in metrics:
            metric = SourceMetric.objects.create(
                source=source, name=metric_name, unit=unit, aggregation=aggregation
            )
            for index, code in enumerate(channel_codes):
                share = 1.0 / (index + 1.5) * 1.5
                for day, value in _series(rng, start, base, is_rate, share):
                    points.append(
                        MetricPoint(metric=metric, channel=channels.get(code), date=day, value=value)
                    )
    MetricPoint.objects.bulk_create(points, batch_size=2000)
    _demo_import(start)


def _demo_import(start: dt.date) -> None:
    """The last week of 小红书蒲公英 as its export file (GBK, quoted thousands), imported for real: the
    points already there are found unchanged, the last day's figures are corrected (kept in the history)."""
    source = DataSource.objects.get(name="小红书蒲公英")
    uploader = Person.objects.filter(user__username="linxiao").first()
    lines = ["日期,渠道,曝光量,互动量,笔记数"]
    values = {
        (p.metric.name, p.date): p.value
        for p in MetricPoint.objects.filter(
            metric__source=source, date__gte=start + dt.timedelta(days=DAYS - 7)
        ).select_related("metric")
    }
    for offset in range(DAYS - 7, DAYS):
        day = start + dt.timedelta(days=offset)
        exposure = values[("曝光量", day)] + (1200 if offset == DAYS - 1 else 0)
        lines.append(
            f'{day.year}/{day.month}/{day.day},小红书,"{exposure:,}",{values[("互动量", day)]},{values[("笔记数", day)]}'
        )
    data = ("\r\n".join(lines) + "\r\n").encode("gbk")
    actor = uploader.user if uploader else None
    metric_import = import_services.metric_import_upload(
        actor=actor, source=source, file=SimpleUploadedFile("蒲公英_近7天.csv", data)
    )
    import_services.metric_import_set_mapping(
        actor=actor,
        metric_import=metric_import,
        date_column="日期",
        channel_column="渠道",
        columns=[{"column": c, "metric": c, "measure_id": None} for c in ("曝光量", "互动量", "笔记数")],
    )
    # Run here, not on the worker: the seed is one transaction and the demo should show a finished import.
    MetricImport.objects.filter(pk=metric_import.pk).update(status=MetricImport.Status.VALIDATING)
    import_services.metric_import_run(import_id=metric_import.pk)
