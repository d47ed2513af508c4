"""Chat robots subscribed to events: a short text per event in each platform's format and signature,
after commit only, in the site's language, logged and retried like an alert message — and only about
records everyone in the robot's group may see (lodestar/notifications/events.py, `robot_may_post`).
A local HTTP server records the POSTs."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse

import pytest
from django.db import transaction
from django.utils import timezone

from lodestar.goals.models import Visibility
from lodestar.goals.services import goal_create, goal_update
from lodestar.notifications import delivery
from lodestar.notifications.models import Delivery, WebhookEndpoint
from lodestar.notifications.tests.test_events import event_endpoint, verify
from lodestar.testing.organisation import fresh_user

pytestmark = pytest.mark.django_db


def robot(server, events, *, kind="feishu", path=None, department=None, secret="", **fields):
    path = path or f"/{kind}"
    return WebhookEndpoint.objects.create(
        name=path,
        kind=kind,
        url=server.url(path),
        secret=secret,
        events=list(events),
        department=department,
        **fields,
    )


def new_goal(world, name="新品A 销售额", *, department=None, visibility=Visibility.PUBLIC):
    return goal_create(
        actor=fresh_user(world.person("admin")),
        name=name,
        department=department or world.mkt,
        period=world.year,
        owner=world.person("member"),
        visibility=visibility,
        measures=[
            {"name": "销售额", "unit": "yuan", "direction": "higher", "baseline": None, "target": "5000000"}
        ],
    )


def text_of(request) -> str:
    body = json.loads(request["body"])
    if "msg_type" in body:  # Feishu
        return body["content"]["text"]
    if "msgtype" in body:  # DingTalk, WeCom
        return body["text"]["content"]
    return body["text"]  # Slack


def test_a_subscribed_robot_posts_a_short_signed_chinese_text_per_event(world, server, on_commit, settings):
    settings.LODESTAR_SITE_URL = "https://okr.example.com"
    feishu = robot(server, ["goal.created"], secret="fs-secret")
    robot(server, ["retrospective.completed"], kind="dingtalk", path="/not-goals")
    generic = event_endpoint(server, ["goal.created"], path="/bi")
    with on_commit():
        goal = new_goal(world)
    by_path = {r["path"]: r for r in server.requests}
    assert set(by_path) == {"/feishu", "/bi"}
    body = json.loads(by_path["/feishu"]["body"])
    assert body["msg_type"] == "text" and body["sign"] == delivery.feishu_sign("fs-secret", body["timestamp"])
    text = body["content"]["text"]
    assert text.startswith("新目标：新品A 销售额\n"), text
    assert "市场部" in text and "林晓" in text and "500万元" in text
    assert text.endswith(f"https://okr.example.com/goals/{goal.pk}/")
    assert verify(by_path["/bi"], "s3cret")["event"] == "goal.created"  # the generic one: the envelope
    row = Delivery.objects.get(endpoint=feishu)
    assert (row.event, row.status, row.payload, row.channel) == ("goal.created", "sent", "", "webhook")
    assert row.title.startswith("新目标")
    assert Delivery.objects.filter(endpoint=generic, event="goal.created").count() == 1


def test_english_site_english_text_and_each_platform_format(world, server, on_commit, settings):
    settings.LANGUAGE_CODE = "en"
    robot(server, ["goal.changed"], kind="dingtalk", secret="dt-secret")
    robot(server, ["goal.changed"], kind="wecom")
    robot(server, ["goal.changed"], kind="slack")
    goal = new_goal(world)
    with on_commit():
        goal_update(
            actor=fresh_user(world.person("admin")), goal=goal, version=goal.version, name="Product A sales"
        )
    by_path = {urllib.parse.urlsplit(r["path"]).path: r for r in server.requests}
    assert set(by_path) == {"/dingtalk", "/wecom", "/slack"}
    for path in ("/dingtalk", "/wecom"):
        assert json.loads(by_path[path]["body"])["msgtype"] == "text"
    texts = {path: text_of(request) for path, request in by_path.items()}
    assert len(set(texts.values())) == 1
    assert texts["/slack"].startswith("Goal changed: Product A sales\n"), texts["/slack"]
    assert "销售额: target ¥5M" in texts["/slack"] and "Status: Draft" in texts["/slack"]


def test_dingtalk_is_signed_in_the_url(world, server, on_commit):
    robot(server, ["goal.created"], kind="dingtalk", secret="dt-secret")
    with on_commit():
        new_goal(world)
    [request] = server.requests
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query)
    timestamp = query["timestamp"][0]
    assert urllib.parse.quote_plus(query["sign"][0]) == delivery.dingtalk_sign("dt-secret", timestamp)


def test_nothing_is_posted_when_the_change_is_rolled_back(world, server, on_commit):
    robot(server, ["goal.created"])
    with on_commit(), pytest.raises(RuntimeError), transaction.atomic():
        new_goal(world)
        raise RuntimeError("the request failed after the goal was written")
    assert server.requests == [] and not Delivery.objects.exists()


def test_robots_post_only_what_their_whole_group_may_see(world, server, on_commit):
    """A department-only goal goes only to its own department's robot, and only when that department has
    no sub-departments (市场部 has 内容组, whose people do not see 市场部's private goals)."""
    company = robot(server, ["goal.created"], path="/company")
    mkt = robot(server, ["goal.created"], path="/mkt", department=world.mkt)
    content = robot(server, ["goal.created"], path="/content", department=world.content)
    sales = robot(server, ["goal.created"], path="/sales", department=world.sales)
    with on_commit():
        new_goal(world, "内容组 公开", department=world.content)
        new_goal(world, "内容组 私密", department=world.content, visibility=Visibility.DEPARTMENT)
        new_goal(world, "市场部 私密", department=world.mkt, visibility=Visibility.DEPARTMENT)
        new_goal(world, "销售部 私密", department=world.sales, visibility=Visibility.DEPARTMENT)
    heard = {
        endpoint.name: sorted(
            d.title.split("：", 1)[-1].split(": ", 1)[-1] for d in endpoint.deliveries.all()
        )
        for endpoint in (company, mkt, content, sales)
    }
    assert heard == {
        "/company": ["内容组 公开"],
        "/mkt": ["内容组 公开"],
        "/content": ["内容组 公开", "内容组 私密"],
        "/sales": ["销售部 私密"],
    }
    assert len(server.requests) == 5


def test_a_failed_robot_post_is_retried_with_a_fresh_signature_and_can_be_resent(world, server, on_commit):
    feishu = robot(server, ["goal.created"], secret="fs")
    server.statuses = [500]
    with on_commit():
        new_goal(world)
    row = Delivery.objects.get(endpoint=feishu)
    assert (row.status, row.attempts, row.response_code) == ("pending", 1, 500)
    later = timezone.now() + dt.timedelta(minutes=2)
    assert delivery.deliver_pending(now=later) == 1
    first, second = (json.loads(r["body"]) for r in server.requests)
    assert first["content"] == second["content"]  # signed with the time of each attempt
    assert second["sign"] == delivery.feishu_sign("fs", second["timestamp"])
    row.refresh_from_db()
    with on_commit():
        copy = delivery.delivery_resend(actor=fresh_user(world.person("admin")), delivery=row)
    copy.refresh_from_db()
    assert copy.status == "sent" and json.loads(server.requests[-1]["body"])["content"] == first["content"]


def test_a_subscribed_robot_still_gets_alert_messages_once_and_its_test_is_a_text(world, server):
    wecom = robot(server, ["goal.created"], kind="wecom")
    delivery.queue(recipients=[], channels=["webhook"], title="新品A 达成率 20% 低于 80%")
    delivery.deliver_pending()
    assert [text_of(r) for r in server.requests] == ["新品A 达成率 20% 低于 80%"]
    sent = delivery.endpoint_test_send(actor=fresh_user(world.person("admin")), endpoint=wecom)
    assert sent.status == "sent" and sent.event == "" and "ping" not in server.requests[-1]["body"].decode()
