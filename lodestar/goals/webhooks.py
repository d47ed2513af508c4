"""What goals tell event webhooks (lodestar/notifications/events.py): `goal.created` and
`goal.changed`, with the goal as `GET /goals/{id}` answers it (docs/api.md, "Webhooks")."""

from __future__ import annotations

from lodestar.goals.models import Goal
from lodestar.goals.schemas.goals import GoalOut
from lodestar.notifications import events


def emit_goal(event: str, goal: Goal) -> None:
    """Announce `goal.created` or `goal.changed` after the current transaction commits, with the goal
    as it then stands (read only when an endpoint subscribes)."""
    goal_id = goal.pk

    def load():
        goal = (
            Goal.all_objects.select_related("goal_type", "period", "department")
            .prefetch_related("measures", "collaborating_departments")
            .get(pk=goal_id)
        )
        return goal.department, events.api_form(GoalOut, goal)

    events.emit(event, load)
