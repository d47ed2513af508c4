"""The budget world: the root organisation (星辰公司 › 市场部 › 内容组, 销售部) with fiscal years 2026 and 2027
and the seeds' channels and categories (migrations)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lodestar.budget.models import BudgetCategory
from lodestar.core.models import Period
from lodestar.metrics.models import Channel
from lodestar.org.periods_services import period_generate_fiscal_year


@dataclass
class BudgetWorld:
    org: object
    year: Period
    next_year: Period
    q1: Period

    def channel(self, code: str) -> Channel:
        return Channel.objects.get(code=code)

    def category(self, code: str) -> BudgetCategory:
        return BudgetCategory.objects.get(code=code)


@pytest.fixture
def bw(org) -> BudgetWorld:
    for year in (2026, 2027):
        period_generate_fiscal_year(actor=org.user("admin"), year=year)
    return BudgetWorld(
        org=org,
        year=Period.objects.get(kind="year", key="FY2026"),
        next_year=Period.objects.get(kind="year", key="FY2027"),
        q1=Period.objects.get(kind="quarter", key="FY2026-Q1"),
    )
