from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "lodestar.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from lodestar.core.worker import register_recurring
        from lodestar.notifications import tasks as recurring

        register_recurring(recurring.ensure_scheduled)
