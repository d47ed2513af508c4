"""A dashboard's panels run side by side (core/side_by_side.py) give what they give one after the other:
every panel of the company, a department's and a person's dashboards, for an admin and a member who may
not see a department-private goal, in both languages.

Transactional, since the helper threads read through their own connections; where they cannot reach the
test database (SQLite's lives in one connection's memory) the panels run in the calling thread and the
comparison is skipped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from lodestar.conftest import fresh_user
from lodestar.core import side_by_side
from lodestar.dashboards import selectors
from lodestar.dashboards.tests.conftest import TODAY, enter
from lodestar.testing.factories import ActionItemFactory, AlertFactory, CheckInFactory, RaciAssignmentFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def helpers(settings):
    settings.SIDE_BY_SIDE_WORKERS = 2
    if not side_by_side.can_run_side_by_side():
        pytest.skip("the test database lives in one connection's memory: the panels run in this thread")
    yield settings
    side_by_side.close_connections()


def _world(org, make_goal):
    goal = make_goal(org.content, owner=org.member, measure={"target": Decimal(100), "current": Decimal(40)})
    make_goal(
        org.sales,
        owner=org.sales_manager,
        health="at_risk",
        goal_type="brand",
        measure={"target": Decimal(50)},
    )
    make_goal(org.sales, health="off_track", visibility="department")  # hidden from the member
    measure = goal.measures.get()
    for n, cumulative in enumerate((10, 22, 30, 40)):
        monday = dt.date(2026, 10, 19) + dt.timedelta(weeks=n)
        checkin = CheckInFactory(
            measure=measure,
            period_start=monday,
            period_end=monday + dt.timedelta(days=6),
            cumulative=cumulative,
            author=org.member,
        )
        enter(checkin, monday + dt.timedelta(days=7 + n % 2 * 2))
    late = ActionItemFactory(department=org.content, due=dt.date(2026, 11, 10), status="doing")
    RaciAssignmentFactory(item=late, person=org.member)
    AlertFactory(measure=measure, goal=goal)


def _panels(kind, reader, period, **objects):
    scope = selectors.build_scope(kind, fresh_user(reader), period, today=TODAY, **objects)
    return [dataclasses.asdict(panel) for panel in selectors.dashboard_panels(scope)]


def test_panels_side_by_side_equal_panels_one_after_the_other(org, q4, make_goal, helpers):
    _world(org, make_goal)
    dashboards = [
        ("company", org.admin, {}),
        ("company", org.member, {}),
        ("department", org.admin, {"department": org.mkt}),
        ("person", org.mkt_manager, {"person": org.member}),
    ]
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for kind, reader, objects in dashboards:
                helpers.SIDE_BY_SIDE_WORKERS = 2
                side_by_side_panels = _panels(kind, reader, q4, **objects)
                helpers.SIDE_BY_SIDE_WORKERS = 0
                one_after_the_other = _panels(kind, reader, q4, **objects)
                assert side_by_side_panels == one_after_the_other, (language, kind, reader)
    # there were figures to compare: the member's company dashboard leaves the private goal out
    with translation.override("en"):
        heatmaps = [
            next(p for p in _panels("company", reader, q4) if p["key"] == "heatmap")
            for reader in (org.admin, org.member)
        ]
    assert heatmaps[0]["title"] == "Departments × goal types by health"
    assert [sum(row["goals"] for row in heatmap["rows"]) for heatmap in heatmaps] == [3, 2]


def test_every_panel_has_its_place_in_the_slowest_first_order():
    assert sorted(selectors.SLOWEST_FIRST) == sorted(selectors.PANELS)
