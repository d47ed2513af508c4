"""The demo platform data: four sources, a year of daily points per channel, one finished import."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from lodestar.metrics.models import DataSource, MetricImport, MetricPoint, MetricPointChange


def test_sources_with_a_year_of_daily_series(demo):
    assert set(DataSource.objects.values_list("name", flat=True)) >= {  # the verification demo adds its own
        "抖音电商罗盘",
        "天猫生意参谋",
        "小红书蒲公英",
        "CRM",
    }
    douyin = MetricPoint.objects.filter(metric__source__name="抖音电商罗盘", metric__name="成交金额")
    assert douyin.filter(channel__code="douyin").count() == 365
    assert douyin.filter(channel__code="live").count() == 365
    first = douyin.order_by("date").first().date
    assert first == timezone.localdate() - dt.timedelta(days=365)
    rate = MetricPoint.objects.filter(metric__name="转化率").first().value
    assert 0 < rate < 1  # rates are stored as fractions
    assert MetricPoint.objects.count() > 7000


def test_the_demo_import_went_through_the_pipeline(demo):
    demo_import = MetricImport.objects.get()
    assert demo_import.status == MetricImport.Status.DONE
    assert demo_import.rows_total == 7 and demo_import.rows_bad == 0
    assert demo_import.points_updated == 1 and demo_import.points_unchanged == 20
    assert MetricPointChange.objects.count() == 1
    call_command("seed_demo", verbosity=0)
    assert MetricImport.objects.count() == 1
