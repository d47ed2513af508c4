"""The demo organisation: loaded once, never duplicated, and carrying the seeds' own figures."""

from __future__ import annotations

from decimal import Decimal

from django.core.management import call_command

from lodestar.core.models import CompanySettings, Period
from lodestar.goals.models import Goal, GoalStatus, Measure
from lodestar.goals.rollup import rebuild_all
from lodestar.org.models import Department, Person


def counts():
    return (
        Department.objects.count(),
        Person.objects.count(),
        Period.objects.count(),
        Goal.objects.count(),
        Measure.objects.count(),
    )


def test_seed_twice_changes_nothing(demo):
    before = counts()
    assert before[0] == 13 and 28 <= before[1] <= 32
    call_command("seed_demo", verbosity=0)
    assert counts() == before
    assert CompanySettings.load().demo_seeded_at is not None


def test_seed_keeps_user_changes(demo):
    Person.objects.filter(user__username="linxiao").update(title="高级小红书运营")
    call_command("seed_demo", verbosity=0)
    assert Person.objects.get(user__username="linxiao").title == "高级小红书运营"


def test_demo_goal_set_has_the_seeds_figures(demo):
    sales = Goal.objects.get(name="新品A Q3销售额")
    exposure = Goal.objects.get(name="小红书品牌曝光")
    repurchase = Goal.objects.get(name="用户复购率提升")
    assert [sales.weight, exposure.weight, repurchase.weight] == [60, 30, 10]
    assert sales.measures.get(name="销售额").achievement_rate == Decimal("0.96")  # 480 / 500
    assert exposure.measures.get(name="曝光量").achievement_rate == Decimal("1.1")  # 220万 / 200万
    assert repurchase.measures.get().progress == Decimal("0.6")  # 15% → 20%, now 18%
    assert all(g.status == GoalStatus.ACTIVE for g in (sales, exposure, repurchase))
    gmv = Goal.objects.get(name="双11天猫GMV 1300万")
    measure = gmv.measures.get()
    assert measure.original_target == 1300 and measure.target == 1200
    assert gmv.adjustments.get().trigger == "竞品降价超过15%"


def test_demo_rollups_match_a_full_rebuild(demo):
    stored = {g.pk: (g.achievement_rate, g.progress, g.health) for g in Goal.objects.all()}
    rebuild_all()
    rebuilt = {g.pk: (g.achievement_rate, g.progress, g.health) for g in Goal.objects.all()}
    assert rebuilt == stored
