"""Comments with @mentions, and attachments on an action item."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.services import Actor, validated_save
from lodestar.execution.access import can_comment_on_item, can_work_on_item, visible_items
from lodestar.execution.models import ActionItem, Attachment, Comment
from lodestar.execution.services.common import actor_person, check_item_open, notify_on_commit
from lodestar.org.models import Person

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_EXTENSIONS = {
    ".pdf",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".xlsx",
    ".xls",
    ".csv",
    ".docx",
    ".doc",
    ".pptx",
    ".ppt",
    ".txt",
    ".md",
    ".zip",
    ".mp4",
    ".mov",
}

# --- comments and attachments --------------------------------------------------------------

MENTION = re.compile(r"@([\w.\-\u4e00-\u9fff]{1,40})")


def mentioned_people(body: str) -> list[Person]:
    """People named as @username or @显示名 in a comment."""
    names = set(MENTION.findall(body))
    names |= {name.rstrip(".-") for name in names}  # "thanks @linxiao." ends the sentence, not the name
    names.discard("")
    if not names:
        return []
    return list(
        Person.objects.filter(is_active=True).filter(user__username__in=names)
        | Person.objects.filter(is_active=True, display_name__in=names)
    )


@transaction.atomic
def comment_add(*, actor: Actor, item: ActionItem, body: str) -> Comment:
    person = actor_person(actor)
    if not can_comment_on_item(actor, item):
        raise PermissionDeniedError(_("You may not comment on this item."))
    check_item_open(item)
    body = (body or "").strip()
    if not body:
        raise ApplicationError(_("Write a comment."), field="body", code="required")
    if len(body) > 4000:
        raise ApplicationError(_("A comment can be at most 4,000 characters."), field="body")
    comment = validated_save(Comment(item=item, author=person, body=body))
    # Only people who may see the item are notified: the notification shows its title.
    named = mentioned_people(body)
    mentioned = [p for p in named if visible_items(p.user).filter(pk=item.pk).exists()]
    comment.not_notified = [p for p in named if p not in mentioned]
    comment.mentions.set(mentioned)
    notify_on_commit(
        mentioned,
        person,
        "mentioned",
        _("%(name)s mentioned you on “%(title)s”") % {"name": person.display_name, "title": item.title},
        item,
    )
    return comment


@transaction.atomic
def attachment_add(*, actor: Actor, item: ActionItem, upload: UploadedFile) -> Attachment:
    person = actor_person(actor)
    if not can_work_on_item(actor, item):
        raise PermissionDeniedError(_("You may view this item but not change it."))
    check_item_open(item)
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise ApplicationError(
            _("Files of type “%(ext)s” are not accepted.") % {"ext": extension or "?"},
            field="file",
            code="file_type",
        )
    size = upload.size
    if size is None:  # an upload handler always sets it; a file built by hand may not
        raise ApplicationError(_("The file's size could not be read."), field="file", code="file_unreadable")
    if size > MAX_ATTACHMENT_BYTES:
        raise ApplicationError(_("A file can be at most 10 MB."), field="file", code="file_too_large")
    return validated_save(
        Attachment(
            item=item,
            file=upload,
            name=name,
            size=size,
            content_type=(getattr(upload, "content_type", "") or "")[:100],
            uploaded_by=person,
        )
    )
