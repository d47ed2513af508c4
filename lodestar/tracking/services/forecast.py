"""Where a measure is heading (one forecast for pages, the API and alerts) and an item's reported total."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum

from lodestar.execution.models import ActionItem
from lodestar.goals.models import Measure
from lodestar.tracking import domain


def item_checkin_total(item: ActionItem) -> Decimal:
    return item.check_ins.aggregate(total=Sum("actual"))["total"] or Decimal(0)


def measure_forecast(measure: Measure, observations: list[tuple[dt.date, Decimal]]) -> domain.Forecast | None:
    """The one forecast used by pages, the API and alerts for a measure.

    The check-in series (period end, cumulative) is anchored at the goal period's start with
    the baseline (or 0): the period did start there, and with a single check-in this gives the
    trend its slope instead of a flat line. See `domain.forecast` for the method.

    For a level measure (`accumulates` off: 复购率, 互动率) the series is the reported levels
    rather than running totals; the same trend applies, since a trend of levels is still a trend.
    A level is anchored only at its baseline: without one, where it stood when the period began is
    unknown (it was not 0: likes per post do not start each quarter from nothing), so its trend is
    that of its own check-ins.
    A range measure's probability is that of ending inside [target, range_max]; with fewer than
    three check-ins the forecast uses a prior (never a point band, never 0% or 100% unless the
    outcome is settled; `domain.forecast`).
    """
    period = measure.goal.period
    series = sorted(observations, key=lambda o: o[0])
    if not series:
        return None
    checkins = len(series)
    baseline = measure.baseline if measure.baseline is not None else Decimal(0)
    if series[0][0] > period.start and (measure.accumulates or measure.baseline is not None):
        series.insert(0, (period.start, baseline))
    return domain.forecast(
        series,
        period.end,
        base=measure.target,
        challenge=measure.challenge,
        direction=measure.direction,
        range_max=measure.range_max,
        checkins=checkins,
        cumulative=measure.accumulates,
    )


def forecasts_for_snapshots(measures: list[Measure]) -> dict[int, tuple[Decimal | None, Decimal | None]]:
    """The forecast of many measures at once for their snapshots (goals.services.closing calls it
    through `register_forecaster`): one query for all check-in series, then `measure_forecast` each."""
    from lodestar.tracking.models import CheckIn

    series: dict[int, list[tuple[dt.date, Decimal]]] = {}
    rows = (
        CheckIn.objects.filter(measure__in=measures, cumulative__isnull=False)
        .order_by("period_end", "id")
        .values_list("measure_id", "period_end", "cumulative")
    )
    for measure_id, period_end, cumulative in rows:
        if cumulative is not None and measure_id is not None:
            series.setdefault(measure_id, []).append((period_end, cumulative))
    result: dict[int, tuple[Decimal | None, Decimal | None]] = {}
    for measure in measures:
        forecast = measure_forecast(measure, series.get(measure.pk, []))
        if forecast is not None:
            result[measure.pk] = (forecast.expected.quantize(Decimal("0.0001")), forecast.p_base)
    return result
