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

Chat robots (Feishu, DingTalk, WeCom, Slack) may subscribe to the same events, `alert.raised` excepted
(they get alerts through the alert rules). A robot gets no envelope but a short text in the site's
language — the app's `Notice` of the record — posted like an alert message (`delivery.build_request`: each
platform's format and signature) and logged and retried the same way. A group chat is not an access
check, so the rule is (`robot_may_post`): a robot posts a record only when everyone of its group may see
it — a record public to the company, or a record visible to one department only (a department-only goal,
its check-ins, a retrospective without a goal) when the robot belongs to exactly that department and it
has no sub-departments (whose people would not see it). Notices never carry pay, scores or grades: an
appraisal cycle's publication is one notice per cycle, naming nobody.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation

from lodestar.notifications.models import Delivery, WebhookEndpoint, WebhookEvent

if TYPE_CHECKING:
    from lodestar.org.models import Department

Data = dict[str, Any]
Text = Callable[[], tuple[str, str]]  # → (title, body), rendered in the active language

# Events a chat robot may subscribe to: every one but alerts, which robots get from the alert rules.
ROBOT_EVENTS = tuple(e for e in WebhookEvent.values if e != WebhookEvent.ALERT_RAISED)


@dataclass(frozen=True)
class Notice:
    """What a chat robot posts about one record: a short text (no pay, scores or grades) and a link.

    `restricted_to`: None when the record is public to the whole company; else the one department whose
    people see it (a department-only goal…), and then only that department's own robot posts it
    (`robot_may_post`). `key`: a robot posts one notice per key and event (an appraisal cycle's
    publication: one message, not one per person)."""

    text: Text
    path: str = ""
    restricted_to: Department | None = None
    key: str = ""


class Occurrence(NamedTuple):
    """One record an event is about: the department that decides who hears it, the envelope's `data`,
    and the robots' notice (None: robots are told nothing about it)."""

    department: Department | None
    data: Data
    notice: Notice | None = None


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
    """Active endpoints, generic and robots, subscribed to `event` (one query; the table holds a few rows)."""
    endpoints = WebhookEndpoint.objects.filter(is_active=True).select_related("department")
    return [e for e in endpoints if event in (e.events or [])]


def is_robot(endpoint: WebhookEndpoint) -> bool:
    return endpoint.kind != WebhookEndpoint.Kind.GENERIC


def robot_may_post(endpoint: WebhookEndpoint, notice: Notice, *, leaf: Callable[[int], bool]) -> bool:
    """Whether everyone of the robot's group may see the record (the module's rule): a public record,
    or a record of one department posted by that department's own robot when the department has no
    sub-departments. `leaf(department_id)`: whether a department has no active sub-department."""
    restricted = notice.restricted_to
    if restricted is None:
        return True
    return endpoint.department_id == restricted.pk and leaf(restricted.pk)


def _leaf_check() -> Callable[[int], bool]:
    """`leaf(department_id)`, one query per department asked about."""
    from lodestar.org.models import Department

    known: dict[int, bool] = {}

    def leaf(department_id: int) -> bool:
        if department_id not in known:
            known[department_id] = not Department.objects.filter(
                parent_id=department_id, is_active=True
            ).exists()
        return known[department_id]

    return leaf


def queue_notices(
    event: str, items: Iterable[Occurrence], *, robots: list[WebhookEndpoint]
) -> list[Delivery]:
    """Write the pending robot deliveries of `event`: each record's notice, in the site's language, to
    each subscribed robot that reaches its department and may post it (`robot_may_post`)."""
    from lodestar.notifications.delivery import absolute_url

    rows: list[Delivery] = []
    posted: set[tuple[int, str]] = set()
    leaf = _leaf_check()
    with translation.override(settings.LANGUAGE_CODE):  # group chats: the site's language, as alerts
        for department, _data, notice in items:
            if notice is None:
                continue
            text: tuple[str, str] | None = None
            for robot in robots:
                if not reaches(robot, department) or not robot_may_post(robot, notice, leaf=leaf):
                    continue
                if notice.key:
                    if (robot.pk, notice.key) in posted:
                        continue
                    posted.add((robot.pk, notice.key))
                if text is None:
                    text = notice.text()
                title, body = text
                link = absolute_url(notice.path) if notice.path else ""
                rows.append(
                    Delivery(
                        channel=Delivery.Channel.WEBHOOK,
                        endpoint=robot,
                        event=event,
                        title=title[:300],
                        body="\n".join(part for part in (body, link) if part),
                    )
                )
    return Delivery.objects.bulk_create(rows)


def _title(event: str, data: Data) -> str:
    label = data.get("name") or data.get("title") or data.get("subject") or f"#{data.get('id', '')}"
    return f"{event}: {label}"[:300]


def queue(
    event: str,
    items: Iterable[Occurrence | tuple[Department | None, Data]],
    *,
    endpoints: list[WebhookEndpoint],
    occurred_at=None,
) -> list[Delivery]:
    """Write the pending deliveries of `event` for each (department, data) to the generic `endpoints`."""
    rows = []
    for department, data, *_notice in items:
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


def emit_many(event: str, build: Callable[[], Iterable[Occurrence | tuple[Department | None, Data]]]) -> None:
    """After the current transaction commits, queue `event` once per (department, data[, notice]) that
    `build()` returns and send the first attempts: the envelope to the generic endpoints, the notice to
    the robots. `build` runs after commit, and only when some endpoint subscribes, so it reads the
    committed rows and costs nothing otherwise."""
    if event not in WebhookEvent.values:
        raise ValueError(f"unknown webhook event {event!r}")
    occurred_at = timezone.now()

    def on_commit() -> None:
        endpoints = subscribers(event)
        if not endpoints:
            return
        items = [Occurrence(*item) for item in build()]
        generic = [e for e in endpoints if not is_robot(e)]
        robots = [e for e in endpoints if is_robot(e)]
        created = queue(event, items, endpoints=generic, occurred_at=occurred_at) if generic else []
        if robots:
            created += queue_notices(event, items, robots=robots)
        if created:
            from lodestar.notifications.tasks import send_deliveries

            send_deliveries.enqueue([d.pk for d in created])

    # robust: the change is committed; a failing webhook queue is logged, not answered with a 500.
    transaction.on_commit(on_commit, robust=True)


def emit(event: str, load: Callable[[], Occurrence | tuple[Department | None, Data]]) -> None:
    """`emit_many` for one record: `load()` reads it after commit and returns its department (which
    decides the department-bound endpoints that hear it), its `data` and, for robots, its `Notice`.
    Nothing is read before."""
    emit_many(event, lambda: [load()])
