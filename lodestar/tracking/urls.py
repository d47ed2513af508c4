from django.urls import path

from lodestar.tracking import close_views, meeting_views, views

app_name = "tracking"

urlpatterns = [
    path("", views.report, name="report"),
    path("rows/<str:kind>/<int:pk>/", views.checkin_row, name="checkin_row"),
    path("department/", views.department_report, name="department_report"),
    path("meeting/", meeting_views.meeting, name="meeting"),
    path("meeting/minutes/", meeting_views.meeting_minutes, name="meeting_minutes"),
    path("meeting/minutes.pdf", meeting_views.meeting_minutes, {"as_pdf": True}, name="meeting_minutes_pdf"),
    path("meeting/remind/", meeting_views.meeting_remind, name="meeting_remind"),
    path(
        "meeting/decisions/<int:decision_id>/status/", meeting_views.decision_status, name="decision_status"
    ),
    path("measures/<int:measure_id>/", views.measure_detail, name="measure"),
    path("measures/<int:measure_id>/plan/", views.measure_plan, name="measure_plan"),
    path("periods/<int:period_id>/close/", close_views.period_close, name="period_close"),
    path("periods/<int:period_id>/reopen/", close_views.period_reopen, name="period_reopen"),
]
