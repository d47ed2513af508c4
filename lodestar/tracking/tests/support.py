"""Helpers and the `tree` fixture of the tracking tests, on top of the goals tests' `world`
(lodestar/goals/tests/conftest.py); the tracking conftest (and the trash tests' conftest) offer
them as fixtures.

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
from django.test import Client

from lodestar.goals.models import Goal, GoalKind, GoalStatus, Measure
from lodestar.goals.tests.conftest import fresh
from lodestar.tracking import services

WEEK1 = (dt.date(2026, 4, 6), dt.date(2026, 4, 12))
WEEK2 = (dt.date(2026, 4, 13), dt.date(2026, 4, 19))
WEEK3 = (dt.date(2026, 4, 20), dt.date(2026, 4, 26))


def submit(person, period=WEEK1, **fields):
    """A check-in of `person` for `period` (week 1 by default) through `checkin_submit`."""
    return services.checkin_submit(
        actor=fresh(person), period_start=period[0], period_end=period[1], **fields
    )


def page(person) -> Client:
    """A page client signed in as `person`."""
    client = Client()
    client.force_login(fresh(person))
    return client


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
