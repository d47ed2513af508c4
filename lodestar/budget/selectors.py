"""Reads of budgets: the lines of a period and department with their figures, a line's detail, the
channel ROI ranking with its proposal, and the monthly budget-vs-spend series the dashboards draw.

Every function runs a fixed number of queries whatever the number of lines, spend entries or
months (sums in the database through subqueries, grouping in Python over the lines' rows).
Scopes: a period takes the lines whose own period lies within it (a year takes its quarters' and
months' lines); a department takes its lines and those of the departments below it; the caller's
visibility (budget/access.py) always applies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from lodestar.budget import access, domain
from lodestar.budget.models import Attribution, BudgetAllocation, BudgetLine, Spend
from lodestar.core.models import Period
from lodestar.metrics.models import Channel
from lodestar.org.models import Department

ZERO = Decimal(0)
_MONEY = DecimalField(max_digits=16, decimal_places=2)


def _sum_of(model, field: str, output=_MONEY):
    rows = model.objects.filter(line=OuterRef("pk")).order_by().values("line").annotate(total=Sum(field))
    zero = Value(0, output_field=output) if output is not _MONEY else Value(ZERO, output_field=output)
    return Coalesce(Subquery(rows.values("total"), output_field=output), zero)


def lines_q(user, department: Department | None = None, line: str = "") -> Q:
    """The lines the user may see (None: the system, every line) under `department` (optional), as a
    filter on the line reached through `line` ("line__" from an allocation, spend entry or attribution).
    The dashboards' sums filter through it rather than an `IN` of the lines: a join the database leaves
    out when the reader sees every line, where the `IN` made SQLite search each line's months one by one."""
    q = Q() if user is None else access.visible_department_q(user, field=f"{line}department")
    if department is not None:
        q &= Q(**{f"{line}department__path__startswith": department.path})
    return q


def scoped_lines(user, period: Period | None = None, department: Department | None = None):
    """The lines the user may see (None: the system, every line), within `period` and under
    `department` (both optional)."""
    qs = BudgetLine.objects.filter(lines_q(user, department))
    if period is not None:
        qs = qs.filter(period__start__gte=period.start, period__end__lte=period.end)
    return qs


def _in_cents(entries, keys) -> None:
    """A UNION's sums come back from SQLite as floats or with the database's own scale (20030335.8000001,
    40000.0000): back to the cents the amounts are stored in, in place."""
    for entry in entries:
        for key in keys:
            entry[key] = Decimal(entry[key]).quantize(domain.CENT)


def with_figures(lines):
    """Lines annotated with `spent`, `revenue` and `leads` (one query for any number of lines)."""
    return lines.select_related("period", "department", "category", "channel").annotate(
        spent=_sum_of(Spend, "amount"),
        revenue=_sum_of(Attribution, "revenue"),
        leads=_sum_of(Attribution, "leads", IntegerField()),
    )


@dataclass(frozen=True)
class LineRow:
    line: BudgetLine
    planned: Decimal
    spent: Decimal
    revenue: Decimal
    leads: int
    share: Decimal | None
    roi: Decimal | None
    cost_per_lead: Decimal | None

    @property
    def remaining(self) -> Decimal:
        return domain.remaining(self.planned, self.spent)


@dataclass(frozen=True)
class BudgetTable:
    rows: list[LineRow]
    planned: Decimal
    spent: Decimal
    revenue: Decimal
    leads: int

    @property
    def remaining(self) -> Decimal:
        return domain.remaining(self.planned, self.spent)

    @property
    def roi(self) -> Decimal | None:
        return domain.roi(self.revenue, self.spent)

    @property
    def cost_per_lead(self) -> Decimal | None:
        return domain.cost_per_lead(self.spent, self.leads)

    @property
    def share(self) -> Decimal | None:
        return domain.share(self.planned, self.planned)


def budget_table(user, period: Period | None = None, department: Department | None = None) -> BudgetTable:
    """The budget lines of a scope with planned, spent, remaining, share of the scope's planned total,
    ROI and cost per lead; the totals are the sums of the rows (1 query)."""
    lines = list(with_figures(scoped_lines(user, period, department)))
    planned = sum((line.planned for line in lines), ZERO)
    rows = [
        LineRow(
            line=line,
            planned=line.planned,
            spent=line.spent,
            revenue=line.revenue,
            leads=line.leads,
            share=domain.share(line.planned, planned),
            roi=domain.roi(line.revenue, line.spent),
            cost_per_lead=domain.cost_per_lead(line.spent, line.leads),
        )
        for line in lines
    ]
    return BudgetTable(
        rows=rows,
        planned=planned,
        spent=sum((r.spent for r in rows), ZERO),
        revenue=sum((r.revenue for r in rows), ZERO),
        leads=sum((r.leads for r in rows), 0),
    )


def line_detail(line: BudgetLine) -> dict:
    """A line's monthly split (planned, spent, revenue, leads per month), its spend entries and totals
    (4 queries)."""
    allocations = list(line.allocations.order_by("month"))
    spent_by_month = {
        row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]: row["total"]
        for row in Spend.objects.filter(line=line)
        .annotate(month=TruncMonth("date"))
        .order_by()
        .values("month")
        .annotate(total=Sum("amount"))
    }
    attributions = {a.month: a for a in line.attributions.all()}
    months = []
    for allocation in allocations:
        attribution = attributions.get(allocation.month)
        spent = spent_by_month.get(allocation.month, ZERO)
        revenue = attribution.revenue if attribution else ZERO
        leads = attribution.leads if attribution else 0
        months.append(
            {
                "month": allocation.month,
                "share": allocation.share,
                "planned": allocation.amount,
                "spent": spent,
                "revenue": revenue,
                "leads": leads,
                "roi": domain.roi(revenue, spent),
            }
        )
    spend = list(line.spend.select_related("created_by").order_by("-date", "-id"))
    spent = sum((s.amount for s in spend), ZERO)
    revenue = sum((a.revenue for a in attributions.values()), ZERO)
    leads = sum((a.leads for a in attributions.values()), 0)
    return {
        "months": months,
        "spend": spend,
        "spent": spent,
        "remaining": domain.remaining(line.planned, spent),
        "revenue": revenue,
        "leads": leads,
        "roi": domain.roi(revenue, spent),
        "cost_per_lead": domain.cost_per_lead(spent, leads),
    }


def channel_figures(
    user, period: Period, department: Department | None = None
) -> list[domain.ChannelFigures]:
    """Per channel, the figures of the months of `period` (`channel_figures_by_months`: the rule the
    dashboards use, so the budget page, the API and the dashboards show one ROI per channel); active
    channels without a figure come as untried (the test channels). 2 queries."""
    sums = _channel_sums(user, period, department)
    figures = []
    for channel in Channel.objects.all():
        entry = sums.get(channel.pk)
        if entry is not None:
            figures.append(domain.ChannelFigures(channel_id=channel.pk, name=str(channel), **entry))
        elif channel.is_active:
            figures.append(domain.ChannelFigures(channel_id=channel.pk, name=str(channel), tried=False))
    return figures


def channel_roi(
    user,
    period: Period,
    department: Department | None = None,
    *,
    test_share: Decimal = domain.DEFAULT_TEST_SHARE,
) -> domain.Proposal:
    """The channels of a scope ranked by ROI with the seeds' proposal (DOMAIN.md §6). 2 queries."""
    return domain.propose_reallocation(channel_figures(user, period, department), test_share=test_share)


def next_period(period: Period) -> Period | None:
    """The period of the same kind that starts the day after `period` ends (FY2026 → FY2027)."""
    return Period.objects.filter(kind=period.kind, start=period.end + dt.timedelta(days=1)).first()


def _month_window(period: Period) -> tuple[dt.date, dt.date]:
    """The first days of the first and last months `period` touches."""
    return period.start.replace(day=1), period.end.replace(day=1)


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def budget_vs_spend_by_month(
    user, period: Period, department: Department | None = None
) -> list[dict[str, dt.date | Decimal]]:
    """For the dashboards: per month of `period`, the planned amount (the months' parts of the lines'
    monthly split, whatever the line's own period: a year's line counts in a quarter's months) and the
    spend dated in the period, over the lines the user may see of a department (and those below it)
    or, with none, of everyone. `[{"month": date, "planned": Decimal, "spent": Decimal}, ...]`, every
    month present. One query (the two sums grouped by month, as one UNION)."""
    lines = lines_q(user, department, "line__")
    first, last = _month_window(period)
    planned = (
        BudgetAllocation.objects.filter(lines, month__gte=first, month__lte=last)
        .order_by()
        .values("month")
        .annotate(planned=Sum("amount"), spent=Value(ZERO, output_field=_MONEY))
        .values_list("month", "planned", "spent")
    )
    # Summed by day and the days folded into months here: at most 31 rows a month, where truncating
    # each entry's date in SQL ran a Python function per spend entry on SQLite (10 ms at scale L).
    spent = (
        Spend.objects.filter(lines, date__gte=period.start, date__lte=period.end)
        .order_by()
        .values("date")
        .annotate(planned=Value(ZERO, output_field=_MONEY), spent=Sum("amount"))
        .values_list("date", "planned", "spent")
    )
    totals: dict[dt.date, dict[str, Decimal]] = {}
    for day, planned_sum, spent_sum in planned.union(spent, all=True).order_by():
        entry = totals.setdefault(_as_date(day).replace(day=1), {"planned": ZERO, "spent": ZERO})
        entry["planned"] += planned_sum or ZERO
        entry["spent"] += spent_sum or ZERO
    _in_cents(totals.values(), ("planned", "spent"))
    return [
        {"month": month, **totals.get(month, {"planned": ZERO, "spent": ZERO})}
        for month in domain.month_starts(period.start, period.end)
    ]


def _channel_sums(user, period: Period, department: Department | None = None) -> dict[int, dict]:
    """Per channel id, the sums of the months' rule (see `channel_figures_by_months`). One query."""
    lines = lines_q(user, department, "line__") & Q(line__channel__isnull=False)
    first, last = _month_window(period)
    money = lambda: Value(ZERO, output_field=_MONEY)  # noqa: E731
    count = lambda: Value(0, output_field=IntegerField())  # noqa: E731
    columns = ("line__channel_id", "planned", "spent", "revenue", "leads")
    planned = (
        BudgetAllocation.objects.filter(lines, month__gte=first, month__lte=last)
        .order_by()
        .values("line__channel_id")
        .annotate(planned=Sum("amount"), spent=money(), revenue=money(), leads=count())
        .values_list(*columns)
    )
    spent = (
        Spend.objects.filter(lines, date__gte=period.start, date__lte=period.end)
        .order_by()
        .values("line__channel_id")
        .annotate(planned=money(), spent=Sum("amount"), revenue=money(), leads=count())
        .values_list(*columns)
    )
    attributed = (
        Attribution.objects.filter(lines, month__gte=first, month__lte=last)
        .order_by()
        .values("line__channel_id")
        .annotate(planned=money(), spent=money(), revenue=Sum("revenue"), leads=Sum("leads"))
        .values_list(*columns)
    )
    sums: dict[int, dict] = {}
    for channel_id, *figures in planned.union(spent, attributed, all=True).order_by():
        entry = sums.setdefault(channel_id, {"planned": ZERO, "spent": ZERO, "revenue": ZERO, "leads": 0})
        for key, value in zip(("planned", "spent", "revenue", "leads"), figures, strict=True):
            entry[key] += value or 0
    _in_cents(sums.values(), ("planned", "spent", "revenue"))  # the figures a reallocation stores
    for entry in sums.values():
        entry["leads"] = int(entry["leads"])
    return sums


def channel_figures_by_months(
    user, period: Period, department: Department | None = None
) -> list[domain.ChannelFigures]:
    """For the dashboards: per channel, over the channel lines the user may see (of a department and
    those below it, or everyone's), the planned amount of the months of `period`, the spend dated in
    it and the revenue and leads attributed to its months (the months' rule of
    `budget_vs_spend_by_month`). Only channels with a figure in the window. 2 queries (the sums as one
    UNION, the channels' names)."""
    sums = _channel_sums(user, period, department)
    if not sums:
        return []
    return [
        domain.ChannelFigures(channel_id=channel.pk, name=str(channel), **sums[channel.pk])
        for channel in Channel.objects.filter(pk__in=list(sums))
    ]


def channel_roi_list(user, period: Period, department: Department | None = None) -> list[dict]:
    """For the dashboards: the channels of the months of `period` (`channel_figures_by_months`) ranked
    by ROI with the seeds' advice (`domain.propose_reallocation`, DOMAIN.md §6), as plain dicts
    (name, planned, share of the channels' planned total, spent, revenue, leads, roi, cost_per_lead,
    rank, recommendation, flagged for cutting). 2 queries."""
    proposal = domain.propose_reallocation(channel_figures_by_months(user, period, department))
    return [
        {
            "channel_id": row.figures.channel_id,
            "channel": row.figures.name,
            "planned": row.figures.planned,
            "share": row.share,
            "spent": row.figures.spent,
            "attributed_revenue": row.figures.revenue,
            "leads": row.figures.leads,
            "roi": row.roi,
            "cost_per_lead": row.cost_per_lead,
            "rank": row.rank,
            "recommendation": str(row.recommendation),
            "flagged": domain.flagged_for_cut(row.roi),
        }
        for row in proposal.rows
    ]
