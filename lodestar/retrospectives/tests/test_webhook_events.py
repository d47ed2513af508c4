"""Event webhooks of retrospectives: completing one sends `retrospective.completed` with the
retrospective as the API answers it (lodestar/notifications/events.py), to a local HTTP server."""

from __future__ import annotations

from lodestar.notifications.models import WebhookEndpoint
from lodestar.notifications.tests.test_delivery import webhook_server  # noqa: F401 - fixture
from lodestar.notifications.tests.test_events import verify
from lodestar.retrospectives import services


def test_completing_a_retrospective_sends_retrospective_completed(
    rw,
    webhook_server,  # noqa: F811 - the fixture
    django_capture_on_commit_callbacks,
):
    WebhookEndpoint.objects.create(
        name="BI",
        kind="generic",
        url=webhook_server.url("/bi"),
        secret="k",
        events=["retrospective.completed"],
    )
    member = rw.org.user("member")
    with django_capture_on_commit_callbacks(execute=True):
        retro = services.retrospective_open(actor=rw.org.user("mkt_manager"), goal=rw.goal, period=rw.q3)
        retro = services.retrospective_update(
            actor=member, retrospective=retro, version=retro.version, problems="服务器崩溃"
        )
        services.why_add(
            actor=member, retrospective=retro, question="为什么崩溃？", answer="压力测试未覆盖大促"
        )
    assert webhook_server.requests == []  # opening and editing are not subscribed events
    with django_capture_on_commit_callbacks(execute=True):
        retro = services.retrospective_complete(actor=member, retrospective=retro)
    [request] = webhook_server.requests
    body = verify(request, "k")
    assert body["event"] == "retrospective.completed"
    data = body["data"]
    assert (data["id"], data["status"], data["problems"]) == (retro.pk, "completed", "服务器崩溃")
    assert data["goal_id"] == rw.goal.pk and data["completed_by_id"] == rw.org.member.pk
    assert data["original_target"] == "5000000.00"


def test_a_robot_hears_a_completed_retrospective_its_whole_group_may_see(
    rw,
    webhook_server,  # noqa: F811 - the fixture
    django_capture_on_commit_callbacks,
):
    """The world's goal is department-only in 市场部, which has 内容组 below it: 市场部's robot must stay
    silent; once the goal is public, it posts the highlights and problems."""
    import json

    from lodestar.goals.models import Goal, Visibility
    from lodestar.notifications.models import Delivery
    from lodestar.retrospectives.models import Retrospective

    WebhookEndpoint.objects.create(
        name="市场部群",
        kind="slack",
        url=webhook_server.url("/slack"),
        events=["retrospective.completed"],
        department=rw.org.mkt,
    )
    member, manager = rw.org.user("member"), rw.org.user("mkt_manager")

    def complete():
        retro = services.retrospective_open(actor=manager, goal=rw.goal, period=rw.q3)
        retro = services.retrospective_update(
            actor=member,
            retrospective=retro,
            version=retro.version,
            highlights="直播转化高",
            problems="服务器崩溃",
        )
        services.why_add(
            actor=member, retrospective=retro, question="为什么崩溃？", answer="压力测试未覆盖大促"
        )
        with django_capture_on_commit_callbacks(execute=True):
            return services.retrospective_complete(actor=member, retrospective=retro)

    complete()
    assert webhook_server.requests == [] and not Delivery.objects.exists()
    Goal.objects.filter(pk=rw.goal.pk).update(visibility=Visibility.PUBLIC)
    Retrospective.objects.all().delete()
    retro = complete()
    [request] = webhook_server.requests
    text = json.loads(request["body"])["text"]
    assert text.startswith(f"复盘已完成：{retro.title}\n"), text
    assert "直播转化高" in text and "服务器崩溃" in text
