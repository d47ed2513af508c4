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


# --- one appraisal per person per period --------------------------------------------------------------


def test_start_is_refused_for_people_already_appraised_in_another_cycle_of_the_period(aw):
    hr = aw.user("hr")
    not_started = cycles.cycle_create(actor=hr, period=aw.q3, departments=[aw.org.mkt], name="还在设定")
    first = _started(aw)  # a cycle still in setup takes no one
    second = cycles.cycle_create(actor=hr, period=aw.q3, name="全公司 Q3")
    with pytest.raises(ConflictError) as exc:
        cycles.cycle_start(actor=hr, cycle=second, version=second.version)
    error = exc.value
    assert (error.status, error.code) == (409, "already_appraised")
    assert "林晓" in error.message and "1" in error.message
    assert [(e.code, e.message, e.extra) for e in error.errors] == [
        ("already_appraised", "林晓", {"person_id": aw.person.pk, "cycle_id": first.pk})
    ]
    # Nothing is written.
    second.refresh_from_db()
    assert (second.start_status, second.stage, second.version, second.start_total) == (
        StartStatus.NOT_STARTED,
        Stage.SETUP,
        1,
        0,
    )
    assert not Appraisal.objects.filter(cycle=second).exists()
    with pytest.raises(ConflictError):
        cycles.cycle_start(actor=hr, cycle=not_started, version=not_started.version)
    # Another period is another appraisal.
    q4 = aw.q3.__class__.objects.get(kind="quarter", key="FY2024-Q4")
    other = cycles.cycle_create(actor=hr, period=q4, departments=[aw.org.mkt])
    assert cycles.cycle_start(actor=hr, cycle=other, version=other.version).start_status == StartStatus.DONE


def test_a_cycle_being_started_on_the_worker_counts_and_the_worker_checks_again(aw, monkeypatch):
    hr = aw.user("hr")
    monkeypatch.setattr(cycles, "START_INLINE_LIMIT", 0)
    queued = cycles.cycle_create(actor=hr, period=aw.q3, departments=[aw.org.mkt], name="A")
    queued = cycles.cycle_start(actor=hr, cycle=queued, version=queued.version)
    assert queued.start_status == StartStatus.QUEUED  # the worker runs after the commit
    other = cycles.cycle_create(actor=hr, period=aw.q3, departments=[aw.org.mkt], name="B")
    with pytest.raises(ConflictError) as exc:
        cycles.cycle_start(actor=hr, cycle=other, version=other.version)
    assert exc.value.errors[0].extra == {"person_id": aw.person.pk, "cycle_id": queued.pk}
    # Queued by other means: the worker refuses it, creating nothing; a failed start takes no one.
    other.__class__.objects.filter(pk=other.pk).update(start_status=StartStatus.QUEUED)
    with pytest.raises(ConflictError):
        cycles.start_appraisals(other.pk)
    other.refresh_from_db()
    assert other.start_status == StartStatus.FAILED and "林晓" in other.start_error
    assert not Appraisal.objects.filter(cycle=other).exists()
    assert cycles.start_appraisals(queued.pk) == 1


def test_the_refusal_names_the_first_few_people_and_counts_them(aw):
    from lodestar.org.models import Person

    cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3)
    clashes = [(Person(pk=i, display_name=f"员工{i}"), 7) for i in range(1, 8)]
    error = cycles.already_appraised_error(cycle, clashes)
    assert "7" in error.message and "员工5" in error.message and "员工6" not in error.message
    assert [e.extra["person_id"] for e in error.errors] == list(range(1, 8))


# --- names, stage dates, plans ------------------------------------------------------------------------


def test_the_default_name_uses_the_period_label(aw):
    from django.utils import translation

    with translation.override("en"):
        cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3)
        assert cycle.name == f"{aw.q3.label} appraisal"
    with translation.override("zh-hans"):
        cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3)
        assert aw.q3.label in cycle.name


def test_a_stage_ending_before_the_previous_one_names_the_stage_and_its_field(aw):
    import datetime as dt

    from django.utils import translation

    rows = [
        {"stage": "self", "starts": dt.date(2024, 10, 1), "ends": dt.date(2024, 10, 5)},
        {"stage": "peer", "starts": dt.date(2024, 10, 8), "ends": dt.date(2024, 10, 9)},
        {"stage": "manager", "starts": dt.date(2024, 10, 2), "ends": dt.date(2024, 10, 4)},
    ]
    with translation.override("en"), pytest.raises(ApplicationError) as exc:
        cycles.clean_stage_dates(aw.q3, rows)
    assert exc.value.field == "stage_dates.2.ends"  # the row of 上级评, as sent
    assert exc.value.message == "Manager review ends before Self review."
    rows[2]["ends"] = dt.date(2024, 10, 6)
    rows[1]["starts"] = dt.date(2024, 10, 1)
    with pytest.raises(ApplicationError) as exc:
        cycles.clean_stage_dates(aw.q3, rows)
    assert exc.value.field == "stage_dates.1.starts"  # 跨部门评 starts before 上级评
    rows[1]["starts"] = dt.date(2024, 10, 7)
    assert [s.stage for s in cycles.clean_stage_dates(aw.q3, rows)] == ["self", "manager", "peer"]
    with pytest.raises(ApplicationError) as exc:
        cycles.clean_stage_dates(
            aw.q3, [{"stage": "self", "starts": dt.date(2024, 10, 5), "ends": dt.date(2024, 10, 1)}]
        )
    assert exc.value.field == "stage_dates.0.ends"


def test_publishing_opens_the_plan_an_upheld_appeal_would(aw):
    from lodestar.appraisal.services import pips

    cycle = _started(aw, grade_thresholds={"S": "99", "A": "95", "B": "90"})
    aw.rate_worked_example(cycle)
    cycle = cycles.cycle_advance(
        actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION
    )
    cycles.cycle_publish(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    pip = Pip.objects.get(person=aw.person)
    expected = pips.plan_for_grade(Appraisal.objects.get(cycle=cycle), today=pip.starts)
    assert expected is not None
    fields = ("person_id", "appraisal_id", "mentor_id", "starts", "ends", "check_dates")
    assert {f: getattr(pip, f) for f in fields} == {f: getattr(expected, f) for f in fields}


def test_publishing_opens_plans_through_plan_for_grade(aw, monkeypatch):
    from lodestar.appraisal.services import pips

    calls = []
    real = pips.plan_for_grade

    def spy(appraisal, **kwargs):
        calls.append(appraisal.pk)
        return real(appraisal, **kwargs)

    monkeypatch.setattr(pips, "plan_for_grade", spy)
    cycle = _started(aw, pip_on_c=False, grade_thresholds={"S": "99", "A": "95", "B": "90"})
    aw.rate_worked_example(cycle)
    cycle = cycles.cycle_advance(
        actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION
    )
    cycles.cycle_publish(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    assert not Pip.objects.exists()  # the cycle opens no plans: plan_for_grade is not even asked
    assert calls == []
