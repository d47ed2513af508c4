from django.urls import path

from lodestar.org import setup_views as views

app_name = "setup"

urlpatterns = [
    path("", views.start, name="start"),
    path("departments/", views.departments, name="departments"),
    path("admin/", views.admin, name="admin"),
    path("people/", views.people, name="people"),
    path("done/", views.done, name="done"),
    path("link/", views.link, name="link"),
    path("link/skip/", views.link_skip, name="link_skip"),
]
