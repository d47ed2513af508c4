"""Writes for goals, by entity: goals, measures, consensus, decomposition, adjustments, reuse.

Every service is keyword-only, checks permission through goals/access.py, validates with a
clear message on the field (ApplicationError), writes inside one transaction and then
recomputes the stored roll-ups along the path to the root. The goal and measure services are
re-exported here (`services.goal_create`); the others are imported from their module
(`from lodestar.goals.services import consensus`).
"""

from lodestar.goals.services.common import (
    MAX_AMOUNT,
    NON_NEGATIVE_UNITS,
    Number,
    actor_person,
    check_open_period,
    measure_places,
    to_decimal,
)
from lodestar.goals.services.goals import (
    DEFAULT_GOAL_TYPES,
    GOAL_FIELDS,
    GoalChanges,
    goal_create,
    goal_delete,
    goal_restore,
    goal_set_status,
    goal_types_ensure_defaults,
    goal_update,
    sibling_goals,
    sibling_key,
    sibling_weights_save,
)
from lodestar.goals.services.measures import (
    MeasureFields,
    NewMeasure,
    check_measure_weights,
    measure_create,
    measure_delete,
    measure_update,
    validate_measure,
)

__all__ = [
    "DEFAULT_GOAL_TYPES",
    "GOAL_FIELDS",
    "MAX_AMOUNT",
    "NON_NEGATIVE_UNITS",
    "GoalChanges",
    "MeasureFields",
    "NewMeasure",
    "Number",
    "actor_person",
    "check_measure_weights",
    "check_open_period",
    "goal_create",
    "goal_delete",
    "goal_restore",
    "goal_set_status",
    "goal_types_ensure_defaults",
    "goal_update",
    "measure_create",
    "measure_delete",
    "measure_places",
    "measure_update",
    "sibling_goals",
    "sibling_key",
    "sibling_weights_save",
    "to_decimal",
    "validate_measure",
]
