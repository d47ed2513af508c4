# ruff: noqa: F811 - the fixtures take the imported fixtures by name
"""Fixtures of the tracking tests: the goals tests' `world` (the shared organisation, roster GOALS),
`make_goal`, `activate` and `api`, the goal tree `tree` (support.py), and for the pages the current
`week` and `setup`, an active parent goal with an active child owned by 陈静."""

from __future__ import annotations

import pytest
from django.utils import timezone

from lodestar.goals.tests.conftest import activate, api, make_goal, world  # noqa: F401 - fixtures
from lodestar.tracking.selectors import week_of
from lodestar.tracking.tests.support import tree  # noqa: F401 - fixture
from lodestar.tracking.tests.views_support import COUNT_MEASURE


@pytest.fixture
def week():
    return week_of(timezone.localdate())


@pytest.fixture
def setup(world, make_goal, activate):
    """An active parent goal (MKT, manager) with an active child owned by 陈静 (content member)."""
    parent = activate(make_goal("内容营销", measures=[dict(COUNT_MEASURE)], owner=world.mkt_manager))
    child = activate(
        make_goal(
            "小红书笔记52篇",
            department=world.content,
            parent=parent,
            owner=world.content_member,
            measures=[dict(COUNT_MEASURE, source=parent.measures.get())],
        )
    )
    return parent, child
