from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.api import api
from lodestar.org import shell_views

urlpatterns = [
    path("", include("lodestar.dashboards.urls")),
    path("dashboards/", include("lodestar.dashboards.board_urls")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", shell_views.password_change, name="password_change"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("profile/", shell_views.profile, name="profile"),
    path("profile/tokens/<int:token_id>/revoke/", shell_views.token_revoke, name="token_revoke"),
    path("setup/", include("lodestar.org.setup_urls")),
    path("periods/", include("lodestar.org.periods_urls")),
    path("trash/", include("lodestar.trash.urls")),
    path("org/", include("lodestar.org.urls")),
    path("goals/", include("lodestar.goals.urls")),
    path("execution/", include("lodestar.execution.urls")),
    path("tracking/", include("lodestar.tracking.urls")),
    path("inbox/", include("lodestar.notifications.urls")),
    path("alerts/", include("lodestar.alerts.urls")),
    path("knowledge/", include("lodestar.knowledge.urls")),
    path("retrospectives/", include("lodestar.retrospectives.urls")),
    path("appraisal/", include("lodestar.appraisal.urls")),
    path("data/verification/", include("lodestar.metrics.verification_urls")),
    path("data/", include("lodestar.metrics.urls")),
    path("budget/", include("lodestar.budget.urls")),
    path("exchange/", include("lodestar.exchange.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
