"""Event webhooks: a change sends one signed envelope per subscribed endpoint after commit (none for
other events, none after a rollback), retries on a 500 from a real local HTTP server, the test
button, alert messages still going to the robots, and the delivery log (API and page) for admins."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lodestar.core.testing import ApiClient
from lodestar.goals.services import goal_create, goal_update
from lodestar.notifications import delivery
from lodestar.notifications.events import ROBOT_EVENTS
from lodestar.notifications.models import Delivery, WebhookEndpoint, WebhookEvent
from lodestar.testing.organisation import fresh_user

pytestmark = pytest.mark.django_db


def event_endpoint(server, events, *, path="/hook", secret="s3cret", department=None, **fields):
    return WebhookEndpoint.objects.create(
        name=path,
        kind="generic",
        url=server.url(path),
        secret=secret,
        events=list(events),
        department=department,
        **fields,
    )


def header(request: dict, name: str) -> str | None:
    """A request header whatever its case (urllib sends `X-lodestar-signature`)."""
    return {k.lower(): v for k, v in request["headers"].items()}.get(name.lower())


def verify(request: dict, secret: str, *, at: dt.datetime | None = None) -> dict:
    """Check the signature as a receiver would (docs/api.md, "Webhooks"); returns the envelope.
    `at`: when the attempt was made (the retries run at simulated times)."""
    timestamp = header(request, "X-Lodestar-Timestamp")
    assert abs(int(timestamp) - (at or timezone.now()).timestamp()) < 300  # not a replay
    expected = (
        "sha256="
        + hmac.new(secret.encode(), f"{timestamp}.".encode() + request["body"], hashlib.sha256).hexdigest()
    )
    assert hmac.compare_digest(header(request, "X-Lodestar-Signature"), expected)
    return json.loads(request["body"])


def create_goal(world, name="新品A 销售额", department=None):
    return goal_create(
        actor=fresh_user(world.person("admin")),
        name=name,
        department=department or world.mkt,
        period=world.year,
    )


def test_a_created_goal_is_sent_signed_to_each_subscribed_endpoint(world, server, on_commit):
    first = event_endpoint(server, ["goal.created", "goal.changed"], path="/a", secret="secret-a")
    event_endpoint(server, ["goal.created"], path="/b", secret="secret-b")
    event_endpoint(server, ["checkin.recorded"], path="/checkins-only")
    event_endpoint(server, ["goal.created"], path="/paused", is_active=False)
    event_endpoint(server, ["goal.created"], path="/sales-only", department=world.sales)
    legacy = WebhookEndpoint.objects.create(name="alerts", kind="generic", url=server.url("/alerts"))
    WebhookEndpoint.objects.create(name="飞书", kind="feishu", url=server.url("/feishu"))
    with on_commit():
        goal = create_goal(world)
    by_path = {r["path"]: r for r in server.requests}
    assert set(by_path) == {"/a", "/b"}
    a, b = verify(by_path["/a"], "secret-a"), verify(by_path["/b"], "secret-b")
    assert a["event"] == b["event"] == "goal.created"
    assert a["id"] == b["id"] and len(a["id"]) == 32  # one event, the same id everywhere
    assert a["data"]["id"] == goal.pk and a["data"]["name"] == "新品A 销售额"
    assert a["data"]["department_id"] == world.mkt.pk and a["data"]["status"] == "draft"
    assert {"achievement_rate", "progress", "health", "version", "measures"} <= set(a["data"])
    assert dt.datetime.fromisoformat(a["occurred_at"]).tzinfo is not None
    assert header(by_path["/a"], "X-Lodestar-Event") == "goal.created"
    rows = Delivery.objects.filter(event="goal.created")
    assert rows.count() == 2 and {r.status for r in rows} == {"sent"}
    assert header(by_path["/a"], "X-Lodestar-Delivery") == str(rows.get(endpoint=first).pk)
    assert not Delivery.objects.filter(endpoint=legacy).exists()  # events never go as alert messages


def test_the_python_snippet_of_the_docs_verifies_a_real_delivery(world, server, on_commit):
    docs = (settings.BASE_DIR / "docs" / "api.md").read_text()
    snippet = docs.split("## Webhooks", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(snippet, namespace)  # the reader's code, as printed
    event_endpoint(server, ["goal.created"], secret="docs-secret")
    with on_commit():
        create_goal(world)
    [request] = server.requests
    names = ("X-Lodestar-Timestamp", "X-Lodestar-Signature")
    headers = {name: header(request, name) for name in names}
    assert namespace["verify"]("docs-secret", headers, request["body"])["event"] == "goal.created"
    with pytest.raises(ValueError, match="bad signature"):
        namespace["verify"]("wrong-secret", headers, request["body"])
    with pytest.raises(ValueError, match="bad signature"):
        namespace["verify"]("docs-secret", headers, request["body"].replace(b"goal.created", b"goal.changed"))
    stale = {**headers, "X-Lodestar-Timestamp": str(int(headers["X-Lodestar-Timestamp"]) - 3600)}
    with pytest.raises(ValueError, match="stale"):
        namespace["verify"]("docs-secret", stale, request["body"])


def test_a_changed_goal_sends_goal_changed_with_the_new_state(world, server, on_commit):
    goal = create_goal(world)
    event_endpoint(server, ["goal.changed"])
    with on_commit():
        goal_update(
            actor=fresh_user(world.person("admin")), goal=goal, version=goal.version, name="新品A 销售额 v2"
        )
    [request] = server.requests
    body = verify(request, "s3cret")
    assert (body["event"], body["data"]["name"], body["data"]["version"]) == (
        "goal.changed",
        "新品A 销售额 v2",
        2,
    )


def test_nothing_is_sent_for_an_event_nobody_subscribes_to(
    world, server, on_commit, django_assert_num_queries
):
    event_endpoint(server, ["checkin.recorded", "alert.raised"])
    with on_commit():
        create_goal(world)
    assert server.requests == [] and not Delivery.objects.exists()


def test_nothing_is_sent_when_the_change_is_rolled_back(world, server, on_commit):
    event_endpoint(server, ["goal.created"])
    with on_commit(), pytest.raises(RuntimeError), transaction.atomic():
        create_goal(world)
        raise RuntimeError("the request failed after the goal was written")
    assert server.requests == [] and not Delivery.objects.exists()


def test_a_500_is_retried_with_backoff_and_the_same_envelope(world, server, on_commit):
    event_endpoint(server, ["goal.created"])
    server.statuses = [500, 500]
    start = timezone.now()
    with on_commit():
        create_goal(world)
    row = Delivery.objects.get(event="goal.created")
    assert (row.status, row.attempts, row.response_code) == ("pending", 1, 500)
    assert "HTTP 500" in row.last_error
    assert start < row.next_attempt_at - dt.timedelta(minutes=1) < timezone.now()
    first_try = row.next_attempt_at - dt.timedelta(minutes=1)
    assert delivery.deliver_pending(now=first_try + dt.timedelta(seconds=30)) == 0  # not due yet
    assert delivery.deliver_pending(now=first_try + dt.timedelta(minutes=1)) == 0
    row.refresh_from_db()
    assert (row.attempts, row.next_attempt_at) == (2, first_try + dt.timedelta(minutes=6))
    assert delivery.deliver_pending(now=first_try + dt.timedelta(minutes=6)) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_code, row.last_error) == ("sent", 3, 200, "")
    bodies = [r["body"] for r in server.requests]
    assert len(bodies) == 3 and len(set(bodies)) == 1  # byte for byte: the receiver de-duplicates by id
    for request, minutes in zip(server.requests, (0, 1, 6), strict=True):
        verify(request, "s3cret", at=first_try + dt.timedelta(minutes=minutes))


def test_a_department_endpoint_hears_its_subtree_only(world, server, on_commit):
    event_endpoint(server, ["goal.created"], path="/mkt", department=world.mkt)
    with on_commit():
        create_goal(world, "内容组 目标", department=world.content)
        create_goal(world, "销售部 目标", department=world.sales)
    assert [json.loads(r["body"])["data"]["name"] for r in server.requests] == ["内容组 目标"]


def test_alert_messages_skip_event_endpoints_and_reach_the_robots(server):
    event_endpoint(server, ["alert.raised"], path="/events")
    WebhookEndpoint.objects.create(name="alerts", kind="generic", url=server.url("/alerts"), secret="g")
    WebhookEndpoint.objects.create(name="企业微信", kind="wecom", url=server.url("/wecom"))
    delivery.queue(recipients=[], channels=["webhook"], title="新品A 达成率 20% 低于 80%")
    delivery.deliver_pending()
    assert sorted(r["path"] for r in server.requests) == ["/alerts", "/wecom"]
    alert_body = json.loads(next(r["body"] for r in server.requests if r["path"] == "/alerts"))
    assert alert_body["event"] == "alert" and alert_body["subject"] == "新品A 达成率 20% 低于 80%"


def test_the_test_button_sends_a_signed_ping_to_an_event_endpoint(world, server):
    endpoint = event_endpoint(server, ["goal.created"])
    sent = delivery.endpoint_test_send(actor=fresh_user(world.person("admin")), endpoint=endpoint)
    assert (sent.status, sent.event, sent.response_code) == ("sent", "ping", 200)
    body = verify(server.requests[0], "s3cret")
    assert body["event"] == "ping" and body["data"]["endpoint_id"] == endpoint.pk
    assert body["data"]["events"] == ["goal.created"]


# --- API --------------------------------------------------------------------------------------


def test_endpoint_api_subscribes_and_refuses_alerts_on_robots(world, server):
    api = ApiClient(world.person("admin"))
    created = api.post(
        "/webhook-endpoints",
        {
            "name": "BI",
            "kind": "generic",
            "url": server.url("/bi"),
            "secret": "k",
            "events": ["goal.changed", "goal.created"],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["events"] == ["goal.created", "goal.changed"] and body["has_secret"] and "secret" not in body
    patched = api.patch(f"/webhook-endpoints/{body['id']}", {"events": ["checkin.recorded"], "version": 1})
    assert patched.status_code == 200 and patched.json()["events"] == ["checkin.recorded"]
    assert api.get(f"/webhook-endpoints/{body['id']}").json()["version"] == 2
    stale = api.patch(f"/webhook-endpoints/{body['id']}", {"events": [], "version": 1})
    assert stale.status_code == 409
    robot = api.post(
        "/webhook-endpoints",
        {
            "name": "飞书",
            "kind": "feishu",
            "url": server.url("/f"),
            "events": ["goal.created", "alert.raised"],
        },
    )
    assert robot.status_code == 422 and robot.json()["field"] == "events"  # alerts come from the rules
    assert robot.json()["code"] == "invalid_choice"
    robot = api.post(
        "/webhook-endpoints",
        {"name": "飞书", "kind": "feishu", "url": server.url("/f"), "events": ["goal.created"]},
    )
    assert robot.status_code == 201 and robot.json()["events"] == ["goal.created"]
    to_robot = api.patch(f"/webhook-endpoints/{body['id']}", {"kind": "wecom", "events": ["alert.raised"]})
    assert to_robot.status_code == 422 and to_robot.json()["field"] == "events"
    unknown = api.post(
        "/webhook-endpoints",
        {"name": "x", "kind": "generic", "url": server.url("/x"), "events": ["goal.deleted"]},
    )
    assert unknown.status_code == 422
    assert WebhookEndpoint.objects.count() == 2


def test_delivery_log_api_filters_and_is_for_admins(world, server, on_commit):
    goals = event_endpoint(server, ["goal.created", "goal.changed"], path="/goals")
    other = event_endpoint(server, ["goal.created"], path="/other")
    server.statuses = [500]  # the first request fails
    with on_commit():
        goal = create_goal(world)
    with on_commit():
        goal_update(actor=fresh_user(world.person("admin")), goal=goal, version=goal.version, name="改名")
    api = ApiClient(world.person("admin"))
    everything = api.get("/webhook-deliveries")
    assert everything.status_code == 200 and everything.json()["count"] == 3
    by_endpoint = api.get("/webhook-deliveries", endpoint_id=goals.pk).json()
    assert by_endpoint["count"] == 2 and {d["endpoint_id"] for d in by_endpoint["items"]} == {goals.pk}
    changed = api.get("/webhook-deliveries", event="goal.changed").json()["items"]
    assert [(d["event"], d["endpoint_id"], d["status"]) for d in changed] == [
        ("goal.changed", goals.pk, "sent")
    ]
    [pending] = api.get("/webhook-deliveries", status="pending").json()["items"]
    assert (pending["attempts"], pending["response_code"]) == (1, 500)
    assert pending["last_error"].startswith("HTTP 500") and pending["next_attempt_at"]
    assert pending["endpoint_id"] in (goals.pk, other.pk)
    assert api.get("/webhook-deliveries", event="goal.deleted").status_code == 422
    for role in ("member", "mkt_manager", "hr"):
        assert ApiClient(world.person(role)).get("/webhook-deliveries").status_code == 403
    assert ApiClient().get("/webhook-deliveries").status_code == 401


def test_delivery_log_page_filters_by_event_and_endpoint(world, server, on_commit, client):
    endpoint = event_endpoint(server, ["goal.created"], path="/goals")
    server.statuses = [500]
    with on_commit():
        create_goal(world, "页面 目标")
    delivery.queue(recipients=[], channels=["webhook"], title="一条告警")  # no alert endpoint: nothing
    client.force_login(fresh_user(world.person("admin")))
    page = client.get("/inbox/deliveries/", {"event": "goal.created", "endpoint": endpoint.pk})
    html = page.content.decode()
    assert page.status_code == 200 and "goal.created: 页面 目标" in html and "HTTP 500" in html
    assert (
        "goal.created: 页面 目标"
        not in client.get("/inbox/deliveries/", {"event": "alert.raised"}).content.decode()
    )
    client.force_login(fresh_user(world.person("member")))
    assert client.get("/inbox/deliveries/").status_code == 403


def test_the_webhook_form_subscribes_to_events_and_refuses_alerts_on_a_robot(world, server, client):
    client.force_login(fresh_user(world.person("admin")))
    form = {"name": "BI", "kind": "generic", "url": server.url("/bi"), "secret": "k", "is_active": "on"}
    saved = client.post("/inbox/webhooks/new/", {**form, "events": ["goal.changed", "alert.raised"]})
    assert saved.status_code == 302
    endpoint = WebhookEndpoint.objects.get(name="BI")
    assert endpoint.events == ["goal.changed", "alert.raised"]
    page = client.get("/inbox/webhooks/").content.decode()
    assert '<code class="me-1">alert.raised</code>' in page
    edit = client.get(f"/inbox/webhooks/{endpoint.pk}/").content.decode()
    assert re.search(r'value="alert.raised"[^>]*checked', edit) and not re.search(
        r'value="goal.created"[^>]*checked', edit
    )
    robot = client.post(
        "/inbox/webhooks/new/", {**form, "name": "飞书", "kind": "feishu", "events": ["alert.raised"]}
    )
    assert robot.status_code == 200 and 'data-field-error="events"' in robot.content.decode()
    assert not WebhookEndpoint.objects.filter(name="飞书").exists()
    robot = client.post(
        "/inbox/webhooks/new/",
        {**form, "name": "飞书", "kind": "feishu", "events": ["retrospective.completed", "goal.created"]},
    )
    assert robot.status_code == 302
    assert WebhookEndpoint.objects.get(name="飞书").events == ["goal.created", "retrospective.completed"]


def _offered(html: str) -> list[str]:
    """The event checkboxes of a rendered webhook form, in page order."""
    return re.findall(r'<input type="checkbox" name="events" value="([^"]+)"', html)


def test_the_robot_form_offers_only_the_robot_events_and_the_generic_form_all(world, client):
    """A chat robot is offered `ROBOT_EVENTS` (alert.raised, which the service refuses for it, is not a
    choice); a generic endpoint every event — on a new form, on an edit, after a refused post, and when
    the kind select reloads the events (HTMX, with the ticked ones kept)."""
    client.force_login(fresh_user(world.person("admin")))
    every = list(WebhookEvent.values)
    robot = [e for e in every if e != "alert.raised"]
    assert list(ROBOT_EVENTS) == robot
    new = client.get("/inbox/webhooks/new/").content.decode()
    assert re.search(r'<select name="kind"[^>]*>\s*<option value="feishu"', new)  # a new form shows Feishu
    assert _offered(new) == robot
    assert 'hx-get="/inbox/webhooks/new/"' in new and 'hx-select="#id_events"' in new

    switched = client.get(
        "/inbox/webhooks/new/",
        {"kind": "generic", "events": ["goal.changed"]},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert _offered(switched) == every
    assert re.search(r'value="goal.changed"[^>]*checked', switched)
    back = client.get(
        "/inbox/webhooks/new/", {"kind": "slack", "events": ["alert.raised"]}, headers={"HX-Request": "true"}
    ).content.decode()
    assert _offered(back) == robot

    wecom = WebhookEndpoint.objects.create(name="企微", kind="wecom", url="https://x.test/w", events=[])
    generic = WebhookEndpoint.objects.create(name="BI", kind="generic", url="https://x.test/g", events=[])
    assert _offered(client.get(f"/inbox/webhooks/{wecom.pk}/").content.decode()) == robot
    assert _offered(client.get(f"/inbox/webhooks/{generic.pk}/").content.decode()) == every

    refused = client.post("/inbox/webhooks/new/", {"name": "", "kind": "dingtalk", "url": "https://x.test/d"})
    assert refused.status_code == 200 and _offered(refused.content.decode()) == robot
    # alert.raised still posted for a robot (a generic endpoint's page switched to a robot without
    # JavaScript): refused with the service's reason, and not offered again.
    stale = client.post(
        "/inbox/webhooks/new/",
        {
            "name": "飞书",
            "kind": "feishu",
            "url": "https://x.test/f",
            "events": ["goal.created", "alert.raised"],
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert "群机器人通过预警规则（“Webhook”渠道）接收预警，请选择其他事件。" in stale
    assert _offered(stale) == robot and re.search(r'value="goal.created"[^>]*checked', stale)
    refused = client.post("/inbox/webhooks/new/", {"name": "", "kind": "generic", "url": "https://x.test/d"})
    assert refused.status_code == 200 and _offered(refused.content.decode()) == every
