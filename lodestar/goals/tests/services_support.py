"""Helpers of the goal service tests (test_services*.py): the `World` they run in (built by the
`w` fixture of the goals conftest: roster GOAL_SERVICES of lodestar/testing/organisation.py),
goals made and reported through the services, and checks that nothing was written and that the
stored roll-ups hold.

    星辰公司 CO ── 市场部 MKT (mkt_mgr) ── 内容组 CONTENT (member, member2, member3)
               └─ 销售部 SALES (sales_mgr)

`person_of(user)` caches the person (and managed paths) on the user object, so every call
gets a fresh user from the database through `as_user`.
"""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from lodestar.core.errors import ApplicationError
from lodestar.core.models import Period
from lodestar.goals import domain, services
from lodestar.goals.models import (
    ConsensusParticipant,
    ConsensusRecord,
    Decomposition,
    Goal,
    GoalStatus,
    GoalTemplate,
    Measure,
    TargetAdjustment,
)
from lodestar.goals.services import consensus
from lodestar.org.models import Department, Person
from lodestar.testing.organisation import Organisation, fresh_user

User = get_user_model()
D = Decimal
SIX = D("0.000001")


# --- the organisation ------------------------------------------------------------------------


World = Organisation  # the `w` fixture's type (goals conftest; roster GOAL_SERVICES)

# A fresh user object (no cached person or managed paths).
as_user = fresh_user


def measure(name: str = "销售额", target="500", unit: str = "wan_yuan", **fields) -> dict:
    return {"name": name, "target": target, "unit": unit, **fields}


def make_goal(
    w: World,
    name: str,
    *,
    by: Person | None = None,
    department: Department | None = None,
    period: Period | None = None,
    measures: list[dict] | None = None,
    **fields,
) -> Goal:
    return services.goal_create(
        actor=as_user(by or w.admin),
        name=name,
        department=department or w.mkt,
        period=period or w.q3,
        measures=measures or [],
        **fields,
    )


def report(w: World, goal_or_measure, current, *, by: Person | None = None) -> Measure:
    """Record a measure's current value (the goal's only measure when given a goal)."""
    target = goal_or_measure.measures.get() if isinstance(goal_or_measure, Goal) else goal_or_measure
    return services.measure_update(
        actor=as_user(by or w.admin), measure=target, version=None, current=current
    )


def fresh(goal: Goal) -> Goal:
    return Goal.objects.get(pk=goal.pk)


def activate(w: World, goals: list[Goal]) -> None:
    """Run a one-person consensus (the admin) so the goals become active."""
    record = consensus.consensus_start(
        actor=as_user(w.admin), goals=goals, participants=[{"person": w.admin}], minutes="目标共识纪要"
    )
    consensus.consensus_decide(actor=as_user(w.admin), record=record, decision="agreed")


# --- "nothing written" -----------------------------------------------------------------------

TRACKED = (
    Goal,
    Measure,
    Goal.history.model,
    Measure.history.model,
    ConsensusRecord,
    ConsensusParticipant,
    TargetAdjustment,
    Decomposition,
    GoalTemplate,
)


def snapshot() -> dict:
    """Every row of every goal table (with `updated_at`, so any write shows)."""
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in TRACKED}
    rows["collaborating"] = list(Goal.collaborating_departments.through.objects.order_by("pk").values())
    return rows


@contextmanager
def writes_nothing():
    before = snapshot()
    yield
    after = snapshot()
    for table in before:
        assert after[table] == before[table], f"{table} changed"


def refused(call, *, field: str | None, code: str | None = None, error=ApplicationError) -> ApplicationError:
    with writes_nothing(), pytest.raises(error) as exc:
        call()
    assert exc.value.field == field, exc.value.message
    if code is not None:
        assert exc.value.code == code, exc.value.message
    assert exc.value.message
    return exc.value


def q6(value):
    return value.quantize(SIX) if value is not None else None


def expected_from_children(goal: Goal) -> tuple[Decimal | None, Decimal | None]:
    """The weighted roll-up of a goal's children's stored figures (cap 1, DOMAIN.md; progress cap 1)."""
    children = list(Goal.objects.filter(parent=goal))
    cancelled = [c.status == GoalStatus.CANCELLED for c in children]
    if all(c.achievement_rate is None for c, gone in zip(children, cancelled, strict=True) if not gone):
        return None, None
    achievement = domain.weighted_rollup(
        [
            domain.ChildScore(c.achievement_rate, c.weight, gone)
            for c, gone in zip(children, cancelled, strict=True)
        ],
        cap=D(1),
    )
    progress = domain.weighted_rollup(
        [domain.ChildScore(c.progress, c.weight, gone) for c, gone in zip(children, cancelled, strict=True)],
        cap=D(1),
    )
    return q6(achievement), q6(progress)


def assert_path_rolled_up(goal: Goal) -> None:
    """Each ancestor of `goal` (without measures of its own) holds the roll-up of its children."""
    node = fresh(goal).parent
    while node is not None:
        node = fresh(node)
        stored = (node.achievement_rate, node.progress)
        assert stored == expected_from_children(node), node.name
        node = node.parent
