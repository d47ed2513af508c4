from django.urls import path

from lodestar.goals import views

app_name = "goals"

urlpatterns = [
    path("", views.goal_table, name="table"),
    path("mine/", views.my_goals, name="mine"),
    path("tree/", views.tree, name="tree"),
    path("tree/<int:goal_id>/children/", views.tree_children, name="tree_children"),
    path("new/", views.goal_create, name="create"),
    path("parent-options/", views.parent_options, name="parent_options"),
    path("copy/", views.copy_period, name="copy"),
    path("templates/", views.templates, name="templates"),
    path("templates/new/", views.template_new, name="template_new"),
    path("templates/<int:template_id>/use/", views.template_use, name="template_use"),
    path("<int:goal_id>/", views.goal_detail, name="detail"),
    path("<int:goal_id>/edit/", views.goal_edit, name="edit"),
    path("<int:goal_id>/row/", views.table_row, name="row"),
    path("<int:goal_id>/status/", views.goal_status, name="status"),
    path("<int:goal_id>/delete/", views.goal_delete, name="delete"),
    path("<int:goal_id>/measures/new/", views.measure_add, name="measure_add"),
    path("<int:goal_id>/consensus/", views.consensus_start, name="consensus_start"),
    path("<int:goal_id>/adjustments/", views.adjustment_add, name="adjustment_add"),
    path("<int:goal_id>/decompose/", views.decompose, name="decompose"),
    path("measures/<int:measure_id>/edit/", views.measure_edit, name="measure_edit"),
    path("measures/<int:measure_id>/current/", views.measure_current, name="measure_current"),
    path("measures/<int:measure_id>/delete/", views.measure_delete, name="measure_delete"),
    path(
        "adjustments/<int:adjustment_id>/approve/",
        views.adjustment_decide,
        {"decision": "approve"},
        name="adjustment_approve",
    ),
    path(
        "adjustments/<int:adjustment_id>/reject/",
        views.adjustment_decide,
        {"decision": "reject"},
        name="adjustment_reject",
    ),
    path(
        "adjustments/<int:adjustment_id>/withdraw/",
        views.adjustment_decide,
        {"decision": "withdraw"},
        name="adjustment_withdraw",
    ),
    path("consensus/<int:record_id>/decide/", views.consensus_decide, name="consensus_decide"),
    path("consensus/<int:record_id>/withdraw/", views.consensus_withdraw, name="consensus_withdraw"),
]
