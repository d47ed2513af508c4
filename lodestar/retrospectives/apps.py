from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetrospectivesConfig(AppConfig):
    name = "lodestar.retrospectives"
    label = "retrospectives"
    verbose_name = _("Retrospectives")

    def ready(self) -> None:
        # goals announce each period close; retrospectives listen (goals never import retrospectives).
        from lodestar.goals.signals import period_closed
        from lodestar.retrospectives import access, tasks

        period_closed.connect(tasks.on_period_closed, dispatch_uid="retrospectives.open_due")
        access.register_template_checks()
