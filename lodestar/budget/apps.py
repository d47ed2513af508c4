from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BudgetConfig(AppConfig):
    name = "lodestar.budget"
    label = "budget"
    verbose_name = _("Budget")

    def ready(self) -> None:
        from lodestar.budget.access import register_template_checks

        register_template_checks()
