from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    name = "lodestar.appraisal"
    label = "appraisal"
    verbose_name = _("Performance appraisal")

    def ready(self) -> None:
        from lodestar.appraisal import access

        access.register_template_checks()
