from django.urls import path

from lodestar.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.case_list, name="cases"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/suggested/", views.case_suggested, name="case_suggested"),
    path("cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:case_id>/delete/", views.case_delete, name="case_delete"),
    path("sops/", views.sop_list, name="sops"),
    path("sops/new/", views.sop_create, name="sop_create"),
    path("sops/<int:sop_id>/", views.sop_detail, name="sop_detail"),
    path("sops/<int:sop_id>/edit/", views.sop_edit, name="sop_edit"),
    path("sops/<int:sop_id>/versions/new/", views.sop_version_new, name="sop_version_new"),
    path("sops/<int:sop_id>/diff/", views.sop_diff, name="sop_diff"),
    path("sops/<int:sop_id>/delete/", views.sop_delete, name="sop_delete"),
    path("report/", views.report, name="report"),
    path("report/pdf/", views.report_pdf, name="report_pdf"),
]
