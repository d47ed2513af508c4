import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time

from lodestar.alerts.evaluation import evaluate_rules
from lodestar.alerts.models import Alert, AlertRule
from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.models import Period
from lodestar.execution.models import ActionItem, ItemStatus
from lodestar.goals.models import Goal, GoalStatus, PeriodClosing
from lodestar.goals.signals import period_closed
from lodestar.notifications.models import Notification
from lodestar.retrospectives import access, services
from lodestar.retrospectives.models import ImprovementAction, Retrospective, Status
from lodestar.testing.factories import (
    ActionItemFactory,
    CheckInFactory,
    GoalFactory,
    PeriodClosingFactory,
    SnapshotFactory,
)
from lodestar.tracking.models import DeviationCategory


def _open(rw, **kw):
    return services.retrospective_open(actor=rw.org.user("mkt_manager"), goal=rw.goal, period=rw.q3, **kw)


def test_open_prefills_from_the_close_snapshot_and_stays_frozen(rw):
    with freeze_time("2024-10-02"):  # Q3 closed on time: due on 10.15
        retro = _open(rw)
    assert retro.owner == rw.org.member  # the goal's owner
    assert retro.cadence == "quarter" and retro.due == dt.date(2024, 10, 15)
    assert retro.target == Decimal(4500000) and retro.original_target == Decimal(5000000)
    assert retro.actual == Decimal(4800000)
    assert retro.original_achievement_rate == Decimal("0.96")
    assert round(retro.achievement_rate, 4) == Decimal("1.0667")
    assert retro.figures["source"] == "close"
    assert retro.figures["rows"][0]["met"] is True
    # Changing the measure afterwards does not change the retrospective.
    rw.measure.current = Decimal(1)
    rw.measure.target = Decimal(9)
    rw.measure.save()
    retro.refresh_from_db()
    assert retro.actual == Decimal(4800000) and retro.figures["rows"][0]["actual"] == "4800000.0000"


def test_open_without_snapshot_computes_live_and_says_so(rw):
    goal = GoalFactory(name="小红书曝光", department=rw.org.mkt, period=rw.q3, owner=rw.org.member)
    from lodestar.testing.factories import MeasureFactory

    MeasureFactory(goal=goal, target=Decimal(200), current=Decimal(220))
    retro = services.retrospective_open(actor=rw.org.user("admin"), goal=goal, period=rw.q3)
    assert retro.figures["source"] == "live"
    assert retro.achievement_rate == Decimal("1.1")


def test_open_collects_checkins_deviations_and_items(rw):
    category = DeviationCategory.objects.create(code="kol", name="合作方延期")
    for day, reason in ((dt.date(2024, 7, 7), "KOL档期延后"), (dt.date(2024, 7, 14), "KOL档期延后")):
        CheckInFactory(
            measure=rw.measure,
            period_start=day - dt.timedelta(days=6),
            period_end=day,
            cumulative=Decimal(1000000),
            deviation_category=category,
            deviation_reason=reason,
        )
    ActionItemFactory(department=rw.org.mkt, goal=rw.goal, title="直播", status=ItemStatus.CANCELLED)
    ActionItemFactory(
        department=rw.org.mkt, goal=rw.goal, title="素材", status=ItemStatus.DOING, due=dt.date(2024, 9, 1)
    )
    retro = _open(rw)
    assert retro.figures["deviations"]["categories"] == [{"name": "合作方延期", "count": 2}]
    assert retro.figures["deviations"]["reasons"] == [{"text": "KOL档期延后", "count": 2}]
    assert len(retro.figures["history"][0]["points"]) == 2
    assert [i["title"] for i in retro.figures["items"]["dropped"]] == ["直播"]
    assert [i["title"] for i in retro.figures["items"]["late"]] == ["素材"]


def test_open_twice_is_a_conflict_and_specialists_elsewhere_may_not_open(rw):
    _open(rw)
    with pytest.raises(ConflictError):
        _open(rw)
    with pytest.raises(PermissionDeniedError):
        services.retrospective_open(
            actor=rw.org.user("sales_manager"), goal=rw.goal, period=rw.q3, cadence="month"
        )


def test_update_checks_the_version(rw):
    retro = _open(rw)
    services.retrospective_update(
        actor=rw.org.user("member"), retrospective=retro, version=1, highlights="组合投放"
    )
    with pytest.raises(ConflictError) as exc:
        services.retrospective_update(
            actor=rw.org.user("member"), retrospective=retro, version=1, problems="x"
        )
    assert exc.value.code == "version_conflict"


def test_complete_needs_text_and_a_why(rw):
    retro = _open(rw)
    member = rw.org.user("member")
    with pytest.raises(ApplicationError) as exc:
        services.retrospective_complete(actor=member, retrospective=retro)
    assert exc.value.field == "highlights"
    retro = services.retrospective_update(
        actor=member, retrospective=retro, version=retro.version, problems="服务器崩溃"
    )
    with pytest.raises(ApplicationError) as exc:
        services.retrospective_complete(actor=member, retrospective=retro)
    assert exc.value.field == "whys"
    services.why_add(actor=member, retrospective=retro, question="为什么崩溃？", answer="压力测试未覆盖大促")
    retro = services.retrospective_complete(actor=member, retrospective=retro)
    assert retro.status == Status.COMPLETED and retro.completed_by == rw.org.member
    with pytest.raises(ConflictError):
        services.why_add(actor=member, retrospective=retro, question="a", answer="b")


def test_whys_are_numbered_and_reordered(rw):
    retro = _open(rw)
    user = rw.org.user("member")
    a = services.why_add(actor=user, retrospective=retro, question="转化率低", answer="话术无差异化")
    b = services.why_add(actor=user, retrospective=retro, question="话术无差异化", answer="未做客户分层")
    assert (a.position, b.position) == (1, 2)
    services.why_move(actor=user, why=b, position=1)
    assert list(retro.whys.values_list("pk", flat=True)) == [b.pk, a.pk]
    services.why_delete(actor=user, why=b)
    assert list(retro.whys.values_list("position", flat=True)) == [1]


def test_sign_off_only_by_the_accountable_manager(rw, django_capture_on_commit_callbacks):
    retro = _open(rw)
    member = rw.org.user("member")
    services.retrospective_update(actor=member, retrospective=retro, version=retro.version, highlights="h")
    services.why_add(actor=member, retrospective=retro, question="q", answer="a")
    retro = services.retrospective_complete(actor=member, retrospective=retro)
    for role in ("member", "sales_manager", "hr", "viewer"):
        with pytest.raises(PermissionDeniedError):
            services.retrospective_sign_off(actor=rw.org.user(role), retrospective=retro)
    with django_capture_on_commit_callbacks(execute=True):
        retro = services.retrospective_sign_off(actor=rw.org.user("mkt_manager"), retrospective=retro)
    assert retro.signed_off_by == rw.org.mkt_manager
    assert Notification.objects.filter(recipient=rw.org.member, verb="retrospective_signed_off").exists()


def _action(rw, retro, promote_as="item"):
    return services.action_add(
        actor=rw.org.user("mkt_manager"),
        retrospective=retro,
        title="提前1周进行服务器压力测试",
        owner=rw.org.member,
        due=dt.date(2024, 10, 15),
        promote_as=promote_as,
    )


def test_promote_to_an_item_of_the_next_period_linked_both_ways(rw):
    retro = _open(rw)
    action = services.action_promote(actor=rw.org.user("mkt_manager"), action=_action(rw, retro))
    item = ActionItem.objects.get(pk=action.item_id)
    q4 = Period.objects.get(kind="quarter", key="FY2024-Q4")
    assert action.status == ImprovementAction.ActionStatus.PROMOTED
    assert item.start == q4.start and item.due == dt.date(2024, 10, 15)
    assert list(item.improvement_actions.all()) == [action]
    with pytest.raises(ConflictError):
        services.action_promote(actor=rw.org.user("mkt_manager"), action=action)


def test_promote_to_a_goal_refused_without_next_period_then_created_on_confirmation(rw):
    q4 = Period.objects.get(kind="quarter", key="FY2024-Q4")
    goal = GoalFactory(name="Q4 复购率", department=rw.org.mkt, period=q4, owner=rw.org.member)
    SnapshotFactory(measure__goal=goal, period=q4)
    retro = services.retrospective_open(actor=rw.org.user("admin"), goal=goal, period=q4)
    action = _action(rw, retro, "goal")
    with pytest.raises(ApplicationError) as exc:
        services.action_promote(actor=rw.org.user("admin"), action=action)
    assert exc.value.code == "next_period_missing" and exc.value.status == 422
    with pytest.raises(PermissionDeniedError):  # only admins create periods
        services.action_promote(actor=rw.org.user("mkt_manager"), action=action, create_next_period=True)
    action = services.action_promote(actor=rw.org.user("admin"), action=action, create_next_period=True)
    new_goal = Goal.objects.get(pk=action.goal_id)
    assert new_goal.period.key == "FY2025-Q1" and new_goal.owner == rw.org.member
    assert list(new_goal.improvement_actions.all()) == [action]


def test_comment_mentions_notify_those_who_may_see(rw):
    retro = _open(rw)
    comment = services.comment_add(
        actor=rw.org.user("member"), retrospective=retro, body="@mkt_manager 请看 @sales_manager"
    )
    assert list(comment.mentions.all()) == [rw.org.mkt_manager]
    assert comment.not_notified == [rw.org.sales_manager]


def test_attachment_limits(rw):
    retro = _open(rw)
    with pytest.raises(ApplicationError) as exc:
        services.attachment_add(
            actor=rw.org.user("member"), retrospective=retro, upload=SimpleUploadedFile("x.exe", b"MZ")
        )
    assert exc.value.code == "file_type"
    attachment = services.attachment_add(
        actor=rw.org.user("member"), retrospective=retro, upload=SimpleUploadedFile("复盘.xlsx", b"PK")
    )
    assert attachment.size == 2


def test_worker_opens_due_ones_on_period_closed_idempotently(rw, django_capture_on_commit_callbacks):
    deep = GoalFactory(
        department=rw.org.mkt, period=rw.q3, owner=rw.org.member, parent=rw.goal, status=GoalStatus.ACTIVE
    )
    GoalFactory(
        department=rw.org.mkt, period=rw.q3, owner=rw.org.member, parent=deep, status=GoalStatus.ACTIVE
    )
    GoalFactory(department=rw.org.sales, period=rw.q3, owner=None, status=GoalStatus.ACTIVE)
    closing = PeriodClosingFactory(period=rw.q3, closed_by=rw.org.admin)
    with django_capture_on_commit_callbacks(execute=True):
        period_closed.send(sender=PeriodClosing, closing_id=closing.pk)
    retros = Retrospective.objects.filter(period=rw.q3)
    # 新品A (depth 0) and its child (depth 1), plus 市场部's review; nothing for the grandchild or the ownerless goal.
    assert sorted(r.scope for r in retros) == ["department", "goal", "goal"]
    assert retros.get(scope="department").owner == rw.org.mkt_manager
    assert Notification.objects.filter(recipient=rw.org.member, verb="retrospective_opened").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        period_closed.send(sender=PeriodClosing, closing_id=closing.pk)
    assert Retrospective.objects.filter(period=rw.q3).count() == 3


def test_overdue_raises_one_alert_and_resolves_when_completed(rw):
    retro = _open(rw)
    assert AlertRule.objects.filter(condition="retrospective_overdue", is_active=True).exists()
    assert evaluate_rules(today=retro.due) == []
    raised = evaluate_rules(today=retro.due + dt.timedelta(days=1))
    assert len(raised) == 1
    alert = raised[0]
    assert set(alert.recipients.all()) == {rw.org.member, rw.org.mkt_manager}
    # The alert names its retrospective: the alert page links it, and its department's manager sees it.
    assert alert.retrospective == retro
    from django.test import Client

    from lodestar.alerts.access import alert_department, visible_alerts

    assert alert_department(alert) == retro.department
    assert visible_alerts(rw.org.user("mkt_manager")).filter(pk=alert.pk).exists()
    client = Client()
    client.force_login(rw.org.user("member"))
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert f'href="/retrospectives/{retro.pk}/"' in page
    assert evaluate_rules(today=retro.due + dt.timedelta(days=2)) == []  # once
    Retrospective.objects.filter(pk=retro.pk).update(status=Status.COMPLETED)
    evaluate_rules(today=retro.due + dt.timedelta(days=3))
    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED


def test_a_repeating_headline_rate_is_stored_to_six_places():
    """A department retrospective's headline is the mean of its goals' rates: 0.8866666… must save
    (it failed the model's 6 decimal places and stopped the retrospectives a period close opens)."""
    values = services._headline(
        {
            "target": None,
            "original_target": None,
            "actual": None,
            "achievement_rate": "0.8866666666666666666666666667",
            "original_achievement_rate": None,
        }
    )
    assert values["achievement_rate"] == Decimal("0.886667")
    assert values["original_achievement_rate"] is None


def test_the_owner_never_signs_off_their_own_review(rw, django_capture_on_commit_callbacks):
    """A department's review is owned by its manager: the manager above (or an admin) signs it off,
    and the completion asks that manager, not the owner."""
    manager = rw.org.user("mkt_manager")
    retro = services.retrospective_open(actor=manager, department=rw.org.mkt, period=rw.q3)
    assert retro.owner == rw.org.mkt_manager
    services.retrospective_update(actor=manager, retrospective=retro, version=retro.version, highlights="h")
    services.why_add(actor=manager, retrospective=retro, question="q", answer="a")
    with django_capture_on_commit_callbacks(execute=True):
        retro = services.retrospective_complete(actor=manager, retrospective=retro)
    assert not Notification.objects.filter(
        recipient=rw.org.mkt_manager, verb="retrospective_completed"
    ).exists()
    with pytest.raises(PermissionDeniedError):
        services.retrospective_sign_off(actor=manager, retrospective=retro)
    retro = services.retrospective_sign_off(actor=rw.org.user("admin"), retrospective=retro)
    assert retro.signed_off_at is not None


def test_a_signed_off_review_is_reopened_by_the_manager_above_not_its_owner(rw):
    """The owner may manage the department (a department review), yet must not undo the sign-off."""
    manager = rw.org.user("mkt_manager")
    retro = services.retrospective_open(actor=manager, department=rw.org.mkt, period=rw.q3)
    services.retrospective_update(actor=manager, retrospective=retro, version=retro.version, highlights="h")
    services.why_add(actor=manager, retrospective=retro, question="q", answer="a")
    retro = services.retrospective_complete(actor=manager, retrospective=retro)
    assert access.can_reopen_retrospective(manager, retro)  # not signed off yet: the owner may reopen
    retro = services.retrospective_sign_off(actor=rw.org.user("admin"), retrospective=retro)
    assert not access.can_reopen_retrospective(manager, retro)
    with pytest.raises(PermissionDeniedError):
        services.retrospective_reopen(actor=manager, retrospective=retro)
    retro = services.retrospective_reopen(actor=rw.org.user("admin"), retrospective=retro)
    assert retro.status == "open" and retro.signed_off_at is None


def test_an_action_owner_marks_their_promoted_action_done(rw):
    """The person doing the follow-up closes it: the action's owner, not only the review's owners."""
    manager = rw.org.user("mkt_manager")
    retro = _open(rw)
    action = services.action_add(
        actor=manager,
        retrospective=retro,
        title="按客户分层设计话术",
        owner=rw.org.sales_manager,  # from another department: the work was handed to them
        due=dt.date(2024, 11, 30),
    )
    outsider = rw.org.user("viewer")
    with pytest.raises(PermissionDeniedError):
        services.action_update(actor=outsider, action=action, status="done")
    owner_user = action.owner.user
    assert access.can_follow_up_action(owner_user, action)
    action = services.action_update(actor=owner_user, action=action, status="done")
    assert action.status == "done"


def test_nothing_is_promoted_into_a_closed_next_period_and_viewers_own_nothing(rw):
    from lodestar.goals.services.closing import period_close

    manager = rw.org.user("mkt_manager")
    retro = _open(rw)
    action = services.action_add(
        actor=manager,
        retrospective=retro,
        title="提前锁定KOL档期",
        owner=rw.org.member,
        due=dt.date(2024, 11, 30),
    )
    next_quarter = services.next_period(rw.q3)
    period_close(actor=rw.org.user("admin"), period=next_quarter)
    with pytest.raises(ApplicationError) as refused:
        services.action_promote(actor=manager, action=action, promote_as="item")
    assert refused.value.code == "period_closed"
    assert not ActionItem.objects.filter(title="提前锁定KOL档期").exists()
    # A retrospective handed to a viewer gives them no write: they own nothing they may change.
    Retrospective.objects.filter(pk=retro.pk).update(owner=rw.org.viewer)
    retro.refresh_from_db()
    assert not access.can_edit_retrospective(rw.org.user("viewer"), retro)
    assert not access.can_follow_up_action(rw.org.user("viewer"), action)
