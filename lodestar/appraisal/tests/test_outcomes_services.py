"""What follows a published result: composites, appeals, feedback meetings, improvement plans and
promotion candidates, through their services and selectors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lodestar.appraisal import access, outcome_selectors
from lodestar.appraisal.models import (
    AppealStatus,
    Appraisal,
    CalibrationMove,
    CommitteeArea,
    Composite,
    Pip,
    PipCheck,
    PipOutcome,
    Stage,
)
from lodestar.appraisal.services import appeals, composites, feedback, pips
from lodestar.appraisal.tests.outcomes_helpers import (
    fy2024,
    publish_worked_example,
    published,
    with_direct_manager,
)
from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.models import Period
from lodestar.notifications.models import Notification
from lodestar.testing.factories import CommitteeMemberFactory, PipFactory
from lodestar.testing.organisation import add_simple_person, fresh_user

# --- composites ---------------------------------------------------------------------------------


def _year():
    return Period.objects.get(kind="year", fiscal_year=2024)


def test_the_composite_worked_example_is_90_18(aw):
    months = fy2024("month")
    for period, final in zip(months[:3], ("80", "90", "100"), strict=True):
        published(aw, period, final)
    published(aw, fy2024("quarter")[2], "88.95", "A")
    published(aw, _year(), "92")
    published(aw, fy2024("month")[4], "10", stage=Stage.CALIBRATION)  # not published: left out
    composite = composites.composite_compute(actor=aw.user("hr"), person=aw.person, year_period=_year())
    assert composite.final_score == Decimal("90.18")
    assert composite.grade == "A"
    parts = {p["part"]: p for p in composite.parts}
    assert [f["final_score"] for f in parts["month"]["finals"]] == ["80.00", "90.00", "100.00"]
    assert parts["month"]["mean"] == "90.0000"
    assert (parts["quarter"]["effective_weight"], parts["year"]["effective_weight"]) == ("0.4000", "0.3000")
    assert not any(p["missing"] for p in composite.parts)


def test_a_missing_part_is_left_out_renormalised_and_marked(aw):
    published(aw, fy2024("quarter")[2], "88.95", "A")
    published(aw, _year(), "92")
    composite = composites.composite_compute(actor=aw.user("hr"), person=aw.person, year_period=_year())
    parts = {p["part"]: p for p in composite.parts}
    assert parts["month"]["missing"] is True
    assert parts["month"]["effective_weight"] is None
    assert parts["quarter"]["effective_weight"] == "0.5714"
    expected = ((Decimal("0.4") * Decimal("88.95") + Decimal("0.3") * 92) / Decimal("0.7")).quantize(
        Decimal("0.01")
    )
    assert composite.final_score == expected


def test_composite_weights_must_sum_to_100_and_only_hr_computes(aw):
    with pytest.raises(ApplicationError) as exc:
        composites.composite_compute(
            actor=aw.user("hr"),
            person=aw.person,
            year_period=_year(),
            weights={"month": "30", "quarter": "30", "year": "30"},
        )
    assert exc.value.field == "weights"
    with pytest.raises(PermissionDeniedError):
        composites.composite_compute(actor=aw.user("mkt_manager"), person=aw.person, year_period=_year())
    with pytest.raises(ApplicationError) as exc:
        composites.composite_compute(actor=aw.user("hr"), person=aw.person, year_period=aw.q3)
    assert exc.value.field == "year_period_id"


def test_composites_for_the_year_in_constant_queries(aw, django_assert_max_num_queries):
    quarter = fy2024("quarter")[2]
    people = [add_simple_person(f"p{i}", f"员工{i}", aw.org.content) for i in range(6)]
    for i, person in enumerate(people):
        published(aw, quarter, str(80 + i), person=person)
    published(aw, quarter, "90")
    composites.composite_compute(actor=aw.user("hr"), person=aw.person, year_period=_year())
    with django_assert_max_num_queries(12):
        count = composites.composites_compute_for_year(actor=aw.user("hr"), year_period=_year())
    assert count == 7
    assert Composite.objects.filter(year_period=_year()).count() == 7
    assert Composite.objects.get(person=aw.person).version == 2


# --- appeals ------------------------------------------------------------------------------------


def test_an_upheld_appeal_moves_the_grade_and_bonus_with_a_move_linked_to_it(
    aw, django_capture_on_commit_callbacks
):
    appraisal = publish_worked_example(aw)
    assert (appraisal.grade, appraisal.bonus_amount) == ("A", Decimal("12000.00"))
    committee = aw.org.person("sales_manager")
    CommitteeMemberFactory(person=committee, area=CommitteeArea.MARKETING)
    with django_capture_on_commit_callbacks(execute=True):
        appeal = appeals.appeal_create(
            actor=aw.user("member"), appraisal=appraisal, reason="7月补录的留存数据未计入"
        )
    assert Notification.objects.filter(recipient=committee, verb="appraisal").exists()
    with pytest.raises(ConflictError):
        appeals.appeal_create(actor=aw.user("member"), appraisal=appraisal, reason="再次申诉")
    with pytest.raises(PermissionDeniedError):
        appeals.appeal_decide(
            actor=aw.user("mkt_manager"), appeal=appeal, status="upheld", decision="同意", new_grade="S"
        )
    with django_capture_on_commit_callbacks(execute=True):
        decided = appeals.appeal_decide(
            actor=fresh(committee),
            appeal=appeal,
            status="upheld",
            decision="补录数据属实，调整为S",
            new_grade="S",
        )
    assert decided.status == AppealStatus.UPHELD
    appraisal = Appraisal.objects.get(pk=appraisal.pk)
    assert (appraisal.calibrated_grade, appraisal.effective_grade) == ("S", "S")
    assert (appraisal.bonus_coefficient, appraisal.bonus_amount) == (Decimal("1.50"), Decimal("15000.00"))
    move = CalibrationMove.objects.get(appraisal=appraisal)
    assert (move.from_grade, move.to_grade, move.appeal_id, move.reason) == (
        "A",
        "S",
        appeal.pk,
        "补录数据属实，调整为S",
    )
    assert Notification.objects.filter(recipient=aw.person, url=f"/appraisal/{appraisal.pk}/").exists()
    with pytest.raises(ConflictError):
        appeals.appeal_decide(actor=aw.user("admin"), appeal=decided, status="rejected", decision="x")


def fresh(person):
    from lodestar.testing.organisation import fresh_user

    return fresh_user(person)


def test_a_rejected_appeal_changes_nothing_and_a_grade_needs_upheld(aw):
    appraisal = publish_worked_example(aw)
    appeal = appeals.appeal_create(actor=aw.user("member"), appraisal=appraisal, reason="理由")
    with pytest.raises(ApplicationError) as exc:
        appeals.appeal_decide(
            actor=aw.user("admin"), appeal=appeal, status="rejected", decision="x", new_grade="S"
        )
    assert exc.value.field == "new_grade"
    with pytest.raises(ApplicationError) as exc:
        appeals.appeal_decide(actor=aw.user("admin"), appeal=appeal, status="upheld", decision="")
    assert exc.value.field == "decision"
    appeals.appeal_decide(actor=aw.user("admin"), appeal=appeal, status="rejected", decision="数据无误")
    appraisal.refresh_from_db()
    assert (appraisal.effective_grade, appraisal.bonus_amount) == ("A", Decimal("12000.00"))
    assert not CalibrationMove.objects.exists()
    # decided: the person may appeal again
    appeals.appeal_create(actor=aw.user("member"), appraisal=appraisal, reason="补充材料")


def test_only_the_person_appeals_and_only_once_published(aw):
    appraisal = published(aw, aw.q3, "70", "B", stage=Stage.CALIBRATION)
    with pytest.raises(ConflictError):
        appeals.appeal_create(actor=aw.user("member"), appraisal=appraisal, reason="x")
    appraisal = published(aw, fy2024("quarter")[1], "70", "B")
    with pytest.raises(PermissionDeniedError):
        appeals.appeal_create(actor=aw.user("mkt_manager"), appraisal=appraisal, reason="x")


# --- feedback meetings --------------------------------------------------------------------------


def test_feedback_acknowledged_by_both_and_rewriting_clears_the_acknowledgements(aw):
    appraisal = publish_worked_example(aw)
    meeting = feedback.feedback_save(
        actor=aw.user("mkt_manager"),
        appraisal=appraisal,
        held_on=dt.date(2024, 10, 15),
        notes="达成率96%，留存表现突出",
        data_and_examples="客户留存率130%",
        next_steps="线索转化率提升到8%",
    )
    with pytest.raises(PermissionDeniedError):
        feedback.feedback_acknowledge(actor=aw.user("sales_manager"), appraisal=appraisal)
    feedback.feedback_acknowledge(actor=aw.user("member"), appraisal=appraisal)
    with pytest.raises(ConflictError):
        feedback.feedback_acknowledge(actor=aw.user("member"), appraisal=appraisal)
    meeting = feedback.feedback_acknowledge(actor=aw.user("mkt_manager"), appraisal=appraisal)
    assert meeting.person_ack_at is not None and meeting.manager_ack_at is not None
    meeting = feedback.feedback_save(
        actor=aw.user("hr"),
        appraisal=appraisal,
        held_on=dt.date(2024, 10, 16),
        notes="补充：转化率",
        version=meeting.version,
    )
    assert meeting.person_ack_at is None and meeting.manager_ack_at is None


def test_feedback_needs_a_published_result_notes_and_a_writer(aw):
    appraisal = published(aw, aw.q3, "70", "B", stage=Stage.CALIBRATION)
    with pytest.raises(ConflictError):
        feedback.feedback_save(
            actor=aw.user("hr"), appraisal=appraisal, held_on=dt.date(2024, 10, 1), notes="x"
        )
    appraisal = published(aw, fy2024("quarter")[1], "70", "B")
    with pytest.raises(ApplicationError) as exc:
        feedback.feedback_save(
            actor=aw.user("hr"), appraisal=appraisal, held_on=dt.date(2024, 10, 1), notes=" "
        )
    assert exc.value.field == "notes"
    with pytest.raises(PermissionDeniedError):
        feedback.feedback_save(
            actor=aw.user("member"), appraisal=appraisal, held_on=dt.date(2024, 10, 1), notes="x"
        )


def test_feedback_is_written_and_acknowledged_by_the_direct_manager_not_a_skip_level_one(aw):
    appraisal = published(aw, fy2024("quarter")[1], "70", "B")
    lead = with_direct_manager(aw, appraisal)
    skip_level = aw.user("mkt_manager")
    assert access.can_see_appraisal(skip_level, appraisal)  # the line above still reads it
    assert not access.can_write_feedback(skip_level, appraisal)
    with pytest.raises(PermissionDeniedError):
        feedback.feedback_save(actor=skip_level, appraisal=appraisal, held_on=dt.date(2024, 10, 1), notes="x")
    meeting = feedback.feedback_save(
        actor=fresh_user(lead), appraisal=appraisal, held_on=dt.date(2024, 10, 1), notes="达成率良好"
    )
    assert not access.can_acknowledge_feedback(aw.user("mkt_manager"), meeting)
    with pytest.raises(PermissionDeniedError):
        feedback.feedback_acknowledge(actor=aw.user("mkt_manager"), appraisal=appraisal)
    with pytest.raises(PermissionDeniedError):  # HR writes the notes, but only the two sides acknowledge
        feedback.feedback_acknowledge(actor=aw.user("hr"), appraisal=appraisal)
    meeting = feedback.feedback_acknowledge(actor=fresh_user(lead), appraisal=appraisal)
    assert meeting.manager_ack_at is not None and meeting.person_ack_at is None
    meeting = feedback.feedback_acknowledge(actor=aw.user("member"), appraisal=appraisal)
    assert meeting.person_ack_at is not None
    meeting = feedback.feedback_save(
        actor=aw.user("hr"),
        appraisal=appraisal,
        held_on=dt.date(2024, 10, 2),
        notes="补充",
        version=meeting.version,
    )
    assert meeting.written_by.user_id == aw.user("hr").pk


# --- improvement plans --------------------------------------------------------------------------


def test_the_improvement_plan_flow(aw):
    appraisal = publish_worked_example(aw, grade_thresholds={"S": "99", "A": "95", "B": "90"})
    pip = Pip.objects.get(appraisal=appraisal)  # opened by publishing (grade C)
    manager = aw.org.person("mkt_manager")
    assert pip.mentor == manager
    dates = [pip.starts + dt.timedelta(days=d) for d in (20, 45)]
    pip = pips.pip_update(
        actor=aw.user("mkt_manager"),
        pip=pip,
        version=pip.version,
        goals="线索转化率提升到8%",
        check_dates=[d.isoformat() for d in dates],
    )
    assert pip.check_dates == [d.isoformat() for d in dates]
    with pytest.raises(ApplicationError) as exc:
        pips.pip_update(
            actor=aw.user("hr"), pip=pip, check_dates=[(pip.ends + dt.timedelta(days=1)).isoformat()]
        )
    assert exc.value.field == "check_dates"
    check = pips.pip_check_record(
        actor=aw.user("mkt_manager"), pip=pip, date=dates[0], on_track=False, note="6%"
    )
    assert (check.on_track, check.recorded_by) == (False, manager)
    with pytest.raises(ApplicationError):
        pips.pip_check_record(actor=aw.user("hr"), pip=pip, date=pip.starts, on_track=True)
    with pytest.raises(ApplicationError) as exc:  # a recorded date cannot be dropped
        pips.pip_update(actor=aw.user("hr"), pip=pip, check_dates=[dates[1].isoformat()])
    assert exc.value.code == "check_recorded"
    with pytest.raises(PermissionDeniedError):
        pips.pip_close(actor=aw.user("member"), pip=pip, outcome="improved", outcome_note="x")
    pip = pips.pip_close(actor=aw.user("hr"), pip=pip, outcome="improved", outcome_note="转化率达到8.2%")
    assert (pip.outcome, pip.closed_at is not None) == (PipOutcome.IMPROVED, True)
    with pytest.raises(ConflictError):
        pips.pip_check_record(actor=aw.user("hr"), pip=pip, date=dates[1], on_track=True)
    assert PipCheck.objects.filter(pip=pip).count() == 1


def test_who_opens_and_sees_plans(aw):
    with pytest.raises(PermissionDeniedError):
        pips.pip_create(actor=aw.user("sales_manager"), person=aw.person, goals="x")
    with pytest.raises(PermissionDeniedError):
        pips.pip_create(actor=aw.user("member"), person=aw.person, goals="x")
    pip = pips.pip_create(
        actor=aw.user("mkt_manager"), person=aw.person, goals="x", mentor=aw.org.person("sales_manager")
    )
    assert len(pip.check_dates) == 3
    from lodestar.appraisal import access

    for role, sees in {
        "member": True,
        "mkt_manager": True,
        "sales_manager": True,
        "hr": True,
        "viewer": False,
    }.items():
        assert access.visible_pips(aw.user(role)).filter(pk=pip.pk).exists() is sees, role
    other = PipFactory(person=aw.org.person("sales_manager"))
    assert not access.visible_pips(aw.user("mkt_manager")).filter(pk=other.pk).exists()
    # the mentor records checks but does not close
    check = pips.pip_check_record(
        actor=aw.user("sales_manager"), pip=pip, date=dt.date.fromisoformat(pip.check_dates[0]), on_track=True
    )
    assert check.on_track
    with pytest.raises(PermissionDeniedError):
        pips.pip_close(actor=aw.user("sales_manager"), pip=pip, outcome="improved", outcome_note="x")


def test_a_mentor_is_an_active_person_who_can_write(aw):
    guest = aw.org.person("viewer")  # a read-only viewer: the demo's guest
    assert not access.can_mentor(guest)
    assert access.can_mentor(aw.org.person("sales_manager")) and access.can_mentor(aw.org.person("admin"))
    assert not access.mentor_candidates().filter(pk=guest.pk).exists()
    with pytest.raises(ApplicationError) as exc:
        pips.pip_create(actor=aw.user("hr"), person=aw.person, goals="x", mentor=guest)
    assert (exc.value.field, exc.value.code) == ("mentor_id", "mentor_read_only")
    assert not Pip.objects.filter(person=aw.person).exists()
    pip = pips.pip_create(
        actor=aw.user("hr"), person=aw.person, goals="x", mentor=aw.org.person("sales_manager")
    )
    with pytest.raises(ApplicationError) as exc:
        pips.pip_update(actor=aw.user("hr"), pip=pip, version=pip.version, mentor=guest)
    assert (exc.value.field, exc.value.code) == ("mentor_id", "mentor_read_only")
    pip.refresh_from_db()
    assert pip.mentor == aw.org.person("sales_manager")
    leaver = add_simple_person("leaver", "离职者", aw.org.mkt, is_active=False)
    assert not access.can_mentor(leaver)
    with pytest.raises(ApplicationError) as exc:
        pips.pip_update(actor=aw.user("hr"), pip=pip, version=pip.version, mentor=leaver)
    assert exc.value.field == "mentor_id"
    # a superuser keeps writing whatever their role says
    superuser = add_simple_person("root2", "超级管理员", aw.org.company, role="viewer")
    superuser.user.is_superuser = True
    superuser.user.save()
    assert access.can_mentor(superuser) and access.mentor_candidates().filter(pk=superuser.pk).exists()


def test_a_plan_from_an_appraisal_whose_manager_is_a_guest_opens_without_a_mentor(aw):
    appraisal = published(aw, fy2024("quarter")[1], "60", "C")
    appraisal.manager = aw.org.person("viewer")
    appraisal.save()
    pip = pips.pip_create(actor=aw.user("hr"), person=aw.person, appraisal=appraisal, goals="提升转化率")
    assert pip.mentor is None


def _uphold(aw, appraisal, new_grade, decision="补录数据属实"):
    appeal = appeals.appeal_create(actor=aw.user("member"), appraisal=appraisal, reason="数据有误")
    return appeals.appeal_decide(
        actor=aw.user("admin"), appeal=appeal, status="upheld", decision=decision, new_grade=new_grade
    )


def test_an_appeal_down_to_c_opens_a_plan_as_publishing_does(aw, django_capture_on_commit_callbacks):
    appraisal = publish_worked_example(aw)  # A: no plan
    assert not Pip.objects.filter(appraisal=appraisal).exists()
    with django_capture_on_commit_callbacks(execute=True):
        _uphold(aw, appraisal, "C")
    pip = Pip.objects.get(appraisal=appraisal)
    assert (pip.person, pip.mentor, pip.closed_at) == (aw.person, aw.org.person("mkt_manager"), None)
    assert (pip.ends - pip.starts).days == pips.PIP_DAYS
    assert pip.check_dates == [(pip.starts + dt.timedelta(days=d)).isoformat() for d in (30, 60, 90)]
    assert Notification.objects.filter(recipient=aw.person, url=f"/appraisal/pips/{pip.pk}/").exists()


def test_an_appeal_opens_no_second_plan_and_none_when_the_cycle_says_so(aw):
    appraisal = publish_worked_example(
        aw,
        grade_thresholds={"S": "99", "A": "95", "B": "90", "C": "80"},
        bonus_coefficients={"S": "1.5", "A": "1.2", "B": "1", "C": "0.8", "D": "0.5"},
    )
    assert appraisal.effective_grade == "C"
    pip = Pip.objects.get(appraisal=appraisal)  # opened by publishing
    _uphold(aw, appraisal, "D")  # C → D: the plan in progress stays, no second one
    assert list(Pip.objects.filter(appraisal=appraisal)) == [pip]
    pip.refresh_from_db()
    assert pip.closed_at is None

    other = published(aw, fy2024("quarter")[1], "88", "A")
    other.cycle.pip_on_c = False
    other.cycle.save()
    _uphold(aw, other, "C")
    assert not Pip.objects.filter(appraisal=other).exists()


def test_an_appeal_up_from_c_closes_the_plan_with_the_reason(aw, django_capture_on_commit_callbacks):
    appraisal = publish_worked_example(aw, grade_thresholds={"S": "99", "A": "95", "B": "90"})
    pip = Pip.objects.get(appraisal=appraisal)
    version = pip.version
    with django_capture_on_commit_callbacks(execute=True):
        _uphold(aw, appraisal, "B", decision="快照漏计7月补录数据")
    pip.refresh_from_db()
    assert pip.closed_at is not None and pip.version == version + 1
    assert pip.outcome == PipOutcome.IMPROVED  # the closest outcome: the model has no "cancelled"
    assert "C" in pip.outcome_note and "B" in pip.outcome_note and "快照漏计7月补录数据" in pip.outcome_note
    assert Notification.objects.filter(recipient=aw.person, url=f"/appraisal/pips/{pip.pk}/").exists()
    # back down to C by a later appeal: a new plan opens (the closed one is done with)
    _uphold(aw, Appraisal.objects.get(pk=appraisal.pk), "C")
    assert Pip.objects.filter(appraisal=appraisal, closed_at__isnull=True).count() == 1
    assert Pip.objects.filter(appraisal=appraisal).count() == 2


def test_a_rejected_appeal_or_a_move_within_s_a_b_leaves_plans_alone(aw):
    appraisal = publish_worked_example(aw, grade_thresholds={"S": "99", "A": "95", "B": "90"})
    appeal = appeals.appeal_create(actor=aw.user("member"), appraisal=appraisal, reason="理由")
    appeals.appeal_decide(actor=aw.user("admin"), appeal=appeal, status="rejected", decision="数据无误")
    assert Pip.objects.get(appraisal=appraisal).closed_at is None
    other = published(aw, fy2024("quarter")[1], "88", "A")
    _uphold(aw, other, "S")
    assert not Pip.objects.filter(appraisal=other).exists()


def test_a_plan_by_hand_from_an_appraisal_needs_it_published_and_none_in_progress(aw):
    appraisal = published(aw, aw.q3, "70", "B", stage=Stage.CALIBRATION)
    with pytest.raises(ConflictError) as exc:
        pips.pip_create(actor=aw.user("hr"), person=aw.person, appraisal=appraisal)
    assert (exc.value.code, exc.value.field) == ("not_published", "appraisal_id")
    appraisal = published(aw, fy2024("quarter")[1], "70", "B")
    pip = pips.pip_create(actor=aw.user("hr"), person=aw.person, appraisal=appraisal, goals="提升转化率")
    assert pip.mentor == aw.org.person("mkt_manager")
    with pytest.raises(ConflictError) as exc:
        pips.pip_create(actor=aw.user("hr"), person=aw.person, appraisal=appraisal)
    assert exc.value.code == "pip_open"


# --- promotion candidates -----------------------------------------------------------------------


def test_two_consecutive_quarterly_a_or_s_make_a_candidate(aw):
    quarters = fy2024("quarter")
    published(aw, quarters[0], "88", "A")
    second = published(aw, quarters[1], "96", "S")
    other = add_simple_person("p9", "陈静", aw.org.content)
    published(aw, quarters[0], "88", "A", person=other)
    published(aw, quarters[1], "75", "B", person=other)
    published(aw, quarters[2], "88", "A", person=other)
    found = outcome_selectors.promotion_candidates()
    assert [c.person for c in found] == [aw.person]
    assert (found[0].first.grade, found[0].second.grade, found[0].second.appraisal_id) == (
        "A",
        "S",
        second.pk,
    )


def test_an_effective_grade_counts_and_a_gap_breaks_the_run(aw):
    quarters = fy2024("quarter")
    first = published(aw, quarters[0], "80", "B")
    first.calibrated_grade = "A"
    first.save()
    published(aw, quarters[2], "90", "A")  # Q2 missing: not consecutive
    assert outcome_selectors.promotion_candidates() == []
    published(aw, quarters[1], "90", "A")
    assert [c.person for c in outcome_selectors.promotion_candidates()] == [aw.person]
