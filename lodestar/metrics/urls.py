from django.urls import path

from lodestar.metrics import views

app_name = "metrics"

urlpatterns = [
    path("", views.source_list, name="sources"),
    path("sources/new/", views.source_create, name="source_create"),
    path("sources/<int:source_id>/", views.source_detail, name="source_detail"),
    path("sources/<int:source_id>/edit/", views.source_edit, name="source_edit"),
    path("sources/<int:source_id>/delete/", views.source_delete, name="source_delete"),
    path("sources/<int:source_id>/import/", views.import_upload, name="import_upload"),
    path("imports/<int:import_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:import_id>/mapping/", views.import_mapping, name="import_mapping"),
    path("imports/<int:import_id>/start/", views.import_start, name="import_start"),
]
