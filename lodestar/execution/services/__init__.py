"""Writes for action items, by entity: items, RACI, dependencies, requests, comments, phases, recurring.

Every service is keyword-only, refuses bad input with a message on the field, and writes
inside one transaction; notifications go out on commit. The public services are re-exported
here (`services.item_create`).
"""

from lodestar.execution.services.comments import (
    ALLOWED_EXTENSIONS,
    MAX_ATTACHMENT_BYTES,
    attachment_add,
    comment_add,
    mentioned_people,
)
from lodestar.execution.services.common import feed_measure
from lodestar.execution.services.dependencies import dependency_add, dependency_remove
from lodestar.execution.services.items import (
    ITEM_FIELDS,
    ItemChanges,
    item_create,
    item_delete,
    item_move,
    item_reschedule,
    item_restore,
    item_update,
    items_bulk_update,
)
from lodestar.execution.services.phases import (
    DEFAULT_PHASES,
    phase_create,
    phase_move,
    phase_update,
    plan_phases,
)
from lodestar.execution.services.raci import RACI_FIELDS, raci_set
from lodestar.execution.services.recurring import generate_recurring_items
from lodestar.execution.services.requests import request_answer

__all__ = [
    "ALLOWED_EXTENSIONS",
    "DEFAULT_PHASES",
    "ITEM_FIELDS",
    "MAX_ATTACHMENT_BYTES",
    "RACI_FIELDS",
    "ItemChanges",
    "attachment_add",
    "comment_add",
    "dependency_add",
    "dependency_remove",
    "feed_measure",
    "generate_recurring_items",
    "item_create",
    "item_delete",
    "item_move",
    "item_reschedule",
    "item_restore",
    "item_update",
    "items_bulk_update",
    "mentioned_people",
    "phase_create",
    "phase_move",
    "phase_update",
    "plan_phases",
    "raci_set",
    "request_answer",
]
