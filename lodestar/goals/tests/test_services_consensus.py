"""Goal services: consensus and target adjustments."""

from __future__ import annotations

import pytest

from lodestar.core.errors import ConflictError, PermissionDeniedError
from lodestar.goals import services
from lodestar.goals.models import (
    ConsensusRecord,
    GoalStatus,
    Measure,
    TargetAdjustment,
)
from lodestar.goals.services import consensus
from lodestar.goals.services.adjustments import adjustment_approve, adjustment_create
from lodestar.goals.tests.services_support import (
    D,
    activate,
    as_user,
    fresh,
    make_goal,
    measure,
    q6,
    refused,
)
from lodestar.org.models import Person

# --- consensus -------------------------------------------------------------------------------


@pytest.fixture
def goal_set(w):
    """One owner's Q3 goal set in the department; weights 60/30 (not yet 100)."""
    sales = make_goal(
        w,
        "新品A Q3销售额",
        by=w.mkt_mgr,
        owner=w.member,
        weight="60",
        collaborating_departments=[w.sales],
        measures=[measure(current="100")],
    )
    exposure = make_goal(
        w,
        "小红书品牌曝光",
        by=w.mkt_mgr,
        owner=w.member,
        weight="30",
        measures=[measure("曝光量", target="200", unit="count")],
    )
    return [sales, exposure]


def participants(*people: Person, optional: tuple[Person, ...] = ()) -> list[dict]:
    return [{"person": p, "required": True, "role_note": "负责人"} for p in people] + [
        {"person": p, "required": False} for p in optional
    ]


def test_consensus_needs_sibling_weights_of_100(w, goal_set):
    error = refused(
        lambda: consensus.consensus_start(
            actor=as_user(w.mkt_mgr), goals=goal_set, participants=participants(w.member), minutes="纪要"
        ),
        field="weight",
        code="weights_not_100",
    )
    assert "90" in error.message
    assert all(fresh(g).status == GoalStatus.DRAFT for g in goal_set)


def test_consensus_activates_when_every_required_participant_agrees(w, goal_set):
    third = make_goal(
        w,
        "用户复购率提升",
        by=w.mkt_mgr,
        owner=w.member,
        weight="10",
        measures=[measure("复购率", target="20", unit="percent", baseline="15")],
    )
    goals = [*goal_set, third]
    record = consensus.consensus_start(
        actor=as_user(w.mkt_mgr),
        goals=goals,
        minutes="目标共识会议:新品A 60%,小红书 30%,复购率 10%。",
        participants=participants(w.member, w.mkt_mgr, w.sales_mgr, optional=(w.member3,)),
    )
    assert record.state == ConsensusRecord.State.OPEN
    assert record.started_by == w.mkt_mgr
    assert {fresh(g).status for g in goals} == {GoalStatus.CONSENSUS}
    assert fresh(goals[0]).history.first().status == GoalStatus.CONSENSUS  # the history records it

    # An objection needs a comment; a non-participant cannot decide.
    refused(
        lambda: consensus.consensus_decide(actor=as_user(w.member), record=record, decision="objected"),
        field="comment",
        code="required",
    )
    refused(
        lambda: consensus.consensus_decide(actor=as_user(w.member2), record=record, decision="agreed"),
        field="record_id",
        code="not_a_participant",
        error=PermissionDeniedError,
    )

    consensus.consensus_decide(actor=as_user(w.member), record=record, decision="agreed", comment="同意")
    consensus.consensus_decide(actor=as_user(w.mkt_mgr), record=record, decision="agreed")
    record.refresh_from_db()
    assert record.state == ConsensusRecord.State.OPEN
    assert {fresh(g).status for g in goals} == {GoalStatus.CONSENSUS}
    assert Measure.objects.filter(goal__in=goals, original_target__isnull=False).count() == 0

    consensus.consensus_decide(actor=as_user(w.sales_mgr), record=record, decision="agreed")
    record.refresh_from_db()
    assert record.state == ConsensusRecord.State.AGREED
    assert record.completed_at is not None
    assert {fresh(g).status for g in goals} == {GoalStatus.ACTIVE}
    for m in Measure.objects.filter(goal__in=goals):
        assert m.original_target == m.target
    decisions = {p.person_id: (p.decision, p.decided_at is not None) for p in record.participants.all()}
    assert decisions == {
        w.member.pk: ("agreed", True),
        w.mkt_mgr.pk: ("agreed", True),
        w.sales_mgr.pk: ("agreed", True),
        w.member3.pk: ("pending", False),  # optional: does not hold up the goals
    }
    assert list(record.goals.order_by("pk")) == sorted(goals, key=lambda g: g.pk)
    # Active goals have health now; a closed record takes no more decisions.
    assert fresh(goals[0]).health != "not_started"
    refused(
        lambda: consensus.consensus_decide(actor=as_user(w.member3), record=record, decision="agreed"),
        field=None,
        code="consensus_closed",
        error=ConflictError,
    )


def test_consensus_withdraw_returns_the_goals_to_draft(w, goal_set):
    services.goal_update(actor=as_user(w.mkt_mgr), goal=goal_set[1], version=None, weight="40")
    record = consensus.consensus_start(
        actor=as_user(w.mkt_mgr),
        goals=goal_set,
        participants=participants(w.member, w.mkt_mgr),
        minutes="纪要",
    )
    objection = consensus.consensus_decide(
        actor=as_user(w.member), record=record, decision="objected", comment="500万目标过高,抖音渠道预算不足"
    )
    assert (objection.decision, objection.comment) == ("objected", "500万目标过高,抖音渠道预算不足")
    refused(
        lambda: consensus.consensus_withdraw(actor=as_user(w.member), record=record),
        field=None,
        error=PermissionDeniedError,
    )
    consensus.consensus_withdraw(actor=as_user(w.mkt_mgr), record=record)
    record.refresh_from_db()
    assert record.state == ConsensusRecord.State.WITHDRAWN
    assert {fresh(g).status for g in goal_set} == {GoalStatus.DRAFT}
    refused(
        lambda: consensus.consensus_decide(actor=as_user(w.mkt_mgr), record=record, decision="agreed"),
        field=None,
        code="consensus_closed",
        error=ConflictError,
    )
    # The revised goals can go into consensus again.
    consensus.consensus_start(
        actor=as_user(w.mkt_mgr), goals=goal_set, participants=participants(w.mkt_mgr), minutes="第二次"
    )


def test_consensus_start_refusals(w, goal_set):
    services.goal_update(actor=as_user(w.mkt_mgr), goal=goal_set[1], version=None, weight="40")
    refused(
        lambda: consensus.consensus_start(
            actor=as_user(w.member), goals=goal_set, participants=participants(w.member), minutes=""
        ),
        field=None,
        error=PermissionDeniedError,
    )
    no_measure = make_goal(w, "无度量", department=w.sales)
    refused(
        lambda: consensus.consensus_start(
            actor=as_user(w.admin), goals=[no_measure], participants=participants(w.admin), minutes=""
        ),
        field="goal_ids",
        code="no_measure",
    )
    refused(
        lambda: consensus.consensus_start(
            actor=as_user(w.mkt_mgr), goals=goal_set, participants=[], minutes=""
        ),
        field="participants",
    )
    activate(w, goal_set)
    refused(
        lambda: consensus.consensus_start(
            actor=as_user(w.mkt_mgr), goals=goal_set, participants=participants(w.mkt_mgr), minutes=""
        ),
        field="goal_ids",
        code="not_draft",
        error=ConflictError,
    )


# --- target adjustments ----------------------------------------------------------------------


def adjust(w, goal, *, by, new_target="450", approved_by=None, reason="竞品降价超过15%,重新评估"):
    return adjustment_create(
        actor=as_user(by),
        goal=goal,
        measure=goal.measures.get(),
        new_target=new_target,
        reason=reason,
        trigger="竞品降价超过15%",
        approved_by=approved_by,
    )


def test_adjustment_only_on_active_goals(w):
    draft = make_goal(w, "草稿目标", by=w.mkt_mgr, owner=w.member, department=w.content, measures=[measure()])
    refused(lambda: adjust(w, draft, by=w.mkt_mgr), field="goal_id", code="not_active", error=ConflictError)


def test_adjustment_approver_must_be_an_admin_or_a_manager_of_the_department(w, active_goal):
    for approver in (w.sales_mgr, w.member2, w.member):
        refused(
            lambda approver=approver: adjust(w, active_goal, by=w.member, approved_by=approver),
            field="approved_by_id",
            code="not_an_approver",
        )
    refused(
        lambda: adjust(w, active_goal, by=w.member, approved_by=w.mkt_mgr, reason="  "),
        field="reason",
        code="required",
    )
    refused(
        lambda: adjust(w, active_goal, by=w.member, approved_by=w.mkt_mgr, new_target="500"),
        field="new_target",
    )
    refused(
        lambda: adjust(w, active_goal, by=w.member2, approved_by=w.mkt_mgr),
        field=None,
        error=PermissionDeniedError,
    )
    refused(
        lambda: adjust(w, active_goal, by=w.viewer, approved_by=w.mkt_mgr),
        field=None,
        error=PermissionDeniedError,
    )


def test_adjustment_keeps_the_original_target_and_the_history(w, active_goal):
    adjustment = adjust(w, active_goal, by=w.member, approved_by=w.mkt_mgr)
    assert adjustment.status == TargetAdjustment.Status.PENDING
    assert active_goal.measures.get().target == D(500)  # a request changes nothing yet
    adjustment = adjustment_approve(actor=as_user(w.mkt_mgr), adjustment=adjustment)
    assert (adjustment.status, adjustment.decided_by) == (TargetAdjustment.Status.APPROVED, w.mkt_mgr)
    assert (adjustment.old_target, adjustment.new_target) == (D(500), D(450))
    assert (adjustment.approved_by, adjustment.created_by) == (w.mkt_mgr, w.member)
    assert adjustment.trigger == "竞品降价超过15%"
    m = active_goal.measures.get()
    assert (m.original_target, m.target) == (D(500), D(450))
    assert m.achievement_rate == q6(D(480) / D(450))
    # The goal's roll-up caps the measure at 100%; its uncapped figure stays visible.
    assert fresh(active_goal).achievement_rate == 1
    assert fresh(active_goal).achievement_rate_uncapped == q6(D(480) / D(450))
    # An admin applies a second change directly; the original stays the first target.
    direct = adjust(w, active_goal, by=w.admin, new_target="420", reason="预算削减")
    assert direct.applied_directly and (direct.status, direct.decided_by) == ("approved", w.admin)
    m.refresh_from_db()
    assert (m.original_target, m.target) == (D(500), D(420))
    assert list(active_goal.adjustments.values_list("old_target", "new_target")) == [
        (D(500), D(450)),
        (D(450), D(420)),
    ]
    history = list(m.history.order_by("history_date", "history_id"))
    targets = [h.target for h in history]
    assert [t for i, t in enumerate(targets) if i == 0 or t != targets[i - 1]] == [D(500), D(450), D(420)]
    assert history[-1].history_change_reason == "预算削减"
    assert history[-2].history_change_reason.startswith("竞品降价")


def test_a_manager_adjusting_asks_the_next_approver_above(w, active_goal):
    # No manager above 市场部 here: the request goes to an admin, and stays pending.
    adjustment = adjust(w, active_goal, by=w.mkt_mgr)
    assert (adjustment.approved_by, adjustment.status) == (w.admin, TargetAdjustment.Status.PENDING)
    assert active_goal.measures.get().target == D(500)


def test_an_overtaken_challenge_target_is_dropped(w, active_goal):
    adjust(w, active_goal, by=w.admin, new_target="600")
    m = active_goal.measures.get()
    assert (m.target, m.challenge, m.original_target) == (D(600), None, D(500))
