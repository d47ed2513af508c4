import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lodestar.budget import domain
from lodestar.budget.domain import ChannelFigures, Recommendation

D = Decimal
money = st.decimals(min_value=D("0"), max_value=D("1e9"), places=2)
positive = st.decimals(min_value=D("0.01"), max_value=D("1e9"), places=2)


def test_roi_is_revenue_over_spend():
    assert domain.roi(D(300000), D(100000)) == 3
    assert domain.roi(D(0), D(500)) == 0


def test_roi_is_undefined_without_spend():
    assert domain.roi(D(1000), D(0)) is None


def test_cost_per_lead_and_share():
    assert domain.cost_per_lead(D(10000), 40) == D(250)
    assert domain.cost_per_lead(D(10000), 0) is None
    assert domain.share(D(40), D(100)) == D("0.4")
    assert domain.share(D(40), D(0)) is None


def test_flagging_rule():
    assert domain.flagged_for_cut(D("0.99"))
    assert not domain.flagged_for_cut(D(1))
    assert not domain.flagged_for_cut(None)


@given(revenue=money, spend=positive)
def test_roi_times_spend_is_revenue(revenue, spend):
    value = domain.roi(revenue, spend)
    assert value is not None
    assert abs(value * spend - revenue) < D("1e-15") * max(revenue, 1)


def test_month_starts_of_a_quarter_and_a_year():
    assert domain.month_starts(dt.date(2026, 7, 1), dt.date(2026, 9, 30)) == [
        dt.date(2026, 7, 1),
        dt.date(2026, 8, 1),
        dt.date(2026, 9, 1),
    ]
    months = domain.month_starts(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert len(months) == 12 and months[-1] == dt.date(2026, 12, 1)


def test_the_seeds_time_split():
    parts = domain.split_by_shares(D(5000000), [D(20), D(30), D(35), D(15)], 4)
    assert parts == [D("1000000.00"), D("1500000.00"), D("1750000.00"), D("750000.00")]


def test_even_split_keeps_every_cent():
    parts = domain.split_by_shares(D(100), None, 3)
    assert sum(parts) == D(100)
    assert sorted(parts) == [D("33.33"), D("33.33"), D("33.34")]


def test_shares_must_sum_to_100():
    with pytest.raises(domain.SplitError) as caught:
        domain.split_by_shares(D(100), [D(50), D(40)], 2)
    assert caught.value.kind == "shares" and caught.value.total == D(90)


def test_amounts_must_add_up():
    domain.check_amounts(D(100), [D(60), D(40)])
    with pytest.raises(domain.SplitError) as caught:
        domain.check_amounts(D(100), [D(60), D(30)])
    assert caught.value.kind == "amounts"


@given(amount=money, count=st.integers(min_value=1, max_value=24))
def test_split_sums_to_the_cent_and_stays_positive(amount, count):
    parts = domain.split_by_shares(amount, None, count)
    assert sum(parts) == amount
    assert all(p >= 0 for p in parts)
    assert all(p == p.quantize(D("0.01")) for p in parts)


def _channels():
    return [
        ChannelFigures(1, "抖音", planned=D(400000), spent=D(380000), revenue=D(1520000), leads=1900),
        ChannelFigures(2, "天猫", planned=D(300000), spent=D(300000), revenue=D(600000), leads=600),
        ChannelFigures(3, "LinkedIn", planned=D(100000), spent=D(100000), revenue=D(60000), leads=120),
        ChannelFigures(4, "行业峰会", planned=D(50000), spent=D(50000), revenue=D(20000), leads=30),
        ChannelFigures(5, "EDM", planned=D(20000), spent=D(0)),
        ChannelFigures(6, "直播", tried=False),
        ChannelFigures(7, "小红书", tried=False),
    ]


def test_ranking_and_the_seeds_rule():
    proposal = domain.propose_reallocation(_channels())
    by_name = {row.figures.name: row for row in proposal.rows}
    assert [r.figures.name for r in proposal.rows if r.rank] == ["抖音", "天猫", "LinkedIn", "行业峰会"]
    assert by_name["抖音"].roi == 4 and by_name["天猫"].roi == 2
    assert by_name["LinkedIn"].recommendation == Recommendation.CUT
    assert by_name["行业峰会"].recommendation == Recommendation.CUT
    assert by_name["EDM"].recommendation == Recommendation.NO_SPEND and by_name["EDM"].roi is None
    # freed = the flagged channels' planned amounts (100000 + 50000); 20% to the two test channels
    assert proposal.freed == D(150000)
    assert proposal.to_tests == D(30000)
    assert by_name["直播"].change == D(15000) and by_name["小红书"].change == D(15000)
    assert by_name["直播"].recommendation == Recommendation.TEST
    # 80% back to the kept channels in proportion to their ROI (4 : 2)
    assert proposal.to_kept == D(120000)
    assert by_name["抖音"].change == D(80000) and by_name["天猫"].change == D(40000)
    assert by_name["抖音"].recommendation == Recommendation.INCREASE
    assert by_name["LinkedIn"].change == D(-100000) and by_name["LinkedIn"].proposed == 0
    assert proposal.unallocated == 0
    assert by_name["抖音"].share == D(400000) / D(870000)
    assert by_name["抖音"].cost_per_lead == D(200)


def test_the_test_share_is_configurable():
    proposal = domain.propose_reallocation(_channels(), test_share=D("0.5"))
    assert proposal.to_tests == D(75000) and proposal.to_kept == D(75000)


def test_without_test_channels_their_part_stays_unallocated():
    channels = [c for c in _channels() if c.tried]
    proposal = domain.propose_reallocation(channels)
    assert proposal.to_tests == 0 and proposal.unallocated == D(30000)
    assert "no_test_channel" in proposal.notes


def test_without_kept_channels_the_rest_stays_unallocated():
    channels = [ChannelFigures(3, "LinkedIn", planned=D(100), spent=D(100), revenue=D(50)), _channels()[5]]
    proposal = domain.propose_reallocation(channels)
    assert proposal.to_tests == D(20) and proposal.unallocated == D(80)


def test_nothing_flagged_moves_nothing():
    proposal = domain.propose_reallocation(_channels()[:2])
    assert not proposal.has_moves
    assert all(r.recommendation == Recommendation.KEEP for r in proposal.rows)


channel_figures = st.builds(
    ChannelFigures,
    channel_id=st.integers(min_value=1, max_value=10**6),
    name=st.sampled_from(["抖音", "天猫", "小红书", "EDM", "LinkedIn"]),
    planned=money,
    spent=money,
    revenue=money,
    leads=st.integers(min_value=0, max_value=10**6),
    tried=st.booleans(),
)


@given(
    channels=st.lists(channel_figures, max_size=8, unique_by=lambda c: c.channel_id),
    test_share=st.decimals(min_value=D(0), max_value=D(1), places=2),
)
def test_the_proposal_moves_exactly_what_it_frees(channels, test_share):
    proposal = domain.propose_reallocation(channels, test_share=test_share)
    assert proposal.freed == proposal.to_tests + proposal.to_kept + proposal.unallocated
    assert sum((r.change for r in proposal.rows), D(0)) + proposal.unallocated == 0
    assert all(r.proposed >= 0 for r in proposal.rows)
    assert all(r.change == r.change.quantize(D("0.01")) for r in proposal.rows)
    ranked = [r.roi for r in proposal.rows if r.rank is not None]
    assert ranked == sorted(ranked, reverse=True)
    for r in proposal.rows:
        assert (r.recommendation == Recommendation.CUT) == (r.roi is not None and r.roi < 1)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,234.50", D("1234.50")),
        ("¥933,940", D("933940.00")),
        ("1.2万", D("12000.00")),
        ("0.3亿", D("30000000.00")),
        ("500元", D("500.00")),
        ("N/A", None),
        ("", None),
        ("1.234", None),
    ],
)
def test_parse_amount(text, value):
    assert domain.parse_amount(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2031/7/1", dt.date(2031, 7, 1)),
        ("2031-07-01", dt.date(2031, 7, 1)),
        ("2031年7月1日", dt.date(2031, 7, 1)),
        ("2031-07-01 00:00:00", dt.date(2031, 7, 1)),
        ("46023", dt.date(2026, 1, 1)),
        ("2031-02-30", None),
        ("yesterday", None),
    ],
)
def test_parse_date(text, value):
    assert domain.parse_date(text) == value
