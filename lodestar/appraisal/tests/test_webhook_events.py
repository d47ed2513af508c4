"""Event webhooks of appraisal: publishing a cycle sends `appraisal.published` once per appraisal,
without pay (lodestar/appraisal/webhooks.py), to a local HTTP server."""

from __future__ import annotations

from lodestar.appraisal.tests.outcomes_helpers import publish_worked_example
from lodestar.notifications.models import Delivery, WebhookEndpoint
from lodestar.notifications.tests.test_delivery import webhook_server  # noqa: F401 - fixture
from lodestar.notifications.tests.test_events import verify


def test_publishing_a_cycle_sends_each_appraisal(
    aw,
    webhook_server,  # noqa: F811 - the fixture
    django_capture_on_commit_callbacks,
):
    WebhookEndpoint.objects.create(
        name="HR",
        kind="generic",
        url=webhook_server.url("/hr"),
        secret="k",
        events=["appraisal.published"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        appraisal = publish_worked_example(aw)
    events = [verify(r, "k") for r in webhook_server.requests]
    assert {e["event"] for e in events} == {"appraisal.published"}
    assert (
        len(events)
        == appraisal.cycle.appraisals.count()
        == Delivery.objects.filter(event="appraisal.published").count()
    )
    [mine] = [e["data"] for e in events if e["data"]["id"] == appraisal.pk]
    assert (mine["person_id"], mine["final_score"], mine["grade"], mine["stage"]) == (
        aw.person.pk,
        "88.95",
        "A",
        "published",
    )
    assert "bonus_amount" not in mine and "pay_base" not in mine


def test_a_robot_hears_one_publication_per_cycle_naming_nobody(
    aw,
    webhook_server,  # noqa: F811 - the fixture
    django_capture_on_commit_callbacks,
):
    import json

    robot = WebhookEndpoint.objects.create(
        name="市场部群", kind="wecom", url=webhook_server.url("/wecom"), events=["appraisal.published"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        appraisal = publish_worked_example(aw)
    assert appraisal.cycle.appraisals.count() >= 1
    [request] = webhook_server.requests  # one message for the cycle, not one per person
    text = json.loads(request["body"])["text"]["content"]
    assert appraisal.cycle.name in text and text.startswith("考核结果已发布")
    for secret in (aw.person.display_name, "88.95", "12,000", "12000", "A"):
        assert secret not in text.replace(appraisal.cycle.name, "")
    assert Delivery.objects.get(endpoint=robot).event == "appraisal.published"
