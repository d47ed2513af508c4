"""Kanban cards, rendered in Python.

A department board holds a few hundred cards; through the template engine each card (with its
move menu) cost about half a millisecond, most of the page. Here the same markup is built with
f-strings: every text from data or translations goes through `escape`, the rest is fixed markup
and integers. The board template keeps the columns and the scripts.
"""

from __future__ import annotations

from html import escape

from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from lodestar.core.http import url_pattern
from lodestar.execution.models import Priority

LOCK_ICON = (
    '<svg class="icon-xs" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><rect x="5" y="11" width="14" '
    'height="10" rx="2"/><path d="M8 11v-4a4 4 0 1 1 8 0v4"/></svg>'
)
CALENDAR_ICON = (
    '<svg class="icon-xs" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><rect x="4" y="5" width="16" '
    'height="16" rx="2"/><path d="M16 3v4M8 3v4M4 11h16"/></svg>'
)
LINK_ICON = (
    '<svg class="icon-xs" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M9 15l6 -6"/>'
    '<path d="M11 6l.463 -.536a5 5 0 0 1 7.071 7.072l-.534 .464"/><path d="M13 18l-.397 .534a5.068 5.068 0 0 1 '
    '-7.127 0a4.972 4.972 0 0 1 0 -7.071l.524 -.463"/></svg>'
)
PRIORITY_CLASSES = {"P0": "bg-red-lt", "P1": "bg-blue-lt"}


class CardRenderer:
    """Renders the cards of one board; texts and URLs that are the same for every card are made once."""

    def __init__(self, request, statuses: list[tuple[str, str]], filter_query: str):
        self.detail = url_pattern("execution:detail")
        self.move = url_pattern("execution:kanban_move") + "?" + escape(filter_query)
        self.csrf = escape(get_token(request))
        self.statuses = [(value, escape(str(label))) for value, label in statuses]
        self.priorities = {value: escape(str(label)) for value, label in Priority.choices}
        self.t = {
            key: escape(text)
            for key, text in {
                "locked": _("You may view this item but not move it."),
                "milestone": _("Milestone"),
                "move": _("Move to…"),
                "read_only": _("Read only"),
                "responsible": _("Responsible (R)"),
                "accountable": _("Accountable (A)"),
                "overdue": _("Overdue"),
                "due": _("Due"),
                "waiting": _("Waiting for"),
            }.items()
        }

    def render(self, items) -> SafeString:
        return mark_safe("".join(self.card(item) for item in items))

    def card(self, item) -> str:
        t = self.t
        pk = item.pk
        milestone = (
            f'<span class="text-purple" title="{t["milestone"]}" aria-label="{t["milestone"]}">◆</span>'
            if item.is_milestone
            else ""
        )
        if item.can_work:
            buttons = "".join(
                f'<button type="submit" name="status" value="{value}">→ {label}</button>'
                for value, label in self.statuses
                if value != item.status
            )
            control = (
                f'<details class="move"><summary aria-label="{t["move"]}" title="{t["move"]}">⋯</summary>'
                f'<form class="menu" method="post" action="{self.move.format(pk)}" data-move-form>'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{self.csrf}">'
                f'<input type="hidden" name="version" value="{item.version}">{buttons}</form></details>'
            )
        else:
            control = (
                f'<span class="text-secondary" title="{t["read_only"]}">{LOCK_ICON}'
                f'<span class="visually-hidden">{t["read_only"]}</span></span>'
            )
        goal = ""
        if item.goal_id:
            name = escape(item.goal.name)
            goal = f'<div class="text-secondary text-truncate small" title="{name}">◎ {name}</div>'
        responsible = (
            "、".join(escape(p.display_name) for p in item.letters["R"])
            or '<span class="text-danger">—</span>'
        )
        accountable = escape(item.accountable.display_name) if item.accountable_id else "—"
        due = ""
        if item.due:
            if item.is_overdue:
                due = f'<span class="text-danger fw-bold" title="{t["overdue"]}" data-overdue="1">'
            else:
                due = f'<span class="" title="{t["due"]}">'
            due += f"{CALENDAR_ICON} {item.due:%m-%d}</span>"
        waiting = ""
        if item.open_predecessors and item.status != "done":
            names = "、".join(escape(p.title) for p in item.open_predecessors)
            waiting = (
                f'<span class="text-warning" title="{t["waiting"]}: {names}">{LINK_ICON} '
                f"{len(item.open_predecessors)}</span>"
            )
        movable = "movable" if item.can_work else "locked"
        locked_title = "" if item.can_work else f' title="{t["locked"]}"'
        return (
            f'<article class="card kanban-card {movable}" data-id="{pk}" data-version="{item.version}" '
            f'data-testid="card-{pk}"{locked_title}><div class="card-body"><div class="d-flex align-items-start gap-1">'
            f'<span class="badge {PRIORITY_CLASSES.get(item.priority, "bg-secondary-lt")}" '
            f'title="{self.priorities.get(item.priority, "")}">{escape(item.priority)}</span>{milestone}'
            f'<a class="title flex-fill" draggable="false" href="{self.detail.format(pk)}">{escape(item.title)}</a>'
            f'{control}</div>{goal}<div class="meta">'
            f'<span title="{t["responsible"]}">R: {responsible}</span>'
            f'<span title="{t["accountable"]}">A: {accountable}</span>{due}{waiting}</div></div></article>'
        )
