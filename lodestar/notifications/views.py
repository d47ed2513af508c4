"""Pages of notifications: the in-app inbox, each person's notification preferences, and
(admin) the webhook endpoints with a test send and the delivery log."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lodestar.core.errors import ApplicationError
from lodestar.core.http import add_error_to_form, int_param, page_view
from lodestar.notifications import delivery
from lodestar.notifications.events import ROBOT_EVENTS
from lodestar.notifications.models import PING_EVENT, Delivery, Notification, WebhookEndpoint, WebhookEvent
from lodestar.notifications.services import mark_read
from lodestar.org.forms import DepartmentChoiceField
from lodestar.org.models import Department
from lodestar.org.permissions import is_admin, require_admin, require_person


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


WEEKDAYS = [
    (1, gettext_lazy("Monday")),
    (2, gettext_lazy("Tuesday")),
    (3, gettext_lazy("Wednesday")),
    (4, gettext_lazy("Thursday")),
    (5, gettext_lazy("Friday")),
    (6, gettext_lazy("Saturday")),
    (7, gettext_lazy("Sunday")),
]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__({"class": "form-control w-auto", **(attrs or {})}, format="%H:%M")


class EndpointForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=WebhookEndpoint.Kind.choices)
    url = forms.CharField(
        label=gettext_lazy("Webhook URL"),
        max_length=500,
        help_text=gettext_lazy(
            "The robot's address from the group settings of Feishu, DingTalk, WeCom or Slack."
        ),
    )
    secret = forms.CharField(
        label=gettext_lazy("Signing secret"),
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "Feishu and DingTalk: the signature secret of the robot; generic: the HMAC key."
        ),
    )
    department = DepartmentChoiceField(
        label=gettext_lazy("Department"),
        queryset=Department.objects.filter(is_active=True).order_by("path"),
        required=False,
        help_text=gettext_lazy("Only alerts of this department and below; empty for the whole company."),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=WebhookEvent.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Generic JSON webhook: post these events, signed, instead of alert messages (payloads in the "
            "API guide). Chat robot: also post a short message per event to the group, about records "
            "everyone in the group may see (alerts come from the alert rules). Empty: alert messages only."
        ),
    )
    # The version the admin loaded: saving over someone else's newer change is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The kind posted, else the one loaded; a new form shows the first kind, a robot (Feishu).
        kind = self["kind"].value()
        self.fields["events"].choices = event_choices(kind)
        if kind != WebhookEndpoint.Kind.GENERIC:  # alert.raised posted for a robot: the service's reason
            self.fields["events"].error_messages["invalid_choice"] = delivery.ROBOT_ALERTS_REFUSED


def event_choices(kind: str | None) -> list[tuple[str, str]]:
    """The events an endpoint of `kind` is offered: every one for a generic endpoint, `ROBOT_EVENTS`
    for a chat robot (the service refuses it the others: `delivery._check_events_kind`)."""
    if kind == WebhookEndpoint.Kind.GENERIC:
        return list(WebhookEvent.choices)
    return [(value, label) for value, label in WebhookEvent.choices if value in ROBOT_EVENTS]


class PreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(
        label=gettext_lazy("Send alerts and reminders by email too"), required=False
    )
    quiet_start = forms.TimeField(label=gettext_lazy("Quiet hours from"), required=False, widget=TimeInput)
    quiet_end = forms.TimeField(
        label=gettext_lazy("Quiet hours until"),
        required=False,
        widget=TimeInput,
        help_text=gettext_lazy("No email or reminders in between (the inbox always receives them)."),
    )
    reminder_weekday = forms.TypedChoiceField(
        label=gettext_lazy("Weekly check-in reminder on"), choices=WEEKDAYS, coerce=int
    )
    reminder_time = forms.TimeField(label=gettext_lazy("at"), widget=TimeInput)
    language = forms.ChoiceField(
        label=gettext_lazy("Language of alerts and reminders"),
        choices=[("", gettext_lazy("The site's language")), *settings.LANGUAGES],
        required=False,
    )


@page_view
def webhook_list(request):
    require_admin(request.user)
    endpoints = WebhookEndpoint.objects.select_related("department").order_by("name")
    last = {}
    for row in Delivery.objects.filter(endpoint__in=endpoints).order_by("endpoint_id", "-created_at", "-id"):
        last.setdefault(row.endpoint_id, row)
    rows = [(e, last.get(e.pk)) for e in endpoints]
    return render(
        request,
        "notifications/webhooks.html",
        {"rows": rows, "section": "webhooks", "tested": request.GET.get("tested", "")},
    )


def _endpoint_form(request, endpoint: WebhookEndpoint | None):
    require_admin(request.user)
    if request.method == "POST":
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                if endpoint is None:
                    delivery.endpoint_create(actor=request.user, **form.cleaned_data)
                else:
                    data = dict(form.cleaned_data)
                    if not data["secret"]:
                        data.pop("secret")  # an empty box keeps the stored secret
                    delivery.endpoint_update(actor=request.user, endpoint=endpoint, **data)
                messages.success(request, _("Webhook saved."))
                return redirect("notifications:webhooks")
            except ApplicationError as exc:
                add_error_to_form(form, exc)
    else:
        initial = {}
        if endpoint is not None:
            initial = {
                "name": endpoint.name,
                "kind": endpoint.kind,
                "url": endpoint.url,
                "department": endpoint.department_id,
                "is_active": endpoint.is_active,
                "events": endpoint.events,
                "version": endpoint.version,
            }
        if "kind" in request.GET:  # the kind select changed (HTMX): its events, the ticked ones kept
            initial.update(kind=request.GET["kind"], events=request.GET.getlist("events"))
        form = EndpointForm(initial=initial)
    # A new kind reloads the events it is offered (a robot's or every one) in place.
    form.fields["kind"].widget.attrs.update(
        {
            "hx-get": request.path,
            "hx-trigger": "change",
            "hx-include": "[name=kind],[name=events]",
            "hx-target": "#id_events",
            "hx-select": "#id_events",
            "hx-swap": "outerHTML",
        }
    )
    if endpoint is not None and endpoint.secret:
        form.fields["secret"].widget.attrs["placeholder"] = _("Stored — leave empty to keep it")
    return render(
        request,
        "notifications/webhooks_form.html",
        {"form": form, "endpoint": endpoint, "section": "webhooks"},
    )


@page_view
def webhook_create(request):
    return _endpoint_form(request, None)


@page_view
def webhook_edit(request, endpoint_id: int):
    require_admin(request.user)
    return _endpoint_form(request, get_object_or_404(WebhookEndpoint, pk=endpoint_id))


@require_POST
@page_view
def webhook_test(request, endpoint_id: int):
    require_admin(request.user)
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    result = delivery.endpoint_test_send(actor=request.user, endpoint=endpoint)
    if result.status == Delivery.Status.SENT:
        messages.success(
            request,
            _("Test message sent to %(name)s (HTTP %(code)s).")
            % {"name": endpoint.name, "code": result.response_code},
        )
    else:
        messages.error(
            request,
            _("Test message to %(name)s failed: %(error)s")
            % {"name": endpoint.name, "error": result.last_error},
        )
    return redirect("notifications:webhooks")


@require_POST
@page_view
def webhook_delete(request, endpoint_id: int):
    require_admin(request.user)
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    delivery.endpoint_delete(actor=request.user, endpoint=endpoint)
    messages.success(request, _("Webhook deleted."))
    return redirect("notifications:webhooks")


def _log_context(request, params) -> dict:
    """The delivery log filtered by `params` (the page's query string), with whether each row may be
    resent (`delivery.resend_refusal`, the service's own rule)."""
    rows = Delivery.objects.select_related("endpoint", "recipient", "alert").order_by("-created_at", "-id")
    channel = params.get("channel", "")
    status = params.get("status", "")
    event = params.get("event", "")
    endpoint_id = int_param(params.get("endpoint"))
    events = [*WebhookEvent.choices, (PING_EVENT, _("Test message"))]
    if channel in Delivery.Channel.values:
        rows = rows.filter(channel=channel)
    if status in Delivery.Status.values:
        rows = rows.filter(status=status)
    if event in dict(events):
        rows = rows.filter(event=event)
    if endpoint_id is not None:
        rows = rows.filter(endpoint_id=endpoint_id)
    page = Paginator(rows, 50).get_page(params.get("page"))
    can_resend = is_admin(request.user)
    if can_resend:
        pending = delivery.pending_resends(page.object_list)
        for row in page.object_list:
            row.resendable = delivery.resend_refusal(row, pending) is None
    query = urlencode(
        {k: v for k, v in params.items() if k in ("channel", "status", "event", "endpoint", "page")}
    )
    return {
        "page": page,
        "channel": channel,
        "status": status,
        "event": event,
        "endpoint_id": endpoint_id,
        "channels": Delivery.Channel.choices,
        "statuses": Delivery.Status.choices,
        "events": events,
        "can_resend": can_resend,
        "query": query,
        "section": "deliveries",
    }


@page_view
def delivery_log(request):
    require_admin(request.user)
    context = _log_context(request, request.GET)
    context["endpoints"] = list(WebhookEndpoint.objects.order_by("name", "id"))
    return render(request, "notifications/webhooks_deliveries.html", context)


@require_POST
@page_view
def delivery_resend(request, delivery_id: int):
    """Resend a finished webhook delivery (admins). HTMX gets the log re-rendered with the outcome;
    without JavaScript, back to the log (its filters kept) with a message."""
    require_admin(request.user)
    row = get_object_or_404(Delivery.objects.select_related("endpoint"), pk=delivery_id)
    error = notice = None
    try:
        copy = delivery.delivery_resend(actor=request.user, delivery=row)
    except ApplicationError as exc:
        error = exc.message
    else:
        notice = _resent_notice(copy)
    params = request.GET  # the log's filters, carried in the form's address
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, notice)
        query = params.urlencode()
        return redirect(reverse("notifications:deliveries") + (f"?{query}" if query else ""))
    context = {**_log_context(request, params), "error": error, "notice": notice}
    # 200 with the message above the table: htmx swaps only successful answers.
    return render(request, "notifications/webhooks_deliveries.html#log", context)


def _resent_notice(copy: Delivery) -> str:
    name = copy.endpoint.name if copy.endpoint else ""
    if copy.status == Delivery.Status.SENT:
        return _("Resent to %(name)s (HTTP %(code)s).") % {"name": name, "code": copy.response_code}
    if copy.attempts:
        return _("Resending to %(name)s failed: %(error)s — it is retried like any delivery.") % {
            "name": name,
            "error": copy.last_error,
        }
    return _("Resend to %(name)s queued.") % {"name": name}


@page_view
def preferences(request):
    person = require_person(request.user)
    if person is None:
        return redirect("notifications:inbox")
    current = delivery.preference_of(person)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            try:
                delivery.preference_update(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Preferences saved."))
                return redirect("notifications:preferences")
            except ApplicationError as exc:
                add_error_to_form(form, exc)
    else:
        form = PreferenceForm(
            initial={
                "email_enabled": current.email_enabled,
                "quiet_start": current.quiet_start,
                "quiet_end": current.quiet_end,
                "reminder_weekday": current.reminder_weekday,
                "reminder_time": current.reminder_time,
                "language": current.language,
            }
        )
    return render(
        request, "notifications/webhooks_preferences.html", {"form": form, "section": "preferences"}
    )
