"""Goal API (being split by entity)."""

from lodestar.goals.api.goals import goal_out, router

__all__ = ["goal_out", "router"]
