"""Outgoing event webhooks: what happened, posted as signed JSON to the endpoints subscribed to it.

The service that makes a change calls `emit` (or `emit_many`) inside its transaction. Nothing is
written then: on commit, one `Delivery` per active generic endpoint that subscribes to the event and
reaches the record's department is created and handed to the task worker — so a rolled-back change
sends nothing, and a change with no subscriber costs one query. The envelope is fixed at that moment
and sent byte for byte on every attempt (retries: `delivery.attempt`, 1, 5 and 25 minutes):

    {"event": "goal.created", "id": "<32 hex, the same on every retry>",
     "occurred_at": "2026-07-01T09:30:00+08:00", "data": {...}}

`data` is the compact form each app builds (documented per event in docs/api.md, "Webhooks").
Headers: X-Lodestar-Event, X-Lodestar-Delivery (the delivery's id), X-Lodestar-Timestamp (Unix
seconds of this attempt) and, when the endpoint has a secret, X-Lodestar-Signature:
``sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>``. The timestamp is inside the signed
message so that a captured request cannot be replayed later with a fresh timestamp.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation

from lodestar.notifications.models import Delivery, WebhookEndpoint, WebhookEvent

if TYPE_CHECKING:
    from lodestar.org.models import Department

Data = dict[str, Any]


def reaches(endpoint: WebhookEndpoint, department: Department | None) -> bool:
    """A company-wide endpoint hears everything; a department's, its own subtree only."""
    if endpoint.department_id is None:
        return True
    return department is not None and department.path.startswith(endpoint.department.path)


def envelope(event: str, data: Data, *, occurred_at=None) -> str:
    """The JSON body of one event (decimals as strings, dates ISO 8601, Chinese unescaped)."""
    occurred_at = occurred_at or timezone.now()
    payload = {
        "event": event,
        "id": uuid.uuid4().hex,
        "occurred_at": timezone.localtime(occurred_at).isoformat(timespec="seconds"),
        "data": data,
    }
    return json.dumps(payload, ensure_ascii=False, cls=DjangoJSONEncoder)


def api_form(schema: Any, obj: Any, *, exclude: set[str] | None = None) -> Data:
    """`obj` as the API's `schema` answers it (JSON types), with texts in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return schema.from_orm(obj).model_dump(mode="json", exclude=exclude)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """X-Lodestar-Signature of an event delivery: HMAC-SHA256 over ``timestamp + "." + body``."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def subscribers(event: str) -> list[WebhookEndpoint]:
    """Active generic endpoints subscribed to `event` (one query; the table holds a few rows)."""
    endpoints = WebhookEndpoint.objects.filter(is_active=True, kind=WebhookEndpoint.Kind.GENERIC)
    return [e for e in endpoints.select_related("department") if event in (e.events or [])]


def _title(event: str, data: Data) -> str:
    label = data.get("name") or data.get("title") or data.get("subject") or f"#{data.get('id', '')}"
    return f"{event}: {label}"[:300]


def queue(
    event: str,
    items: Iterable[tuple[Department | None, Data]],
    *,
    endpoints: list[WebhookEndpoint],
    occurred_at=None,
) -> list[Delivery]:
    """Write the pending deliveries of `event` for each (department, data) to `endpoints`."""
    rows = []
    for department, data in items:
        body = envelope(event, data, occurred_at=occurred_at)
        rows += [
            Delivery(
                channel=Delivery.Channel.WEBHOOK,
                endpoint=endpoint,
                event=event,
                payload=body,
                title=_title(event, data),
            )
            for endpoint in endpoints
            if reaches(endpoint, department)
        ]
    return Delivery.objects.bulk_create(rows)


def emit_many(event: str, build: Callable[[], Iterable[tuple[Department | None, Data]]]) -> None:
    """After the current transaction commits, queue `event` once per (department, data) that
    `build()` returns and send the first attempts. `build` runs after commit, and only when some
    endpoint subscribes, so it reads the committed rows and costs nothing otherwise."""
    if event not in WebhookEvent.values:
        raise ValueError(f"unknown webhook event {event!r}")
    occurred_at = timezone.now()

    def on_commit() -> None:
        endpoints = subscribers(event)
        if not endpoints:
            return
        created = queue(event, build(), endpoints=endpoints, occurred_at=occurred_at)
        if created:
            from lodestar.notifications.tasks import send_deliveries

            send_deliveries.enqueue([d.pk for d in created])

    # robust: the change is committed; a failing webhook queue is logged, not answered with a 500.
    transaction.on_commit(on_commit, robust=True)


def emit(event: str, load: Callable[[], tuple[Department | None, Data]]) -> None:
    """`emit_many` for one record: `load()` reads it after commit and returns its department (which
    decides the department-bound endpoints that hear it) and its `data`. Nothing is read before."""
    emit_many(event, lambda: [load()])
