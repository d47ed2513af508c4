"""The demo's source data: one measure fed by a platform metric, one open discrepancy with its alert."""

from __future__ import annotations

from decimal import Decimal

from django.core.management import call_command

from lodestar.alerts.models import Alert
from lodestar.metrics.models import Discrepancy
from lodestar.tracking.models import CheckIn, CheckInOrigin


def test_demo_shows_a_fed_measure_and_one_open_discrepancy(demo):
    fed = CheckIn.objects.filter(origin=CheckInOrigin.SOURCE).select_related("measure")
    assert fed.exists() and {c.measure.name for c in fed} == {"单篇平均点赞"}
    likes = fed.first().measure
    likes.refresh_from_db()
    latest = fed.order_by("-period_end").first()
    assert likes.current == latest.actual
    (found,) = Discrepancy.objects.filter(status=Discrepancy.Status.OPEN)
    assert found.measure.name == "播放量" and found.difference_rate == Decimal("0.0800")
    assert Alert.objects.filter(rule__condition="data_discrepancy", measure=found.measure).exists()
    call_command("seed_demo", verbosity=0)  # again: nothing duplicated
    assert Discrepancy.objects.count() == 1
