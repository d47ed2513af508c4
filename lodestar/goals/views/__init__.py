"""Goal pages, one module per entity; the URLconf reaches every view through this package."""

from lodestar.goals.views.adjustments import adjustment_add, adjustment_decide
from lodestar.goals.views.consensus import consensus_decide, consensus_start, consensus_withdraw
from lodestar.goals.views.decomposition import decompose
from lodestar.goals.views.goals import (
    goal_create,
    goal_delete,
    goal_detail,
    goal_edit,
    goal_status,
    parent_options,
)
from lodestar.goals.views.measures import measure_add, measure_current, measure_delete, measure_edit
from lodestar.goals.views.reuse import copy_period, template_new, template_use, templates
from lodestar.goals.views.table import goal_table, my_goals, table_row, tree, tree_children

__all__ = [
    "adjustment_add",
    "adjustment_decide",
    "consensus_decide",
    "consensus_start",
    "consensus_withdraw",
    "copy_period",
    "decompose",
    "goal_create",
    "goal_delete",
    "goal_detail",
    "goal_edit",
    "goal_status",
    "goal_table",
    "measure_add",
    "measure_current",
    "measure_delete",
    "measure_edit",
    "my_goals",
    "parent_options",
    "table_row",
    "template_new",
    "template_use",
    "templates",
    "tree",
    "tree_children",
]
