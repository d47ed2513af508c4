"""Fiscal calendar rules: years, quarters, months and ISO weeks (pure, no Django).

A fiscal year is named after the calendar year in which it *starts* (FY2024 starting in
April runs 2024-04-01 .. 2025-03-31); with the default start month of January it is the
calendar year. Quarters and months follow from the start month. An ISO week belongs to the
fiscal year (and month) that contains its Thursday, the same rule ISO 8601 uses to assign
weeks to years, so every week belongs to exactly one fiscal year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodSpan:
    kind: str  # "year" | "quarter" | "month" | "week"
    key: str  # stable machine key, e.g. "FY2024", "FY2024-Q1", "FY2024-M01", "2024-W27"
    start: dt.date
    end: dt.date  # inclusive
    index: int  # 1-based position inside its parent (quarter 1..4, month 1..12, ISO week number)


def add_months(day: dt.date, months: int) -> dt.date:
    """First day of the month `months` after the month of `day` (day must be the 1st)."""
    total = day.year * 12 + (day.month - 1) + months
    return dt.date(total // 12, total % 12 + 1, 1)


def fiscal_year_span(year: int, start_month: int = 1) -> PeriodSpan:
    if not 1 <= start_month <= 12:
        raise ValueError("start_month must be between 1 and 12")
    start = dt.date(year, start_month, 1)
    end = add_months(start, 12) - dt.timedelta(days=1)
    return PeriodSpan("year", f"FY{year}", start, end, 1)


def fiscal_quarters(year: int, start_month: int = 1) -> list[PeriodSpan]:
    first = fiscal_year_span(year, start_month).start
    quarters = []
    for q in range(4):
        start = add_months(first, 3 * q)
        end = add_months(start, 3) - dt.timedelta(days=1)
        quarters.append(PeriodSpan("quarter", f"FY{year}-Q{q + 1}", start, end, q + 1))
    return quarters


def fiscal_months(year: int, start_month: int = 1) -> list[PeriodSpan]:
    first = fiscal_year_span(year, start_month).start
    months = []
    for m in range(12):
        start = add_months(first, m)
        end = add_months(start, 1) - dt.timedelta(days=1)
        months.append(PeriodSpan("month", f"FY{year}-M{m + 1:02d}", start, end, m + 1))
    return months


def iso_weeks_of_fiscal_year(year: int, start_month: int = 1) -> list[PeriodSpan]:
    """ISO weeks (Monday..Sunday) whose Thursday falls inside the fiscal year."""
    span = fiscal_year_span(year, start_month)
    thursday = span.start + dt.timedelta(days=(3 - span.start.weekday()) % 7)
    weeks = []
    while thursday <= span.end:
        monday = thursday - dt.timedelta(days=3)
        iso_year, iso_week, _ = thursday.isocalendar()
        weeks.append(
            PeriodSpan("week", f"{iso_year}-W{iso_week:02d}", monday, monday + dt.timedelta(days=6), iso_week)
        )
        thursday += dt.timedelta(days=7)
    return weeks


def fiscal_year_of(day: dt.date, start_month: int = 1) -> int:
    """The fiscal year (named by its start year) that contains `day`."""
    return day.year if day.month >= start_month else day.year - 1


def span_contains(outer_start: dt.date, outer_end: dt.date, start: dt.date, end: dt.date) -> bool:
    return outer_start <= start and end <= outer_end
