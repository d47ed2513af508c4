from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "lodestar.metrics"
    label = "metrics"
    verbose_name = _("Source data")

    def ready(self) -> None:
        # Source data feeds the bound measures and checks reported figures (verification_receivers).
        from lodestar.metrics.verification_receivers import connect

        connect()
