"""The trash page (admins only): deleted goals, items, check-ins, cases and SOPs, and their Restore buttons."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.core.errors import ApplicationError, NotFound
from lodestar.core.http import int_param, page_view
from lodestar.org.permissions import require_admin
from lodestar.trash import selectors, services

PAGE_SIZE = 50


class _CountOnly:
    """What Paginator needs to number the pages; the rows of a page come from `selectors.trash_page`."""

    def __init__(self, count: int):
        self._count = count

    def count(self) -> int:
        return self._count


@page_view
def trash_list(request):
    require_admin(request.user)
    kind = request.GET.get("kind") or None
    if kind not in selectors.KINDS:
        kind = None
    number = int_param(request.GET.get("page")) or 1
    rows, count = selectors.trash_page(request.user, kind=kind, page=number, page_size=PAGE_SIZE)
    last = max(1, -(-count // PAGE_SIZE))
    if number > last:  # a page beyond the end (an old link after restores) shows the last one
        number = last
        rows, count = selectors.trash_page(request.user, kind=kind, page=number, page_size=PAGE_SIZE)
    paginator = Paginator(_CountOnly(count), PAGE_SIZE)  # type: ignore[arg-type]
    page = Page(rows, number, paginator)
    return render(
        request,
        "trash/list.html",
        {"page": page, "kind": kind or "", "kinds": selectors.KINDS.items(), "nav_section": "trash"},
    )


@require_POST
@page_view
def trash_restore(request, kind: str, record_id: int):
    require_admin(request.user)
    if kind not in selectors.KINDS:
        raise NotFound(_("Not found."))
    try:
        services.restore(request.user, kind=kind, record_id=record_id)
        messages.success(request, _("Restored."))
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
    back = reverse("trash:list")
    shown_kind = request.POST.get("shown_kind")
    return redirect(f"{back}?kind={shown_kind}" if shown_kind in selectors.KINDS else back)
