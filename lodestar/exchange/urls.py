from django.urls import path

from lodestar.exchange import views

app_name = "exchange"

urlpatterns = [
    path("<slug:table>/export/", views.export_table, name="export"),
    path("<slug:table>/import/", views.import_upload, name="import_upload"),
    path("imports/<int:import_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:import_id>/apply/", views.import_apply, name="import_apply"),
]
