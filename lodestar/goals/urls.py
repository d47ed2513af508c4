from django.urls import path

from lodestar.goals.views import adjustments, consensus, decomposition, goals, measures, report, reuse, table

app_name = "goals"

urlpatterns = [
    path("", table.goal_table, name="table"),
    path("mine/", table.my_goals, name="mine"),
    path("tree/", table.tree, name="tree"),
    path("tree/<int:goal_id>/children/", table.tree_children, name="tree_children"),
    path("new/", goals.goal_create, name="create"),
    path("parent-options/", goals.parent_options, name="parent_options"),
    path("copy/", reuse.copy_period, name="copy"),
    path("templates/", reuse.templates, name="templates"),
    path("templates/new/", reuse.template_new, name="template_new"),
    path("templates/<int:template_id>/use/", reuse.template_use, name="template_use"),
    path("<int:goal_id>/", goals.goal_detail, name="detail"),
    path("<int:goal_id>/edit/", goals.goal_edit, name="edit"),
    path("<int:goal_id>/report/", report.goal_report, name="report"),
    path("<int:goal_id>/report.pdf", report.goal_report, {"as_pdf": True}, name="report_pdf"),
    path("<int:goal_id>/row/", table.table_row, name="row"),
    path("<int:goal_id>/status/", goals.goal_status, name="status"),
    path("<int:goal_id>/delete/", goals.goal_delete, name="delete"),
    path("<int:goal_id>/measures/new/", measures.measure_add, name="measure_add"),
    path("<int:goal_id>/consensus/", consensus.consensus_start, name="consensus_start"),
    path("<int:goal_id>/adjustments/", adjustments.adjustment_add, name="adjustment_add"),
    path("<int:goal_id>/decompose/", decomposition.decompose, name="decompose"),
    path("measures/<int:measure_id>/edit/", measures.measure_edit, name="measure_edit"),
    path("measures/<int:measure_id>/current/", measures.measure_current, name="measure_current"),
    path("measures/<int:measure_id>/delete/", measures.measure_delete, name="measure_delete"),
    path(
        "adjustments/<int:adjustment_id>/approve/",
        adjustments.adjustment_decide,
        {"decision": "approve"},
        name="adjustment_approve",
    ),
    path(
        "adjustments/<int:adjustment_id>/reject/",
        adjustments.adjustment_decide,
        {"decision": "reject"},
        name="adjustment_reject",
    ),
    path(
        "adjustments/<int:adjustment_id>/withdraw/",
        adjustments.adjustment_decide,
        {"decision": "withdraw"},
        name="adjustment_withdraw",
    ),
    path("consensus/<int:record_id>/decide/", consensus.consensus_decide, name="consensus_decide"),
    path("consensus/<int:record_id>/withdraw/", consensus.consensus_withdraw, name="consensus_withdraw"),
]
