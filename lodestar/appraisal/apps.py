from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    name = "lodestar.appraisal"
    label = "appraisal"
    verbose_name = _("Performance appraisal")

    def ready(self) -> None:
        from lodestar.appraisal import access
        from lodestar.appraisal import tasks as recurring
        from lodestar.core.worker import register_recurring

        access.register_template_checks()
        register_recurring(recurring.ensure_scheduled)
