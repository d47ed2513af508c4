from django.urls import path

from lodestar.trash import views

app_name = "trash"

urlpatterns = [
    path("", views.trash_list, name="list"),
    path("<slug:kind>/<int:record_id>/restore/", views.trash_restore, name="restore"),
]
