"""Plans of countable things are whole numbers and a level is planned at its target (issue 13):
tracking.domain.whole_steps / whole_plan / level_plan / planned_between and goals.domain.countable /
planned_as_level; pure functions, no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from lodestar.goals import domain as goal_domain
from lodestar.tracking import domain
from lodestar.tracking.domain import PlanPoint

D = Decimal
START = dt.date(2026, 1, 1)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def test_fifty_notes_over_thirteen_weeks_are_whole_weeks_that_add_up():
    steps = domain.whole_steps(D(50), [D(50) / 13] * 13)
    assert steps == [D(4)] * 11 + [D(3)] * 2  # the pieces left over go to the earliest ties
    plan = domain.whole_plan(domain.even_plan(day(0), day(90), D(0), D(50)), D(0))
    assert all(p.expected_cumulative == p.expected_cumulative.to_integral_value() for p in plan)
    assert plan[-1].expected_cumulative == 50


def test_whole_steps_keep_a_fraction_and_a_falling_count():
    assert domain.whole_steps(D("50.5"), [D("25.25"), D("25.25")]) == [D(25), D("25.5")]
    assert domain.whole_steps(D(-30), [D(-10)] * 3) == [D(-10)] * 3
    assert domain.whole_steps(D(7), []) == []


def test_a_level_without_a_baseline_is_its_target_every_period():
    assert goal_domain.planned_as_level(False, None)
    assert not goal_domain.planned_as_level(False, D(15))  # 复购率 15% → 20% rises from its baseline
    assert not goal_domain.planned_as_level(True, None)
    plan = domain.level_plan(day(0), day(90), D(25))
    assert domain.expected_at(plan, day(3)) == 25 and domain.expected_at(plan, day(80)) == 25
    figures = goal_domain.MeasureFigures(
        direction=goal_domain.Direction.HIGHER, baseline=None, target=D(25), current=D(20), accumulates=False
    )
    assert goal_domain.planned_progress(figures, [], day(0), day(90), day(3)) == 1


def test_countable_units():
    assert goal_domain.countable("count", True) and goal_domain.countable("custom", True)
    assert goal_domain.countable("people", True)
    assert not goal_domain.countable("yuan", True) and not goal_domain.countable("wan_yuan", True)
    assert not goal_domain.countable("percent", True)
    assert not goal_domain.countable("count", False)  # 单篇平均点赞: an average of counts


totals = st.integers(min_value=-10_000, max_value=1_000_000).map(D)
weights = st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=60).filter(any)


@settings(max_examples=300, deadline=None)
@given(totals, weights)
def test_whole_steps_add_up_and_stay_next_to_the_exact_ones(total, raw):
    exact = [total * D(w) / D(sum(raw)) for w in raw]
    steps = domain.whole_steps(total, exact)
    assert sum(steps) == total
    for step, value in zip(steps, exact, strict=True):
        assert step == step.to_integral_value()
        assert abs(step - value) < 1  # the exact amount rounded down or up


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=0, max_value=5000),
    st.integers(min_value=0, max_value=5000),
    st.integers(min_value=1, max_value=31),
)
def test_a_whole_plan_reaches_the_target_and_its_weeks_are_whole(length, baseline, target, step_days):
    baseline, target = D(baseline), D(target)
    plan = domain.whole_plan(
        domain.even_plan(day(0), day(length), baseline, target, step_days=step_days), baseline
    )
    assert plan[-1].expected_cumulative == target
    values = [baseline, *(p.expected_cumulative for p in plan)]
    assert all(v == v.to_integral_value() for v in values)
    rising = target >= baseline
    assert all((b >= a) if rising else (b <= a) for a, b in pairwise(values))
    # Weeks (Monday to Sunday) across the period: each whole, together the plan's rise.
    monday = day(0) - dt.timedelta(days=day(0).weekday())
    weeks = []
    while monday <= day(length):
        weeks.append(domain.planned_between(plan, monday, monday + dt.timedelta(days=6), whole=True))
        monday += dt.timedelta(days=7)
    assert all(w == w.to_integral_value() for w in weeks)
    first = domain.expected_at(plan, day(-1))
    assert sum(weeks) == target - first


def test_planned_between_without_whole_is_unchanged():
    plan = [PlanPoint(day(0), D(0)), PlanPoint(day(10), D(10))]
    assert domain.planned_between(plan, day(1), day(3)) == D(3)
    assert domain.planned_between([], day(1), day(3)) is None
