"""Writes for tracking, by entity: check-ins (which move the goal's figures), time-phased plans,
forecasts. Importers use `from lodestar.tracking import services` and `services.checkin_submit`."""

from lodestar.tracking.services.checkins import (
    checkin_delete,
    checkin_record_source,
    checkin_restore,
    checkin_submit,
)
from lodestar.tracking.services.checks import CheckInFields
from lodestar.tracking.services.completion import completion_rebuild_all, completion_refresh
from lodestar.tracking.services.forecast import item_checkin_total, measure_forecast
from lodestar.tracking.services.meetings import decision_set_status, meeting_follow_up, reporters_remind
from lodestar.tracking.services.plans import item_plan, measure_plan, plan_set

__all__ = [
    "CheckInFields",
    "checkin_delete",
    "checkin_record_source",
    "checkin_restore",
    "checkin_submit",
    "completion_rebuild_all",
    "completion_refresh",
    "decision_set_status",
    "item_checkin_total",
    "item_plan",
    "measure_forecast",
    "measure_plan",
    "meeting_follow_up",
    "plan_set",
    "reporters_remind",
]
