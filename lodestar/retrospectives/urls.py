from django.urls import path

from lodestar.retrospectives import views

app_name = "retrospectives"

urlpatterns = [
    path("", views.retrospective_list, name="list"),
    path("department/open/", views.open_for_department, name="open_for_department"),
    path("goal/<int:goal_id>/open/", views.open_for_goal, name="open_for_goal"),
    path("<int:retrospective_id>/", views.retrospective_detail, name="detail"),
    path("<int:retrospective_id>/edit/", views.retrospective_edit, name="edit"),
    path("<int:retrospective_id>/whys/add/", views.why_add, name="why_add"),
    path("<int:retrospective_id>/whys/<int:why_id>/delete/", views.why_delete, name="why_delete"),
    path("<int:retrospective_id>/whys/<int:why_id>/move/", views.why_move, name="why_move"),
    path("<int:retrospective_id>/actions/add/", views.action_add, name="action_add"),
    path("<int:retrospective_id>/actions/<int:action_id>/delete/", views.action_delete, name="action_delete"),
    path(
        "<int:retrospective_id>/actions/<int:action_id>/promote/", views.action_promote, name="action_promote"
    ),
    path("<int:retrospective_id>/actions/<int:action_id>/done/", views.action_done, name="action_done"),
    path("<int:retrospective_id>/complete/", views.retrospective_complete, name="complete"),
    path("<int:retrospective_id>/sign-off/", views.retrospective_sign_off, name="sign_off"),
    path("<int:retrospective_id>/reopen/", views.retrospective_reopen, name="reopen"),
    path("<int:retrospective_id>/comment/", views.comment_add, name="comment"),
    path("<int:retrospective_id>/attach/", views.attachment_add, name="attachment"),
    path("files/<int:file_id>/", views.attachment_download, name="attachment_download"),
]
