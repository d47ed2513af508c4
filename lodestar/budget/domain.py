"""Budget and channel ROI arithmetic (DOMAIN.md §6 "Resources, budget and ROI", §2 resources split).

Pure functions: `Decimal` in, `Decimal` out, no Django. A figure that is undefined (ROI with no spend,
cost per lead with no lead, a share of an empty budget) is `None`, never a fake 0 and never a division
by zero.

The seeds' rule (§6): rank channels by their ROI (attributed revenue / spend), cut those with ROI < 1,
move about 20% of the budget so freed to tested new channels. Here, precisely:

- A channel is **flagged for cutting** when it has spend and its ROI is below 1 (it brought back less
  than it cost). A channel without spend has no ROI and is never flagged.
- The **freed budget** is what the flagged channels would get again in the next period: their planned
  amount in the analysed period, carried forward (the accepted proposal gives them nothing next period).
- `test_share` of it (default 20%, configurable) goes to the **test channels** (channels not tried in
  the analysed scope), evenly.
- The rest (80% by default) goes **back to the kept channels** (spend and ROI ≥ 1) in proportion to
  their ROI, so the best channel gets the largest part. With no kept channel, or no test channel, that
  part is left **unallocated** and shown as such: the proposal never invents a channel to pay.
- Every split is exact to the cent: parts sum to the amount split (largest remainder, the goals'
  `split_by_weights`).

Splitting a planned amount over the months of its period reuses the decomposition wizard's rules
(DOMAIN.md §2 "time": shares of one split sum to 100%; the goals' `shares_sum_error`,
`amounts_sum_error`, `even_shares`, `split_by_weights`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from lodestar.core import parsing
from lodestar.goals.domain import amounts_sum_error, even_shares, shares_sum_error, split_by_weights

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

# The seeds' rule: ROI below this is cut (§6 "cut those with ROI < 1").
CUT_BELOW = ONE
# The seeds' rule: ~20% of the freed budget goes to tested new channels (§6).
DEFAULT_TEST_SHARE = Decimal("0.20")


def roi(revenue: Decimal, spend: Decimal) -> Decimal | None:
    """ROI = attributed revenue / spend (DOMAIN.md §6). None when nothing was spent: a channel with no
    spend has no ROI (neither 0 nor infinite). 30万 revenue on 10万 spend → 3."""
    if spend <= 0:
        return None
    return revenue / spend


def cost_per_lead(spend: Decimal, leads: int | Decimal) -> Decimal | None:
    """Cost per lead = spend / leads (DOMAIN.md §2 marketing tasks: "ROI, cost per lead"). None when
    there is no lead; 0 when leads came at no spend."""
    if leads <= 0:
        return None
    return spend / Decimal(leads)


def share(amount: Decimal, total: Decimal) -> Decimal | None:
    """A line's share of a budget (a fraction: 0.4 is 40%; DOMAIN.md §2 resources split, e.g. channel
    placement 40% + content 30% + events 20% + people 10%). None for an empty budget."""
    if total <= 0:
        return None
    return amount / total


def flagged_for_cut(value: Decimal | None) -> bool:
    """The seeds' rule (§6): a channel with ROI < 1 is cut. Undefined ROI (no spend) is never cut."""
    return value is not None and value < CUT_BELOW


def remaining(planned: Decimal, spent: Decimal) -> Decimal:
    """What is left of a planned amount (negative when overspent, so the overrun shows)."""
    return planned - spent


# --- the monthly split of a planned amount (DOMAIN.md §2 "time") ---


def month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first day of every month that the span [start, end] touches (a quarter → its 3 months)."""
    if end < start:
        return []
    months = []
    cursor = start.replace(day=1)
    while cursor <= end:
        months.append(cursor)
        cursor = (cursor.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


class SplitError(ValueError):
    """A split whose parts do not add up: `total` is their sum (for the message), `kind` which rule."""

    def __init__(self, kind: str, total: Decimal):
        super().__init__(kind)
        self.kind = kind
        self.total = total


def split_by_shares(amount: Decimal, shares: Sequence[Decimal] | None, count: int) -> list[Decimal]:
    """Split `amount` over `count` parts by percentage shares (the decomposition wizard's percent mode).

    No shares: an even split to the cent (100 over 3 → 33.34, 33.33, 33.33; 100000 over 12 months →
    8333.34 × 4 and 8333.33 × 8), not even 2-place shares (8.33% × 11 + 8.37% would put 8370 in the
    last month). Shares must sum to
    100% (`shares_sum_error`, else `SplitError("shares", sum)`) and none may be negative. The parts are
    exact to the cent and sum to `amount` (largest remainder): 500万 by 20/30/35/15 → 100万, 150万,
    175万, 75万."""
    if shares is None:
        return split_by_weights(amount, [ONE] * count, places=2)
    chosen = list(shares)
    if len(chosen) != count:
        raise SplitError("count", Decimal(len(chosen)))
    if any(s < 0 for s in chosen):
        raise SplitError("negative", sum(chosen, ZERO))
    error = shares_sum_error(chosen)
    if error is not None:
        raise SplitError("shares", error)
    return split_by_weights(amount, chosen, places=2)


def shares_of(amount: Decimal, parts: Sequence[Decimal]) -> list[Decimal]:
    """Each part's share of `amount` in percent, 4 places (even shares when the amount is 0)."""
    if amount <= 0:
        return even_shares(len(parts), places=4)
    return [(part / amount * HUNDRED).quantize(Decimal("0.0001")) for part in parts]


def check_amounts(amount: Decimal, parts: Sequence[Decimal]) -> None:
    """The wizard's amount mode: parts given as amounts must add up to the planned amount exactly
    (`amounts_sum_error`) and none may be negative; else `SplitError`."""
    if any(p < 0 for p in parts):
        raise SplitError("negative", sum(parts, ZERO))
    total = amounts_sum_error(parts, amount)
    if total is not None:
        raise SplitError("amounts", total)


# --- channel ranking and the reallocation proposal (DOMAIN.md §6) ---


class Recommendation(StrEnum):
    CUT = "cut"  # ROI < 1: its planned amount is freed
    INCREASE = "increase"  # ROI ≥ 1 and receives part of the freed budget
    KEEP = "keep"  # ROI ≥ 1, nothing to add (nothing was freed)
    TEST = "test"  # not tried in the analysed scope: receives the test share
    NO_SPEND = "no_spend"  # planned but nothing spent yet: no ROI, no advice


@dataclass(frozen=True)
class ChannelFigures:
    """One channel's figures over the analysed scope (its lines' sums)."""

    channel_id: int
    name: str
    planned: Decimal = ZERO
    spent: Decimal = ZERO
    revenue: Decimal = ZERO
    leads: int = 0
    tried: bool = True  # False: a candidate test channel (no budget line in the scope)


@dataclass(frozen=True)
class ChannelRow:
    """A ranked channel: its figures, ROI, cost per lead, share of the planned budget, advice and the
    amount the proposal moves to it (negative for a cut: minus its planned amount)."""

    figures: ChannelFigures
    roi: Decimal | None
    cost_per_lead: Decimal | None
    share: Decimal | None
    rank: int | None
    recommendation: Recommendation
    change: Decimal = ZERO

    @property
    def proposed(self) -> Decimal:
        """The channel's planned amount for the next period if the proposal is accepted."""
        return self.figures.planned + self.change


@dataclass(frozen=True)
class Proposal:
    """The reallocation the seeds' rule proposes (see the module docstring for each figure)."""

    rows: list[ChannelRow]
    test_share: Decimal
    freed: Decimal = ZERO
    to_tests: Decimal = ZERO
    to_kept: Decimal = ZERO
    unallocated: Decimal = ZERO
    notes: list[str] = field(default_factory=list)

    @property
    def has_moves(self) -> bool:
        return self.freed > 0

    @property
    def has_budget(self) -> bool:
        """Whether any channel has a budget line in the scope (the others are only candidate tests)."""
        return any(r.figures.tried for r in self.rows)


def rank_channels(channels: Sequence[ChannelFigures]) -> list[ChannelFigures]:
    """Channels by ROI, best first (DOMAIN.md §6 "rank channels by historical ROI"); channels without
    ROI (no spend) after them; ties by name then id, so the order is stable."""

    def key(c: ChannelFigures) -> tuple:
        value = roi(c.revenue, c.spent)
        return (value is None, -(value or ZERO), c.name, c.channel_id)

    return sorted(channels, key=key)


def propose_reallocation(
    channels: Sequence[ChannelFigures], *, test_share: Decimal = DEFAULT_TEST_SHARE
) -> Proposal:
    """Rank the channels and propose the seeds' reallocation (DOMAIN.md §6).

    freed = Σ planned of the channels with ROI < 1; to_tests = freed × test_share (evenly over the
    untried channels); to_kept = freed − to_tests (over the channels with ROI ≥ 1, in proportion to their
    ROI). A part with nobody to receive it is `unallocated`. Always: Σ change of all rows + unallocated
    = 0, and freed = to_tests + to_kept + unallocated, to the cent."""
    if not ZERO <= test_share <= ONE:
        raise ValueError("test_share must lie between 0 and 1")
    ordered = rank_channels([c for c in channels if c.tried])
    untried = sorted((c for c in channels if not c.tried), key=lambda c: (c.name, c.channel_id))
    total_planned = sum((c.planned for c in ordered), ZERO)

    rois = {c.channel_id: roi(c.revenue, c.spent) for c in ordered}
    cut = [c for c in ordered if flagged_for_cut(rois[c.channel_id])]
    kept = [c for c in ordered if rois[c.channel_id] is not None and not flagged_for_cut(rois[c.channel_id])]
    freed = sum((c.planned for c in cut), ZERO)

    wanted_tests = (freed * test_share).quantize(CENT) if freed > 0 else ZERO
    to_tests = wanted_tests if untried else ZERO
    wanted_kept = freed - wanted_tests
    kept_weights = [rois[c.channel_id] or ZERO for c in kept]
    to_kept = wanted_kept if kept and sum(kept_weights, ZERO) > 0 else ZERO
    unallocated = freed - to_tests - to_kept

    changes: dict[int, Decimal] = {c.channel_id: -c.planned for c in cut}
    if to_kept > 0:
        for c, part in zip(kept, split_by_weights(to_kept, kept_weights, places=2), strict=True):
            changes[c.channel_id] = part
    if to_tests > 0:
        for c, part in zip(untried, split_by_weights(to_tests, [ONE] * len(untried), places=2), strict=True):
            changes[c.channel_id] = part

    rows = []
    rank = 0
    for c in ordered:
        value = rois[c.channel_id]
        if value is None:
            advice, position = Recommendation.NO_SPEND, None
        else:
            rank += 1
            position = rank
            if flagged_for_cut(value):
                advice = Recommendation.CUT
            elif changes.get(c.channel_id, ZERO) > 0:
                advice = Recommendation.INCREASE
            else:
                advice = Recommendation.KEEP
        rows.append(
            ChannelRow(
                figures=c,
                roi=value,
                cost_per_lead=cost_per_lead(c.spent, c.leads),
                share=share(c.planned, total_planned),
                rank=position,
                recommendation=advice,
                change=changes.get(c.channel_id, ZERO),
            )
        )
    for c in untried:
        rows.append(
            ChannelRow(
                figures=c,
                roi=None,
                cost_per_lead=None,
                share=None,
                rank=None,
                recommendation=Recommendation.TEST,
                change=changes.get(c.channel_id, ZERO),
            )
        )
    notes = []
    if freed > 0 and not untried and wanted_tests > 0:
        notes.append("no_test_channel")
    if freed > 0 and to_kept == 0 and wanted_kept > 0:
        notes.append("no_kept_channel")
    return Proposal(
        rows=rows,
        test_share=test_share,
        freed=freed,
        to_tests=to_tests,
        to_kept=to_kept,
        unallocated=unallocated,
        notes=notes,
    )


# --- reading a spend file: the cells are read by the shared rules of lodestar.core.parsing ---


def parse_amount(text: str) -> Decimal | None:
    """A money cell: "1,234.50", "¥1,234.50", "1234.5元", "1.2万", "0.3亿" → Decimal to the cent; None
    when it is not a number (empty, "N/A", "abc") or has more than two decimals after scaling."""
    cleaned = text.strip().replace("¥", "").replace("￥", "").removesuffix("元").strip()
    try:
        value = parsing.parse_number(cleaned)
    except parsing.CellError:
        return None
    if value != value.quantize(CENT):
        return None
    return value.quantize(CENT)


def parse_date(text: str) -> dt.date | None:
    """A date cell: 2031/7/1, 2031-07-01, 2031.7.1, 2031年7月1日, an Excel serial (46935) or a
    datetime as a spreadsheet reader prints it; None when it is none of these or impossible (2031-02-30)."""
    try:
        return parsing.parse_date(text)
    except parsing.CellError:
        return None
