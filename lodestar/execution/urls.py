from django.urls import path

from lodestar.execution.views import board, detail, items, phases

app_name = "execution"

urlpatterns = [
    path("", items.item_table, name="table"),
    path("mine/", items.my_work, name="mine"),
    path("raci/", items.raci_matrix, name="raci"),
    path("board/", board.kanban, name="kanban"),
    path("board/move/<int:item_id>/", board.kanban_move, name="kanban_move"),
    path("timeline/", board.timeline, name="timeline"),
    path("timeline/data/", board.timeline_data, name="timeline_data"),
    path("timeline/reschedule/<int:item_id>/", board.timeline_reschedule, name="timeline_reschedule"),
    path("phases/add/", phases.phase_add, name="phase_add"),
    path("phases/<int:phase_id>/", phases.phase_edit, name="phase_edit"),
    path("items/new/", items.item_create, name="create"),
    path("items/new/choices/", items.item_form_choices, name="form_choices"),
    path("items/bulk/", items.item_bulk, name="bulk"),
    path("items/<int:item_id>/", detail.item_detail, name="detail"),
    path("items/<int:item_id>/edit/", items.item_edit, name="edit"),
    path("items/<int:item_id>/row/", items.item_row, name="row"),
    path("items/<int:item_id>/status/", detail.item_status, name="status"),
    path("items/<int:item_id>/comments/", detail.comment_add, name="comment"),
    path("items/<int:item_id>/attachments/", detail.attachment_add, name="attachment"),
    path("items/<int:item_id>/dependencies/", detail.dependency_add, name="dependency"),
    path("items/<int:item_id>/request/", detail.request_answer, name="request"),
    path("attachments/<int:attachment_id>/", detail.attachment_download, name="attachment_download"),
]
