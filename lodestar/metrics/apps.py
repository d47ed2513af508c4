from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "lodestar.metrics"
    label = "metrics"
    verbose_name = _("Source data")

    def ready(self) -> None:
        from lodestar.metrics.access import register_template_checks

        register_template_checks()
