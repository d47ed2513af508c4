"""The goal API, one module per entity, all on one router (tagged "goals").

The modules are imported in the order the OpenAPI document lists their endpoints (goals,
measures, decomposition, adjustments, consensus, templates and goal types): importing a module
registers its endpoints on the router. config/api.py (MOVED_ENDPOINTS) keeps their operationIds
as they were in the single goals/api.py.
"""

# isort: off
from lodestar.goals.api import goals  # noqa: F401
from lodestar.goals.api import measures  # noqa: F401
from lodestar.goals.api import decomposition  # noqa: F401
from lodestar.goals.api import adjustments  # noqa: F401
from lodestar.goals.api import consensus  # noqa: F401
from lodestar.goals.api import reuse  # noqa: F401
from lodestar.goals.api import closing  # noqa: F401

# isort: on
from lodestar.goals.api.common import goal_out, router

__all__ = ["goal_out", "router"]
