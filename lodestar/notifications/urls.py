from django.urls import path

from lodestar.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.read, name="read"),
    path("preferences/", views.preferences, name="preferences"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/new/", views.webhook_create, name="webhook_new"),
    path("webhooks/<int:endpoint_id>/", views.webhook_edit, name="webhook_edit"),
    path("webhooks/<int:endpoint_id>/test/", views.webhook_test, name="webhook_test"),
    path("webhooks/<int:endpoint_id>/delete/", views.webhook_delete, name="webhook_delete"),
    path("deliveries/", views.delivery_log, name="deliveries"),
    path("deliveries/<int:delivery_id>/resend/", views.delivery_resend, name="delivery_resend"),
]
