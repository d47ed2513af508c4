"""The demo budgets: a year of lines with monthly spend and attribution, a channel below ROI 1 with the
proposal shown, last year's proposal accepted into this year's lines."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from lodestar.budget import selectors
from lodestar.budget.models import BudgetAllocation, BudgetLine, Reallocation, Spend
from lodestar.core.models import Period
from lodestar.org.models import Department, Person


def test_demo_budget_has_a_year_with_a_channel_to_cut(demo):
    today = timezone.localdate()
    last = Period.objects.get(kind="year", fiscal_year=today.year - 1)
    channel_dept = Department.objects.get(code="MKT-CHANNEL")
    lines = BudgetLine.objects.filter(period=last)
    assert lines.values("department").distinct().count() == 4
    for line in lines:
        assert sum(a.amount for a in line.allocations.all()) == line.planned
        assert line.allocations.count() == 12
    assert Spend.objects.filter(line__period=last).dates("date", "month").count() == 12
    proposal = selectors.channel_roi(None, last, channel_dept)
    cut = {row.figures.name for row in proposal.rows if row.recommendation == "cut"}
    assert cut == {"LinkedIn", "EDM"}
    reallocation = Reallocation.objects.get()
    assert reallocation.freed == 360000 and reallocation.to_tests == 72000
    this_year = BudgetLine.objects.filter(period=reallocation.to_period, department=channel_dept)
    assert not this_year.filter(channel__code__in=["linkedin", "edm"]).exists()
    assert this_year.filter(channel__code="summit").exists()
    # This year: 行业峰会 below 1 again, so this year's view recommends cutting it
    current = Period.objects.get(kind="year", fiscal_year=today.year)
    rows = selectors.channel_roi_list(None, current)
    assert any(r["recommendation"] == "cut" and r["roi"] is not None and r["roi"] < 1 for r in rows)
    assert BudgetAllocation.objects.filter(line__period=current).exists()


def test_demo_budget_pages_open_for_the_director(demo, client):
    director = Person.objects.get(user__username="zhaomin")
    client.force_login(director.user)
    last = Period.objects.get(kind="year", fiscal_year=timezone.localdate().year - 1)
    page = client.get(reverse("budget:channels"), {"period": last.pk})
    assert page.status_code == 200 and "LinkedIn" in page.content.decode()
    assert client.get(reverse("budget:lines"), {"period": last.pk}).status_code == 200
