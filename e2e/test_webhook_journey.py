"""Journeys: webhooks in the browser, against a tiny HTTP receiver on 127.0.0.1 started by the test.

1. The admin adds a generic JSON webhook subscribed to goal.created, presses 测试发送 while the receiver
   answers HTTP 500 (the delivery fails), then 重新发送 from the 发送记录 (HTMX): a new delivery of the same
   ping envelope (same event id), sent, shown as 重发自 #<first>. The director, a specialist and the guest have
   neither the page nor the button.
2. The admin subscribes 品牌部's Feishu robot to goal.created (a robot is offered every event but alert.raised,
   which the alert rules already post; the kind select reloads the events, so a generic endpoint gets it
   back); 韩雪, 品牌部经理, creates a goal of 品牌部; the robot's group gets the message in Chinese and
   the 发送记录 lists it.

Tasks run inline in tests (ImmediateBackend), so a delivery is attempted when its request commits.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e.conftest import login, logout
from lodestar.core.models import Period
from lodestar.notifications.models import Delivery, WebhookEndpoint
from lodestar.org.models import Department

SHOTS = Path("/tmp/h-e2e-shots")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


class Receiver:
    """Records every POST; answers the next status of `statuses` (then 200) with a robot's `{"code": 0}`."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "body": json.loads(body or b"{}")})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"code": 0}' if status == 200 else b'{"error": "boom"}')

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def choose_kind(page, kind: str) -> None:
    """Pick the endpoint's kind and wait until the events it is offered are reloaded (HTMX: the select's
    request is over once its answer is swapped in), so that a box ticked next is not replaced."""
    page.evaluate(
        "() => { window.eventsReloaded = new Promise((done) => {"
        " document.querySelector('#id_kind').addEventListener('htmx:afterRequest', () => done(true), {once: true});"
        " setTimeout(() => done(false), 10000); }); }"
    )
    page.select_option("#id_kind", kind)
    assert page.evaluate("() => window.eventsReloaded"), "the events were not reloaded"


def offered_events(page) -> list[str]:
    boxes = page.locator("input[name=events]")
    return [boxes.nth(i).get_attribute("value") for i in range(boxes.count())]


def add_webhook(
    page, *, name: str, kind: str, url: str, events: list[str], department: int | None = None
) -> None:
    page.goto(page.base_url + "/inbox/webhooks/new/")
    page.fill("#id_name", name)
    choose_kind(page, kind)
    page.fill("#id_url", url)
    if department:
        page.select_option("#id_department", str(department))
    for event in events:
        page.locator(f"input[name=events][value='{event}']").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("webhooks-table")).to_contain_text(name)


def test_resend_a_failed_webhook_delivery(page, step, receiver):
    with step("the admin adds a generic webhook subscribed to goal.created"):
        login(page, "admin")
        add_webhook(
            page, name="数据中台事件", kind="generic", url=receiver.url("/hooks"), events=["goal.created"]
        )
        endpoint = WebhookEndpoint.objects.get(name="数据中台事件")
        assert endpoint.events == ["goal.created"]

    with step("the test ping fails: the receiver answers HTTP 500"):
        receiver.statuses = [500]
        row = page.get_by_test_id("webhooks-table").locator("tr").filter(has_text="数据中台事件")
        row.get_by_test_id("test-send").click()
        expect(page.locator(".alert-danger, .alert.alert-danger").first).to_contain_text("HTTP 500")
        first = Delivery.objects.get(endpoint=endpoint)
        assert first.status == Delivery.Status.FAILED and first.event == "ping"
        assert len(receiver.requests) == 1

    with step("the delivery log shows the failed ping with a resend button"):
        page.goto(page.base_url + "/inbox/deliveries/")
        failed = page.locator(f"#delivery-{first.pk}")
        expect(failed).to_contain_text("Lodestar测试消息")
        expect(failed).to_contain_text("HTTP 500")
        expect(failed.get_by_test_id("resend")).to_have_text("重新发送")
        shot(page, "webhook-01-log-failed")

    with step("the admin resends it: a new delivery, sent, linked to the first"):
        failed.get_by_test_id("resend").click()
        expect(page.get_by_test_id("resend-notice")).to_contain_text("HTTP 200")
        copy = Delivery.objects.get(resent_from=first)
        assert copy.status == Delivery.Status.SENT and copy.response_code == 200
        resent = page.locator(f"#delivery-{copy.pk}")
        expect(resent.get_by_test_id("resent-from")).to_have_text(f"重发自 #{first.pk}")
        expect(resent).to_contain_text("已发送")
        expect(page.locator("#delivery-log tbody tr")).to_have_count(Delivery.objects.count())
        shot(page, "webhook-02-log-resent")
        # The same envelope, byte for byte: the receiver can tell it is the same event.
        assert len(receiver.requests) == 2
        assert receiver.requests[0]["body"]["id"] == receiver.requests[1]["body"]["id"]
        assert receiver.requests[1]["body"]["event"] == "ping"
        logout(page)

    for username in ("zhaomin", "linxiao", "guest"):  # the director, a specialist, the read-only guest
        with step(f"{username} has no delivery log, no resend"):
            login(page, username)
            page.goto(page.base_url + "/alerts/")
            expect(page.get_by_role("link", name="发送记录")).to_have_count(0)
            response = page.goto(page.base_url + "/inbox/deliveries/")
            assert response is not None and response.status == 403
            expect(page.get_by_test_id("resend")).to_have_count(0)
            token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
            answer = page.request.post(
                f"{page.base_url}/inbox/deliveries/{first.pk}/resend/",
                headers={"X-CSRFToken": token, "Referer": page.base_url + "/"},
            )
            assert answer.status == 403
            logout(page)
    assert Delivery.objects.filter(resent_from=first).count() == 1


def test_chat_robot_posts_a_new_goal_of_its_department(page, step, receiver):
    brand = Department.objects.get(name="品牌部")
    q3 = Period.objects.get(kind="quarter", key__endswith="-Q3", is_closed=False, start__year__gte=2026)

    with step("the robot form offers every event but alert.raised to a robot"):
        login(page, "admin")
        page.goto(page.base_url + "/inbox/webhooks/new/")
        robot_events = [
            "goal.created",
            "goal.changed",
            "checkin.recorded",
            "retrospective.completed",
            "appraisal.published",
        ]
        assert offered_events(page) == robot_events  # a new form shows the first kind, Feishu
        shot(page, "robot-01-form")
        # A generic endpoint may subscribe to alert.raised too; back to a robot, it is gone again.
        choose_kind(page, "generic")
        assert offered_events(page) == [*robot_events[:3], "alert.raised", *robot_events[3:]]
        choose_kind(page, "feishu")
        assert offered_events(page) == robot_events
        assert not WebhookEndpoint.objects.exists()

    with step("the admin subscribes 品牌部's Feishu robot to goal.created"):
        add_webhook(
            page,
            name="品牌部飞书群",
            kind="feishu",
            url=receiver.url("/open-apis/bot/v2/hook/brand"),
            events=["goal.created"],
            department=brand.pk,
        )
        expect(
            page.get_by_test_id("webhooks-table").locator("tr").filter(has_text="品牌部飞书群")
        ).to_contain_text("goal.created")
        shot(page, "robot-02-list")
        logout(page)

    name = "Q3品牌联名活动曝光量"
    with step("韩雪 creates a goal of 品牌部"):
        login(page, "hanxue")
        page.goto(f"{page.base_url}/goals/new/?department={brand.pk}&period={q3.pk}")
        page.fill("#id_name", name)
        page.fill("#id_description", "9月底前与茶饮品牌联名，全网曝光量达到500万。")
        page.get_by_role("button", name="保存").click()
        expect(page.locator("h1.page-title")).to_contain_text(name)
        logout(page)

    with step("the robot's group got the message in Chinese"):
        posted = [r for r in receiver.requests if r["path"].endswith("/brand")]
        assert len(posted) == 1, receiver.requests
        text = json.dumps(posted[0]["body"], ensure_ascii=False)
        assert f"新目标：{name}" in text and "品牌部" in text and "韩雪" in text

    with step("the admin sees the delivery in the log"):
        login(page, "admin")
        page.goto(page.base_url + "/inbox/deliveries/")
        row = page.locator("#delivery-log tbody tr").filter(has_text="品牌部飞书群")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(f"新目标：{name}")
        expect(row).to_contain_text("goal.created")
        expect(row).to_contain_text("已发送")
        shot(page, "robot-03-log")

    with step("in English the new controls have English labels"):
        page.get_by_test_id("language-switch").select_option("en")
        page.wait_for_load_state()
        expect(page.get_by_role("link", name="Delivery log")).to_be_visible()
        expect(page.get_by_test_id("resend").first).to_have_text("Resend")
        shot(page, "robot-04-log-english")
