from django.urls import path

from lodestar.org import views

app_name = "org"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("chart/", views.chart, name="chart"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
    path("people/new/", views.person_edit, name="person_new"),
    path("people/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("departments/", views.departments, name="departments"),
    path("departments/new/", views.department_edit, name="department_new"),
    path("departments/<int:department_id>/edit/", views.department_edit, name="department_edit"),
    path("departments/<int:department_id>/delete/", views.department_delete, name="department_delete"),
    path("import/", views.import_upload, name="import"),
    path("import/template/<str:kind>.xlsx", views.import_template, name="import_template"),
]
