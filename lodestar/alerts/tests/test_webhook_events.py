"""Event webhooks of tracking and alerts (lodestar/notifications/events.py): a check-in sends
`checkin.recorded`, a raised alert `alert.raised` to the event endpoints while the robots still get
the alert's message. The alerts tests' organisation and goal (conftest), a local HTTP server."""

from __future__ import annotations

import json

import pytest

from lodestar.alerts import evaluation
from lodestar.alerts.tests.support import make_rule, report, user_of
from lodestar.notifications.models import Delivery, WebhookEndpoint
from lodestar.notifications.tests.test_events import verify


def test_a_checkin_is_sent_as_checkin_recorded(
    org, goal, measure, webhook_server, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(
        name="BI", kind="generic", url=webhook_server.url("/bi"), secret="k", events=["checkin.recorded"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        checkin = report(org, measure, 10, comment="首周 10 篇")
    [request] = webhook_server.requests
    body = verify(request, "k")
    assert body["event"] == "checkin.recorded"
    data = body["data"]
    assert (data["id"], data["measure_id"], data["goal_id"]) == (checkin.pk, measure.pk, goal.pk)
    assert (data["cumulative"], data["comment"], data["author_id"]) == ("10.00", "首周 10 篇", org.member.pk)


def test_a_raised_alert_goes_to_event_endpoints_as_alert_raised_and_to_robots_as_text(
    org, goal, measure, webhook_server, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(
        name="BI", kind="generic", url=webhook_server.url("/bi"), secret="k", events=["alert.raised"]
    )
    WebhookEndpoint.objects.create(name="市场部群", kind="slack", url=webhook_server.url("/slack"))
    report(org, measure, 10)  # no subscriber to checkin.recorded: nothing sent
    make_rule(org, channels=["inbox", "webhook"])
    with django_capture_on_commit_callbacks(execute=True):
        [alert] = evaluation.evaluate_rules()
    by_path = {r["path"]: r for r in webhook_server.requests}
    assert set(by_path) == {"/bi", "/slack"}
    event = verify(by_path["/bi"], "k")
    assert event["event"] == "alert.raised" and event["data"]["id"] == alert.pk
    assert event["data"]["subject"] == alert.subject and event["data"]["goal_id"] == goal.pk
    assert json.loads(by_path["/slack"]["body"])["text"].startswith(alert.subject)
    assert Delivery.objects.filter(event="alert.raised", status="sent").count() == 1
    assert Delivery.objects.filter(alert=alert, channel="webhook").get().endpoint.kind == "slack"


def test_a_robot_hears_a_checkin_on_a_public_goal(
    org, goal, measure, webhook_server, django_capture_on_commit_callbacks
):
    robot = WebhookEndpoint.objects.create(
        name="飞书群", kind="feishu", url=webhook_server.url("/feishu"), events=["checkin.recorded"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        report(org, measure, 10, comment="首周 10 篇")
    [request] = webhook_server.requests
    text = json.loads(request["body"])["content"]["text"]
    assert text.startswith(f"{org.member.display_name} 更新了进度：{goal.name} · {measure.name}\n"), text
    assert "累计 10" in text
    assert Delivery.objects.get(endpoint=robot).event == "checkin.recorded"


def test_robots_cannot_subscribe_to_alerts_and_still_get_each_alert_once(
    org, goal, measure, webhook_server, django_capture_on_commit_callbacks
):
    from lodestar.core.errors import ApplicationError
    from lodestar.notifications import delivery

    admin = user_of(org.admin)
    with pytest.raises(ApplicationError) as refused:
        delivery.endpoint_create(
            actor=admin, name="群", kind="feishu", url=webhook_server.url("/f"), events=["alert.raised"]
        )
    assert refused.value.field == "events"
    WebhookEndpoint.objects.create(
        name="钉钉群", kind="dingtalk", url=webhook_server.url("/dingtalk"), events=["goal.changed"]
    )
    report(org, measure, 10)
    make_rule(org, channels=["inbox", "webhook"])
    with django_capture_on_commit_callbacks(execute=True):
        [alert] = evaluation.evaluate_rules()
    [request] = webhook_server.requests
    assert json.loads(request["body"])["text"]["content"].startswith(alert.subject)
