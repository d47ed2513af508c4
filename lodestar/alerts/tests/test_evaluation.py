# ruff: noqa: F811 - the fixtures are imported from the execution and delivery tests
"""Alerts: rule evaluation (scheduled and right after a check-in), no duplicates while open,
delivery to the inbox and a local webhook server, escalation up the reporting line, the actions
on an alert and who may take them, the pages, the API, and the task code on RQ.

The organisation is the execution tests' `org` (星辰公司 → 市场部 [赵敏] → 内容组; 销售部 [王强]).
A goal of 市场部 owned by 林晓 (`member`) with one measure "小红书笔记" (target 50) is activated;
a check-in of 10 puts its achievement at 20%, far below the 80% rule.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lodestar.alerts import access as alert_access
from lodestar.alerts import conditions, escalation, evaluation, reminders, tasks
from lodestar.alerts import rules as alert_rules
from lodestar.alerts import services as alert_services
from lodestar.alerts.models import Alert, AlertCondition, AlertRule
from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.execution.models import ItemStatus
from lodestar.execution.tests.conftest import (  # noqa: F401 - fixtures
    Api,
    api,
    client_for,
    make_item,
    make_person,
    org,
    user_of,
)
from lodestar.goals.services import consensus, goal_create
from lodestar.notifications import delivery
from lodestar.notifications import tasks as notification_tasks
from lodestar.notifications.models import Delivery, Notification, NotificationPreference, WebhookEndpoint
from lodestar.notifications.tests.test_delivery import webhook_server  # noqa: F401 - fixture
from lodestar.org.models import Department, Person, Role
from lodestar.tracking.services import checkin_submit

TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def ceo(org):
    """The company's manager (赵敏's manager up the department line)."""
    person = make_person("ceo", "总经理", org.company)
    Department.objects.filter(pk=org.company.pk).update(manager=person)
    org.company.refresh_from_db()
    return person


def activate(goal, manager):
    record = consensus.consensus_start(
        actor=user_of(manager),
        goals=[goal],
        participants=[{"person": manager, "required": True}],
        minutes="Agreed.",
    )
    consensus.consensus_decide(actor=user_of(manager), record=record, decision="agreed")
    goal.refresh_from_db()
    return goal


@pytest.fixture
def goal(org):
    goal = goal_create(
        actor=user_of(org.mkt_manager),
        name="Q4 小红书种草笔记50篇",
        department=org.mkt,
        period=org.year,
        owner=org.member,
        measures=[{"name": "小红书笔记", "unit": "count", "target": Decimal(50), "baseline": None}],
    )
    return activate(goal, org.mkt_manager)


@pytest.fixture
def measure(goal):
    return goal.measures.get()


def report(org, measure, cumulative, start=dt.date(2026, 11, 16), days=6, **fields):
    return checkin_submit(
        actor=user_of(org.member),
        measure=measure,
        period_start=start,
        period_end=start + dt.timedelta(days=days),
        cumulative=Decimal(cumulative),
        **fields,
    )


def make_rule(org, **fields):
    fields.setdefault("name", "销售额达成率<80%时自动提醒")
    fields.setdefault("scope", AlertRule.Scope.COMPANY)
    fields.setdefault("condition", AlertCondition.ACHIEVEMENT_BELOW)
    fields.setdefault("threshold", Decimal("0.8"))
    fields.setdefault("recipients", ["owner", "manager"])
    fields.setdefault("channels", ["inbox", "webhook"])
    return alert_rules.rule_create(actor=user_of(org.admin), **fields)


@pytest.fixture
def endpoint(webhook_server):
    return WebhookEndpoint.objects.create(
        name="市场部群", kind=WebhookEndpoint.Kind.GENERIC, url=webhook_server.url("/hook"), secret="s3cret"
    )


# --- raising ---------------------------------------------------------------------------------


def test_off_track_goal_raises_an_alert_that_reaches_inbox_and_webhook(
    org, goal, measure, endpoint, webhook_server, django_capture_on_commit_callbacks
):
    report(org, measure, 10)
    goal.refresh_from_db()
    assert goal.achievement_rate < Decimal("0.8")
    rule = make_rule(org)
    with django_capture_on_commit_callbacks(execute=True):
        raised = evaluation.evaluate_rules()
    assert len(raised) == 1
    alert = raised[0]
    assert alert.goal == goal and alert.dedupe_key == f"measure:{measure.pk}" and alert.rule == rule
    assert set(alert.recipients.all()) == {org.member, org.mkt_manager}
    titles = Notification.objects.filter(verb="alert").values_list("recipient", "title", "url")
    assert {r for r, _t, _u in titles} == {org.member.pk, org.mkt_manager.pk}
    assert all(url == f"/alerts/{alert.pk}/" for _r, _t, url in titles)
    assert len(webhook_server.requests) == 1
    body = json.loads(webhook_server.requests[0]["body"])
    assert body["event"] == "alert" and body["id"] == alert.pk and body["subject"] == alert.subject
    assert body["status"] == "open" and body["url"].endswith(f"/alerts/{alert.pk}/")
    log = Delivery.objects.filter(alert=alert)
    assert log.filter(channel="inbox", status="sent").count() == 2
    hook = log.get(channel="webhook")
    assert (hook.status, hook.attempts, hook.response_code) == ("sent", 1, 200) and hook.sent_at


def test_no_duplicate_while_open_and_a_new_one_after_resolve(org, goal, measure):
    report(org, measure, 10)
    make_rule(org, channels=["inbox"])
    first = evaluation.evaluate_rules()
    assert len(first) == 1
    assert evaluation.evaluate_rules() == []
    alert_services.alert_acknowledge(actor=user_of(org.member), alert=first[0])
    assert evaluation.evaluate_rules() == []
    assert Notification.objects.filter(verb="alert").count() == 2
    alert_services.alert_resolve(actor=user_of(org.member), alert=first[0])
    again = evaluation.evaluate_rules()
    assert len(again) == 1 and again[0].pk != first[0].pk


def test_the_unique_constraint_stops_a_racing_duplicate(org, goal, measure, monkeypatch):
    """Two workers both past the `exists()` check: the second insert fails inside its savepoint."""
    report(org, measure, 10)
    rule = make_rule(org, channels=["inbox"])
    hit = conditions.hits_for(rule, today=timezone.localdate(), now=timezone.now())[0]
    assert evaluation._raise(rule, hit) is not None

    class AlwaysEmpty:
        def __init__(self, qs):
            self.qs = qs

        def exclude(self, **kwargs):
            return self

        def exists(self):
            return False

    real_filter = Alert.objects.filter
    monkeypatch.setattr(Alert.objects, "filter", lambda *a, **k: AlwaysEmpty(real_filter(*a, **k)))
    assert evaluation._raise(rule, hit) is None
    monkeypatch.undo()
    assert Alert.objects.filter(rule=rule).count() == 1
    assert Notification.objects.filter(verb="alert").count() == 2  # nothing sent twice


def test_an_alert_right_after_a_check_in(
    org, goal, measure, endpoint, webhook_server, django_capture_on_commit_callbacks
):
    make_rule(org)
    with django_capture_on_commit_callbacks(execute=True):
        report(org, measure, 10)
    alert = Alert.objects.get()
    assert alert.goal == goal
    assert Notification.objects.filter(recipient=org.member, verb="alert").exists()
    assert len(webhook_server.requests) == 1
    # An on-track check-in raises nothing.
    Alert.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        report(org, measure, 48, start=dt.date(2026, 11, 23), days=0)
    assert not Alert.objects.exists()


def test_scope_department_and_goal(org, goal, measure, make_item):
    report(org, measure, 10)
    make_rule(org, name="sales", scope="department", department=org.sales, channels=["inbox"])
    assert evaluation.evaluate_rules() == []
    make_rule(org, name="mkt", scope="department", department=org.mkt, channels=["inbox"])
    assert len(evaluation.evaluate_rules()) == 1
    rule = make_rule(org, name="goal", scope="goal", goal=goal, channels=["inbox"])
    raised = evaluation.evaluate_rules()
    assert [a.rule for a in raised] == [rule]


def test_goal_scope_covers_descendants_only(org, goal, measure):
    other = activate(
        goal_create(
            actor=user_of(org.mkt_manager),
            name="另一个目标",
            department=org.mkt,
            period=org.year,
            owner=org.member,
            measures=[{"name": "x", "unit": "count", "target": Decimal(10), "baseline": None}],
        ),
        org.mkt_manager,
    )
    report(org, measure, 10)
    report(org, other.measures.get(), 1)
    rule = make_rule(org, scope="goal", goal=goal, channels=["inbox"])
    assert {a.goal_id for a in evaluation.evaluate_rules()} == {goal.pk}
    assert Alert.objects.filter(rule=rule).count() == 1


def test_pace_forecast_and_deviation_streak(org, goal, measure):
    # Plan: even from 0 on Jan 1 to 50 on Dec 31 → about 45 expected by Nov 25; actual 11, and the
    # trend (3 a week) reaches about 28 by the period end.
    report(org, measure, 5, start=dt.date(2026, 11, 2), planned=Decimal(10), actual=Decimal(5))
    report(org, measure, 8, start=dt.date(2026, 11, 9), planned=Decimal(10), actual=Decimal(3))
    report(org, measure, 11, start=dt.date(2026, 11, 16), planned=Decimal(10), actual=Decimal(3))
    today = dt.date(2026, 11, 25)
    pace = make_rule(org, name="pace", condition="pace_below", threshold=Decimal("0.8"), channels=["inbox"])
    forecast = make_rule(
        org, name="forecast", condition="forecast_below_target", threshold=Decimal("0.5"), channels=["inbox"]
    )
    streak = make_rule(
        org, name="streak", condition="deviation_streak", threshold=Decimal("0.2"), channels=["inbox"]
    )
    raised = {a.rule_id: a for a in evaluation.evaluate_rules(today=today)}
    assert {pace.pk, forecast.pk, streak.pk} <= set(raised)
    assert raised[pace.pk].measure == measure and raised[pace.pk].dedupe_key == f"measure:{measure.pk}"
    # A streak needs both of the last two periods short by more than the threshold.
    report(org, measure, 30, start=dt.date(2026, 11, 23), planned=Decimal(10), actual=Decimal(10))
    alert_services.alert_resolve(actor=user_of(org.admin), alert=raised[streak.pk])
    assert streak.pk not in {a.rule_id for a in evaluation.evaluate_rules(today=today)}


def test_no_checkin_for_n_days(org, goal, measure):
    rule = make_rule(org, condition="no_checkin", threshold=None, days=7, channels=["inbox"])
    raised = evaluation.evaluate_rules(today=TODAY)
    assert [a.rule for a in raised] == [rule]  # none since the period started
    alert_services.alert_resolve(actor=user_of(org.admin), alert=raised[0])
    report(org, measure, 10)
    assert evaluation.evaluate_rules(today=timezone.localdate()) == []
    assert len(evaluation.evaluate_rules(today=timezone.localdate() + dt.timedelta(days=8))) == 1


def test_item_overdue_and_blocked_go_to_r_and_a(org, make_item, goal):
    today = timezone.localdate()
    overdue = make_item(
        "逾期任务", start=today - dt.timedelta(days=20), due=today - dt.timedelta(days=5), goal=goal
    )
    make_item("准时任务", start=today, due=today + dt.timedelta(days=5))
    blocked = make_item("卡住的任务", start=today, due=today + dt.timedelta(days=30))
    from lodestar.execution.models import ActionItem

    ActionItem.objects.filter(pk=blocked.pk).update(
        status=ItemStatus.BLOCKED, status_changed_at=timezone.now() - dt.timedelta(days=4)
    )
    rule = make_rule(
        org,
        condition="item_overdue",
        threshold=None,
        days=3,
        recipients=["responsible", "accountable"],
        channels=["inbox"],
    )
    raised = evaluation.evaluate_rules()
    assert [(a.rule, a.item) for a in raised] == [(rule, overdue)]
    assert set(raised[0].recipients.all()) == {org.responsible, org.accountable}
    make_rule(
        org, condition="item_blocked", threshold=None, days=5, recipients=["responsible"], channels=["inbox"]
    )
    assert evaluation.evaluate_rules() == []
    make_rule(
        org, condition="item_blocked", threshold=None, days=3, recipients=["responsible"], channels=["inbox"]
    )
    assert [a.item for a in evaluation.evaluate_rules()] == [blocked]


def test_data_discrepancy_raises_nothing_here(org, goal, measure):
    report(org, measure, 10)
    make_rule(org, condition="data_discrepancy", threshold=None, channels=["inbox"])
    assert evaluation.evaluate_rules() == []


# --- escalation ----------------------------------------------------------------------------


def test_escalation_after_n_days_goes_to_the_managers_manager(org, ceo, goal, measure):
    report(org, measure, 10)
    make_rule(org, escalate_after_days=2, channels=["inbox"])
    alert = evaluation.evaluate_rules()[0]
    now = timezone.now()
    assert escalation.escalate_alerts(now=now + dt.timedelta(days=1)) == []
    assert not Notification.objects.filter(recipient=ceo).exists()
    escalated = escalation.escalate_alerts(now=now + dt.timedelta(days=2, hours=1))
    assert escalated == [alert]
    alert.refresh_from_db()
    assert alert.escalation_level == 1
    assert ceo in alert.recipients.all()
    assert Notification.objects.filter(recipient=ceo, verb="escalated").count() == 1
    # Not again until another two days have passed; there is nobody above the CEO.
    assert escalation.escalate_alerts(now=now + dt.timedelta(days=3)) == []
    assert escalation.escalate_alerts(now=now + dt.timedelta(days=5)) == []
    assert escalation.top_recipient(alert) == ceo


def test_escalation_follows_the_direct_manager_first(org, ceo, goal, measure):
    boss = make_person("vp", "副总", org.company)
    Person.objects.filter(pk=org.mkt_manager.pk).update(manager=boss)
    report(org, measure, 10)
    make_rule(org, escalate_after_days=1, channels=["inbox"])
    evaluation.evaluate_rules()
    [alert] = escalation.escalate_alerts(now=timezone.now() + dt.timedelta(days=1, minutes=1))
    assert boss in alert.recipients.all() and ceo not in alert.recipients.all()
    [alert] = escalation.escalate_alerts(now=timezone.now() + dt.timedelta(days=2, minutes=2))
    assert ceo in alert.recipients.all()  # the VP has no manager: the company's manager


def test_acknowledged_alerts_do_not_escalate(org, ceo, goal, measure):
    report(org, measure, 10)
    make_rule(org, escalate_after_days=1, channels=["inbox"])
    alert = evaluation.evaluate_rules()[0]
    alert_services.alert_acknowledge(actor=user_of(org.member), alert=alert)
    assert escalation.escalate_alerts(now=timezone.now() + dt.timedelta(days=3)) == []


# --- actions and permissions -----------------------------------------------------------------


@pytest.fixture
def alert(org, goal, measure):
    report(org, measure, 10)
    make_rule(org, recipients=["owner"], channels=["inbox"])
    return evaluation.evaluate_rules()[0]


def test_recipient_acknowledges_comments_and_resolves(org, alert):
    alert_services.alert_acknowledge(actor=user_of(org.member), alert=alert)
    alert.refresh_from_db()
    assert alert.status == "acknowledged" and alert.acknowledged_by == org.member
    comment = alert_services.alert_comment(actor=user_of(org.member), alert=alert, body="已安排追加投放")
    assert comment.author == org.member
    with pytest.raises(ApplicationError):
        alert_services.alert_comment(actor=user_of(org.member), alert=alert, body="  ")
    alert_services.alert_resolve(actor=user_of(org.member), alert=alert, comment="done")
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolved_by == org.member
    assert alert.comments.count() == 2


@pytest.mark.parametrize("who", ["sales_member", "viewer", "member_not_recipient", "sales_manager"])
def test_strangers_and_viewers_may_not_act(org, alert, who):
    if who == "member_not_recipient":
        person = make_person("other", "其他人", org.mkt)
    else:
        person = org.person(who)
    for action in (
        lambda: alert_services.alert_acknowledge(actor=user_of(person), alert=alert),
        lambda: alert_services.alert_comment(actor=user_of(person), alert=alert, body="x"),
        lambda: alert_services.alert_resolve(actor=user_of(person), alert=alert),
    ):
        with pytest.raises(PermissionDeniedError):
            action()
    alert.refresh_from_db()
    assert alert.status == "open"


def test_a_viewer_recipient_still_may_not_act(org, alert):
    Person.objects.filter(pk=org.member.pk).update(role=Role.VIEWER)
    with pytest.raises(PermissionDeniedError):
        alert_services.alert_acknowledge(actor=user_of(org.member), alert=alert)


@pytest.mark.parametrize("who", ["mkt_manager", "admin"])
def test_managers_and_admins_may_act(org, alert, who):
    alert_services.alert_resolve(actor=user_of(org.person(who)), alert=alert)
    alert.refresh_from_db()
    assert alert.status == "resolved"


def test_who_sees_which_alerts(org, alert):
    assert alert_access.visible_alerts(user_of(org.member)).filter(pk=alert.pk).exists()
    assert alert_access.visible_alerts(user_of(org.mkt_manager)).filter(pk=alert.pk).exists()
    assert alert_access.visible_alerts(user_of(org.admin)).filter(pk=alert.pk).exists()
    assert not alert_access.visible_alerts(user_of(org.sales_manager)).exists()
    assert not alert_access.visible_alerts(user_of(org.accountable)).exists()


# --- rules ---------------------------------------------------------------------------------


def test_rule_permissions_and_validation(org, goal):
    with pytest.raises(PermissionDeniedError):
        alert_rules.rule_create(
            actor=user_of(org.mkt_manager),
            name="x",
            scope="company",
            condition="achievement_below",
            threshold=Decimal("0.8"),
            recipients=["owner"],
        )
    rule = alert_rules.rule_create(
        actor=user_of(org.mkt_manager),
        name="市场部达成率",
        scope="department",
        department=org.content,
        condition="achievement_below",
        threshold=Decimal("0.8"),
        recipients=["owner"],
    )
    assert rule.channels == ["inbox"] and rule.created_by == org.mkt_manager
    with pytest.raises(PermissionDeniedError):
        alert_rules.rule_update(actor=user_of(org.sales_manager), rule=rule, name="y")
    with pytest.raises(PermissionDeniedError):
        alert_rules.rule_update(actor=user_of(org.mkt_manager), rule=rule, department=org.sales)
    goal_rule = alert_rules.rule_create(
        actor=user_of(org.mkt_manager),
        name="目标",
        scope="goal",
        goal=goal,
        condition="no_checkin",
        days=7,
        recipients=["owner"],
    )
    assert goal_rule.department is None
    with pytest.raises(PermissionDeniedError):
        alert_rules.rule_create(
            actor=user_of(org.member),
            name="x",
            scope="goal",
            goal=goal,
            condition="no_checkin",
            days=7,
            recipients=["owner"],
        )
    for bad, field in (
        ({"threshold": None}, "threshold"),
        ({"threshold": Decimal("-1")}, "threshold"),
        ({"recipients": []}, "recipients"),
        ({"recipients": ["ceo"]}, "recipients"),
        ({"channels": ["fax"]}, "channels"),
        ({"scope": "department", "department": None}, "department_id"),
        ({"escalate_after_days": 0}, "escalate_after_days"),
        ({"name": " "}, "name"),
    ):
        fields = {
            "name": "r",
            "scope": "company",
            "condition": "achievement_below",
            "threshold": Decimal("0.8"),
            "recipients": ["owner"],
            **bad,
        }
        with pytest.raises(ApplicationError) as info:
            alert_rules.rule_create(actor=user_of(org.admin), **fields)
        assert info.value.field == field, bad


# --- reminders and tasks ---------------------------------------------------------------------


def test_weekly_checkin_reminder_at_the_persons_time(org, goal, measure):
    friday = timezone.make_aware(dt.datetime(2026, 11, 27, 15, 0))
    assert reminders.send_checkin_reminders(now=friday) == 0  # before Friday 16:00
    assert reminders.send_checkin_reminders(now=friday + dt.timedelta(hours=1, minutes=5)) == 1
    reminder = Notification.objects.get(verb=reminders.REMINDER_VERB)
    assert reminder.recipient == org.member and "小红书笔记" in reminder.title
    assert reminders.send_checkin_reminders(now=friday + dt.timedelta(hours=2)) == 0  # once a week
    # Next week: reported on time → nothing due.
    report(org, measure, 20, start=dt.date(2026, 11, 30))
    assert reminders.send_checkin_reminders(now=friday + dt.timedelta(days=7, hours=2)) == 0


def test_reminder_day_time_and_quiet_hours_per_person(org, goal, measure):
    NotificationPreference.objects.create(
        person=org.member,
        reminder_weekday=3,
        reminder_time=dt.time(9, 0),
        quiet_start=dt.time(12, 0),
        quiet_end=dt.time(14, 0),
    )
    wednesday = dt.datetime(2026, 11, 25)
    assert reminders.send_checkin_reminders(now=timezone.make_aware(wednesday.replace(hour=8))) == 0
    assert reminders.send_checkin_reminders(now=timezone.make_aware(wednesday.replace(hour=13))) == 0  # quiet
    assert (
        reminders.send_checkin_reminders(now=timezone.make_aware(wednesday.replace(hour=14, minute=5))) == 1
    )


def test_tasks_run_on_the_immediate_backend(org, goal, measure):
    report(org, measure, 10)
    make_rule(org, channels=["inbox"])
    result = tasks.evaluate_alerts.enqueue(reschedule=True)
    assert result.return_value == 1
    assert notification_tasks.deliver_pending.enqueue(reschedule=True).return_value == 0
    assert tasks.escalate_alerts.enqueue(reschedule=True).return_value == 0
    assert tasks.ensure_scheduled() == []  # ImmediateBackend cannot defer
    assert notification_tasks.ensure_scheduled() == []


def test_email_channel_respects_quiet_hours(org, goal, measure, mailoutbox):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(pk=org.member.user_id).update(email="linxiao@example.com")
    report(org, measure, 10)
    make_rule(org, recipients=["owner"], channels=["inbox", "email"])
    evaluation.evaluate_rules()
    row = Delivery.objects.get(channel="email")
    now = timezone.localtime().replace(hour=23, minute=0)
    NotificationPreference.objects.create(
        person=org.member, quiet_start=dt.time(22, 0), quiet_end=dt.time(8, 0)
    )
    assert delivery.deliver_pending(now=now) == 0
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 0 and row.next_attempt_at > now
    assert mailoutbox == []
    assert Notification.objects.filter(recipient=org.member, verb="alert").exists()  # inbox always
    assert delivery.deliver_pending(now=row.next_attempt_at) == 1
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["linxiao@example.com"]


# --- pages ---------------------------------------------------------------------------------


def test_alert_pages_for_the_right_roles(org, alert, client_for):
    member = client_for("member")
    assert member.get("/alerts/").status_code == 200
    page = member.get(f"/alerts/{alert.pk}/")
    assert page.status_code == 200 and alert.subject in page.content.decode()
    assert client_for("sales_manager").get(f"/alerts/{alert.pk}/").status_code == 404
    assert client_for("member").get("/alerts/rules/").status_code == 403
    assert client_for("mkt_manager").get("/alerts/rules/").status_code == 200
    assert client_for("mkt_manager").get("/alerts/rules/new/").status_code == 200
    assert client_for("admin").get("/alerts/?view=all").status_code == 200
    assert client_for("mkt_manager").get("/alerts/?view=department").status_code == 200
    response = member.post(f"/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    assert client_for("viewer").post(f"/alerts/{alert.pk}/resolve/").status_code in (403, 404)
    member.post(f"/alerts/{alert.pk}/comment/", {"body": "已跟进"})
    member.post(f"/alerts/{alert.pk}/resolve/")
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.comments.count() == 1


def test_rule_form_creates_a_rule(org, client_for):
    response = client_for("mkt_manager").post(
        "/alerts/rules/new/",
        {
            "name": "市场部达成率<80%",
            "scope": "department",
            "department": org.mkt.pk,
            "condition": "achievement_below",
            "threshold": "0.8",
            "recipients": ["owner", "manager"],
            "channels": ["inbox", "webhook"],
            "escalate_after_days": "3",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = AlertRule.objects.get()
    assert rule.department == org.mkt and rule.escalate_after_days == 3
    # Company scope is for admins: the form offers no such choice and the service refuses it.
    response = client_for("mkt_manager").post(
        f"/alerts/rules/{rule.pk}/",
        {
            "name": "x",
            "scope": "company",
            "condition": "achievement_below",
            "threshold": "0.8",
            "recipients": ["owner"],
            "channels": ["inbox"],
        },
    )
    assert response.status_code == 200
    rule.refresh_from_db()
    assert rule.scope == "department"


def _alerts_for(org, goal, count):
    rule = make_rule(org, name=f"r{count}", channels=["inbox"])
    for n in range(count):
        a = Alert.objects.create(rule=rule, dedupe_key=f"k{n}", goal=goal, subject=f"alert {n}")
        a.recipients.set([org.member, org.mkt_manager])


def test_alert_list_query_count_is_constant(org, goal, client_for):
    client = client_for("member")
    _alerts_for(org, goal, 3)
    client.get("/alerts/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/alerts/").status_code == 200
    _alerts_for(org, goal, 27)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/alerts/")
    assert response.content.decode().count('data-testid="alert-row"') == 30
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- API -----------------------------------------------------------------------------------


def test_api_alerts_and_actions(org, alert, api):
    member = api("member")
    body = member.get("/alerts", mine="true").json()
    assert body["count"] == 1 and body["items"][0]["id"] == alert.pk
    assert body["items"][0]["rule_id"] == alert.rule_id and body["items"][0]["status"] == "open"
    assert member.get(f"/alerts/{alert.pk}").status_code == 200
    assert api("sales_manager").get(f"/alerts/{alert.pk}").status_code == 404
    assert api("viewer").post(f"/alerts/{alert.pk}/acknowledge").status_code in (403, 404)
    assert member.post(f"/alerts/{alert.pk}/acknowledge").json()["status"] == "acknowledged"
    response = member.post(f"/alerts/{alert.pk}/comments", {"body": "跟进中"})
    assert response.status_code == 201 and response.json()["body"] == "跟进中"
    assert member.post(f"/alerts/{alert.pk}/comments", {"body": ""}).status_code == 422
    assert member.post(f"/alerts/{alert.pk}/resolve", {}).json()["status"] == "resolved"
    assert member.get("/alerts", status="resolved", goal_id=alert.goal_id).json()["count"] == 1
    assert api(None).get("/alerts").status_code == 401


def test_api_alert_rules(org, goal, api):
    payload = {
        "name": "达成率<80%",
        "scope": "department",
        "department_id": org.mkt.pk,
        "condition": "achievement_below",
        "threshold": "0.8",
        "recipients": ["owner", "manager"],
        "channels": ["inbox"],
        "escalate_after_days": 2,
    }
    response = api("mkt_manager").post("/alert-rules", payload)
    assert response.status_code == 201, response.content
    rule = response.json()
    assert rule["threshold"] == "0.8000" and rule["department_id"] == org.mkt.pk
    assert api("member").post("/alert-rules", payload).status_code == 403
    assert api("mkt_manager").post("/alert-rules", {**payload, "scope": "company"}).status_code == 403
    assert api("mkt_manager").post("/alert-rules", {**payload, "threshold": None}).status_code == 422
    assert api("mkt_manager").get("/alert-rules").json()["count"] == 1
    assert api("sales_manager").get(f"/alert-rules/{rule['id']}").status_code == 404
    patched = api("mkt_manager").patch(f"/alert-rules/{rule['id']}", {"is_active": False})
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    assert api("mkt_manager").delete(f"/alert-rules/{rule['id']}").status_code == 204
    assert not AlertRule.objects.exists()


def test_api_webhooks_and_preferences(org, api, webhook_server):
    admin = api("admin")
    payload = {"name": "飞书群", "kind": "feishu", "url": webhook_server.url("/feishu"), "secret": "abc"}
    assert api("mkt_manager").post("/webhook-endpoints", payload).status_code == 403
    created = admin.post("/webhook-endpoints", payload)
    assert created.status_code == 201 and "secret" not in created.json()
    endpoint_id = created.json()["id"]
    assert admin.get("/webhook-endpoints").json()["count"] == 1
    result = admin.post(f"/webhook-endpoints/{endpoint_id}/test")
    assert result.status_code == 200 and result.json()["status"] == "sent"
    assert result.json()["response_code"] == 200
    assert admin.delete(f"/webhook-endpoints/{endpoint_id}").status_code == 204
    me = api("member")
    assert me.get("/me/notification-preferences").json()["reminder_weekday"] == 5
    saved = me.put(
        "/me/notification-preferences",
        {
            "email_enabled": False,
            "quiet_start": "22:00",
            "quiet_end": "08:00",
            "reminder_weekday": 4,
            "reminder_time": "17:30",
        },
    )
    assert saved.status_code == 200 and saved.json()["reminder_time"].startswith("17:30")
    assert NotificationPreference.objects.get(person=org.member).email_enabled is False
    bad = me.put(
        "/me/notification-preferences",
        {"email_enabled": True, "reminder_weekday": 9, "reminder_time": "17:30"},
    )
    assert bad.status_code == 422


# --- the same task code on RQ (django-tasks-rq) against the local Redis -----------------------

REDIS_URL = "redis://127.0.0.1:6379/15"
RQ_QUEUE = "default"  # django-tasks-rq reads results through the "default" RQ connection


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture
def rq_backend(settings):
    """TASKS gains an "rq" backend on a private Redis database; the handler's cache is reset around it."""
    from asgiref.local import Local
    from django.tasks import task_backends

    def reset():
        task_backends.__dict__.pop("settings", None)
        task_backends._settings = None
        task_backends._connections = Local(task_backends.thread_critical)

    settings.RQ_QUEUES = {RQ_QUEUE: {"URL": REDIS_URL}}
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
        "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [RQ_QUEUE]},
    }
    reset()
    import django_rq

    django_rq.get_queue(RQ_QUEUE).empty()
    yield django_rq
    django_rq.get_queue(RQ_QUEUE).empty()
    reset()


@pytest.mark.redis
@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_evaluate_alerts_runs_on_rq(org, goal, measure, rq_backend):
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    report(org, measure, 10)
    make_rule(org, channels=["inbox"])
    result = tasks.evaluate_alerts.using(backend="rq", queue_name=RQ_QUEUE).enqueue(reschedule=False)
    assert not Alert.objects.exists()  # queued, not run
    queue = rq_backend.get_queue(RQ_QUEUE, job_class=Job)
    worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
    assert worker.work(burst=True)
    alert = Alert.objects.get()
    assert alert.goal == goal
    assert Notification.objects.filter(recipient=org.member, verb="alert").exists()
    finished = tasks.evaluate_alerts.using(backend="rq", queue_name=RQ_QUEUE).get_result(result.id)
    assert finished.status == "SUCCESSFUL" and finished.return_value == 1
