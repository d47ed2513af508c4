"""Rules of source data (DOMAIN.md §3 数据真实性): rolling daily points up into a period, and
comparing a reported figure with the source's (数据交叉验证).

Pure functions: `Decimal` in and out, no Django. Rates are fractions (0.05 = 5%).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

ZERO = Decimal(0)

SUM = "sum"
MEAN = "mean"


def day_totals(points: Iterable[tuple[dt.date, int | None, Decimal]]) -> dict[dt.date, Decimal]:
    """Each day's figure from (date, channel id or None, value) points: a point without a channel
    is the day's total for all channels and wins; otherwise the channels' points add up."""
    totals: dict[dt.date, Decimal] = {}
    overall: dict[dt.date, Decimal] = {}
    for day, channel, value in points:
        if channel is None:
            overall[day] = value
        else:
            totals[day] = totals.get(day, ZERO) + value
    totals.update(overall)
    return totals


def aggregate(values: Sequence[Decimal], aggregation: str) -> Decimal | None:
    """The period's figure from its days' figures: their sum (成交金额, 曝光量 add up over a week) or
    their mean (转化率, 客单价 are levels); None when the period has no day with data."""
    if not values:
        return None
    total = sum(values, ZERO)
    if aggregation == MEAN:
        return total / len(values)
    if aggregation == SUM:
        return total
    raise ValueError(f"unknown aggregation {aggregation!r}")


def week_periods(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The ISO weeks (Monday–Sunday) that contain a day of `first`..`last`: the periods of the
    weekly report (周报), in order. 2031-07-02 (Wed) .. 2031-07-08 (Tue) → the week of 30 June
    and the week of 7 July."""
    if last < first:
        return []
    start = first - dt.timedelta(days=first.weekday())
    weeks = []
    while start <= last:
        weeks.append((start, start + dt.timedelta(days=6)))
        start += dt.timedelta(days=7)
    return weeks


def difference_rate(reported: Decimal, source: Decimal) -> Decimal | None:
    """差异率 = (reported − source) / |source| (DOMAIN.md §3 数据交叉验证): 108 reported against a
    source of 100 → 0.08; 97 → −0.03.

    The zero case: a source of 0 with 0 reported → 0 (they agree); a source of 0 with anything
    else reported → None, a difference no rate can express, and always a discrepancy
    (`is_discrepancy`)."""
    if source == 0:
        return ZERO if reported == 0 else None
    return (reported - source) / abs(source)


def is_discrepancy(rate: Decimal | None, tolerance: Decimal) -> bool:
    """A pair is flagged when the reported figure is further from the source's than the tolerance:
    |rate| > tolerance (5% tolerance: 8% off is flagged, 3% and exactly 5% are not). A rate of None
    (something reported against a source of 0) is always flagged."""
    if rate is None:
        return True
    return abs(rate) > tolerance


def rate_4(rate: Decimal | None) -> Decimal | None:
    """A rate as stored and shown in the API: four decimal places (0.0800)."""
    return None if rate is None else rate.quantize(Decimal("0.0001"))
