"""Resending a delivery from the log: a new delivery of the same message, signed afresh and linked to
the first one; refused while something of that message is still on its way; admins only (page and API)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.testing import ApiClient
from lodestar.notifications import delivery
from lodestar.notifications.models import Delivery, WebhookEndpoint
from lodestar.notifications.tests.test_events import create_goal, event_endpoint, header, verify
from lodestar.testing.organisation import fresh_user

pytestmark = pytest.mark.django_db


def admin(world):
    return fresh_user(world.person("admin"))


@pytest.fixture
def failed_event(world, server, on_commit):
    """A goal.created delivery that failed its four attempts."""
    event_endpoint(server, ["goal.created"])
    server.statuses = [500]
    with on_commit():
        create_goal(world)
    row = Delivery.objects.get(event="goal.created")
    Delivery.objects.filter(pk=row.pk).update(status=Delivery.Status.FAILED, attempts=4, next_attempt_at=None)
    row.refresh_from_db()
    return row


def test_a_resend_posts_the_same_envelope_freshly_signed_and_is_logged_as_a_new_delivery(
    world, server, on_commit, failed_event, monkeypatch
):
    first_request = server.requests[0]
    later = timezone.now() + dt.timedelta(hours=2)  # the first attempt's timestamp would be stale by now
    monkeypatch.setattr("lodestar.notifications.delivery.timezone.now", lambda: later)
    with on_commit():
        copy = delivery.delivery_resend(actor=admin(world), delivery=failed_event)
    copy.refresh_from_db()  # sent on commit
    assert (copy.status, copy.attempts, copy.response_code, copy.resent_from_id) == (
        "sent",
        1,
        200,
        failed_event.pk,
    )
    assert (copy.event, copy.payload, copy.endpoint_id) == (
        "goal.created",
        failed_event.payload,
        failed_event.endpoint_id,
    )
    request = server.requests[-1]
    assert request["body"] == first_request["body"]  # byte for byte: the same event id
    verify(request, "s3cret", at=later)  # signed with this attempt's timestamp
    assert header(request, "X-Lodestar-Timestamp") != header(first_request, "X-Lodestar-Timestamp")
    assert header(request, "X-Lodestar-Delivery") == str(copy.pk)
    failed_event.refresh_from_db()
    assert failed_event.status == "failed"  # the original stays as it was in the log
    # A resend of the resend points to the first delivery too.
    with on_commit():
        again = delivery.delivery_resend(actor=admin(world), delivery=copy)
    assert again.resent_from_id == failed_event.pk and again.pk not in (copy.pk, failed_event.pk)


def test_a_robot_alert_message_is_resent_with_a_fresh_sign(world, server, on_commit):
    robot = WebhookEndpoint.objects.create(
        name="飞书群", kind="feishu", url=server.url("/feishu"), secret="fs"
    )
    row = Delivery.objects.create(
        channel="webhook",
        endpoint=robot,
        title="新品A 达成率低",
        body="20% < 80%",
        status="failed",
        attempts=4,
    )
    with on_commit():
        copy = delivery.delivery_resend(actor=admin(world), delivery=row)
    copy.refresh_from_db()
    assert copy.status == "sent" and copy.resent_from_id == row.pk
    body = json.loads(server.requests[-1]["body"])
    assert body["content"]["text"] == "新品A 达成率低\n20% < 80%"
    assert body["sign"] == delivery.feishu_sign("fs", body["timestamp"])


def test_a_pending_delivery_or_a_pending_resend_is_not_resent_twice(world, server, failed_event):
    # Without running the on-commit hooks, the resend stays pending: a second one is refused.
    copy = delivery.delivery_resend(actor=admin(world), delivery=failed_event)
    assert copy.status == "pending"
    with pytest.raises(ConflictError) as refused:
        delivery.delivery_resend(actor=admin(world), delivery=failed_event)
    assert refused.value.code == "delivery_pending"
    with pytest.raises(ConflictError) as still_pending:
        delivery.delivery_resend(actor=admin(world), delivery=copy)
    assert (
        still_pending.value.code == "delivery_pending"
        and still_pending.value.message != refused.value.message
    )
    assert Delivery.objects.filter(resent_from=failed_event).count() == 1
    # The database refuses a second pending resend too (two admins at the same moment).
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(
            channel="webhook", endpoint=copy.endpoint, title="x", resent_from=failed_event
        )
    # Once the resend has finished, the message may be resent again.
    Delivery.objects.filter(pk=copy.pk).update(status="failed")
    delivery.delivery_resend(actor=admin(world), delivery=failed_event)
    assert Delivery.objects.filter(resent_from=failed_event).count() == 2


def test_only_admins_resend_and_only_webhook_messages_to_active_endpoints(world, server, failed_event):
    for role in ("mkt_manager", "member", "hr"):
        with pytest.raises(PermissionDeniedError):
            delivery.delivery_resend(actor=fresh_user(world.person(role)), delivery=failed_event)
    inbox = Delivery.objects.create(
        channel="inbox", recipient=world.person("member"), title="x", status="sent"
    )
    with pytest.raises(ApplicationError) as refused:
        delivery.delivery_resend(actor=admin(world), delivery=inbox)
    assert refused.value.code == "not_resendable"
    WebhookEndpoint.objects.filter(pk=failed_event.endpoint_id).update(is_active=False)
    with pytest.raises(ApplicationError) as paused:
        delivery.delivery_resend(actor=admin(world), delivery=failed_event)
    assert paused.value.code == "endpoint_paused"
    assert not Delivery.objects.filter(resent_from__isnull=False).exists()


# --- API --------------------------------------------------------------------------------------


def test_resend_api(world, server, failed_event):
    api = ApiClient(world.person("admin"))
    answer = api.post(f"/webhook-deliveries/{failed_event.pk}/resend", {})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["resent_from_id"] == failed_event.pk and body["event"] == "goal.created"
    assert body["id"] != failed_event.pk
    listed = api.get("/webhook-deliveries", event="goal.created").json()["items"]
    assert {d["resent_from_id"] for d in listed} == {None, failed_event.pk}
    again = api.post(f"/webhook-deliveries/{failed_event.pk}/resend", {})
    assert again.status_code == 409
    assert again.json()["code"] == "delivery_pending" and again.json()["field"] == "delivery_id"
    missing = api.post("/webhook-deliveries/999999/resend", {})
    assert missing.status_code == 404 and missing.json()["field"] == "delivery_id"
    inbox = Delivery.objects.create(
        channel="inbox", recipient=world.person("member"), title="x", status="sent"
    )
    refused = api.post(f"/webhook-deliveries/{inbox.pk}/resend", {})
    assert refused.status_code == 422 and refused.json()["code"] == "not_resendable"
    assert (
        ApiClient(world.person("mkt_manager"))
        .post(f"/webhook-deliveries/{failed_event.pk}/resend", {})
        .status_code
        == 403
    )
    assert ApiClient().post(f"/webhook-deliveries/{failed_event.pk}/resend", {}).status_code == 401


# --- page -------------------------------------------------------------------------------------


def test_the_log_shows_resend_on_finished_webhook_rows_and_htmx_answers_the_log(
    world, server, on_commit, failed_event, client
):
    inbox = Delivery.objects.create(
        channel="inbox", recipient=world.person("member"), title="收件", status="sent"
    )
    client.force_login(admin(world))
    page = client.get("/inbox/deliveries/", {"event": "goal.created"}).content.decode()
    resend_url = f"/inbox/deliveries/{failed_event.pk}/resend/"
    assert f'hx-post="{resend_url}?event=goal.created"' in page
    assert f"/inbox/deliveries/{inbox.pk}/resend/" not in client.get("/inbox/deliveries/").content.decode()
    with on_commit():
        answer = client.post(f"{resend_url}?event=goal.created", headers={"HX-Request": "true"})
    html = answer.content.decode()
    assert answer.status_code == 200 and 'id="delivery-log"' in html and "<html" not in html
    assert (
        'data-testid="resend-notice"' in html
        and f'data-testid="resent-from">重发自 #{failed_event.pk}<' in html
    )
    copy = Delivery.objects.get(resent_from=failed_event)
    assert copy.status == "sent" and server.requests[-1]["body"] == failed_event.payload.encode()
    # A second press while a resend is pending: a clear message, no second delivery.
    Delivery.objects.filter(pk=copy.pk).update(status="pending")
    refused = client.post(resend_url, headers={"HX-Request": "true"})
    assert refused.status_code == 200 and 'data-testid="resend-error"' in refused.content.decode()
    assert Delivery.objects.filter(resent_from=failed_event).count() == 1
    # The buttons of a message with a resend on its way are gone.
    assert f'hx-post="{resend_url}' not in client.get("/inbox/deliveries/").content.decode()
    # Without JavaScript: back to the log, filters kept, with a message.
    Delivery.objects.filter(pk=copy.pk).update(status="failed")
    plain = client.post(f"{resend_url}?status=failed")
    assert plain.status_code == 302 and plain["Location"] == "/inbox/deliveries/?status=failed"


def test_the_resend_page_is_for_admins_and_post_only(world, failed_event, client):
    url = f"/inbox/deliveries/{failed_event.pk}/resend/"
    client.force_login(fresh_user(world.person("mkt_manager")))
    assert client.post(url).status_code == 403
    client.force_login(admin(world))
    assert client.get(url).status_code == 405
    assert client.post("/inbox/deliveries/999999/resend/").status_code == 404
    assert not Delivery.objects.filter(resent_from__isnull=False).exists()


def test_the_log_page_queries_do_not_grow_with_resends(world, server, failed_event, client):
    client.force_login(admin(world))
    client.get("/inbox/deliveries/")
    for i in range(10):
        first = Delivery.objects.create(
            channel="webhook", endpoint=failed_event.endpoint, title=f"#{i}", status="failed"
        )
        Delivery.objects.create(
            channel="webhook", endpoint=failed_event.endpoint, title=f"#{i}", resent_from=first
        )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get("/inbox/deliveries/")
    for i in range(20):
        first = Delivery.objects.create(
            channel="webhook", endpoint=failed_event.endpoint, title=f"+{i}", status="failed"
        )
        Delivery.objects.create(
            channel="webhook", endpoint=failed_event.endpoint, title=f"+{i}", resent_from=first
        )
    with CaptureQueriesContext(connection) as large:
        client.get("/inbox/deliveries/")
    assert len(small) == len(large)
