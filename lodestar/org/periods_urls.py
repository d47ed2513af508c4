from django.urls import path

from lodestar.org import shell_views as views

app_name = "periods"

urlpatterns = [
    path("", views.period_list, name="list"),
    path("generate/", views.period_generate, name="generate"),
    path("custom/", views.period_custom, name="custom"),
    path("settings/", views.company_settings, name="settings"),
]
