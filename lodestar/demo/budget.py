"""Demo budgets (DOMAIN.md §6): last fiscal year's budget lines of the marketing departments by category
and channel, with monthly spend and attributed revenue and leads; LinkedIn, EDM (渠道推广部) and 行业峰会
(品牌部) came back below ROI 1. 渠道推广部's proposal was accepted into this year's lines (the cut channels
dropped, 20% of their budget to test channels), and this year runs with spend to date, 行业峰会 again
below 1 so the recommendation shows on this year's channel ROI view too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from lodestar.budget import services as budget
from lodestar.budget.models import BudgetCategory, BudgetLine
from lodestar.core.models import Period
from lodestar.demo.defaults import ensure_default_lists
from lodestar.metrics.models import Channel
from lodestar.org.models import Department

# (department code, category code, channel code or None, planned 元, ROI, cost per lead 元 or None)
LAST_YEAR = [
    ("MKT-CHANNEL", "channel", "douyin", 1_200_000, "3.2", 180),
    ("MKT-CHANNEL", "channel", "tmall", 900_000, "2.5", 150),
    ("MKT-CHANNEL", "channel", "live", 600_000, "1.6", 220),
    ("MKT-CHANNEL", "channel", "linkedin", 240_000, "0.45", 800),
    ("MKT-CHANNEL", "channel", "edm", 120_000, "0.8", 120),
    ("MKT-CONTENT", "content", "xiaohongshu", 480_000, "2.1", 90),
    ("MKT-CONTENT", "content", "douyin", 360_000, "1.4", 130),
    ("MKT-CONTENT", "people", None, 600_000, None, None),
    ("MKT-USEROPS", "channel", "wechat", 300_000, "4.0", 60),
    ("MKT-USEROPS", "channel", "edm", 60_000, "1.2", 40),
    ("MKT-BRAND", "events", "summit", 400_000, "0.6", 1500),
    ("MKT-BRAND", "other", None, 100_000, None, None),
]

# This year's ROI per channel of the lines (渠道推广部's come from the accepted reallocation).
THIS_YEAR_ROI = {
    ("MKT-CHANNEL", "douyin"): "3.0",
    ("MKT-CHANNEL", "tmall"): "2.4",
    ("MKT-CHANNEL", "live"): "1.8",
    ("MKT-CHANNEL", "xiaohongshu"): "1.3",
    ("MKT-CHANNEL", "wechat"): "2.0",
    ("MKT-CHANNEL", "summit"): "0.5",
    ("MKT-CONTENT", "xiaohongshu"): "2.3",
    ("MKT-CONTENT", "douyin"): "1.5",
    ("MKT-USEROPS", "wechat"): "3.6",
    ("MKT-USEROPS", "edm"): "1.1",
    ("MKT-BRAND", "summit"): "0.7",
}

# Spend of a month as a fraction of its planned part: slow spring, the 618 and 双11 peaks.
SEASON = [
    Decimal(s)
    for s in ("0.85", "0.80", "0.95", "1.00", "1.05", "1.15", "0.95", "0.90", "1.00", "1.05", "1.20", "1.00")
]


def _fill(actor, line: BudgetLine, roi: Decimal | None, cost_per_lead: int | None, until: dt.date) -> None:
    """Monthly spend (the 15th, or the last day up to `until`) and attribution for the months begun."""
    for index, allocation in enumerate(line.allocations.order_by("month")):
        if allocation.month > until:
            break
        day = min(allocation.month.replace(day=15), until)
        spent = (allocation.amount * SEASON[allocation.month.month - 1]).quantize(Decimal("0.01"))
        if spent <= 0:
            continue
        budget.spend_record(
            actor=actor, line=line, date=day, amount=spent, note=f"{allocation.month:%m}月投放"
        )
        if roi is not None:
            wobble = Decimal(1) + Decimal((index % 5) - 2) / 50  # ±4% month to month
            revenue = (spent * roi * wobble).quantize(Decimal("0.01"))
            leads = int(spent / cost_per_lead) if cost_per_lead else 0
            budget.attribution_set(
                actor=actor, line=line, month=allocation.month, revenue=revenue, leads=leads
            )


def seed_demo_budget(admin_user) -> None:
    ensure_default_lists()
    today = timezone.localdate()
    last = Period.objects.get(kind="year", fiscal_year=today.year - 1)
    this = Period.objects.get(kind="year", fiscal_year=today.year)
    departments = {d.code: d for d in Department.objects.filter(code__startswith="MKT")}
    channels = {c.code: c for c in Channel.objects.all()}
    categories = {c.code: c for c in BudgetCategory.objects.all()}

    for code, category, channel, planned, roi, cpl in LAST_YEAR:
        line = budget.budget_line_create(
            actor=admin_user,
            period=last,
            department=departments[code],
            category=categories[category],
            channel=channels[channel] if channel else None,
            planned=Decimal(planned),
        )
        _fill(admin_user, line, Decimal(roi) if roi else None, cpl, last.end)

    # The channel review of last year: 渠道推广部's proposal accepted into this year's lines.
    budget.reallocation_accept(
        actor=admin_user,
        department=departments["MKT-CHANNEL"],
        period=last,
        note="年度渠道复盘：LinkedIn、EDM 的 ROI 低于 1，削减并测试新渠道",
    )
    # The other departments plan this year as last year, 10% more.
    for code, category, channel, planned, _roi, _cpl in LAST_YEAR:
        if code == "MKT-CHANNEL":
            continue
        budget.budget_line_create(
            actor=admin_user,
            period=this,
            department=departments[code],
            category=categories[category],
            channel=channels[channel] if channel else None,
            planned=Decimal(planned) * Decimal("1.1"),
        )
    cpls = {(code, channel): cpl for code, _c, channel, _p, _r, cpl in LAST_YEAR}
    for line in BudgetLine.objects.filter(period=this).select_related("department", "channel"):
        key = (line.department.code, line.channel.code if line.channel else None)
        roi = THIS_YEAR_ROI.get(key)
        _fill(admin_user, line, Decimal(roi) if roi else None, cpls.get(key) or 200, today)
