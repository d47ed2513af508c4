from django.urls import path

from lodestar.notifications import views, webhook_views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.read, name="read"),
    path("preferences/", webhook_views.preferences, name="preferences"),
    path("webhooks/", webhook_views.webhook_list, name="webhooks"),
    path("webhooks/new/", webhook_views.webhook_create, name="webhook_new"),
    path("webhooks/<int:endpoint_id>/", webhook_views.webhook_edit, name="webhook_edit"),
    path("webhooks/<int:endpoint_id>/test/", webhook_views.webhook_test, name="webhook_test"),
    path("webhooks/<int:endpoint_id>/delete/", webhook_views.webhook_delete, name="webhook_delete"),
    path("deliveries/", webhook_views.delivery_log, name="deliveries"),
]
