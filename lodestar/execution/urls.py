from django.urls import path

from lodestar.execution import views, views_board

app_name = "execution"

urlpatterns = [
    path("", views.item_table, name="table"),
    path("mine/", views.my_work, name="mine"),
    path("raci/", views.raci_matrix, name="raci"),
    path("board/", views_board.kanban, name="kanban"),
    path("board/move/<int:item_id>/", views_board.kanban_move, name="kanban_move"),
    path("timeline/", views_board.timeline, name="timeline"),
    path("timeline/data/", views_board.timeline_data, name="timeline_data"),
    path("timeline/reschedule/<int:item_id>/", views_board.timeline_reschedule, name="timeline_reschedule"),
    path("items/new/", views.item_create, name="create"),
    path("items/bulk/", views.item_bulk, name="bulk"),
    path("items/<int:item_id>/", views.item_detail, name="detail"),
    path("items/<int:item_id>/edit/", views.item_edit, name="edit"),
    path("items/<int:item_id>/row/", views.item_row, name="row"),
    path("items/<int:item_id>/status/", views.item_status, name="status"),
    path("items/<int:item_id>/comments/", views.comment_add, name="comment"),
    path("items/<int:item_id>/attachments/", views.attachment_add, name="attachment"),
    path("items/<int:item_id>/dependencies/", views.dependency_add, name="dependency"),
    path("items/<int:item_id>/request/", views.request_answer, name="request"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
]
