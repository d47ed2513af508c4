"""The in-app inbox."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lodestar.core.http import int_param, page_view
from lodestar.notifications.models import Notification
from lodestar.notifications.services import mark_read
from lodestar.org.permissions import require_person


@page_view
def inbox(request):
    person = require_person(request.user)
    notifications = Notification.objects.filter(recipient=person).select_related("actor") if person else []
    page = Paginator(notifications, 50).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@require_POST
@page_view
def read(request):
    person = require_person(request.user)
    ids = [i for i in (int_param(x) for x in request.POST.getlist("id")) if i] or None
    if person is not None:
        mark_read(person=person, ids=ids)
    target = request.POST.get("next", "")
    return redirect(
        target if target.startswith("/") and not target.startswith("//") else "notifications:inbox"
    )
