"""Multi-row item services under a fault midway: the database holds exactly what it held before.

Each test makes an inner function raise after the service has written some rows (proved by the
snapshot taken at the fault) and compares every row of the touched tables — items and their
history, RACI rows, the measure the items feed and the goals' stored roll-ups — with the state
before the call.
"""

from __future__ import annotations

from decimal import Decimal
from unittest.mock import patch

import pytest

from lodestar.core.testing import Fault, InjectedFault, snapshot
from lodestar.execution import services
from lodestar.execution.models import ActionItem, ItemStatus, RaciAssignment
from lodestar.execution.services import items as items_services
from lodestar.execution.services import raci as raci_services
from lodestar.goals import rollup
from lodestar.goals.models import Goal, Measure

pytestmark = pytest.mark.django_db

TABLES = (ActionItem, ActionItem.history.model, RaciAssignment, Measure, Goal)


@pytest.fixture
def fed_items(org, make_goal, make_item) -> list[ActionItem]:
    """Two items feeding the goal's measure "小红书笔记" with 5 and 3 notes done."""
    goal = make_goal()
    measure = goal.measures.get()
    items = []
    for title, done in (("第一批笔记", 5), ("第二批笔记", 3)):
        item = make_item(title, goal=goal, measure=measure)
        item = services.item_update(
            actor=org.user("mkt_manager"), item=item, version=None, actual_quantity=Decimal(done)
        )
        items.append(item)
    measure.refresh_from_db()
    assert measure.current == Decimal(8)
    return items


def test_bulk_edit(org, fed_items):
    before = snapshot(*TABLES)
    # The status of the second item fails: the first one is saved with its new R by then.
    fault = Fault(items_services._set_status, on_call=2, observe=lambda: snapshot(*TABLES))
    with patch("lodestar.execution.services.items._set_status", fault), pytest.raises(InjectedFault):
        services.items_bulk_update(
            actor=org.user("mkt_manager"),
            items=fed_items,
            responsible=org.member,
            status=ItemStatus.DOING,
        )
    assert fault.observed["execution.RaciAssignment"] != before["execution.RaciAssignment"]
    assert snapshot(*TABLES) == before


def test_raci_set(org, fed_items):
    item = fed_items[0]
    before = snapshot(*TABLES)
    fault = Fault(raci_services.notify_on_commit, observe=lambda: snapshot(*TABLES))
    with patch("lodestar.execution.services.raci.notify_on_commit", fault), pytest.raises(InjectedFault):
        services.raci_set(
            actor=org.user("mkt_manager"),
            item=item,
            responsible=[org.member, org.sales_member],
            accountable=org.mkt_manager,
            version=item.version,
        )
    assert fault.observed["execution.RaciAssignment"] != before["execution.RaciAssignment"]
    assert snapshot(*TABLES) == before


def test_item_move_and_its_roll_up(org, fed_items):
    """Cancelling an item on the board takes its notes out of the measure, then the goal roll-up
    fails: the item stays where it was and the measure keeps its 8."""
    item = fed_items[0]
    before = snapshot(*TABLES)
    fault = Fault(rollup.rollup_from, observe=lambda: snapshot(*TABLES))
    with patch("lodestar.goals.rollup.rollup_from", fault), pytest.raises(InjectedFault):
        services.item_move(
            actor=org.user("mkt_manager"),
            item=item,
            status=ItemStatus.CANCELLED,
            version=item.version,
            override_reason="活动取消",
        )
    assert {m["current"] for m in fault.observed["goals.Measure"]} == {Decimal(3)}
    assert snapshot(*TABLES) == before
