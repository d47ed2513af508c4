from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoalsConfig(AppConfig):
    name = "lodestar.goals"
    label = "goals"
    verbose_name = _("Goals")

    def ready(self) -> None:
        from lodestar.core.signals import period_closed_changed
        from lodestar.core.worker import register_recurring
        from lodestar.goals import tasks as recurring
        from lodestar.goals.access import register_template_checks
        from lodestar.goals.tasks import refresh_after_period_closing

        register_recurring(recurring.ensure_scheduled)
        register_template_checks()
        period_closed_changed.connect(refresh_after_period_closing, dispatch_uid="goals-period-closing")
