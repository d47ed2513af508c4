"""The split rules of a decomposition (goals/domain.py): sums, challenge shares and part names."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from lodestar.goals import domain

D = Decimal
cents = st.integers(min_value=1, max_value=10**10).map(lambda n: D(n) / 100)
weights = st.lists(st.integers(min_value=1, max_value=10**6).map(D), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(total=st.integers(min_value=-(10**9), max_value=10**9).map(lambda n: D(n) / 100), weights=weights)
def test_split_by_weights_sums_exactly_and_never_changes_sign(total, weights):
    parts = domain.split_by_weights(total, weights)
    assert sum(parts) == total
    quantum, weight_sum = D("0.01"), sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert part * total >= 0  # same sign as the total (or zero)
        assert abs(part - total * weight / weight_sum) < quantum  # within one cent of its exact share


def test_split_by_weights_where_rounding_everything_up_would_overshoot():
    # 0.05 by 30/30/30/10: rounding each share would give 0.02 × 3 = 0.06 and a negative last part.
    assert domain.split_by_weights(D("0.05"), [D(30), D(30), D(30), D(10)]) == [
        D("0.02"),
        D("0.02"),
        D("0.01"),
        D("0.00"),
    ]


@settings(max_examples=200, deadline=None)
@given(target=cents, stretch=cents, shares=weights)
def test_part_challenges_share_the_stretch_and_sum_to_the_parents(target, stretch, shares):
    amounts = domain.split_by_weights(target, shares)
    challenge = target + stretch
    parts = domain.part_challenges(target, challenge, amounts)
    assert sum(c if c is not None else a for c, a in zip(parts, amounts, strict=True)) == challenge
    assert all(c is None or c > a for c, a in zip(parts, amounts, strict=True))  # above the base target


def test_part_challenges_of_the_seed_example_and_of_a_lower_is_better_measure():
    assert domain.part_challenges(D(1000), D(1200), [D(400), D(600)]) == [D(480), D(720)]
    assert domain.part_challenges(D(100), D(90), [D(40), D(60)]) == [D(36), D(54)]  # 获客成本: below
    assert domain.part_challenges(D(1000), None, [D(400), D(600)]) == [None, None]


def test_amounts_must_add_up_to_the_target_exactly():
    assert domain.amounts_sum_error([D(300), D(200)], D(500)) is None
    assert domain.amounts_sum_error([D(300), D("199.99")], D(500)) == D("499.99")


@given(shares=st.lists(st.integers(min_value=1, max_value=9999).map(lambda n: D(n) / 100), min_size=2))
def test_shares_sum_rule_is_exactly_100_within_a_cent(shares):
    error = domain.shares_sum_error(shares)
    assert (error is None) == (abs(sum(shares) - 100) <= D("0.01"))


def test_a_part_is_named_after_itself_not_after_the_parents_old_target():
    name = domain.part_goal_name
    assert name("12月线上GMV 1000万", "内容营销部", [D(10_000_000)]) == "12月线上GMV · 内容营销部"
    assert name("12月线上GMV 1000万", "内容营销部", [D(1000), D(10_000_000)]) == "12月线上GMV · 内容营销部"
    assert name("新品A Q3销售额500万元", "抖音", [D(5_000_000)]) == "新品A Q3销售额 · 抖音"
    assert name("12月线上GMV ≥1,000万", "天猫", [D(10_000_000)]) == "12月线上GMV · 天猫"
    # Figures that are not the target stay: months, quarters, years, other numbers.
    assert name("2026年Q3新品A销售额", "抖音", [D(2026), D(3)]) == "2026年Q3新品A销售额 · 抖音"
    assert name("12月线上GMV 1000万", "天猫", [D(800)]) == "12月线上GMV 1000万 · 天猫"
    assert name("1000万", "天猫", [D(10_000_000)]) == "1000万 · 天猫"  # nothing left: the name stays


@given(label=st.text(min_size=1, max_size=40).filter(str.strip), stem=st.text(max_size=180))
def test_a_part_name_fits_the_column_and_ends_with_its_label_when_it_fits(label, stem):
    result = domain.part_goal_name(stem, label, [D(1000)])
    assert len(result) <= 200
    if len(stem) + len(label) < 150:
        assert result.endswith(" · " + label.strip())
