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


@register.filter
def history_who(row) -> str:
    """Who wrote a history row: the user, or 系统 for rows written outside a request (the demo seed,
    management commands, nightly tasks) where no person acted."""
    user = getattr(row, "history_user", None)
    return user.get_username() if user is not None else _("System")
