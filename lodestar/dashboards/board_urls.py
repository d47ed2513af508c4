from django.urls import path

from lodestar.dashboards import board_views as views

app_name = "dashboards"

urlpatterns = [
    path("", views.index, name="index"),
    path("company/", views.company, name="company"),
    path("company/xlsx/", views.company_export, name="company_export"),
    path("department/<int:department_id>/", views.department, name="department"),
    path("department/<int:department_id>/report/", views.department_report, name="department_report"),
    path(
        "department/<int:department_id>/report.pdf",
        views.department_report,
        {"as_pdf": True},
        name="department_report_pdf",
    ),
    path("department/<int:department_id>/xlsx/", views.department_export, name="department_export"),
    path("person/<int:person_id>/", views.person, name="person"),
    path("person/<int:person_id>/xlsx/", views.person_export, name="person_export"),
]
