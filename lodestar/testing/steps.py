"""Steps many tests take through the services to reach a starting point."""

from __future__ import annotations

from lodestar.goals.models import Goal
from lodestar.goals.services import consensus
from lodestar.org.models import Person
from lodestar.testing.organisation import fresh_user


def activate(goal: Goal, manager: Person) -> Goal:
    """Take a draft goal through consensus with `manager` as the one required participant, who
    agrees: the goal becomes active (refreshed from the database)."""
    record = consensus.consensus_start(
        actor=fresh_user(manager),
        goals=[goal],
        participants=[{"person": manager, "required": True}],
        minutes="Agreed.",
    )
    consensus.consensus_decide(actor=fresh_user(manager), record=record, decision="agreed")
    goal.refresh_from_db()
    return goal
