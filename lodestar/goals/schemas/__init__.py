"""Goal API schemas (being split by entity)."""

from lodestar.goals.schemas.goals import *  # noqa: F403
