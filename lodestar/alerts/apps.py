from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "lodestar.alerts"
    label = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        # tracking announces each recorded check-in; the alerts listen (tracking never imports alerts).
        from lodestar.alerts import receivers
        from lodestar.alerts import tasks as recurring
        from lodestar.core.worker import register_recurring
        from lodestar.metrics.signals import discrepancies_changed
        from lodestar.tracking.signals import checkin_recorded

        register_recurring(recurring.ensure_scheduled)
        checkin_recorded.connect(receivers.evaluate_on_checkin, dispatch_uid="alerts.evaluate_on_checkin")
        discrepancies_changed.connect(
            receivers.evaluate_on_discrepancies, dispatch_uid="alerts.evaluate_on_discrepancies"
        )
