from django.urls import path

from lodestar.core import trash_views

app_name = "trash"

urlpatterns = [
    path("", trash_views.trash_list, name="list"),
    path("<slug:kind>/<int:record_id>/restore/", trash_views.trash_restore, name="restore"),
]
