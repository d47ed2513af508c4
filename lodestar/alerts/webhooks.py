"""What alerts tell event webhooks (lodestar/notifications/events.py): `alert.raised`, with the alert
as `GET /alerts/{id}` answers it, texts in the site's language (docs/api.md, "Webhooks")."""

from __future__ import annotations

from lodestar.alerts.models import Alert
from lodestar.alerts.schemas import AlertOut
from lodestar.notifications import events
from lodestar.org.models import Department


def emit_alert(alert: Alert, department: Department | None) -> None:
    """Announce `alert.raised` to the event endpoints (the chat robots get the alert's message)."""
    alert_id = alert.pk

    def load():
        return department, events.api_form(
            AlertOut, Alert.objects.prefetch_related("recipients").get(pk=alert_id)
        )

    events.emit("alert.raised", load)
