"""A check-in under a fault midway: nothing of it (check-in, measure, roll-up to the root) is
stored; a fault in the alert evaluation that follows the commit leaves no half-raised alert and
does not take the saved check-in down with it.
"""

from __future__ import annotations

from decimal import Decimal
from unittest.mock import patch

import pytest

from lodestar.alerts import rules as alert_rules
from lodestar.alerts.models import Alert
from lodestar.core.testing import Fault, InjectedFault, snapshot
from lodestar.goals import rollup
from lodestar.goals.models import Goal, Measure
from lodestar.notifications import delivery
from lodestar.notifications.models import Delivery, Notification
from lodestar.tracking import services
from lodestar.tracking.models import CheckIn
from lodestar.tracking.tests.support import WEEK1, WEEK2, fresh

pytestmark = pytest.mark.django_db

TABLES = (
    CheckIn,
    CheckIn.history.model,
    Measure,
    Measure.history.model,
    Goal,
    Goal.history.model,
    Alert,
)


def submit(world, measure, week, actual: str, **kwargs) -> CheckIn:
    return services.checkin_submit(
        actor=fresh(world.mkt_manager),
        measure=measure,
        period_start=week[0],
        period_end=week[1],
        actual=Decimal(actual),
        **kwargs,
    )


@pytest.mark.parametrize("correcting", [False, True], ids=["new", "correction"])
def test_checkin_with_roll_up_to_the_root(world, tree, correcting):
    first = submit(world, tree.m1, WEEK1, "10")
    version = None
    if correcting:
        version = first.version
    week = WEEK1 if correcting else WEEK2
    before = snapshot(*TABLES)
    fault = Fault(rollup.rollup_from, observe=lambda: snapshot(*TABLES))
    with patch("lodestar.goals.rollup.rollup_from", fault), pytest.raises(InjectedFault):
        submit(world, tree.m1, week, "30", version=version)
    measures = {m["id"]: m for m in fault.observed["goals.Measure"]}
    assert measures[tree.m1.pk]["current"] == Decimal(30 if correcting else 40)  # written, then failed
    assert snapshot(*TABLES) == before
    tree.reload()
    assert tree.m1.current == Decimal(10)
    assert tree.parent.achievement_rate == before_rate(before, tree.parent.pk)


def before_rate(before: dict, goal_id: int):
    return next(g["achievement_rate"] for g in before["goals.Goal"] if g["id"] == goal_id)


def test_alert_evaluation_after_the_check_in(world, tree, django_capture_on_commit_callbacks):
    alert_rules.rule_create(
        actor=fresh(world.admin),
        name="达成率低于80%",
        scope="company",
        condition="achievement_below",
        threshold=Decimal("0.8"),
        recipients=["owner"],
    )
    tables = (Alert, Alert.recipients.through, Delivery, Notification)
    before = snapshot(*tables)
    # Queuing the first alert's delivery fails: the alert row was already created by then.
    fault = Fault(delivery.queue, observe=lambda: snapshot(*tables))
    with patch("lodestar.notifications.delivery.queue", fault):
        with django_capture_on_commit_callbacks(execute=True):
            checkin = submit(world, tree.m1, WEEK1, "10")
    assert len(fault.observed["alerts.Alert"]) == 1
    assert snapshot(*tables) == before
    assert CheckIn.objects.get().pk == checkin.pk  # the check-in itself is kept
    tree.reload()
    assert tree.m1.current == Decimal(10)
    # Without the fault the same evaluation raises the alert: the rule does match.
    with django_capture_on_commit_callbacks(execute=True):
        submit(world, tree.m1, WEEK1, "11", version=checkin.version)
    assert Alert.objects.exists()
