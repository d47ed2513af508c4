"""Plans as the measure's kind wants them (issue 13): whole numbers for counted things, the target
level every period for a level without a baseline, through the plan service and the weekly report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lodestar.goals.models import GoalKind
from lodestar.tracking import domain, selectors, services
from lodestar.tracking.services.plans import generated_plan
from lodestar.tracking.tests.support import fresh, measure_spec

D = Decimal


def measure_of(make_goal, activate, name, **spec):
    goal = activate(make_goal(name, kind=GoalKind.KPI, measures=[measure_spec(name, **spec)]))
    return goal.measures.get()


def test_a_counted_measure_plans_whole_notes_every_week(world, make_goal, activate):
    notes = measure_of(make_goal, activate, "笔记篇数", target="50", unit="custom", unit_label="篇")
    for source in ("even", None):
        if source:
            services.plan_set(actor=fresh(world.mkt_manager), measure=notes, source=source)
        plan = services.measure_plan(type(notes).objects.prefetch_related("plan_points").get(pk=notes.pk))
        assert all(p.expected_cumulative % 1 == 0 for p in plan) and plan[-1].expected_cumulative == 50
        weeks = [
            selectors.week_plan(
                plan, selectors.week_of(world.year.start + dt.timedelta(days=7 * n)), whole=True
            )
            for n in range(53)
        ]
        assert all(w % 1 == 0 for w in weeks) and all(w in (0, 1, 2) for w in weeks)


def test_money_keeps_its_decimals_and_a_level_is_its_target_every_week(world, make_goal, activate):
    money = measure_of(make_goal, activate, "销售额", target="500", unit="wan_yuan")
    plan = services.plan_set(actor=fresh(world.mkt_manager), measure=money, source="even")
    assert any(p.expected_cumulative % 1 for p in plan)  # 万元 is not counted in whole pieces
    rate = measure_of(make_goal, activate, "转化率", target="25", unit="percent", accumulates=False)
    plan = services.plan_set(actor=fresh(world.mkt_manager), measure=rate, source="even")
    assert [p.expected_cumulative for p in plan] == [D(25), D(25)]  # not a ramp from 0
    unplanned = measure_of(make_goal, activate, "客单价", target="300", unit="yuan", accumulates=False)
    plan = services.measure_plan(unplanned)
    assert domain.expected_at(plan, world.year.start) == 300
    # The weekly report plans a level as where it should stand at the week's end: the target.
    assert domain.expected_at(plan, selectors.week_of(dt.date(2026, 4, 8)).end) == 300


def test_the_default_plan_is_the_generated_even_plan_and_each_caller_gets_its_own_list(
    world, make_goal, activate
):
    """`measure_plan` keeps the generated plans by what they depend on (a dashboard draws 25 a request):
    what it returns is what `generated_plan` makes of the even plan, for every kind, every time."""
    measures = [
        measure_of(make_goal, activate, "笔记篇数", target="50", unit="custom", unit_label="篇"),
        measure_of(make_goal, activate, "销售额", target="500", unit="wan_yuan"),
        measure_of(make_goal, activate, "客单价", target="300", unit="yuan", accumulates=False),
        measure_of(
            make_goal, activate, "复购率", target="30", unit="percent", accumulates=False, baseline="15"
        ),
    ]
    for measure in measures:
        period = measure.goal.period
        baseline = measure.baseline if measure.baseline is not None else D(0)
        expected = generated_plan(
            measure, domain.even_plan(period.start, period.end, baseline, measure.target)
        )
        first = services.measure_plan(measure)
        first.append(domain.PlanPoint(period.end, D(-1)))  # a caller's change stays its own
        assert services.measure_plan(measure) == expected, measure.name
    # 500 and 500.00 are the same target but not the same figures on the page
    money = measures[1]
    money.target = D("500.00")
    assert services.measure_plan(money)[-1].expected_cumulative.as_tuple() == D("500.00").as_tuple()
    money.target = D("500")
    assert services.measure_plan(money)[-1].expected_cumulative.as_tuple() == D("500").as_tuple()
