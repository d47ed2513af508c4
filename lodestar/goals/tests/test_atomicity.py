"""Multi-row goal services under a fault midway: the database holds exactly what it held before.

Each test makes an inner function raise after the service has written some rows (proved by the
snapshot taken at the fault) and compares every row of the touched tables, stored roll-ups on
goals and their history included, with the state before the call.
"""

from __future__ import annotations

from decimal import Decimal
from unittest.mock import patch

import pytest

from lodestar.core.testing import Fault, InjectedFault, snapshot
from lodestar.goals.models import (
    ConsensusParticipant,
    ConsensusRecord,
    Decomposition,
    Goal,
    GoalKind,
    GoalTemplate,
    Measure,
)
from lodestar.goals.services import consensus, decomposition, reuse
from lodestar.goals.tests.conftest import fresh

pytestmark = pytest.mark.django_db

GOAL_TABLES = (Goal, Goal.history.model, Measure, Measure.history.model)


def test_decomposition(world, make_goal, activate):
    annual = activate(make_goal("新品A全年销售额", kind=GoalKind.OBJECTIVE))
    tables = (*GOAL_TABLES, Decomposition)
    before = snapshot(*tables)
    fault = Fault(decomposition.rollup_from, observe=lambda: snapshot(*tables))
    with patch("lodestar.goals.services.decomposition.rollup_from", fault), pytest.raises(InjectedFault):
        decomposition.goal_decompose(
            actor=fresh(world.admin),
            goal=annual,
            dimension="time",
            measure=None,
            mode="percent",
            parts=[{"label": q.name, "share": "25", "period": q} for q in world.quarters],
        )
    assert len(fault.observed["goals.Goal"]) == len(before["goals.Goal"]) + 4  # the parts were written
    assert snapshot(*tables) == before


def test_consensus_sign_off(world, make_goal):
    goals = [
        make_goal("小红书笔记", kind=GoalKind.KEY_RESULT, weight=Decimal(60)),
        make_goal("抖音视频", kind=GoalKind.KEY_RESULT, weight=Decimal(40)),
    ]
    record = consensus.consensus_start(
        actor=fresh(world.mkt_manager),
        goals=goals,
        participants=[{"person": world.mkt_manager, "required": True}],
        minutes="一致同意",
    )
    tables = (*GOAL_TABLES, ConsensusRecord, ConsensusParticipant)
    before = snapshot(*tables)
    fault = Fault(consensus.rollup_from, observe=lambda: snapshot(*tables))
    with patch("lodestar.goals.services.consensus.rollup_from", fault), pytest.raises(InjectedFault):
        consensus.consensus_decide(actor=fresh(world.mkt_manager), record=record, decision="agreed")
    assert {g["status"] for g in fault.observed["goals.Goal"]} == {"active"}  # activated, then failed
    assert snapshot(*tables) == before


@pytest.fixture
def template(world, make_goal) -> GoalTemplate:
    goals = [make_goal("渠道销售额"), make_goal("新增网点")]
    return reuse.template_create_from_goals(actor=fresh(world.mkt_manager), name="渠道专员KPI", goals=goals)


def test_template_apply(world, template):
    tables = (*GOAL_TABLES, GoalTemplate)
    before = snapshot(*tables)
    # The second goal of the first assignee fails: the first one was already created.
    fault = Fault(reuse.goal_create, on_call=2, observe=lambda: snapshot(*tables))
    with patch("lodestar.goals.services.reuse.goal_create", fault), pytest.raises(InjectedFault):
        reuse.template_apply(
            actor=fresh(world.admin),
            template=template,
            period=world.q2,
            assignments=[{"owner": world.member}, {"owner": world.content_member}],
        )
    assert len(fault.observed["goals.Goal"]) == len(before["goals.Goal"]) + 1
    assert snapshot(*tables) == before


def test_copy_to_next_period(world, make_goal, activate):
    parent = make_goal("市场部Q1目标", period=world.q1, kind=GoalKind.OBJECTIVE, measures=[])
    make_goal("小红书曝光", period=world.q1, parent=parent, kind=GoalKind.KEY_RESULT, weight=Decimal(100))
    before = snapshot(*GOAL_TABLES)
    fault = Fault(reuse.rollup_from, observe=lambda: snapshot(*GOAL_TABLES))
    with patch("lodestar.goals.services.reuse.rollup_from", fault), pytest.raises(InjectedFault):
        reuse.goals_copy_to_period(
            actor=fresh(world.mkt_manager), department=world.mkt, source=world.q1, target=world.q2
        )
    assert len(fault.observed["goals.Goal"]) == len(before["goals.Goal"]) + 2
    assert snapshot(*GOAL_TABLES) == before
