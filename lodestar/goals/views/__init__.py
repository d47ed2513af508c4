"""Goal pages (being split by entity)."""

from lodestar.goals.views.goals import *  # noqa: F403
