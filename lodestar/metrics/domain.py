"""Pure rules of the platform imports (DOMAIN.md §3 数据真实性, §6 channels; issue 16): how a row of an
export file becomes the points of a source's series. No Django here; cells are read by
`lodestar.core.parsing` (numbers with separators, 万/亿, % and ‰ as fractions; dates in every shape Excel
writes).

A row is the date cell, an optional channel cell and one cell per mapped metric. It is bad when any of
them cannot be read, the channel is not one of the list, a value is empty or not available ("N/A"), or an
earlier row of the same file already gave the same date for the same channel (`duplicate_date`). Every bad
cell is reported with the row's line (header = line 1) and the column's header.

Also the rules of feeding and cross-checking (数据交叉验证): rolling daily points up into a period and
comparing a reported figure with the source's. Rates are fractions (0.05 = 5%).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from lodestar.core.parsing import CellError, parse_date, parse_number

# MetricPoint.value is DECIMAL(20, 4): 16 digits before the point.
VALUE_PLACES = Decimal("0.0001")
VALUE_LIMIT = Decimal(10) ** 16

DATE_HINTS = ("日期", "date", "时间", "day", "统计日期", "数据日期")
CHANNEL_HINTS = ("渠道", "channel", "平台", "platform", "来源")


@dataclass(frozen=True)
class ValueColumn:
    index: int
    header: str
    metric_id: int


@dataclass(frozen=True)
class RowPlan:
    """Where to find each part of a row: the date's column, the channel's (or a fixed channel id, or
    None for "all channels"), the value columns, and the channel names known (normalised → id)."""

    date_index: int
    date_header: str
    values: tuple[ValueColumn, ...]
    channel_index: int | None = None
    channel_header: str = ""
    fixed_channel_id: int | None = None
    channels: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CellProblem:
    field: str
    code: str
    value: str


class RowResult(NamedTuple):
    """A read row: its date, channel and (metric id, value) pairs; or the problems that make it bad.
    (A named tuple rather than a frozen dataclass: a million rows are read per import, and it is built
    several times faster.)"""

    date: dt.date | None
    channel_id: int | None
    values: tuple[tuple[int, Decimal], ...]
    problems: tuple[CellProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def normal_name(text: object) -> str:
    """A header or channel name compared loosely: full-width folded, spaces dropped, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", "" if text is None else str(text))).lower()


def header_signature(headers: Sequence[str]) -> str:
    """A digest of a header row: files with the same columns (in any order) share their mapping."""
    names = sorted(normal_name(h) for h in headers if normal_name(h))
    return hashlib.sha256("\x1f".join(names).encode()).hexdigest()


def guess_column(headers: Sequence[str], hints: Sequence[str]) -> str:
    """The first header that names one of `hints` (日期, 渠道 …), or ""."""
    for hint in hints:
        for header in headers:
            if hint in normal_name(header):
                return header
    return ""


def _text(cell: object) -> str:
    if cell is None:
        return ""
    return str(cell).strip()[:60]


def read_row(cells: Sequence[object], plan: RowPlan) -> RowResult:
    """Read one data row by `plan` (see the module docstring; duplicates are the caller's, see
    `DuplicateGuard`). A cell past the end of a short row reads as empty."""
    problems: list[CellProblem] = []
    count = len(cells)
    index = plan.date_index
    raw = cells[index] if index < count else None
    day: dt.date | None = None
    try:
        day = parse_date(raw)
    except CellError as exc:
        problems.append(CellProblem(plan.date_header, exc.code, _text(raw)))
    channel_id = plan.fixed_channel_id
    channel_index = plan.channel_index
    if channel_index is not None:
        raw = cells[channel_index] if channel_index < count else None
        found = plan.channels.get(raw) if isinstance(raw, str) else None  # the name as written: no folding
        if found is not None:
            channel_id = found
        else:
            name = normal_name(raw)
            if not name:
                problems.append(CellProblem(plan.channel_header, "empty", ""))
            elif name not in plan.channels:
                problems.append(CellProblem(plan.channel_header, "unknown_channel", _text(raw)))
            else:
                channel_id = plan.channels[name]
    values: list[tuple[int, Decimal]] = []
    for column in plan.values:
        index = column.index
        raw = cells[index] if index < count else None
        try:
            number = parse_number(raw).quantize(VALUE_PLACES)
        except CellError as exc:
            problems.append(CellProblem(column.header, exc.code, _text(raw)))
            continue
        if abs(number) >= VALUE_LIMIT:
            problems.append(CellProblem(column.header, "too_large", _text(raw)))
            continue
        values.append((column.metric_id, number))
    return RowResult(day, channel_id, tuple(values), tuple(problems))


class DuplicateGuard:
    """Remembers the (date, channel) pairs already read from a file, compactly (one int each), so a
    million-row file costs tens of megabytes, not hundreds."""

    def __init__(self) -> None:
        self._seen: set[int] = set()

    def seen_before(self, day: dt.date, channel_id: int | None) -> bool:
        key = day.toordinal() * (2**40) + (channel_id or 0)
        if key in self._seen:
            return True
        self._seen.add(key)
        return False


# Feeding and cross-verification (数据交叉验证).

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


def value_4(value: Decimal) -> Decimal:
    """A figure as a metric's values are stored (four decimal places): a mean of days 10, 10 and 11 is
    10.3333, so comparing a stored figure with a fresh one does not see a change that is not there."""
    return value.quantize(Decimal("0.0001"))
