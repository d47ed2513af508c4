from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "lodestar.metrics"
    label = "metrics"
    verbose_name = _("Source data")

    def ready(self) -> None:
        from lodestar.metrics.access import register_template_checks

        register_template_checks()

        # Source data feeds the bound measures and checks reported figures (verification_receivers).
        from lodestar.metrics.verification_receivers import connect

        connect()

        # The goal page links its verification only where a source metric is bound to a measure.
        from lodestar.core.permission_checks import register
        from lodestar.metrics.verification_access import goal_has_verification

        register("metrics.verification_for_goal", goal_has_verification)
