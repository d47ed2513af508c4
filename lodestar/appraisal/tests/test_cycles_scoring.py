"""Cycles from start to publish, scored from the frozen snapshot: DOMAIN.md's worked example end to end."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lodestar.appraisal.models import Appraisal, Pip, Review, ReviewRole, Stage, StartStatus
from lodestar.appraisal.services import cycles, scoring
from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.testing.factories import PositionFactory


def _started(aw, **settings):
    cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3, departments=[aw.org.mkt], **settings)
    return cycles.cycle_start(actor=aw.user("hr"), cycle=cycle, version=cycle.version)


def test_start_creates_every_appraisal_with_self_and_manager_reviews(aw):
    cycle = _started(aw)
    assert cycle.start_status == StartStatus.DONE
    assert cycle.stage == Stage.SELF
    appraisal = Appraisal.objects.get(cycle=cycle)
    assert appraisal.person == aw.person
    assert appraisal.manager == aw.org.person("mkt_manager")
    assert appraisal.pay_base == Decimal(10000)
    roles = set(Review.objects.filter(appraisal=appraisal).values_list("role", "reviewer_id"))
    assert roles == {(ReviewRole.SELF, aw.person.pk), (ReviewRole.MANAGER, aw.org.person("mkt_manager").pk)}


def test_people_without_a_position_or_template_are_left_out_with_the_reason(aw):
    cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3)
    included, skipped = cycles.people_in_scope(cycle)
    assert [p for p, _t in included] == [aw.person]
    reasons = {row["name"]: row["reason"] for row in skipped}
    assert reasons["赵敏"] == "no_position"
    other = aw.org.person("sales_manager")
    other.position = PositionFactory(name="销售岗")
    other.save()
    _included, skipped = cycles.people_in_scope(cycle)
    assert {row["name"]: row["reason"] for row in skipped}["王强"] == "no_template"


def test_only_hr_and_admins_run_cycles(aw):
    with pytest.raises(PermissionDeniedError):
        cycles.cycle_create(actor=aw.user("mkt_manager"), period=aw.q3)


def test_the_worked_example_scores_88_95_grade_a_bonus_12000(aw):
    cycle = _started(aw)
    aw.rate_worked_example(cycle)
    cycle = cycles.cycle_advance(
        actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION
    )
    appraisal = Appraisal.objects.get(cycle=cycle)
    scores = {c["name"]: (c["achievement"], c["score"]) for c in appraisal.components}
    assert scores == {
        "销售额": ("0.9600", "96.0000"),
        "客户留存率": ("1.3000", "120.0000"),
        "线索转化率": ("0.5500", "0.0000"),
        "方案创新": (None, "82.0000"),
        "团队协作": (None, "95.0000"),
    }
    assert appraisal.final_score == Decimal("88.95")
    assert appraisal.grade == "A"
    assert appraisal.bonus_coefficient == Decimal("1.20")
    assert appraisal.bonus_amount == Decimal("12000.00")
    teamwork = next(c for c in appraisal.components if c["name"] == "团队协作")
    assert teamwork["source"]["weights"] == {"manager": "0.7500", "self": "0.2500"}
    sales = next(c for c in appraisal.components if c["name"] == "销售额")
    assert sales["source"]["kind"] == "measure"
    assert sales["source"]["rows"][0]["actual"] == "96.00"


def test_a_quantitative_indicator_without_a_snapshot_leaves_the_final_open_and_blocks_publishing(aw):
    from lodestar.goals.models import Snapshot

    Snapshot.objects.filter(goal__name="Q3客户留存率").delete()
    cycle = _started(aw)
    aw.rate_worked_example(cycle)
    cycle = cycles.cycle_advance(
        actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION
    )
    appraisal = Appraisal.objects.get(cycle=cycle)
    assert appraisal.final_score is None
    assert appraisal.missing == [
        {"indicator_id": aw.indicators["客户留存率"].pk, "name": "客户留存率", "reason": "no_snapshot"}
    ]
    with pytest.raises(ConflictError) as exc:
        cycles.cycle_publish(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    assert exc.value.code == "unscored"


def test_a_cycle_formula_replaces_the_default_rule(aw):
    cycle = _started(aw, formula="0.7 * 定量 + 0.3 * 上级评")
    aw.rate_worked_example(cycle)
    scoring.score_appraisals(cycle)
    appraisal = Appraisal.objects.get(cycle=cycle)
    # 定量 = (40×96 + 20×120 + 10×0) / 70; 上级评 = (15×80 + 15×100) / 30 = 90
    expected = (Decimal("0.7") * (Decimal(40 * 96 + 20 * 120) / 70) + Decimal("0.3") * 90).quantize(
        Decimal("0.01")
    )
    assert appraisal.final_score == expected


def test_a_formula_with_an_unknown_name_is_refused_naming_the_field(aw):
    with pytest.raises(ApplicationError) as exc:
        cycles.cycle_create(actor=aw.user("hr"), period=aw.q3, formula="0.5 * 销售额 + __import__('os')")
    assert exc.value.field == "formula"


def test_reviewer_weights_must_sum_to_100(aw):
    with pytest.raises(ApplicationError) as exc:
        cycles.cycle_create(
            actor=aw.user("hr"), period=aw.q3, reviewer_weights={"manager": "60", "peer": "20", "self": "30"}
        )
    assert exc.value.field == "reviewer_weights"


def test_publishing_locks_the_cycle_and_a_c_opens_an_improvement_plan(aw):
    cycle = _started(aw, grade_thresholds={"S": "99", "A": "95", "B": "90"})
    aw.rate_worked_example(cycle)
    cycle = cycles.cycle_advance(
        actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION
    )
    cycle = cycles.cycle_publish(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    assert cycle.stage == Stage.PUBLISHED
    appraisal = Appraisal.objects.get(cycle=cycle)
    assert (appraisal.grade, appraisal.bonus_amount) == ("C", Decimal("8000.00"))
    pip = Pip.objects.get(person=aw.person)
    assert pip.mentor == aw.org.person("mkt_manager")
    assert scoring.score_appraisals(cycle) == 0  # published results are never rescored
    with pytest.raises(ConflictError):
        cycles.cycle_update(actor=aw.user("hr"), cycle=cycle, version=cycle.version, formula="定量")
