"""The item detail page and what is done on it: status, comments, files, dependencies and
cross-department requests."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Case, F, Prefetch, Value, When
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.core.errors import ApplicationError, NotFound
from lodestar.core.http import int_param, page_view, service_errors
from lodestar.execution import selectors, services
from lodestar.execution.access import access_item, visible_items
from lodestar.execution.forms import AttachmentForm, CommentForm, DependencyForm, RaciForm
from lodestar.execution.models import Attachment, ItemStatus, RequestState
from lodestar.execution.views.items import annotate_for_display
from lodestar.org.models import Person
from lodestar.org.permissions import is_admin, manages_department, person_of

MAX_CANDIDATES = 300


def dependency_candidates(user, item) -> list:
    """Items `item` may wait for: any the user can see, in any department, but not itself, not a
    cancelled one and not one it already waits for; its own department's (and below) first, then
    by due date."""
    linked = [link.predecessor_id for link in item.predecessor_links.all()]
    return list(
        visible_items(user)
        .exclude(pk__in=[item.pk, *linked])
        .exclude(status=ItemStatus.CANCELLED)
        .select_related("department")
        .annotate(
            same=Case(
                When(department__path__startswith=item.department.path, then=Value(0)), default=Value(1)
            )
        )
        .order_by("same", F("due").asc(nulls_last=True), "id")[:MAX_CANDIDATES]
    )


@page_view
def item_detail(request, item_id: int):
    access_item(request.user, item_id)
    item = (
        selectors.item_list(request.user)
        .prefetch_related(
            "comments__author",
            "comments__mentions",
            "attachments__uploaded_by",
            Prefetch(
                "successor_links",
                queryset=selectors.live_links().select_related("successor", "successor__department"),
            ),
        )
        .get(pk=item_id)
    )
    today = timezone.localdate()
    annotate_for_display(request.user, [item], today)
    person = person_of(request.user)
    history = list(item.history.select_related("history_user").order_by("-history_date")[:30])
    dependency_form = None
    if item.can_manage:
        dependency_form = DependencyForm(item=item, candidates=dependency_candidates(request.user, item))
    answerable = (
        item.request_state == RequestState.PENDING
        and item.requested_department is not None
        and person is not None
        # The service's rule: an admin, or a manager of the requested department (at any depth).
        and (is_admin(request.user) or manages_department(request.user, item.requested_department))
    )
    raci_form = None
    if item.can_manage:
        raci_form = RaciForm(
            home=item.goal.department if item.goal_id else item.department,
            initial={
                "responsible": item.letters["R"],
                "accountable": (item.letters["A"] or [None])[0],
                "consulted": [x for x in item.letters["C"] if isinstance(x, Person)],
                "informed": [x for x in item.letters["I"] if isinstance(x, Person)],
                "version": item.version,
            },
        )
    return render(
        request,
        "execution/detail.html",
        {
            "item": item,
            "today": today,
            "history": history,
            "comment_form": CommentForm(),
            "attachment_form": AttachmentForm() if item.can_work else None,
            "raci_form": raci_form,
            "dependency_form": dependency_form,
            "answerable": answerable,
            "request_people": list(
                Person.objects.filter(
                    is_active=True, department__path__startswith=item.requested_department.path
                ).order_by("display_name")
            )
            if answerable
            else [],
            "statuses": ItemStatus.choices,
        },
    )


@require_POST
@page_view
def item_status(request, item_id: int):
    item = access_item(request.user, item_id, write=True)
    form_kind = request.POST.get("form")
    with service_errors(request):
        if form_kind == "raci":
            form = RaciForm(request.POST)
            if not form.is_valid():
                raise ApplicationError(" ".join(e for errs in form.errors.values() for e in errs))
            data = form.cleaned_data
            services.raci_set(
                actor=request.user,
                item=item,
                responsible=list(data["responsible"]),
                accountable=data["accountable"],
                consulted=list(data["consulted"]),
                informed=list(data["informed"]),
                version=data["version"],
            )
            messages.success(request, _("RACI saved."))
        else:
            changes = {"status": request.POST.get("status")}
            if request.POST.get("actual_quantity", "") != "":
                changes["actual_quantity"] = request.POST.get("actual_quantity")
            services.item_update(
                actor=request.user,
                item=item,
                version=int_param(request.POST.get("version")),
                override_reason=request.POST.get("override_reason", ""),
                **changes,
            )
            messages.success(request, _("The item was updated."))
    return redirect("execution:detail", item_id=item.pk)


@require_POST
@page_view
def comment_add(request, item_id: int):
    item = access_item(request.user, item_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        with service_errors(request):
            comment = services.comment_add(actor=request.user, item=item, body=form.cleaned_data["body"])
            if comment.not_notified:
                messages.warning(
                    request,
                    _("%(names)s cannot see this item and were not notified.")
                    % {"names": "、".join(p.display_name for p in comment.not_notified)},
                )
    else:
        messages.error(request, _("Write a comment."))
    return redirect(f"{reverse('execution:detail', args=[item.pk])}#comments")


@require_POST
@page_view
def attachment_add(request, item_id: int):
    item = access_item(request.user, item_id, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        with service_errors(request):
            services.attachment_add(actor=request.user, item=item, upload=form.cleaned_data["file"])
            messages.success(request, _("The file was attached."))
    else:
        messages.error(request, _("Choose a file."))
    return redirect(f"{reverse('execution:detail', args=[item.pk])}#files")


@page_view
def attachment_download(request, attachment_id: int):
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("File not found."))
    access_item(request.user, attachment.item_id)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@require_POST
@page_view
def dependency_add(request, item_id: int):
    item = access_item(request.user, item_id, manage=True)
    predecessor_id = int_param(request.POST.get("predecessor"))
    with service_errors(request):
        if request.POST.get("remove") and predecessor_id:
            predecessor = access_item(request.user, predecessor_id)
            services.dependency_remove(actor=request.user, predecessor=predecessor, successor=item)
            messages.success(request, _("The dependency was removed."))
        elif predecessor_id:
            predecessor = access_item(request.user, predecessor_id)
            services.dependency_add(actor=request.user, predecessor=predecessor, successor=item)
            messages.success(
                request, _("“%(a)s” now waits for “%(b)s”.") % {"a": item.title, "b": predecessor.title}
            )
        else:
            messages.error(request, _("Choose the item this one waits for."))
    return redirect(f"{reverse('execution:detail', args=[item.pk])}#dependencies")


@require_POST
@page_view
def request_answer(request, item_id: int):
    item = access_item(request.user, item_id)
    accept = request.POST.get("accept") == "1"
    responsible = None
    if accept and int_param(request.POST.get("responsible")):
        responsible = (
            Person.objects.select_related("department")
            .filter(pk=int_param(request.POST.get("responsible")), is_active=True)
            .first()
        )
    with service_errors(request):
        services.request_answer(
            actor=request.user,
            item=item,
            accept=accept,
            responsible=responsible,
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, _("Request accepted.") if accept else _("Request declined."))
    return redirect("execution:detail", item_id=item.pk)
