"""Re-decomposition: a split goal is re-split by editing its split (shares, parts added and removed),
keeping its sub-goals, their records and the challenge target, and re-opening an open consensus round.

Company goal "12月线上GMV 1000万" (yuan, challenge 1200万) split between 市场部 (赵敏) and 销售部 (王强).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest.mock import patch

import pytest

from lodestar.core.errors import ApplicationError, ConflictError
from lodestar.core.testing import Fault, InjectedFault, snapshot
from lodestar.goals.models import (
    ConsensusParticipant,
    ConsensusRecord,
    Decomposition,
    Goal,
    GoalStatus,
    Measure,
)
from lodestar.goals.services import consensus
from lodestar.goals.services.decomposition import goal_decompose
from lodestar.goals.tests.conftest import fresh
from lodestar.notifications.models import Notification
from lodestar.tracking.models import CheckIn

D = Decimal
GMV = {
    "name": "线上GMV",
    "unit": "yuan",
    "direction": "higher",
    "target": "10000000",
    "challenge": "12000000",
}


@pytest.fixture
def gmv(world, make_goal):
    return make_goal(
        "12月线上GMV 1000万",
        department=world.company,
        actor=world.admin,
        owner=world.admin,
        measures=[dict(GMV)],
    )


def split(world, goal, parts, *, by=None, reason="", mode="percent"):
    return goal_decompose(
        actor=fresh(by or world.admin),
        goal=goal,
        dimension="department",
        measure=None,
        mode=mode,
        parts=parts,
        reason=reason,
    )


def first_split(world, goal):
    return split(
        world,
        goal,
        [{"department": world.mkt, "share": "40"}, {"department": world.sales, "share": "60"}],
    )


def figures(children):
    rows = []
    for child in children:
        child = Goal.objects.get(pk=child.pk)
        m = child.measures.get()
        rows.append((child.name, child.weight, m.target, m.challenge))
    return rows


def test_a_first_split_names_the_parts_after_themselves_and_shares_the_challenge(world, gmv):
    children = first_split(world, gmv)
    assert figures(children) == [
        ("12月线上GMV · 市场部", D(40), D(4_000_000), D(4_800_000)),
        ("12月线上GMV · 销售部", D(60), D(6_000_000), D(7_200_000)),
    ]
    parent = gmv.measures.get()
    assert (parent.target, parent.challenge) == (D(10_000_000), D(12_000_000))  # the parent keeps both


def test_a_re_split_edits_the_existing_parts_and_keeps_their_ids_and_check_ins(world, gmv):
    mkt, sales = first_split(world, gmv)
    check_in = CheckIn.objects.create(
        measure=mkt.measures.get(),
        period_start=dt.date(2026, 12, 1),
        period_end=dt.date(2026, 12, 6),
        actual=D(500_000),
        author=world.mkt_manager,
    )
    children = split(
        world,
        gmv,
        [
            {"goal_id": mkt.pk, "label": "市场部", "share": "35"},
            {"goal_id": sales.pk, "label": "销售部", "share": "65"},
        ],
        reason="市场部预算削减",
    )
    assert [c.pk for c in children] == [mkt.pk, sales.pk]
    assert figures(children) == [
        ("12月线上GMV · 市场部", D(35), D(3_500_000), D(4_200_000)),
        ("12月线上GMV · 销售部", D(65), D(6_500_000), D(7_800_000)),
    ]
    assert CheckIn.objects.get(pk=check_in.pk).measure.goal_id == mkt.pk
    records = list(Decomposition.objects.filter(goal=gmv).order_by("id"))
    assert len(records) == 2 and records[1].reason == "市场部预算削减"
    assert [p["share"] for p in records[1].parts] == ["35.00", "65.00"]
    history = Measure.history.filter(id=mkt.measures.get().pk).order_by("-history_id").first()
    assert history.history_change_reason == "市场部预算削减"


def test_a_fresh_split_over_an_existing_one_replaces_the_draft_parts_instead_of_failing(world, gmv):
    first_split(world, gmv)
    children = split(
        world, gmv, [{"department": world.mkt, "share": "50"}, {"department": world.sales, "share": "50"}]
    )  # no goal_id: the old parts go to the trash (nothing was recorded on them), no "150%"
    assert [fresh_goal.weight for fresh_goal in Goal.objects.filter(parent=gmv)] == [D(50), D(50)]
    assert Goal.all_objects.filter(parent=gmv, deleted_at__isnull=False).count() == 2
    assert len(children) == 2


def test_parts_are_added_and_removed(world, gmv):
    mkt, sales = first_split(world, gmv)
    children = split(
        world,
        gmv,
        [
            {"goal_id": mkt.pk, "label": "市场部", "share": "30"},
            {"department": world.content, "share": "70"},
        ],
    )
    assert children[0].pk == mkt.pk and children[1].name == "12月线上GMV · 内容组"
    assert Goal.all_objects.get(pk=sales.pk).deleted_at is not None  # in the trash, restorable
    assert figures(children)[1] == ("12月线上GMV · 内容组", D(70), D(7_000_000), D(8_400_000))
    assert gmv.measures.get().parts.filter(goal__deleted_at__isnull=True).count() == 2


def test_a_part_with_records_is_not_removed_and_nothing_changes(world, gmv):
    mkt, sales = first_split(world, gmv)
    CheckIn.objects.create(
        measure=sales.measures.get(),
        period_start=dt.date(2026, 12, 1),
        period_end=dt.date(2026, 12, 6),
        actual=D(100),
        author=world.sales_manager,
    )
    before = figures([mkt, sales])
    with pytest.raises(ConflictError) as caught:
        split(world, gmv, [{"goal_id": mkt.pk, "share": "50"}, {"department": world.content, "share": "50"}])
    assert caught.value.code == "part_has_records" and "1" in caught.value.message
    assert figures([mkt, sales]) == before
    assert Goal.objects.filter(parent=gmv).count() == 2
    assert Decomposition.objects.filter(goal=gmv).count() == 1


def test_a_failure_midway_leaves_the_split_as_it_was(world, gmv):
    mkt, sales = first_split(world, gmv)
    before = figures([mkt, sales])
    with pytest.raises(ApplicationError) as caught:  # the new part names no department
        split(
            world,
            gmv,
            [
                {"goal_id": mkt.pk, "share": "30"},
                {"goal_id": sales.pk, "share": "30"},
                {"label": "外部", "share": "40"},  # a department split needs a department
            ],
        )
    assert caught.value.field == "parts"
    assert figures([mkt, sales]) == before
    with pytest.raises(ApplicationError) as caught:
        split(world, gmv, [{"goal_id": 999999, "share": "50"}, {"goal_id": sales.pk, "share": "50"}])
    assert caught.value.code == "unknown_part"


def test_active_parts_change_only_with_a_reason_and_keep_their_original_target(world, gmv, activate):
    activate(gmv, world.admin)
    mkt, sales = first_split(world, gmv)  # parts of an active goal are active at once
    parts = [{"goal_id": mkt.pk, "share": "45"}, {"goal_id": sales.pk, "share": "55"}]
    with pytest.raises(ApplicationError) as caught:
        split(world, gmv, parts)
    assert caught.value.field == "reason"
    split(world, gmv, parts, reason="双12大促加码")
    m = mkt.measures.get()
    assert (m.target, m.original_target, m.challenge) == (D(4_500_000), D(4_000_000), D(5_400_000))
    assert Goal.objects.get(pk=mkt.pk).status == GoalStatus.ACTIVE


def test_re_splitting_after_an_objection_reopens_the_round(world, gmv, django_capture_on_commit_callbacks):
    mkt, sales = first_split(world, gmv)
    round_goals = consensus.round_goals(gmv)
    record = consensus.consensus_start(
        actor=fresh(world.admin),
        goals=round_goals,
        participants=[{"person": world.mkt_manager}, {"person": world.sales_manager}],
        minutes="12月GMV拆解",
    )
    consensus.consensus_decide(actor=fresh(world.sales_manager), record=record, decision="agreed")
    consensus.consensus_decide(
        actor=fresh(world.mkt_manager), record=record, decision="objected", comment="市场部400万太高"
    )
    with django_capture_on_commit_callbacks(execute=True):
        split(
            world,
            gmv,
            [{"goal_id": mkt.pk, "share": "30"}, {"goal_id": sales.pk, "share": "70"}],
            reason="市场部预算削减",
        )
    record.refresh_from_db()
    assert record.state == ConsensusRecord.State.WITHDRAWN
    reopened = ConsensusRecord.objects.exclude(pk=record.pk).get()
    assert reopened.state == ConsensusRecord.State.OPEN
    assert sorted(reopened.goals.values_list("pk", flat=True)) == sorted(g.pk for g in round_goals)
    assert {(p.person_id, p.decision) for p in reopened.participants.all()} == {
        (world.mkt_manager.pk, "pending"),
        (world.sales_manager.pk, "pending"),
    }
    assert "市场部 40% → 30%" in reopened.minutes and "市场部预算削减" in reopened.minutes
    assert reopened.minutes.startswith("12月GMV拆解")
    assert set(Goal.objects.filter(pk__in=[gmv.pk, mkt.pk, sales.pk]).values_list("status", flat=True)) == {
        GoalStatus.CONSENSUS
    }
    told = Notification.objects.filter(recipient=world.mkt_manager, verb="resolved").get()
    assert "revised" in told.title or "修订" in told.title
    # The objector agrees to the revision: the split is agreed and active.
    consensus.consensus_decide(actor=fresh(world.sales_manager), record=reopened, decision="agreed")
    consensus.consensus_decide(actor=fresh(world.mkt_manager), record=reopened, decision="agreed")
    assert Goal.objects.get(pk=mkt.pk).status == GoalStatus.ACTIVE
    assert mkt.measures.get().original_target == D(3_000_000)


def test_an_unchanged_re_split_leaves_the_round_open(world, gmv):
    mkt, sales = first_split(world, gmv)
    record = consensus.consensus_start(
        actor=fresh(world.admin),
        goals=consensus.round_goals(gmv),
        participants=[{"person": world.mkt_manager}],
        minutes="",
    )
    split(world, gmv, [{"goal_id": mkt.pk, "share": "40"}, {"goal_id": sales.pk, "share": "60"}])
    record.refresh_from_db()
    assert record.state == ConsensusRecord.State.OPEN


def test_old_style_names_are_renamed_and_typed_names_kept(world, gmv):
    mkt, sales = first_split(world, gmv)
    Goal.objects.filter(pk=mkt.pk).update(name="12月线上GMV 1000万 · 市场部")  # named by the old rule
    Goal.objects.filter(pk=sales.pk).update(name="销售部冲刺")  # typed by hand
    split(
        world,
        gmv,
        [{"goal_id": mkt.pk, "label": "市场部", "share": "50"}, {"goal_id": sales.pk, "share": "50"}],
    )
    assert Goal.objects.get(pk=mkt.pk).name == "12月线上GMV · 市场部"
    assert Goal.objects.get(pk=sales.pk).name == "销售部冲刺"


def test_a_part_keeps_its_department_in_a_re_split(world, gmv):
    mkt, sales = first_split(world, gmv)
    with pytest.raises(ApplicationError) as caught:
        split(
            world,
            gmv,
            [
                {"goal_id": mkt.pk, "department": world.content, "share": "50"},
                {"goal_id": sales.pk, "share": "50"},
            ],
        )
    assert caught.value.code == "part_moved"


def test_a_fault_at_the_last_step_leaves_the_split_and_the_round_as_they_were(world, gmv):
    mkt, sales = first_split(world, gmv)
    record = consensus.consensus_start(
        actor=fresh(world.admin),
        goals=consensus.round_goals(gmv),
        participants=[{"person": world.mkt_manager}],
        minutes="拆解",
    )
    consensus.consensus_decide(
        actor=fresh(world.mkt_manager), record=record, decision="objected", comment="太高"
    )
    tables = (Goal, Goal.history.model, Measure, Measure.history.model, Decomposition, ConsensusRecord)
    before = snapshot(*tables, ConsensusParticipant)
    fault = Fault(consensus.consensus_start, observe=lambda: snapshot(*tables))
    with patch("lodestar.goals.services.consensus.consensus_start", fault), pytest.raises(InjectedFault):
        split(
            world,
            gmv,
            [
                {"goal_id": mkt.pk, "share": "30"},
                {"goal_id": sales.pk, "share": "50"},
                {"department": world.content, "share": "20"},
            ],
        )
    # The split was revised and the round withdrawn when the fault struck; nothing of it stayed.
    assert {r["state"] for r in fault.observed["goals.ConsensusRecord"]} == {"withdrawn"}
    assert len(fault.observed["goals.Goal"]) == len(before["goals.Goal"]) + 1
    assert snapshot(*tables, ConsensusParticipant) == before
