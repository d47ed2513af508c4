"""The dashboards' budget panels (看板, issue 16; DOMAIN.md §6 "Resources, budget and ROI"): budget vs
spend per month, and the channels ranked by ROI with the seeds' advice.

Both read budget's dashboard selectors (`budget.selectors.budget_vs_spend_by_month`,
`channel_roi_list`): sums grouped in the database, a constant number of queries whatever the number
of lines, spend entries or months. The months of the chosen period count: a year's line shows in a
quarter's dashboard with the parts of its monthly split that fall in the quarter.

Who sees them: budget's own rule (`budget.access`): a reader who may not see budgets at all (a guest)
gets no budget panel (`None`: no empty box); any other reader the lines they may see — admins and HR
every line, a manager the departments they manage and below, a member their own department's.
On a department's dashboard, the lines of that department and those below it. A person's dashboard
has no budget panel: budget lines belong to departments, not to people.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from lodestar.budget import access as budget_access
from lodestar.budget import domain as budget_domain
from lodestar.budget import selectors as budget_selectors
from lodestar.core.numbers import amount_str, rate_str
from lodestar.dashboards.read_model import Column, Panel, Scope

ZERO = budget_domain.ZERO


def _department(scope: Scope):
    return scope.department if scope.kind == "department" else None


def _may_see(scope: Scope) -> bool:
    return scope.kind in ("company", "department") and budget_access.can_see_budgets(scope.user)


def recommendation_label(value: str) -> str:
    """The advice of `budget.domain.propose_reallocation` for people."""
    labels = {
        budget_domain.Recommendation.CUT: _("Flagged for cutting (ROI below 1)"),
        budget_domain.Recommendation.INCREASE: _("Increase"),
        budget_domain.Recommendation.KEEP: _("Keep"),
        budget_domain.Recommendation.TEST: _("Test channel"),
        budget_domain.Recommendation.NO_SPEND: _("No spend yet"),
    }
    return str(labels.get(budget_domain.Recommendation(value), value))


def budget_panel(scope: Scope) -> Panel | None:
    """Per month of the period: the planned amount (the lines' monthly split) and the spend, with both
    cumulated from the period's start, what remains of the plan to date and the share of it spent.
    One query (`budget_vs_spend_by_month`). None for a reader who may not see budgets."""
    if not _may_see(scope):
        return None
    months = budget_selectors.budget_vs_spend_by_month(scope.user, scope.period, _department(scope))
    rows = []
    if any(m["planned"] or m["spent"] for m in months):
        cumulative_planned = cumulative_spent = ZERO
        for month in months:
            cumulative_planned += month["planned"]
            cumulative_spent += month["spent"]
            rows.append(
                {
                    "month": month["month"].isoformat(),
                    "month_label": f"{month['month']:%Y-%m}",
                    "planned": amount_str(month["planned"]),
                    "spent": amount_str(month["spent"]),
                    "cumulative_planned": amount_str(cumulative_planned),
                    "cumulative_spent": amount_str(cumulative_spent),
                    "remaining": amount_str(budget_domain.remaining(cumulative_planned, cumulative_spent)),
                    "spent_share": rate_str(budget_domain.share(cumulative_spent, cumulative_planned)),
                }
            )
    return Panel(
        key="budget",
        title=_("Budget vs spend"),
        columns=[
            Column("month_label", _("Month")),
            Column("planned", _("Planned amount"), "money"),
            Column("spent", _("Spent"), "money"),
            Column("cumulative_planned", _("Planned to date"), "money"),
            Column("cumulative_spent", _("Spent to date"), "money"),
            Column("remaining", _("Remaining to date"), "money"),
            Column("spent_share", _("Spent of plan to date"), "rate"),
        ],
        rows=rows,
        note=_(
            "Bars: each month's planned amount (the lines' monthly split) and spend; lines: both added up from "
            "the period's start. Only the budget lines you may see are counted."
        ),
    )


def channel_roi_panel(scope: Scope) -> Panel | None:
    """The channels of the period's months ranked by ROI (attributed revenue ÷ spend) with cost per lead,
    share of the channels' planned budget and the seeds' advice (DOMAIN.md §6: ROI below 1 is flagged
    for cutting — `budget.domain.propose_reallocation` decides, not this panel). The reallocation itself
    is proposed and accepted on the budget's channel page (/budget/channels/). Two queries
    (`channel_roi_list`). None for a reader who may not see budgets."""
    if not _may_see(scope):
        return None
    rows = [
        {
            "rank": row["rank"],
            "channel": row["channel"],
            "channel_id": row["channel_id"],
            "planned": amount_str(row["planned"]),
            "share": rate_str(row["share"]),
            "spent": amount_str(row["spent"]),
            "attributed_revenue": amount_str(row["attributed_revenue"]),
            "leads": row["leads"],
            "roi": rate_str(row["roi"]),
            "cost_per_lead": amount_str(
                row["cost_per_lead"].quantize(budget_domain.CENT)
                if row["cost_per_lead"] is not None
                else None
            ),
            "recommendation": row["recommendation"],
            "recommendation_label": recommendation_label(row["recommendation"]),
            "flagged": row["flagged"],
        }
        for row in budget_selectors.channel_roi_list(scope.user, scope.period, _department(scope))
    ]
    return Panel(
        key="channel_roi",
        title=_("Channel ROI"),
        columns=[
            Column("rank", _("Rank"), "int"),
            Column("channel", _("Channel")),
            Column("roi", _("ROI"), "ratio"),
            Column("cost_per_lead", _("Cost per lead"), "money"),
            Column("share", _("Share of budget"), "rate"),
            Column("planned", _("Planned amount"), "money"),
            Column("spent", _("Spent"), "money"),
            Column("attributed_revenue", _("Attributed revenue"), "money"),
            Column("leads", _("Leads"), "int"),
            Column("recommendation_label", _("Recommendation")),
        ],
        rows=rows,
        note=_(
            "ROI = attributed revenue ÷ spend in the period's months; a channel with an ROI below 1 is flagged "
            "for cutting. Share: of the channels' planned budget. The reallocation is proposed on the channel ROI page."
        ),
    )
