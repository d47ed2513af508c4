from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExecutionConfig(AppConfig):
    name = "lodestar.execution"
    label = "execution"
    verbose_name = _("Execution")

    def ready(self) -> None:
        from lodestar.core.worker import register_recurring
        from lodestar.execution import tasks as recurring
        from lodestar.execution.access import register_template_checks

        register_recurring(recurring.ensure_scheduled)
        register_template_checks()
