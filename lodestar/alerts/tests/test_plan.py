"""Alerts that mean something (issue 11): achievement rules judge the plan to date (or, when the
rule says so, the full target), rules limited to a goal type or a measure name, alerts that resolve
themselves with a note, reminders that are sent once when two runs overlap, and alert texts in
each recipient's language.

The December GMV goal of 市场部 (owner 林晓) has one measure 销售额 with a monthly target of
1,000万: on day 4 of December (4/31 ≈ 12.9% of the month) 150万 (15%) is ahead of plan.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from freezegun import freeze_time

from lodestar.alerts import access as alert_access
from lodestar.alerts import conditions, evaluation, reminders
from lodestar.alerts import services as alert_services
from lodestar.alerts.models import Alert, AlertRule, CheckInReminder
from lodestar.alerts.tests.support import activate, make_rule
from lodestar.core.errors import ApplicationError, NotFound
from lodestar.core.models import Period, PeriodKind
from lodestar.execution.tests.conftest import make_person, user_of
from lodestar.goals.models import GoalType
from lodestar.goals.services import goal_create
from lodestar.notifications.models import Delivery, Notification, NotificationPreference
from lodestar.tracking.services import checkin_submit

# The rules every install starts with (migrations): the 复盘 overdue and the data-discrepancy rule.
DEFAULT_CONDITIONS = ("retrospective_overdue", "data_discrepancy")

DEC_1, DEC_4, DEC_20 = dt.date(2026, 12, 1), dt.date(2026, 12, 4), dt.date(2026, 12, 20)
TARGET = Decimal(10_000_000)


@pytest.fixture
def december(org):
    return Period.objects.get(kind=PeriodKind.MONTH, start=DEC_1)


def gmv_goal(org, december, *, name="12月 GMV 1000万", goal_type="sales", measures=None):
    goal = goal_create(
        actor=user_of(org.mkt_manager),
        name=name,
        department=org.mkt,
        period=december,
        owner=org.member,
        goal_type=GoalType.objects.get(code=goal_type),
        measures=measures or [{"name": "销售额", "unit": "count", "target": TARGET, "baseline": None}],
    )
    return activate(goal, org.mkt_manager)


@pytest.fixture
def gmv(org, december):
    return gmv_goal(org, december)


def call(api, role, method, path, payload=None, *, expect=200):
    client = api(role)
    response = client.get(path) if method == "get" else getattr(client, method)(path, payload)
    assert response.status_code == expect, response.content
    return response.json()


def sales_to(org, measure, amount, start=DEC_1, end=DEC_4):
    return checkin_submit(
        actor=user_of(org.member),
        measure=measure,
        period_start=start,
        period_end=end,
        cumulative=Decimal(amount),
    )


# --- achievement against the plan to date ---------------------------------------------------


@freeze_time("2026-12-04 10:00")
def test_day_4_of_december_at_15_percent_is_ahead_of_plan_and_raises_nothing(
    org, gmv, django_capture_on_commit_callbacks
):
    """The issue's case: 15% on day 4 (pace 150%, 正常) raised "销售额达成率<80%"."""
    measure = gmv.measures.get()
    rule = make_rule(org, channels=["inbox"])
    with django_capture_on_commit_callbacks(execute=True):
        sales_to(org, measure, 1_500_000)  # right after the check-in
    measure.refresh_from_db()
    assert measure.achievement_rate == Decimal("0.15")
    rate, expected = conditions.measure_achievement_for_rule(rule, measure, DEC_4)
    assert expected.quantize(Decimal(1)) == Decimal(1_290_323)  # 4/31 of 1,000万
    assert rate.quantize(Decimal("0.01")) == Decimal("1.16")
    assert evaluation.evaluate_rules(today=DEC_4) == []  # and on the scheduled run
    assert not Alert.objects.exists()
    assert not Notification.objects.filter(verb="alert").exists()


def test_behind_the_plan_to_date_raises_an_alert(org, gmv):
    measure = gmv.measures.get()
    sales_to(org, measure, 3_000_000, end=dt.date(2026, 12, 19))
    rule = make_rule(org, channels=["inbox"])
    with translation.override("en"):
        raised = evaluation.evaluate_rules(today=DEC_20)
    # 30% where 20/31 = 64.5% is planned by Dec 20 → 46.5% of the plan to date.
    assert [(a.rule, a.goal, a.measure) for a in raised] == [(rule, gmv, measure)]
    alert = raised[0]
    assert alert.dedupe_key == f"measure:{measure.pk}"
    assert set(alert.recipients.all()) == {org.member, org.mkt_manager}
    english = alert.translations["en"]
    assert "46.5% of the plan to date is below 80.0%" in english["subject"]
    assert "30.0% of the full target 10000000" in english["detail"]


def test_owner_and_manager_reach_the_one_above_when_the_owner_manages_the_department(org, december):
    """Found by walking the demo: every department goal is owned by its manager, and "owner +
    manager" reached only that manager (twice the same person) instead of the one above."""
    from lodestar.org.models import Department

    Department.objects.filter(pk=org.company.pk).update(manager=org.admin)
    goal = gmv_goal(org, december)
    sales_to(org, goal.measures.get(), 3_000_000, end=dt.date(2026, 12, 19))
    goal.owner = org.mkt_manager
    goal.save(update_fields=["owner"])
    make_rule(org, channels=["inbox"])
    (alert,) = evaluation.evaluate_rules(today=DEC_20)
    assert set(alert.recipients.all()) == {org.mkt_manager, org.admin}


def test_a_time_phased_plan_is_the_plan_to_date(org, gmv, api):
    """A plan that back-loads December (双12): 10% due by Dec 10, so 9% then is 90% of plan."""
    measure = gmv.measures.get()
    call(
        api,
        "mkt_manager",
        "put",
        f"/measures/{measure.pk}/plan",
        {
            "version": measure.version,
            "source": "manual",
            "points": [
                {"date": "2026-12-01", "expected_cumulative": "0"},
                {"date": "2026-12-10", "expected_cumulative": "1000000"},
                {"date": "2026-12-12", "expected_cumulative": "6000000"},
                {"date": "2026-12-31", "expected_cumulative": "10000000"},
            ],
        },
        expect=200,
    )
    sales_to(org, measure, 900_000, end=dt.date(2026, 12, 9))
    make_rule(org, channels=["inbox"])
    assert evaluation.evaluate_rules(today=dt.date(2026, 12, 10)) == []  # 90% of the plan: fine
    make_rule(org, name="≥95%", threshold=Decimal("0.95"), channels=["inbox"])
    assert len(evaluation.evaluate_rules(today=dt.date(2026, 12, 10))) == 1


def test_against_the_full_target_fires_on_day_4(org, gmv):
    measure = gmv.measures.get()
    sales_to(org, measure, 1_500_000)
    rule = make_rule(org, against_full_target=True, channels=["inbox"])
    raised = evaluation.evaluate_rules(today=DEC_4)
    assert [(a.rule, a.measure) for a in raised] == [(rule, measure)]
    assert "15.0%" in raised[0].translations["en"]["subject"]
    assert "plan to date" not in raised[0].translations["en"]["subject"]


def test_nothing_before_data_or_on_the_first_day_unless_behind(org, gmv, december):
    make_rule(org, channels=["inbox"])
    assert evaluation.evaluate_rules(today=DEC_1) == []  # no data at all
    assert evaluation.evaluate_rules(today=dt.date(2026, 11, 30)) == []  # before the period
    other = gmv_goal(org, december, name="12月 GMV 第二")
    sales_to(org, gmv.measures.get(), 300_000, end=DEC_1)  # 3% where 1/31 = 3.2% is due: 93%
    sales_to(org, other.measures.get(), 100_000, end=DEC_1)  # 1%: behind day 1's plan
    assert [a.goal for a in evaluation.evaluate_rules(today=DEC_1)] == [other]


def test_goal_type_and_measure_name_limit_a_rule(org, december):
    sales = gmv_goal(
        org,
        december,
        measures=[
            {"name": "销售额", "unit": "count", "target": TARGET, "baseline": None},
            {"name": "新客数", "unit": "count", "target": Decimal(1000), "baseline": None},
        ],
    )
    brand = gmv_goal(
        org,
        december,
        name="12月 小红书曝光",
        goal_type="brand_exposure",
        measures=[{"name": "销售额", "unit": "count", "target": TARGET, "baseline": None}],
    )
    revenue, customers = sales.measures.order_by("sort_order", "id")
    for measure, amount in ((revenue, 1_000_000), (customers, 100), (brand.measures.get(), 1_000_000)):
        sales_to(org, measure, amount, end=dt.date(2026, 12, 19))
    only_revenue = make_rule(org, name="销售额", measure_name=" 销售额 ", channels=["inbox"])
    only_sales = make_rule(
        org, name="sales type", goal_type=GoalType.objects.get(code="sales"), channels=["inbox"]
    )
    both = make_rule(
        org,
        name="both",
        goal_type=GoalType.objects.get(code="sales"),
        measure_name="销售额",
        channels=["inbox"],
    )
    assert only_revenue.measure_name == "销售额"
    raised = evaluation.evaluate_rules(today=DEC_20)
    by_rule = {}
    for alert in raised:
        by_rule.setdefault(alert.rule_id, set()).add(alert.measure_id)
    assert by_rule[only_revenue.pk] == {revenue.pk, brand.measures.get().pk}
    assert by_rule[only_sales.pk] == {revenue.pk, customers.pk}
    assert by_rule[both.pk] == {revenue.pk}


def test_a_measure_name_on_an_item_rule_is_refused(org):
    with pytest.raises(ApplicationError) as info:
        make_rule(org, condition="item_overdue", threshold=None, days=3, measure_name="销售额")
    assert info.value.field == "measure_name"


# --- resolving by itself ----------------------------------------------------------------------


def test_an_alert_resolves_itself_with_a_note_when_the_condition_no_longer_holds(
    org, gmv, django_capture_on_commit_callbacks
):
    measure = gmv.measures.get()
    make_rule(org, channels=["inbox"])
    with freeze_time("2026-12-20 10:00"), django_capture_on_commit_callbacks(execute=True):
        sales_to(org, measure, 3_000_000, end=dt.date(2026, 12, 19))  # after the check-in
    alert = Alert.objects.get()
    assert alert.status == Alert.Status.OPEN
    alert_services.alert_acknowledge(actor=user_of(org.member), alert=alert)
    with freeze_time("2026-12-20 11:00"), django_capture_on_commit_callbacks(execute=True):
        sales_to(org, measure, 5_600_000, start=DEC_20, end=DEC_20)  # 56% of 64.5% planned = 86.8%
    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    assert alert.resolved_at is not None and alert.resolved_by is None
    assert alert.translations["en"]["resolution_note"] == (
        "The condition no longer holds: achievement against the plan to date is back at 86.8%."
    )
    assert (
        alert.translations["zh-hans"]["resolution_note"] == "条件已不成立：按计划进度的达成率恢复至 86.8%。"
    )
    assert alert.resolution_note == alert.translations["zh-hans"]["resolution_note"]
    # Behind again later: a new alert, the resolved one stays as it was.
    with freeze_time("2026-12-28 10:00"):
        raised = evaluation.evaluate_rules()
    assert len(raised) == 1 and raised[0].pk != alert.pk


def test_scheduled_evaluation_resolves_with_a_note_in_each_language(org, gmv, client_for, api):
    measure = gmv.measures.get()
    sales_to(org, measure, 1_500_000)
    make_rule(org, against_full_target=True, threshold=Decimal("0.1"), channels=["inbox"])
    make_rule(org, name="pace", condition="pace_below", threshold=Decimal("2"), channels=["inbox"])
    raised = evaluation.evaluate_rules(today=DEC_4)  # 15% ≥ 10% of the target; pace 15% ÷ 4/31 = 116% < 200%
    assert [a.rule.condition for a in raised] == ["pace_below"]
    pace_alert = raised[0]
    AlertRule.objects.filter(condition="pace_below").update(threshold=Decimal("1.1"))
    evaluation.evaluate_rules(today=DEC_4)
    pace_alert.refresh_from_db()
    assert pace_alert.status == Alert.Status.RESOLVED
    assert pace_alert.translations["en"]["resolution_note"] == (
        "The condition no longer holds: pace is back at 116.2%."
    )
    body = call(api, "member", "get", f"/alerts/{pace_alert.pk}", expect=200)
    assert body["status"] == "resolved" and body["resolved_by_id"] is None
    assert body["resolution_note"] == "The condition no longer holds: pace is back at 116.2%."
    page = client_for("member").get(f"/alerts/{pace_alert.pk}/")
    assert "条件已不成立：进度节奏恢复至 116.2%。" in page.content.decode()  # the page's language
    assert 'data-testid="resolution-note"' in page.content.decode()


def test_an_alert_whose_subject_left_the_rule_resolves_itself(org, goal_december_item):
    item = goal_december_item
    make_rule(org, condition="item_overdue", threshold=None, days=0, recipients=["responsible"])
    raised = evaluation.evaluate_rules()
    assert [a.item for a in raised] == [item]
    item.status = "done"
    item.save(update_fields=["status"])
    evaluation.evaluate_rules()
    raised[0].refresh_from_db()
    assert raised[0].status == Alert.Status.RESOLVED
    assert raised[0].translations["en"]["resolution_note"] == (
        "The condition no longer holds: the item is done, cancelled or no longer overdue."
    )


@pytest.fixture
def goal_december_item(org, make_item, gmv):
    today = timezone.localdate()
    return make_item(
        "逾期任务", start=today - dt.timedelta(days=10), due=today - dt.timedelta(days=2), goal=gmv
    )


# --- reminders ---------------------------------------------------------------------------------


def test_reminders_run_twice_send_once(org, gmv):
    friday = timezone.make_aware(dt.datetime(2026, 12, 4, 17, 0))
    assert reminders.send_checkin_reminders(now=friday) == 1
    assert reminders.send_checkin_reminders(now=friday) == 0
    assert Notification.objects.filter(verb=reminders.REMINDER_VERB).count() == 1
    assert CheckInReminder.objects.filter(person=org.member, week_start=dt.date(2026, 11, 30)).count() == 1


def test_a_reminder_already_claimed_by_another_run_is_not_sent_again(org, gmv):
    """The second run computed its list before the first run's reminder was written (they overlap):
    the claim of the (person, week) row refuses it."""
    friday = timezone.make_aware(dt.datetime(2026, 12, 4, 17, 0))
    measures = reminders.people_due_checkin(friday.date())[org.member.pk]
    assert reminders._send_reminder(org.member, measures, dt.date(2026, 11, 30), "zh-hans") is True
    assert reminders._send_reminder(org.member, measures, dt.date(2026, 11, 30), "zh-hans") is False
    assert Notification.objects.filter(verb=reminders.REMINDER_VERB).count() == 1


# --- each recipient's language ---------------------------------------------------------------------


def test_alert_messages_in_each_recipients_language(org, gmv, api, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(person=org.member, language="en")
    NotificationPreference.objects.create(person=org.mkt_manager, language="zh-hans")
    measure = gmv.measures.get()
    sales_to(org, measure, 100_000, end=dt.date(2026, 12, 9))
    make_rule(org, name="pace", condition="pace_below", threshold=Decimal("0.8"), channels=["inbox"])
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        [alert] = evaluation.evaluate_rules(today=DEC_20)
    titles = dict(Notification.objects.filter(verb="alert").values_list("recipient", "title"))
    assert titles[org.member.pk] == alert.translations["en"]["subject"]
    assert titles[org.mkt_manager.pk] == alert.translations["zh-hans"]["subject"]
    assert "pace" in titles[org.member.pk] and "低于" in titles[org.mkt_manager.pk]
    assert alert.subject == alert.translations["zh-hans"]["subject"]  # stored in the site's language
    inbox = dict(Delivery.objects.filter(alert=alert, channel="inbox").values_list("recipient", "title"))
    assert inbox == titles
    # Readers see the subject in their own language too.
    assert call(api, "member", "get", f"/alerts/{alert.pk}", expect=200)["subject"] == titles[org.member.pk]


def test_reminders_in_each_persons_language(org, december):
    en = make_person("en_member", "Emma", org.mkt)
    NotificationPreference.objects.create(person=en, language="en")
    for owner in (org.member, en):
        activate(
            goal_create(
                actor=user_of(org.mkt_manager),
                name=f"12月 笔记 {owner.display_name}",
                department=org.mkt,
                period=december,
                owner=owner,
                measures=[{"name": "笔记", "unit": "count", "target": Decimal(20), "baseline": None}],
            ),
            org.mkt_manager,
        )
    assert reminders.send_checkin_reminders(now=timezone.make_aware(dt.datetime(2026, 12, 4, 17, 0))) == 2
    titles = dict(Notification.objects.filter(verb=reminders.REMINDER_VERB).values_list("recipient", "title"))
    assert titles[en.pk].startswith("Weekly check-in due:")
    assert titles[org.member.pk].startswith("本周待填报")  # the site's language


def test_preference_language_through_the_api(org, api):
    body = call(
        api,
        "member",
        "put",
        "/me/notification-preferences",
        {"email_enabled": True, "reminder_weekday": 5, "reminder_time": "16:00", "language": "en"},
        expect=200,
    )
    assert body["language"] == "en"
    assert NotificationPreference.objects.get(person=org.member).language == "en"
    call(api, "member", "put", "/me/notification-preferences", {"language": "fr"}, expect=422)


# --- rule fields through the API and the form ------------------------------------------------------


def test_api_rule_fields(org, api, gmv):
    sales = GoalType.objects.get(code="sales")
    body = call(
        api,
        "admin",
        "post",
        "/alert-rules",
        {
            "name": "销售额达成率<80%时自动提醒",
            "condition": "achievement_below",
            "threshold": "0.8",
            "recipients": ["owner", "manager"],
            "goal_type_id": sales.pk,
            "measure_name": "销售额",
        },
        expect=201,
    )
    assert body["against_full_target"] is False
    assert (body["goal_type_id"], body["measure_name"]) == (sales.pk, "销售额")
    rule_id = body["id"]
    body = call(
        api,
        "admin",
        "patch",
        f"/alert-rules/{rule_id}",
        {"against_full_target": True, "measure_name": None, "goal_type_id": None},
    )
    assert (body["against_full_target"], body["measure_name"], body["goal_type_id"]) == (True, "", None)
    error = call(api, "admin", "patch", f"/alert-rules/{rule_id}", {"goal_type_id": 999999}, expect=404)
    assert error["field"] == "goal_type_id"
    error = call(
        api,
        "admin",
        "post",
        "/alert-rules",
        {
            "name": "x",
            "condition": "item_overdue",
            "days": 3,
            "recipients": ["responsible"],
            "measure_name": "销售额",
        },
        expect=422,
    )
    assert error["field"] == "measure_name"
    # The option means something only for achievement: other conditions keep it off.
    body = call(
        api,
        "admin",
        "post",
        "/alert-rules",
        {
            "name": "pace",
            "condition": "pace_below",
            "threshold": "0.8",
            "recipients": ["owner"],
            "against_full_target": True,
        },
        expect=201,
    )
    assert body["against_full_target"] is False


def test_rule_form_sets_the_new_fields(org, client_for):
    client = client_for("admin")
    sales = GoalType.objects.get(code="sales")
    page = client.get("/alerts/rules/new/")
    assert 'name="against_full_target"' in page.content.decode()
    assert 'name="measure_name"' in page.content.decode() and 'name="goal_type"' in page.content.decode()
    response = client.post(
        "/alerts/rules/new/",
        {
            "name": "销售额达成率<80%时自动提醒",
            "scope": "company",
            "condition": "achievement_below",
            "threshold": "0.8",
            "against_full_target": "on",
            "goal_type": sales.pk,
            "measure_name": "销售额",
            "recipients": ["owner", "manager"],
            "channels": ["inbox"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule = AlertRule.objects.exclude(
        condition__in=DEFAULT_CONDITIONS
    ).get()  # not a default rule (复盘, data discrepancy)
    assert (rule.against_full_target, rule.goal_type, rule.measure_name) == (True, sales, "销售额")
    listing = client.get("/alerts/rules/").content.decode()
    assert "销售额" in listing and 'data-testid="rule-limits"' in listing
    edit = client.get(f"/alerts/rules/{rule.pk}/").content.decode()
    assert 'value="销售额"' in edit
    response = client.post(
        f"/alerts/rules/{rule.pk}/",
        {
            "name": "x",
            "scope": "company",
            "condition": "item_overdue",
            "days": "3",
            "measure_name": "销售额",
            "recipients": ["responsible"],
            "channels": ["inbox"],
            "version": rule.version,
        },
    )
    assert response.status_code == 200 and 'data-field-error="measure_name"' in response.content.decode()


def test_unknown_goal_type_is_not_found(org):
    with pytest.raises(NotFound):
        alert_access.goal_type_for_rule(999999)
