from django.urls import path

from lodestar.budget import views

app_name = "budget"

urlpatterns = [
    path("", views.line_list, name="lines"),
    path("lines/new/", views.line_new, name="line_new"),
    path("lines/<int:line_id>/", views.line_detail, name="line_detail"),
    path("lines/<int:line_id>/edit/", views.line_edit, name="line_edit"),
    path("lines/<int:line_id>/delete/", views.line_delete, name="line_delete"),
    path("lines/<int:line_id>/spend/", views.spend_add, name="spend_add"),
    path("lines/<int:line_id>/attribution/", views.attribution_set, name="attribution"),
    path("spend/<int:spend_id>/delete/", views.spend_delete, name="spend_delete"),
    path("import/", views.spend_import, name="spend_import"),
    path("channels/", views.channel_roi, name="channels"),
    path("channels/accept/", views.reallocation_accept, name="reallocation_accept"),
]
