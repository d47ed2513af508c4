"""Delivery: webhook payloads and signatures (Feishu, DingTalk, WeCom, Slack, generic) checked on a
local HTTP server (127.0.0.1, a free port — never an outside address), retries with backoff,
the delivery log, email, quiet hours and the endpoint test send."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from lodestar.core.errors import PermissionDeniedError
from lodestar.notifications import delivery
from lodestar.notifications.models import Delivery, Notification, NotificationPreference, WebhookEndpoint
from lodestar.org.models import Person, Role

pytestmark = pytest.mark.django_db


class WebhookServer:
    """Records every POST; answers with the next status of `statuses` (then 200) and `reply`."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.reply = b'{"code": 0, "errcode": 0}'
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status = server.statuses.pop(0) if server.statuses else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(server.reply if status == 200 else b'{"error": "boom"}')

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def json(self, index: int = -1) -> dict:
        return json.loads(self.requests[index]["body"])


@pytest.fixture
def webhook_server():
    server = WebhookServer()
    yield server
    server.close()


@pytest.fixture
def people(db):
    User = get_user_model()
    admin = Person.objects.create(
        user=User.objects.create_user("d_admin", email="admin@example.com"),
        display_name="管理员",
        role=Role.ADMIN,
    )
    member = Person.objects.create(
        user=User.objects.create_user("d_member", email="member@example.com"), display_name="林晓"
    )
    return admin, member


def endpoint(server, kind, secret="", path=None):
    return WebhookEndpoint.objects.create(
        name=kind, kind=kind, url=server.url(path or f"/{kind}"), secret=secret
    )


def send(title="新品A 达成率 20% 低于 80%", body="详情", channels=("webhook",), recipients=()):
    pending = delivery.queue(recipients=recipients, channels=channels, title=title, body=body)
    delivery.deliver_pending()
    return pending


def test_feishu_payload_and_signature(webhook_server):
    endpoint(webhook_server, "feishu", secret="feishu-secret")
    send()
    [request] = webhook_server.requests
    body = json.loads(request["body"])
    assert body["msg_type"] == "text"
    assert body["content"]["text"].startswith("新品A 达成率 20% 低于 80%\n详情")
    string_to_sign = f"{body['timestamp']}\nfeishu-secret"
    expected = base64.b64encode(hmac.new(string_to_sign.encode(), b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected
    assert abs(int(body["timestamp"]) - timezone.now().timestamp()) < 60


def test_dingtalk_payload_and_signature(webhook_server):
    endpoint(webhook_server, "dingtalk", secret="SECabc", path="/robot/send?access_token=tok")
    send()
    [request] = webhook_server.requests
    assert json.loads(request["body"]) == {
        "msgtype": "text",
        "text": {"content": "新品A 达成率 20% 低于 80%\n详情"},
    }
    path, _, query = request["path"].partition("?")
    assert path == "/robot/send"
    params = dict(urllib.parse.parse_qsl(query))
    assert params["access_token"] == "tok"
    timestamp = params["timestamp"]
    assert abs(int(timestamp) / 1000 - timezone.now().timestamp()) < 60
    string_to_sign = f"{timestamp}\nSECabc"
    expected = base64.b64encode(
        hmac.new(b"SECabc", string_to_sign.encode(), hashlib.sha256).digest()
    ).decode()
    assert params["sign"] == expected  # parse_qsl undid the URL encoding
    assert urllib.parse.quote_plus(expected) in query


def test_wecom_slack_and_generic_payloads(webhook_server):
    endpoint(webhook_server, "wecom")
    endpoint(webhook_server, "slack")
    endpoint(webhook_server, "generic", secret="g-secret")
    send()
    by_path = {r["path"]: r for r in webhook_server.requests}
    assert json.loads(by_path["/wecom"]["body"]) == {
        "msgtype": "text",
        "text": {"content": "新品A 达成率 20% 低于 80%\n详情"},
    }
    assert json.loads(by_path["/slack"]["body"]) == {"text": "新品A 达成率 20% 低于 80%\n详情"}
    generic = by_path["/generic"]
    body = json.loads(generic["body"])
    assert set(body) == {"event", "id", "subject", "detail", "status", "url", "created_at"}
    assert (
        body["event"] == "alert"
        and body["subject"] == "新品A 达成率 20% 低于 80%"
        and body["detail"] == "详情"
    )
    expected = "sha256=" + hmac.new(b"g-secret", generic["body"], hashlib.sha256).hexdigest()
    assert generic["headers"]["X-Lodestar-Signature"] == expected
    assert Delivery.objects.filter(channel="webhook", status="sent").count() == 3


def test_generic_without_secret_has_no_signature(webhook_server):
    endpoint(webhook_server, "generic")
    send()
    assert "X-Lodestar-Signature" not in webhook_server.requests[0]["headers"]


def test_retries_with_backoff_then_success(webhook_server):
    endpoint(webhook_server, "slack")
    webhook_server.statuses = [500, 500]
    start = timezone.now()
    delivery.queue(recipients=[], channels=["webhook"], title="t")
    delivery.deliver_pending(now=start)
    row = Delivery.objects.get()
    assert (row.status, row.attempts, row.response_code) == ("pending", 1, 500)
    assert row.next_attempt_at == start + dt.timedelta(minutes=1) and "500" in row.last_error
    assert delivery.deliver_pending(now=start + dt.timedelta(seconds=30)) == 0
    assert len(webhook_server.requests) == 1
    delivery.deliver_pending(now=start + dt.timedelta(minutes=1))
    row.refresh_from_db()
    assert (row.attempts, row.next_attempt_at) == (2, start + dt.timedelta(minutes=6))
    assert delivery.deliver_pending(now=start + dt.timedelta(minutes=6)) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_code, row.last_error) == ("sent", 3, 200, "")
    assert row.sent_at == start + dt.timedelta(minutes=6)
    assert len(webhook_server.requests) == 3


def test_gives_up_after_four_attempts(webhook_server):
    endpoint(webhook_server, "generic")
    webhook_server.statuses = [500] * 10
    start = timezone.now()
    delivery.queue(recipients=[], channels=["webhook"], title="t")
    for minutes in (0, 1, 6, 31, 200):
        delivery.deliver_pending(now=start + dt.timedelta(minutes=minutes))
    row = Delivery.objects.get()
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 4, None)
    assert len(webhook_server.requests) == 4


def test_a_robot_error_code_in_a_200_answer_is_a_failure(webhook_server):
    endpoint(webhook_server, "feishu", secret="x")
    webhook_server.reply = b'{"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}'
    send()
    row = Delivery.objects.get()
    assert row.status == "pending" and row.attempts == 1 and "19021" in row.last_error


def test_unreachable_endpoint_is_logged(db):
    WebhookEndpoint.objects.create(name="gone", kind="slack", url="http://127.0.0.1:9/none")
    send()
    row = Delivery.objects.get()
    assert row.attempts == 1 and row.last_error and row.response_code is None


def test_department_endpoints_get_their_subtree_only(webhook_server, db):
    from lodestar.org.models import Department

    company = Department.objects.create(name="公司", path="")
    company.path = f"/{company.pk}/"
    company.save()
    mkt = Department.objects.create(name="市场部", parent=company)
    mkt.path = f"{company.path}{mkt.pk}/"
    mkt.save()
    sales = Department.objects.create(name="销售部", parent=company)
    sales.path = f"{company.path}{sales.pk}/"
    sales.save()
    WebhookEndpoint.objects.create(name="all", kind="slack", url=webhook_server.url("/all"))
    WebhookEndpoint.objects.create(name="mkt", kind="slack", url=webhook_server.url("/mkt"), department=mkt)
    WebhookEndpoint.objects.create(name="off", kind="slack", url=webhook_server.url("/off"), is_active=False)
    assert {e.name for e in delivery.endpoints_for(mkt)} == {"all", "mkt"}
    assert {e.name for e in delivery.endpoints_for(sales)} == {"all"}
    assert {e.name for e in delivery.endpoints_for(None)} == {"all"}


def test_inbox_and_email(people, mailoutbox):
    _admin, member = people
    pending = delivery.queue(recipients=[member], channels=["inbox", "email"], title="提醒", body="正文")
    assert Notification.objects.get(recipient=member).title == "提醒"
    assert Delivery.objects.get(channel="inbox").status == "sent"
    assert [d.channel for d in pending] == ["email"]
    delivery.deliver_pending()
    assert len(mailoutbox) == 1 and mailoutbox[0].subject == "提醒" and "正文" in mailoutbox[0].body
    assert Delivery.objects.get(channel="email").status == "sent"


def test_email_off_in_preferences(people, mailoutbox):
    _admin, member = people
    NotificationPreference.objects.create(person=member, email_enabled=False)
    assert delivery.queue(recipients=[member], channels=["inbox", "email"], title="x") == []
    assert Notification.objects.filter(recipient=member).count() == 1


@pytest.mark.parametrize(
    ("start", "end", "clock", "inside"),
    [
        ("22:00", "08:00", "23:30", True),
        ("22:00", "08:00", "07:59", True),
        ("22:00", "08:00", "08:00", False),
        ("12:00", "14:00", "13:00", True),
        ("12:00", "14:00", "15:00", False),
    ],
)
def test_quiet_hours(start, end, clock, inside):
    preference = NotificationPreference(
        quiet_start=dt.time.fromisoformat(start), quiet_end=dt.time.fromisoformat(end)
    )
    now = timezone.make_aware(dt.datetime.combine(dt.date(2026, 11, 25), dt.time.fromisoformat(clock)))
    until = delivery.quiet_until(preference, now)
    assert (until is not None) == inside
    if inside:
        assert timezone.localtime(until).time() == preference.quiet_end and until > now


def test_endpoint_test_send_and_permissions(people, webhook_server):
    admin, member = people
    hook = endpoint(webhook_server, "wecom")
    with pytest.raises(PermissionDeniedError):
        delivery.endpoint_test_send(actor=member.user, endpoint=hook)
    result = delivery.endpoint_test_send(actor=admin.user, endpoint=hook)
    assert (result.status, result.response_code, result.attempts) == ("sent", 200, 1)
    webhook_server.statuses = [502]
    failed = delivery.endpoint_test_send(actor=admin.user, endpoint=hook)
    assert (failed.status, failed.response_code) == ("failed", 502)


def test_two_workers_never_send_the_same_delivery(webhook_server):
    endpoint(webhook_server, "slack")
    delivery.queue(recipients=[], channels=["webhook"], title="t")
    row = Delivery.objects.get()
    now = timezone.now()
    assert delivery._claim(row, now) is True
    assert delivery._claim(row, now) is False  # the row moved on: the other worker skips it


def test_webhook_pages_are_for_admins(people, webhook_server, client):
    admin, member = people
    hook = endpoint(webhook_server, "feishu", secret="s")
    client.force_login(member.user)
    for url in (
        "/inbox/webhooks/",
        "/inbox/webhooks/new/",
        "/inbox/deliveries/",
        f"/inbox/webhooks/{hook.pk}/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/inbox/webhooks/{hook.pk}/test/").status_code == 403
    assert client.get("/inbox/preferences/").status_code == 200
    client.force_login(admin.user)
    for url in (
        "/inbox/webhooks/",
        "/inbox/webhooks/new/",
        "/inbox/deliveries/",
        f"/inbox/webhooks/{hook.pk}/",
    ):
        assert client.get(url).status_code == 200, url
    page = client.post(f"/inbox/webhooks/{hook.pk}/test/", follow=True)
    assert page.status_code == 200 and "HTTP 200" in page.content.decode()
    assert len(webhook_server.requests) == 1
    response = client.post(
        "/inbox/webhooks/new/",
        {
            "name": "钉钉群",
            "kind": "dingtalk",
            "url": webhook_server.url("/ding"),
            "secret": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert WebhookEndpoint.objects.filter(name="钉钉群", kind="dingtalk").exists()
    bad = client.post("/inbox/webhooks/new/", {"name": "x", "kind": "slack", "url": "ftp://nope"})
    assert bad.status_code == 200 and not WebhookEndpoint.objects.filter(name="x").exists()
    # Editing with an empty secret box keeps the stored secret.
    client.post(
        f"/inbox/webhooks/{hook.pk}/",
        {"name": "飞书群2", "kind": "feishu", "url": hook.url, "secret": "", "is_active": "on"},
    )
    hook.refresh_from_db()
    assert (hook.name, hook.secret) == ("飞书群2", "s")


def test_preferences_page_saves(people, client):
    _admin, member = people
    client.force_login(member.user)
    response = client.post(
        "/inbox/preferences/",
        {"quiet_start": "22:00", "quiet_end": "07:30", "reminder_weekday": "4", "reminder_time": "17:00"},
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(person=member)
    assert not preference.email_enabled and preference.reminder_weekday == 4
    assert preference.quiet_end == dt.time(7, 30)
    half = client.post(
        "/inbox/preferences/", {"quiet_start": "22:00", "reminder_weekday": "4", "reminder_time": "17:00"}
    )
    assert half.status_code == 200  # one end of the quiet hours only
