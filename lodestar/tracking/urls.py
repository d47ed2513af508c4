from django.urls import path

from lodestar.tracking import views

app_name = "tracking"

urlpatterns = [
    path("", views.report, name="report"),
    path("rows/<str:kind>/<int:pk>/", views.checkin_row, name="checkin_row"),
    path("department/", views.department_report, name="department_report"),
    path("meeting/", views.meeting, name="meeting"),
    path("measures/<int:measure_id>/", views.measure_detail, name="measure"),
    path("measures/<int:measure_id>/plan/", views.measure_plan, name="measure_plan"),
]
