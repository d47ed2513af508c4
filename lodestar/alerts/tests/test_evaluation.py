"""Alerts: rule evaluation (scheduled and right after a check-in), no duplicates while open,
delivery to the inbox and a local webhook server, escalation up the reporting line, the actions
on an alert and who may take them, and rule validation. (Pages and API: test_pages_api; reminders,
tasks and RQ: test_reminders_tasks.)

The organisation is the execution tests' `org` (星辰公司 → 市场部 [赵敏] → 内容组; 销售部 [王强]);
the fixtures are in the alerts conftest, the helpers in support.py. A goal of 市场部 owned by
林晓 (`member`) with one measure "小红书笔记" (target 50) is activated; a check-in of 10 puts its
achievement at 20%, far below the 80% rule.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from lodestar.alerts import access as alert_access
from lodestar.alerts import conditions, escalation, evaluation
from lodestar.alerts import rules as alert_rules
from lodestar.alerts import services as alert_services
from lodestar.alerts.models import Alert
from lodestar.alerts.tests.support import TODAY, activate, make_rule, report
from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.execution.models import ItemStatus
from lodestar.execution.tests.conftest import make_person, user_of
from lodestar.goals.services import goal_create
from lodestar.notifications.models import Delivery, Notification
from lodestar.org.models import Person, Role

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


def test_data_discrepancy_raises_nothing_without_source_data(org, goal, measure):
    """Reported figures with no source metric bound: nothing to compare (lodestar/metrics/tests)."""
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
