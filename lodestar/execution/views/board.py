"""The kanban board and the timeline (Gantt) of an action plan.

Kanban: one column per status, cards in `position` order. A drag (SortableJS) posts to
`kanban_move`, which calls `services.item_move` and answers with the re-rendered board, or
with why it refused: no right to move (the card goes back), a stale version (the board is
refreshed), or an open predecessor (the page asks for an override reason and retries).

Timeline: items and milestones grouped by phase on an ECharts time axis fed by
`timeline_data`; dependencies drawn as arrows. Every row has an inline date form posting to
`timeline_reschedule` (the accessible way); dragging a bar posts the same form.

Both pages read through `selectors.item_list`, whose prefetched RACI rows give each card its
letters and the caller's rights, so the number of queries does not grow with the items.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.core.errors import ApplicationError, NotFound
from lodestar.core.http import int_param, page_view
from lodestar.execution import domain, selectors, services
from lodestar.execution.access import access_item, visible_items
from lodestar.execution.cards import CardRenderer
from lodestar.execution.models import ItemStatus, Phase
from lodestar.execution.views.items import annotate_for_display, plan_scope, scoped_items
from lodestar.org.permissions import require_person

BOARD_COLUMNS = (ItemStatus.TODO, ItemStatus.DOING, ItemStatus.BLOCKED, ItemStatus.DONE)
# The done column shows what was finished lately; a year of finished work is behind a link
# ("show all done"). A board is for work in flight, and 400 old cards would bury it.
RECENT_DONE_DAYS = 14
ZOOMS = ("week", "month", "quarter")


def _scope(request) -> dict:
    """Department and goal (as on the other plan pages), plus the phase and whether to show cancelled items."""
    department, goal = plan_scope(request)
    phase = None
    phase_id = int_param(request.GET.get("phase"))
    if phase_id:
        phase = Phase.objects.filter(pk=phase_id).first()
        if phase is None:
            raise NotFound(_("Phase not found."), field="phase_id")
    show_cancelled = request.GET.get("show_cancelled") == "1"
    all_done = request.GET.get("done") == "all"
    zoom = request.GET.get("zoom") if request.GET.get("zoom") in ZOOMS else "month"
    scope = {
        "department": department,
        "goal": goal,
        "phase": phase,
        "show_cancelled": show_cancelled,
        "all_done": all_done,
        "zoom": zoom,
    }
    base = {"department": department.pk if department else "", "goal": goal.pk if goal else ""}
    filters = {**base, "phase": phase.pk if phase else ""}
    if show_cancelled:
        filters["show_cancelled"] = "1"
    if all_done:
        filters["done"] = "all"
    scope["scope_query"] = urlencode(base)  # what the plan tabs carry from page to page
    scope["filter_query"] = urlencode(filters)  # this page's own filters
    return scope


def _scoped_items(user, scope: dict, *, with_phase: bool = True):
    """The visible items of the scope, RACI and predecessors prefetched (constant queries)."""
    return scoped_items(
        user,
        scope["department"],
        scope["goal"],
        phase=scope["phase"] if with_phase else None,
        show_cancelled=scope["show_cancelled"],
    )


def _has_scope(scope: dict) -> bool:
    return scope["department"] is not None or scope["goal"] is not None


def _filters_context(request, scope: dict) -> dict:
    phases = []
    if _has_scope(scope):
        in_scope = _scoped_items(request.user, scope, with_phase=False).order_by().values("phase_id")
        phases = list(Phase.objects.filter(pk__in=in_scope).order_by("sort_order", "start", "id"))
    return {
        **scope,
        **selectors.scope_filter_choices(request.user, scope["department"]),
        "phases": phases,
    }


def _prepare(user, items: list, today: dt.date) -> None:
    """Display data per item from prefetched rows: RACI, overdue, rights, open predecessors."""
    annotate_for_display(user, items, today)
    for item in items:
        item.open_predecessors = [
            link.predecessor
            for link in item.predecessor_links.all()
            if link.predecessor.status in domain.OPEN_STATUSES
        ]


def _back_to(name: str, request) -> str:
    query = request.GET.urlencode()
    return reverse(name) + (f"?{query}" if query else "")


# --- kanban ------------------------------------------------------------------------------


def _board_context(request, scope: dict) -> dict:
    today = timezone.localdate()
    items = []
    earlier_done = 0
    if _has_scope(scope):
        scoped = _scoped_items(request.user, scope)
        if not scope["all_done"]:
            cutoff = timezone.now() - dt.timedelta(days=RECENT_DONE_DAYS)
            earlier = Q(status=ItemStatus.DONE) & (
                Q(status_changed_at__lt=cutoff) | Q(status_changed_at__isnull=True)
            )
            earlier_done = scoped.filter(earlier).count()
            scoped = scoped.exclude(earlier)
        # A card shows the goal's name and the A; rights need the department. Joining the item's
        # other relations (phase, measure, requesting department) would only slow a big board.
        items = list(
            scoped.select_related(None)
            .select_related("department", "goal", "accountable")
            .order_by("position", "id")
        )
    _prepare(request.user, items, today)
    statuses = list(BOARD_COLUMNS) + ([ItemStatus.CANCELLED] if scope["show_cancelled"] else [])
    by_status = defaultdict(list)
    for item in items:
        by_status[item.status].append(item)
    choices = [(s.value, s.label) for s in statuses]
    cards = CardRenderer(request, choices, scope["filter_query"])
    columns = [
        {
            "status": s.value,
            "label": s.label,
            "items": by_status[s.value],
            "cards": cards.render(by_status[s.value]),
        }
        for s in statuses
    ]
    return {
        **scope,
        "columns": columns,
        "statuses": choices,
        "item_count": len(items),
        "earlier_done": earlier_done,
        "recent_done_days": RECENT_DONE_DAYS,
        "today": today,
    }


@page_view
def kanban(request):
    """Items of a department or goal as cards in status columns; drag a card to move it."""
    require_person(request.user)
    scope = _scope(request)
    if request.htmx:
        return render(request, "execution/kanban.html#board", _board_context(request, scope))
    context = {**_filters_context(request, scope), **_board_context(request, scope), "section": "kanban"}
    return render(request, "execution/kanban.html", context)


@require_POST
@page_view
def kanban_move(request, item_id: int):
    """Move a card to a column (above `before_id`, or to the end).

    Answers scripts (HX-Request) with the re-rendered board, or with 403/404/409/422 and what to
    do: `X-Board-Action: revert` (put the card back, show the message), `refresh` (the board
    re-rendered with fresh data and the message) or `override` (ask for a reason and retry).
    Without JavaScript it redirects back to the board with a message.
    """
    require_person(request.user)
    scope = _scope(request)
    status = request.POST.get("status", "")
    try:
        item = access_item(request.user, item_id)
        services.item_move(
            actor=request.user,
            item=item,
            status=status,
            version=int_param(request.POST.get("version")),
            before_id=int_param(request.POST.get("before_id")),
            override_reason=request.POST.get("override_reason", ""),
        )
    except ApplicationError as exc:
        if not request.htmx:
            messages.error(request, exc.message)
            return redirect(_back_to("execution:kanban", request))
        if exc.code == "predecessor_open":
            context = {
                "message": exc.message,
                "item_id": item_id,
                "status": status,
                "before_id": request.POST.get("before_id", ""),
            }
            response = render(request, "execution/kanban.html#override", context, status=exc.status)
            response["X-Board-Action"] = "override"
        elif exc.code == "version_conflict":
            context = {**_board_context(request, scope), "notice": exc.message}
            response = render(request, "execution/kanban.html#board", context, status=exc.status)
            response["X-Board-Action"] = "refresh"
        else:
            response = render(
                request, "execution/kanban.html#alert", {"message": exc.message}, status=exc.status
            )
            response["X-Board-Action"] = "revert"
        return response
    if not request.htmx:
        messages.success(request, _("“%(title)s” was moved.") % {"title": item.title})
        return redirect(_back_to("execution:kanban", request))
    response = render(request, "execution/kanban.html#board", _board_context(request, scope))
    response["X-Board-Action"] = "refresh"
    return response


# --- timeline ----------------------------------------------------------------------------


def _timeline_items(request, scope: dict) -> list:
    if not _has_scope(scope):
        return []
    items = list(_scoped_items(request.user, scope))
    _prepare(request.user, items, timezone.localdate())
    return items


def _linked_outside(user, items: list) -> tuple[list, list[tuple[int, int]]]:
    """Items outside the page's scope linked to its items (another department's work this plan
    waits for, or that waits for it) that `user` can see, and every live link touching the scope.

    Two queries whatever the number of items: the links, then the visible items at their far ends.
    """
    ids = {item.pk for item in items}
    if not ids:
        return [], []
    links = list(
        selectors.live_links()
        .filter(Q(predecessor_id__in=ids) | Q(successor_id__in=ids))
        .values_list("predecessor_id", "successor_id")
    )
    far = {end for link in links for end in link if end not in ids}
    outside = (
        list(
            visible_items(user)
            .filter(pk__in=far)
            .select_related("department", "goal", "accountable")
            .order_by("due", "id")
        )
        if far
        else []
    )
    shown = ids | {item.pk for item in outside}
    return outside, [(a, b) for a, b in links if a in shown and b in shown]


def _phase_groups(items: list) -> list[tuple[Phase | None, list]]:
    """Items by phase in the phases' order; items without a phase last."""
    groups: dict = defaultdict(list)
    for item in items:
        groups[item.phase].append(item)
    return sorted(groups.items(), key=lambda kv: _phase_order(kv[0]))


def _phase_order(phase: Phase | None) -> tuple:
    if phase is None:
        return (1, 0, dt.date.min, 0)
    return (0, phase.sort_order, phase.start or dt.date.min, phase.pk)


def _chart_labels() -> dict:
    return {
        "no_phase": _("No phase"),
        "start": _("Start"),
        "due": _("Due"),
        "responsible": _("R"),
        "today": _("Today"),
        "milestone": _("Milestone"),
        "no_dates": _("No dates yet"),
        "saving": _("Saving…"),
        "failed": _("The change could not be saved."),
        "statuses": dict(ItemStatus.choices),
    }


def _mark_links(items: list, outside: list, links: list[tuple[int, int]]) -> None:
    """Each item's predecessors and successors in another department, for the rows under the chart."""
    by_id = {item.pk: item for item in [*items, *outside]}
    for item in by_id.values():
        item.waits_on_other, item.blocks_other = [], []
    for a, b in links:
        first, then = by_id[a], by_id[b]
        if first.department_id != then.department_id:
            then.waits_on_other.append(first)
            first.blocks_other.append(then)


@page_view
def timeline(request):
    """Gantt of the plan by phase, with dependencies (to other departments' items too), zoom, and
    rescheduling for those allowed to."""
    require_person(request.user)
    scope = _scope(request)
    items = _timeline_items(request, scope)
    outside, links = _linked_outside(request.user, items)
    _mark_links(items, outside, links)
    data_url = reverse("execution:timeline_data") + f"?{scope['filter_query']}"
    context = {
        **_filters_context(request, scope),
        "groups": _phase_groups(items),
        "outside": outside,
        "item_count": len(items),
        "hidden_items": 0
        if items or not (scope["department"] or scope["goal"])
        else selectors.hidden_item_count(request.user, department=scope["department"], goal=scope["goal"]),
        "unscheduled": sum(1 for i in items if not (i.start or i.due)),
        "data_url": data_url,
        "zooms": [("week", _("Week")), ("month", _("Month")), ("quarter", _("Quarter"))],
        "chart_labels": _chart_labels(),
        "today": timezone.localdate(),
        "section": "timeline",
    }
    return render(request, "execution/timeline.html", context)


def _names(people) -> list[str]:
    return [getattr(p, "display_name", None) or getattr(p, "name", "") for p in people]


def _item_data(item, *, external: bool = False) -> dict:
    return {
        "id": item.pk,
        "title": item.title,
        "start": _iso(item.start),
        "due": _iso(item.due),
        "phase": OUTSIDE if external else item.phase_id,
        "status": item.status,
        "is_milestone": item.is_milestone,
        "can_edit": False if external else item.can_manage,
        "version": item.version,
        "responsible": [] if external else _names(item.letters["R"]),
        "accountable": item.accountable.display_name if item.accountable else None,
        "priority": item.priority,
        "is_overdue": False if external else item.is_overdue,
        "department": item.department.name,
        "department_id": item.department_id,
        "external": external,
        "url": reverse("execution:detail", args=[item.pk]),
        "reschedule_url": reverse("execution:timeline_reschedule", args=[item.pk]),
    }


OUTSIDE = "outside"  # the phase key of the other departments' linked items


@page_view
def timeline_data(request):
    """JSON for the Gantt: items, finish-to-start links between them (and to the visible items of
    other departments they are linked to, shown in a last group and marked), phases, today."""
    require_person(request.user)
    scope = _scope(request)
    items = _timeline_items(request, scope)
    outside, links = _linked_outside(request.user, items)
    phases = []
    for phase, _rows in _phase_groups(items):
        if phase is None:
            phases.append({"id": None, "name": _("No phase"), "start": None, "end": None})
        else:
            phases.append(
                {"id": phase.pk, "name": phase.name, "start": _iso(phase.start), "end": _iso(phase.end)}
            )
    if outside:
        phases.append({"id": OUTSIDE, "name": _("Linked items of other plans"), "start": None, "end": None})
    department_of = {item.pk: item.department_id for item in [*items, *outside]}
    payload = {
        "items": [_item_data(item) for item in items] + [_item_data(item, external=True) for item in outside],
        "dependencies": [
            {"from": a, "to": b, "cross": department_of[a] != department_of[b]} for a, b in links
        ],
        "phases": phases,
        "today": timezone.localdate().isoformat(),
    }
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None, field: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApplicationError(_("Enter a date as YYYY-MM-DD."), field=field, code="invalid_date") from None


@require_POST
@page_view
def timeline_reschedule(request, item_id: int):
    """New start and due dates for an item (its A, a manager of its department, an admin).

    Answers HTMX with the item's timeline row (with the refusal, if any: 403, 409 on a stale
    version, 422 on bad dates) and a `timeline-changed` trigger on success.
    """
    require_person(request.user)
    error, status = None, 200
    try:
        item = access_item(request.user, item_id, manage=True)
        services.item_reschedule(
            actor=request.user,
            item=item,
            start=_date(request.POST.get("start"), "start"),
            due=_date(request.POST.get("due"), "due"),
            version=int_param(request.POST.get("version")),
        )
    except ApplicationError as exc:
        error, status = exc.message, exc.status
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("The dates were saved."))
        return redirect(_back_to("execution:timeline", request))
    row = selectors.item_list(request.user).filter(pk=item_id).first()
    if row is None:
        return render(request, "execution/timeline.html#alert", {"message": error}, status=status)
    _prepare(request.user, [row], timezone.localdate())
    response = render(
        request,
        "execution/timeline.html#row",
        {"item": row, "error": error, "filter_query": request.GET.urlencode()},
        status=status,
    )
    if error is None:
        response["HX-Trigger"] = json.dumps({"timeline-changed": {"id": row.pk}})
    return response
