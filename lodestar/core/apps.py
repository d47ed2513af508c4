from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "lodestar.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from lodestar.core import tasks as recurring
        from lodestar.core.worker import register_recurring

        register_recurring(recurring.ensure_scheduled)
