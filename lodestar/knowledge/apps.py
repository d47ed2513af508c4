from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "lodestar.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge")

    def ready(self) -> None:
        from lodestar.core.worker import register_recurring
        from lodestar.knowledge import tasks as recurring
        from lodestar.knowledge.access import register_checks

        register_recurring(recurring.ensure_scheduled)
        register_checks()
