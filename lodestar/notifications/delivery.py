"""Delivering alerts: the in-app inbox, email and group-chat webhooks, with retries and a log.

Every message on a channel is one `Delivery` row (the delivery log). Inbox messages are written
at once; email and webhook deliveries start `pending` and are sent by the task worker
(`deliver_pending`, every minute, and right after an alert is raised). A failed attempt is
retried after 1, 5 and 25 minutes; after the fourth attempt the delivery is `failed`.
Quiet hours (NotificationPreference) hold back email only; the inbox is always written.

Webhook formats:
- Feishu custom bot: ``{"msg_type": "text", "content": {"text": …}}``, signed with
  ``timestamp`` + ``sign`` = base64(HMAC-SHA256(key=timestamp + "\\n" + secret, msg=b"")).
- DingTalk robot: ``{"msgtype": "text", "text": {"content": …}}``; the URL gets
  ``&timestamp=…&sign=…`` with sign = urlencode(base64(HMAC-SHA256(key=secret, msg=timestamp + "\\n" + secret)))
  (timestamp in milliseconds).
- WeCom group robot: ``{"msgtype": "text", "text": {"content": …}}`` (the key is in the URL).
- Slack incoming webhook: ``{"text": …}``.
- Generic JSON: ``{"event": "alert", "id", "subject", "detail", "status", "url", "created_at"}``,
  with ``X-Lodestar-Signature: sha256=<hex HMAC of the body>`` when a secret is set.
- A generic endpoint subscribed to events (`events.py`) gets the event envelopes instead, an alert
  as `alert.raised`; the plain alert messages above skip it. A robot subscribed to events keeps its
  alert messages and gets a short text per event in the robot formats above (`events.Notice`).

HTTP goes through urllib (stdlib) with a 10-second timeout.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lodestar.core.errors import ApplicationError, ConflictError
from lodestar.core.services import Actor, bump_version, check_version
from lodestar.notifications import events
from lodestar.notifications.models import (
    PING_EVENT,
    Delivery,
    NotificationPreference,
    WebhookEndpoint,
    WebhookEvent,
)
from lodestar.notifications.services import notify
from lodestar.org.permissions import require_admin, require_person

if TYPE_CHECKING:
    from lodestar.org.models import Department

TIMEOUT_SECONDS = 10
BACKOFF_MINUTES = (1, 5, 25)
MAX_ATTEMPTS = 4
LEASE = dt.timedelta(minutes=5)  # a claimed delivery is not picked up by another worker meanwhile
BATCH = 200


class DeliveryError(Exception):
    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Message:
    """What is sent: a title, a body, a link, and (for generic webhooks) the alert's fields."""

    title: str
    body: str = ""
    url: str = ""
    alert_id: int | None = None
    status: str = ""
    created_at: str = ""

    @property
    def text(self) -> str:
        parts = [self.title]
        if self.body:
            parts.append(self.body)
        if self.url:
            parts.append(self.url)
        return "\n".join(parts)


def absolute_url(path: str) -> str:
    """A link for email and chat: `LODESTAR_SITE_URL` (e.g. https://okr.example.com) + path."""
    base = getattr(settings, "LODESTAR_SITE_URL", "") or ""
    return f"{base.rstrip('/')}{path}" if path else ""


# --- signatures ----------------------------------------------------------------------------


def feishu_sign(secret: str, timestamp: str) -> str:
    string_to_sign = f"{timestamp}\n{secret}"
    digest = hmac.new(string_to_sign.encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def dingtalk_sign(secret: str, timestamp: str) -> str:
    string_to_sign = f"{timestamp}\n{secret}"
    digest = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def generic_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def build_request(endpoint: WebhookEndpoint, message: Message, *, now: float | None = None):
    """(url, body bytes, headers) of the POST for one endpoint kind."""
    now = time.time() if now is None else now
    url = endpoint.url
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Lodestar"}
    kind = endpoint.kind
    if kind == WebhookEndpoint.Kind.FEISHU:
        payload: dict = {"msg_type": "text", "content": {"text": message.text}}
        if endpoint.secret:
            timestamp = str(int(now))
            payload = {"timestamp": timestamp, "sign": feishu_sign(endpoint.secret, timestamp), **payload}
    elif kind == WebhookEndpoint.Kind.DINGTALK:
        payload = {"msgtype": "text", "text": {"content": message.text}}
        if endpoint.secret:
            timestamp = str(int(now * 1000))
            sign = dingtalk_sign(endpoint.secret, timestamp)
            url = f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"
    elif kind == WebhookEndpoint.Kind.WECOM:
        payload = {"msgtype": "text", "text": {"content": message.text}}
    elif kind == WebhookEndpoint.Kind.SLACK:
        payload = {"text": message.text}
    else:
        payload = {
            "event": "alert",
            "id": message.alert_id,
            "subject": message.title,
            "detail": message.body,
            "status": message.status,
            "url": message.url,
            "created_at": message.created_at,
        }
    body = json.dumps(payload, ensure_ascii=False).encode()
    if kind == WebhookEndpoint.Kind.GENERIC and endpoint.secret:
        headers["X-Lodestar-Signature"] = generic_signature(endpoint.secret, body)
    return url, body, headers


def build_event_request(endpoint: WebhookEndpoint, delivery: Delivery, *, now: float | None = None):
    """(url, body bytes, headers) of an event delivery: the stored envelope, signed with this attempt's
    timestamp (`events.signature`)."""
    timestamp = str(int(time.time() if now is None else now))
    body = delivery.payload.encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Lodestar",
        "X-Lodestar-Event": delivery.event,
        "X-Lodestar-Delivery": str(delivery.pk),
        "X-Lodestar-Timestamp": timestamp,
    }
    if endpoint.secret:
        headers["X-Lodestar-Signature"] = events.signature(endpoint.secret, timestamp, body)
    return endpoint.url, body, headers


def _post(endpoint: WebhookEndpoint, message: Message) -> int:
    """POST an alert message to the endpoint; returns the HTTP status or raises DeliveryError."""
    return _send(*build_request(endpoint, message))


def _send(url: str, body: bytes, headers: dict[str, str], *, robot: bool = True) -> int:
    """POST; returns the HTTP status or raises DeliveryError. `robot`: a 200 answer may still carry a
    chat robot's error code (an event endpoint's answer body is its own business)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
            text = response.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace") if exc.fp else ""
        raise DeliveryError(f"HTTP {exc.code} {detail}".strip(), code=exc.code) from exc
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(str(reason) or exc.__class__.__name__) from exc
    if not robot:
        return status
    # The chat robots answer 200 with an error code in the body (bad signature, keyword…).
    try:
        answer = json.loads(text) if text else {}
    except ValueError:
        answer = {}
    if isinstance(answer, dict):
        for key in ("code", "errcode", "StatusCode"):
            value = answer.get(key)
            if isinstance(value, int) and value != 0:
                message_text = answer.get("msg") or answer.get("errmsg") or answer.get("StatusMessage") or ""
                raise DeliveryError(f"{key} {value} {message_text}".strip(), code=status)
    return status


# --- quiet hours -----------------------------------------------------------------------------


def quiet_until(preference: NotificationPreference | None, now: dt.datetime) -> dt.datetime | None:
    """When the person's quiet hours end, if `now` lies inside them (they may span midnight)."""
    if preference is None or preference.quiet_start is None or preference.quiet_end is None:
        return None
    start, end = preference.quiet_start, preference.quiet_end
    if start == end:
        return None
    local = timezone.localtime(now)
    clock = local.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if until <= local:
        until += dt.timedelta(days=1)
    return until


# --- queueing and sending ------------------------------------------------------------------


def endpoints_for(department) -> list[WebhookEndpoint]:
    """Active company-wide endpoints, and those of the department or a department above it."""
    endpoints = WebhookEndpoint.objects.filter(is_active=True).select_related("department")
    return [e for e in endpoints if events.reaches(e, department)]


def queue(
    *,
    recipients: Iterable,
    channels: Iterable[str],
    title: str,
    body: str = "",
    url: str = "",
    alert=None,
    department=None,
    verb: str = "alert",
    actor=None,
) -> list[Delivery]:
    """Write the inbox now and queue email and webhook deliveries; returns the pending rows.

    The caller sends them after commit (`send_later`), and `deliver_pending` retries.
    """
    channels = set(channels) or {Delivery.Channel.INBOX}
    people = list({p.pk: p for p in recipients if p is not None and p.is_active}.values())
    now = timezone.now()
    rows: list[Delivery] = []
    title = title[:300]
    if Delivery.Channel.INBOX in channels and people:
        notify(recipients=people, actor=actor, verb=verb, title=title, url=url)
        rows += [
            Delivery(
                channel=Delivery.Channel.INBOX,
                recipient=p,
                alert=alert,
                title=title,
                body=body,
                status=Delivery.Status.SENT,
                attempts=1,
                sent_at=now,
            )
            for p in people
        ]
    if Delivery.Channel.EMAIL in channels:
        preferences = {
            p.person_id: p for p in NotificationPreference.objects.filter(person__in=[p.pk for p in people])
        }
        for person in people:
            preference = preferences.get(person.pk)
            if preference is not None and not preference.email_enabled:
                continue
            if not person.user.email:
                continue
            rows.append(
                Delivery(
                    channel=Delivery.Channel.EMAIL, recipient=person, alert=alert, title=title, body=body
                )
            )
    if Delivery.Channel.WEBHOOK in channels:
        for endpoint in endpoints_for(department):
            if endpoint.events and not events.is_robot(endpoint):
                continue  # a generic event endpoint hears alerts as `alert.raised` (events.py)
            rows.append(
                Delivery(
                    channel=Delivery.Channel.WEBHOOK, endpoint=endpoint, alert=alert, title=title, body=body
                )
            )
    created = Delivery.objects.bulk_create(rows)
    return [d for d in created if d.status == Delivery.Status.PENDING]


def send_later(deliveries: Iterable[Delivery]) -> None:
    """After commit, hand the pending deliveries to the task worker (inline under ImmediateBackend)."""
    ids = [d.pk for d in deliveries]
    if not ids:
        return

    def enqueue():
        from lodestar.notifications.tasks import send_deliveries

        send_deliveries.enqueue(ids)

    transaction.on_commit(enqueue)


def _message(delivery: Delivery) -> Message:
    alert = delivery.alert
    if alert is None:
        return Message(title=delivery.title, body=delivery.body)
    from django.urls import reverse

    return Message(
        title=delivery.title,
        body=delivery.body,
        url=absolute_url(reverse("alerts:detail", args=[alert.pk])),
        alert_id=alert.pk,
        status=alert.status,
        created_at=alert.created_at.isoformat() if alert.created_at else "",
    )


def _failed(delivery: Delivery, error: str, code: int | None, now: dt.datetime, max_attempts: int) -> None:
    delivery.response_code = code
    delivery.last_error = error[:500]
    if delivery.attempts >= max_attempts:
        delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = None
    else:
        wait = BACKOFF_MINUTES[min(delivery.attempts, len(BACKOFF_MINUTES)) - 1]
        delivery.next_attempt_at = now + dt.timedelta(minutes=wait)


def attempt(
    delivery: Delivery, *, now: dt.datetime | None = None, max_attempts: int = MAX_ATTEMPTS
) -> Delivery:
    """Try one delivery once and record the outcome (sent, retry later, or failed)."""
    now = now or timezone.now()
    if delivery.channel == Delivery.Channel.EMAIL and delivery.recipient is not None:
        preference = NotificationPreference.objects.filter(person=delivery.recipient).first()
        until = quiet_until(preference, now)
        if until is not None:
            delivery.next_attempt_at = until
            delivery.save(update_fields=["next_attempt_at"])
            return delivery
    delivery.attempts += 1
    try:
        if delivery.channel == Delivery.Channel.EMAIL:
            person = delivery.recipient
            if person is None or not person.user.email:
                raise DeliveryError("no email address")
            message = _message(delivery)
            send_mail(message.title, message.text, None, [person.user.email])
            delivery.response_code = None
        elif delivery.channel == Delivery.Channel.WEBHOOK:
            if delivery.endpoint is None:
                raise DeliveryError("endpoint deleted")
            if delivery.payload:
                request = build_event_request(delivery.endpoint, delivery, now=now.timestamp())
                delivery.response_code = _send(*request, robot=False)
            else:
                delivery.response_code = _post(delivery.endpoint, _message(delivery))
        delivery.status = Delivery.Status.SENT
        delivery.sent_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
    except DeliveryError as exc:
        _failed(delivery, exc.message, exc.code, now, max_attempts)
    except Exception as exc:
        _failed(delivery, f"{exc.__class__.__name__}: {exc}", None, now, max_attempts)
    delivery.save(
        update_fields=["attempts", "status", "sent_at", "next_attempt_at", "last_error", "response_code"]
    )
    return delivery


def _claim(delivery: Delivery, now: dt.datetime) -> bool:
    """Take a pending delivery for this worker (a conditional update, so two workers never both send)."""
    claimed = Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.PENDING, next_attempt_at=delivery.next_attempt_at
    ).update(next_attempt_at=now + LEASE)
    return claimed == 1


def _run(queryset, now: dt.datetime) -> int:
    sent = 0
    rows = list(queryset.select_related("endpoint", "recipient__user", "alert").order_by("id")[:BATCH])
    for delivery in rows:
        if not _claim(delivery, now):
            continue
        delivery.next_attempt_at = now + LEASE
        if attempt(delivery, now=now).status == Delivery.Status.SENT:
            sent += 1
    return sent


def deliver_pending(now: dt.datetime | None = None) -> int:
    """Send every pending email and webhook delivery that is due; returns how many were sent."""
    from django.db.models import Q

    now = now or timezone.now()
    due = Delivery.objects.filter(status=Delivery.Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    return _run(due, now)


def deliver_ids(ids: list[int], now: dt.datetime | None = None) -> int:
    """Send these deliveries now if still pending and due (the first attempt right after an alert)."""
    from django.db.models import Q

    now = now or timezone.now()
    due = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    return _run(due, now)


# --- webhook endpoints, test send, preferences ----------------------------------------------


class EndpointFields(TypedDict, total=False):
    """What a webhook endpoint's form or API payload may set (an update sets only what it names)."""

    name: str
    kind: str
    url: str
    secret: str
    department: Department | None
    is_active: bool
    events: list[str]


ENDPOINT_FIELDS = tuple(EndpointFields.__annotations__)


def _clean_endpoint(data: dict) -> dict:
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            raise ApplicationError(_("Enter a name."), field="name", code="required")
        if len(data["name"]) > 80:
            raise ApplicationError(_("This text is too long."), field="name")
    if "kind" in data and data["kind"] not in WebhookEndpoint.Kind.values:
        raise ApplicationError(_("Choose a webhook kind."), field="kind")
    if "url" in data:
        data["url"] = (data["url"] or "").strip()
        try:
            URLValidator(schemes=["http", "https"])(data["url"])
        except ValidationError as exc:
            raise ApplicationError(_("Enter a valid http(s) URL."), field="url") from exc
        if len(data["url"]) > 500:
            raise ApplicationError(_("This text is too long."), field="url")
    if "events" in data:
        chosen = list(data["events"] or [])
        unknown = [e for e in chosen if e not in WebhookEvent.values]
        if unknown:
            raise ApplicationError(
                _("Unknown event: %(event)s.") % {"event": ", ".join(map(str, unknown))},
                field="events",
                code="invalid_choice",
            )
        # Stored in the order of WebhookEvent, once each, whatever order the caller sent.
        data["events"] = [e for e in WebhookEvent.values if e in chosen]
    if "secret" in data:
        data["secret"] = (data["secret"] or "").strip()
        if len(data["secret"]) > 200:
            raise ApplicationError(_("This text is too long."), field="secret")
    return data


ROBOT_ALERTS_REFUSED = gettext_lazy(
    "A chat robot gets alerts from the alert rules (channel “Webhook”): choose other events."
)


def _check_events_kind(kind: str, chosen: list[str]) -> None:
    """A chat robot may subscribe to every event but `alert.raised`: it gets alerts through the alert
    rules already (their webhook channel), and twice would be noise."""
    if kind != WebhookEndpoint.Kind.GENERIC and any(e not in events.ROBOT_EVENTS for e in chosen):
        raise ApplicationError(
            str(ROBOT_ALERTS_REFUSED),
            field="events",
            code="invalid_choice",
        )


@transaction.atomic
def endpoint_create(*, actor: Actor, **fields: Unpack[EndpointFields]) -> WebhookEndpoint:
    require_admin(actor)
    data = _clean_endpoint({k: v for k, v in fields.items() if k in ENDPOINT_FIELDS})
    for required in ("name", "kind", "url"):
        if not data.get(required):
            raise ApplicationError(_("This field is required."), field=required, code="required")
    _check_events_kind(data.get("kind", ""), data.get("events") or [])
    return WebhookEndpoint.objects.create(**data)


@transaction.atomic
def endpoint_update(
    *, actor: Actor, endpoint: WebhookEndpoint, version: int | None = None, **fields: Unpack[EndpointFields]
) -> WebhookEndpoint:
    require_admin(actor)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    check_version(endpoint, version)
    data = _clean_endpoint({k: v for k, v in fields.items() if k in ENDPOINT_FIELDS})
    for key, value in data.items():
        setattr(endpoint, key, value)
    _check_events_kind(endpoint.kind, endpoint.events or [])
    bump_version(endpoint)
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor, endpoint: WebhookEndpoint) -> None:
    require_admin(actor)
    endpoint.delete()


def endpoint_test_send(*, actor, endpoint: WebhookEndpoint) -> Delivery:
    """Send a test message to the endpoint now (one attempt, no retry) and log it."""
    require_admin(actor)
    if endpoint.events and not events.is_robot(endpoint):
        # A generic event endpoint gets a `ping` envelope, signed like its events.
        delivery = Delivery.objects.create(
            channel=Delivery.Channel.WEBHOOK,
            endpoint=endpoint,
            title=_("Lodestar test message"),
            event=PING_EVENT,
            payload=events.envelope(
                PING_EVENT,
                {
                    "endpoint_id": endpoint.pk,
                    "events": endpoint.events,
                    "message": _("If you can read this, events will reach this endpoint."),
                },
            ),
        )
    else:
        delivery = Delivery.objects.create(
            channel=Delivery.Channel.WEBHOOK,
            endpoint=endpoint,
            title=_("Lodestar test message"),
            body=_("If you can read this, alerts will reach this group."),
        )
    return attempt(delivery, max_attempts=1)


def pending_resends(rows: Iterable[Delivery]) -> set[int]:
    """The first deliveries, among those of `rows`' messages, that have a resend still pending (one query)."""
    firsts = {row.resent_from_id or row.pk for row in rows}
    if not firsts:
        return set()
    return set(
        Delivery.objects.filter(resent_from_id__in=firsts, status=Delivery.Status.PENDING).values_list(
            "resent_from_id", flat=True
        )
    )


def resend_refusal(row: Delivery, pending: set[int]) -> ApplicationError | None:
    """Why `row` cannot be resent now, or None (the one rule, for the log's button and the service).
    `pending`: `pending_resends` of the rows asked about."""
    if row.channel != Delivery.Channel.WEBHOOK or row.endpoint is None:
        return ApplicationError(
            _("Only a message to a webhook can be resent."), code="not_resendable", field="delivery_id"
        )
    if row.status == Delivery.Status.PENDING:
        return ConflictError(
            _("This delivery is still being sent (a retry is due): wait until it is sent or has failed."),
            code="delivery_pending",
            field="delivery_id",
        )
    if (row.resent_from_id or row.pk) in pending:
        return ConflictError(str(_RESEND_PENDING), code="delivery_pending", field="delivery_id")
    if not row.endpoint.is_active:
        return ApplicationError(
            _("%(name)s is paused: make it active to resend.") % {"name": row.endpoint.name},
            code="endpoint_paused",
            field="delivery_id",
        )
    return None


_RESEND_PENDING = gettext_lazy(
    "A resend of this message is already on its way: wait until it is sent or has failed."
)


def delivery_resend(*, actor: Actor, delivery: Delivery) -> Delivery:
    """Send a finished webhook delivery again: a new delivery of the same message (an event's envelope
    byte for byte, so the same event `id`; a robot's text as it was), signed afresh with this attempt's
    timestamp, retried like any other and logged with `resent_from` = the message's first delivery.

    Refused (`resend_refusal`) while the delivery itself or a resend of the same message is still
    pending (409 `delivery_pending`): one resend on its way at a time, also when two admins press
    together (the row lock, and a partial unique index on `resent_from` among pending rows)."""
    from django.db import IntegrityError

    require_admin(actor)
    with transaction.atomic():
        original = Delivery.objects.select_for_update().get(pk=delivery.pk)
        original.endpoint = (
            WebhookEndpoint.objects.filter(pk=original.endpoint_id).first() if original.endpoint_id else None
        )
        refusal = resend_refusal(original, pending_resends([original]))
        if refusal is not None:
            raise refusal
        try:
            with transaction.atomic():  # a savepoint: a concurrent resend's row wins, this one is 409
                copy = Delivery.objects.create(
                    channel=original.channel,
                    endpoint=original.endpoint,
                    alert_id=original.alert_id,
                    title=original.title,
                    body=original.body,
                    event=original.event,
                    payload=original.payload,
                    resent_from_id=original.resent_from_id or original.pk,
                )
        except IntegrityError:
            raise ConflictError(str(_RESEND_PENDING), code="delivery_pending", field="delivery_id") from None
        send_later([copy])
    copy.refresh_from_db()  # the first attempt may have run on commit (inline under ImmediateBackend)
    return copy


def languages_of(people) -> dict[int, str]:
    """Each person's language for alerts and reminders: their preference, else the site's (one query)."""
    chosen = dict(
        NotificationPreference.objects.filter(person__in=[p.pk for p in people])
        .exclude(language="")
        .values_list("person_id", "language")
    )
    return {p.pk: chosen.get(p.pk) or settings.LANGUAGE_CODE for p in people}


def preference_of(person) -> NotificationPreference:
    preference = NotificationPreference.objects.filter(person=person).first()
    return preference or NotificationPreference(person=person)


class PreferenceFields(TypedDict, total=False):
    """A person's own notification settings (an update sets only what it names)."""

    email_enabled: bool
    quiet_start: dt.time | None
    quiet_end: dt.time | None
    reminder_weekday: int | str
    reminder_time: dt.time | None
    language: str | None


PREFERENCE_FIELDS = tuple(PreferenceFields.__annotations__)


@transaction.atomic
def preference_update(*, actor: Actor, **fields: Unpack[PreferenceFields]) -> NotificationPreference:
    """Set the caller's own channels, quiet hours and weekly reminder time."""
    person = require_person(actor)
    if person is None:
        raise ApplicationError(_("Your account is not linked to a person in the organisation."))
    preference = preference_of(person)
    data: dict[str, Any] = {k: v for k, v in fields.items() if k in PREFERENCE_FIELDS}
    if "reminder_weekday" in data:
        try:
            weekday = int(data["reminder_weekday"])
        except (TypeError, ValueError) as exc:
            raise ApplicationError(
                _("Choose a day from 1 (Monday) to 7 (Sunday)."), field="reminder_weekday"
            ) from exc
        if not 1 <= weekday <= 7:
            raise ApplicationError(_("Choose a day from 1 (Monday) to 7 (Sunday)."), field="reminder_weekday")
        data["reminder_weekday"] = weekday
    if "reminder_time" in data and data["reminder_time"] is None:
        raise ApplicationError(_("Choose a time for the reminder."), field="reminder_time", code="required")
    if "language" in data:
        data["language"] = (data["language"] or "").lower()
        if data["language"] and data["language"] not in dict(settings.LANGUAGES):
            raise ApplicationError(_("Choose a language."), field="language", code="invalid_choice")
    for key, value in data.items():
        setattr(preference, key, value)
    if (preference.quiet_start is None) != (preference.quiet_end is None):
        raise ApplicationError(_("Set both ends of the quiet hours, or neither."), field="quiet_end")
    preference.save()
    return preference
