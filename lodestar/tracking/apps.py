from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "lodestar.tracking"
    label = "tracking"
    verbose_name = _("Tracking")

    def ready(self):
        # Snapshots (goals, below) carry tracking's forecast: the one method, handed down as a hook.
        from lodestar.goals.services.closing import register_forecaster
        from lodestar.tracking.services.forecast import forecasts_for_snapshots

        register_forecaster(forecasts_for_snapshots)

        # Templates of goals and items link the close page only for those who may open it.
        from lodestar.core.permission_checks import register
        from lodestar.tracking.close_views import can_open_close_page

        register("tracking.period_close", can_open_close_page)
        # The check-in pages show "Import from Excel" to those the exchange import lets write.
        from lodestar.org.permissions import can_write

        register("tracking.import_checkins", lambda user, _obj=None: can_write(user))

        # rebuild_all() of the goal figures rebuilds the check-in completion roll-up too.
        from lodestar.goals.signals import figures_rebuilt
        from lodestar.tracking.services.completion import rebuild_on_figures_rebuilt

        figures_rebuilt.connect(rebuild_on_figures_rebuilt, dispatch_uid="tracking.completion_rebuild")
