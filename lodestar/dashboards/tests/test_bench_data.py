"""The bench's generated money and source data (bench/generate.py) hold the rules the budget and
source-data pages assume: a line's months add up to its plan, spend lies in its quarter and not after
the bench's today, attribution only on placements, and a discrepancy exactly where the source's days
differ from the reported week beyond the tolerance (as `metrics.verification` would flag it)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from types import SimpleNamespace

from bench.generate import TODAY, TOLERANCE, build_money, build_org, build_sources
from bench.scales import SCALES
from lodestar.metrics import domain as metrics_domain

CHANNELS = {code: n for n, code in enumerate(
    ["douyin", "tmall", "xiaohongshu", "wechat", "live", "linkedin", "edm", "summit"], start=1
)}  # fmt: skip
CATEGORIES = {"channel": 1, "content": 2, "events": 3, "people": 4, "other": 5}


def quarters() -> list[SimpleNamespace]:
    bounds = [(1, 1, 3, 31), (4, 1, 6, 30), (7, 1, 9, 30), (10, 1, 12, 31)]
    return [
        SimpleNamespace(pk=n, start=dt.date(2026, a, b), end=dt.date(2026, c, d))
        for n, (a, b, c, d) in enumerate(bounds, start=1)
    ]


def test_budget_lines_split_spend_and_attribution():
    rng = random.Random(7)
    org = build_org(SCALES["S"], rng, 1)
    by_id = {q.pk: q for q in quarters()}
    lines, allocations, spends, attributions = build_money(org, rng, quarters(), CHANNELS, CATEGORIES)
    assert len(lines) >= (len(org.departments) - 1) * 4 * 3  # every unit, every quarter, ≥ 3 lines
    planned = {line[0]: line[5] for line in lines}
    split: dict[int, Decimal] = {}
    for _id, line, month, _share, amount in allocations:
        split[line] = split.get(line, Decimal(0)) + amount
    assert split == planned
    quarter_of = {line[0]: by_id[line[1]] for line in lines}
    for _id, line, day, amount, _source, _by in spends:
        assert quarter_of[line].start <= day <= min(quarter_of[line].end, TODAY) and amount > 0
    assert not any(by_id[line[1]].start > TODAY and line[0] in {s[1] for s in spends} for line in lines)
    placements = {line[0] for line in lines if line[3] == CATEGORIES["channel"]}
    assert attributions and {a[1] for a in attributions} <= placements


def test_discrepancies_exactly_where_the_source_differs_beyond_the_tolerance():
    rng = random.Random(11)
    weeks = [dt.date(2026, 1, 5) + dt.timedelta(weeks=n) for n in range(40)]
    verified = {
        measure: [(measure * 100 + n, monday, monday + dt.timedelta(days=6), Decimal("700.00")) for n, monday in enumerate(weeks)]
        for measure in (20, 40, 60)
    }  # fmt: skip
    sources, metrics, points, discrepancies = build_sources(rng, CHANNELS, verified, {20: 5, 40: 6, 60: 7})
    assert len({s[1] for s in sources}) == len(sources)
    assert len({(m[1], m[2]) for m in metrics}) == len(metrics)  # unique by source and name
    bound = {m[5]: m[0] for m in metrics if m[5] is not None}
    assert set(bound) == set(verified)
    days: dict[tuple[int, dt.date], Decimal] = {(p[1], p[3]): p[4] for p in points if p[2] is None}
    flagged = set()
    for measure, rows in verified.items():
        for _checkin, start, end, actual in rows:
            source = sum(days[(bound[measure], start + dt.timedelta(days=k))] for k in range(7))
            if metrics_domain.is_discrepancy(metrics_domain.difference_rate(actual, source), TOLERANCE):
                flagged.add((measure, start))
    assert flagged  # about one week in 25 of 120
    assert {(d[1], d[4]) for d in discrepancies} == flagged
    assert all(p[3] <= TODAY for p in points)
