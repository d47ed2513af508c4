"""How a simple-history row is named on history and activity lists."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from lodestar.core.softdelete import DELETED_REASON, RESTORED_REASON

register = template.Library()


@register.filter
def history_action(row) -> str:
    """Deleted / restored (the soft-delete services' reasons), else created / changed, plus any reason given."""
    reason = getattr(row, "history_change_reason", None) or ""
    if reason == DELETED_REASON:
        return _("deleted")
    if reason == RESTORED_REASON:
        return _("restored")
    action = {"+": _("created"), "-": _("removed"), "~": _("changed")}.get(row.history_type, "")
    return f"{action} — {reason}" if reason else action
