"""Fixtures shared by the tracking service and API tests, on top of the goals tests' `world`
(lodestar/goals/tests/conftest.py). A test module binds the fixtures it uses as plain names:
`world, tree = support.world, support.tree` (pytest finds fixtures by name).

`tree`: an active objective 新品A 2026 of 市场部 (owner 赵敏, the manager) with two active key
results, weights 60/40, each with one measure of target 100 (no baseline):
    tree.parent, tree.first (小红书笔记), tree.second (抖音视频)
    tree.m1, tree.m2 — their measures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from lodestar.goals.models import Goal, GoalKind, GoalStatus, Measure
from lodestar.goals.tests import conftest as goal_fixtures
from lodestar.goals.tests.conftest import fresh  # noqa: F401 - re-exported for the test modules

# The goals tests' fixtures, bound here as plain names (pytest finds fixtures by name).
world = goal_fixtures.world
make_goal = goal_fixtures.make_goal
activate = goal_fixtures.activate
api = goal_fixtures.api

WEEK1 = (dt.date(2026, 4, 6), dt.date(2026, 4, 12))
WEEK2 = (dt.date(2026, 4, 13), dt.date(2026, 4, 19))
WEEK3 = (dt.date(2026, 4, 20), dt.date(2026, 4, 26))


def measure_spec(name: str, target: str = "100", **extra) -> dict:
    return {"name": name, "unit": "count", "direction": "higher", "baseline": None, "target": target, **extra}


@dataclass
class Tree:
    parent: Goal
    first: Goal
    second: Goal
    m1: Measure
    m2: Measure

    def reload(self) -> Tree:
        for goal in (self.parent, self.first, self.second):
            goal.refresh_from_db()
        self.m1.refresh_from_db()
        self.m2.refresh_from_db()
        return self


@pytest.fixture
def tree(world, make_goal, activate) -> Tree:
    parent = make_goal("新品A 2026 内容种草", kind=GoalKind.OBJECTIVE, measures=[])
    first = make_goal(
        "小红书笔记100篇",
        kind=GoalKind.KEY_RESULT,
        parent=parent,
        weight=Decimal(60),
        measures=[measure_spec("小红书笔记")],
    )
    second = make_goal(
        "抖音视频100条",
        kind=GoalKind.KEY_RESULT,
        parent=parent,
        weight=Decimal(40),
        measures=[measure_spec("抖音视频")],
    )
    for goal in (parent, first, second):
        activate(goal)
        assert goal.status == GoalStatus.ACTIVE
    return Tree(parent, first, second, first.measures.get(), second.measures.get()).reload()
