"""Writes for tracking, by entity: check-ins (which move the goal's figures), time-phased plans,
forecasts. Importers use `from lodestar.tracking import services` and `services.checkin_submit`."""

from lodestar.tracking.services.checkins import checkin_delete, checkin_restore, checkin_submit
from lodestar.tracking.services.checks import CheckInFields
from lodestar.tracking.services.forecast import item_checkin_total, measure_forecast
from lodestar.tracking.services.plans import measure_plan, plan_set

__all__ = [
    "CheckInFields",
    "checkin_delete",
    "checkin_restore",
    "checkin_submit",
    "item_checkin_total",
    "measure_forecast",
    "measure_plan",
    "plan_set",
]
