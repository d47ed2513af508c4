# ruff: noqa: F811  (the goal fixtures are imported and used by name)
"""The weekly meeting as it is held: expected reporters and 填报人数, reminders, decisions carried
to the next meeting, the printable minutes; and the weekly report's plan and last week's figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.pdf import cjk_fonts
from lodestar.execution import services as execution_services
from lodestar.execution.models import ActionItem
from lodestar.goals.models import Goal, GoalStatus
from lodestar.goals.templatetags.goal_tags import pct
from lodestar.goals.tests.conftest import activate, fresh, make_goal, world  # noqa: F401 (fixtures)
from lodestar.notifications.models import Notification
from lodestar.testing.pdf import assert_pdf_shows
from lodestar.tracking import domain, reporting, services
from lodestar.tracking.models import MeetingDecision
from lodestar.tracking.services.meetings import REMINDER_VERB
from lodestar.tracking.tests.views_support import COUNT_MEASURE, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(world, make_goal, setup, week):
    """市场部 (MKT, manager 赵敏) with 内容组 below it. Expected to report this week:
    陈静 (content) — owner of an active goal with a measure, and R of one open item;
    林晓 (MKT) — R of one open item (10篇 from Monday to Friday).
    Not expected: 赵敏 (her measure is decomposed into 陈静's), 周杰 (R of a done item of MKT and of an
    open item of 销售部), the viewer (nothing), anyone with only a draft goal."""
    parent, child = setup
    make_goal("草稿目标", department=world.mkt, owner=world.viewer, measures=[dict(COUNT_MEASURE)])
    manager = fresh(world.mkt_manager)
    notes = execution_services.item_create(
        actor=manager,
        department=world.mkt,
        title="小红书笔记10篇",
        responsible=[world.member],
        start=week.start,
        due=week.start + dt.timedelta(days=4),
        planned_quantity="10",
        unit="篇",
    )
    brief = execution_services.item_create(
        actor=manager, department=world.content, title="达人brief", responsible=[world.content_member]
    )
    done = execution_services.item_create(
        actor=manager, department=world.mkt, title="已完成的复盘", responsible=[world.sales_member]
    )
    ActionItem.objects.filter(pk=done.pk).update(status="done")
    execution_services.item_create(
        actor=fresh(world.sales_manager),
        department=world.sales,
        title="销售部任务",
        responsible=[world.sales_member],
    )
    return {"parent": parent, "child": child, "notes": notes, "brief": brief}


def _checkin(person, week, *, measure=None, item=None, planned="5", actual="4"):
    return services.checkin_submit(
        actor=fresh(person),
        measure=measure,
        item=item,
        period_start=week.start,
        period_end=week.end,
        planned=planned,
        actual=actual,
    )


# --- domain -----------------------------------------------------------------------------------


def test_reporting_status_counts_a_person_with_any_row_submitted():
    status = domain.reporting_status(
        {1: {("measure", 1), ("item", 7)}, 2: {("item", 8)}, 3: {("item", 9)}},
        {("measure", 1), ("item", 9)},
    )
    assert status.counts == (2, 3)
    assert status.reported == (1, 3) and status.missing == (2,)
    assert status.due_rows == {1: 2, 2: 1, 3: 1}
    assert status.submitted_rows == {1: 1, 2: 0, 3: 1}
    assert domain.reporting_status({}, set()).counts == (0, 0)


# --- selectors --------------------------------------------------------------------------------


def test_expected_reporters_of_a_department_and_who_reported(world, team, week, django_assert_num_queries):
    with django_assert_num_queries(4):
        result = reporting.expected_reporters(world.mkt, week)
    assert result.status.counts == (0, 2)
    assert {p.pk for p in result.missing} == {world.member.pk, world.content_member.pk}
    assert result.status.due_rows[world.content_member.pk] == 2  # her measure and her item

    _checkin(world.content_member, week, measure=team["child"].measures.get())
    result = reporting.expected_reporters(world.mkt, week)
    assert result.status.counts == (1, 2)
    assert [p.pk for p in result.missing] == [world.member.pk]
    rows = {r["person"].pk: r for r in result.rows}
    assert rows[world.content_member.pk]["submitted"] == 1 and rows[world.content_member.pk]["due"] == 2
    assert result.rows[0]["person"].pk == world.member.pk  # missing first

    # The sub-department counts only its own people; last week's check-ins do not count this week.
    content = reporting.expected_reporters(world.content, week)
    assert content.status.counts == (1, 1)
    assert reporting.expected_reporters(world.mkt, week.next).status.counts == (0, 2)
    # 销售部: only 周杰's open item there.
    assert [p.pk for p in reporting.expected_reporters(world.sales, week).missing] == [world.sales_member.pk]


def test_carried_decisions_are_last_weeks_and_earlier_open_ones(world, week):
    def decision(text, week_start, status="open"):
        return MeetingDecision.objects.create(
            department=world.mkt, week_start=week_start, text=text, status=status
        )

    decision("上周已完成", week.previous.start, "done")
    decision("上周未完成", week.previous.start)
    decision("三周前未完成", week.start - dt.timedelta(days=21))
    decision("三周前已完成", week.start - dt.timedelta(days=21), "done")
    decision("本周决议", week.start)
    MeetingDecision.objects.create(department=world.sales, week_start=week.previous.start, text="销售部决议")
    carried = {d.text for d in reporting.carried_decisions(world.mkt, week)}
    assert carried == {"上周已完成", "上周未完成", "三周前未完成"}
    assert [d.text for d in reporting.meeting_decisions(world.mkt, week)] == ["本周决议"]


# --- services ---------------------------------------------------------------------------------


def test_remind_sends_one_notification_per_missing_reporter_once_a_day(world, team, week):
    _checkin(world.content_member, week, measure=team["child"].measures.get())
    with freeze_time(timezone.now()):
        sent = services.reporters_remind(actor=fresh(world.mkt_manager), department=world.mkt, week=week)
        assert sent == 1
        reminders = Notification.objects.filter(verb=REMINDER_VERB)
        assert [n.recipient_id for n in reminders] == [world.member.pk]
        assert reminders[0].actor_id == world.mkt_manager.pk
        assert f"week={week.key}" in reminders[0].url
        # Clicked again the same day: nobody is reminded twice.
        assert services.reporters_remind(actor=fresh(world.mkt_manager), department=world.mkt, week=week) == 0
        assert (
            services.reporters_remind(
                actor=fresh(world.admin), department=world.mkt, week=week, person=world.member
            )
            == 0
        )
    with freeze_time(timezone.now() + dt.timedelta(days=1)):
        assert services.reporters_remind(actor=fresh(world.mkt_manager), department=world.mkt, week=week) == 1
    assert Notification.objects.filter(verb=REMINDER_VERB).count() == 2


def test_remind_one_person_and_who_may_remind(world, team, week):
    with pytest.raises(PermissionDeniedError):
        services.reporters_remind(actor=fresh(world.member), department=world.mkt, week=week)
    with pytest.raises(PermissionDeniedError):
        services.reporters_remind(actor=fresh(world.sales_manager), department=world.mkt, week=week)
    with pytest.raises(ApplicationError) as error:  # 周杰 owes nothing in 市场部
        services.reporters_remind(
            actor=fresh(world.mkt_manager), department=world.mkt, week=week, person=world.sales_member
        )
    assert error.value.field == "person"
    sent = services.reporters_remind(
        actor=fresh(world.mkt_manager), department=world.mkt, week=week, person=world.content_member
    )
    assert sent == 1
    assert list(Notification.objects.filter(verb=REMINDER_VERB).values_list("recipient", flat=True)) == [
        world.content_member.pk
    ]


def test_follow_up_records_a_decision_with_its_item_and_who_ticks_it_off(world, team, week):
    due = week.end + dt.timedelta(days=3)
    decision = services.meeting_follow_up(
        actor=fresh(world.member),
        department=world.mkt,
        week_start=week.start,
        title="补充设计资源",
        responsible=world.content_member,
        due=due,
    )
    assert decision.status == "open" and decision.owner == world.content_member
    assert decision.item.title == "补充设计资源" and decision.item.due == due
    with pytest.raises(PermissionDeniedError):
        services.meeting_follow_up(
            actor=fresh(world.sales_member), department=world.mkt, week_start=week.start, title="x"
        )
    with pytest.raises(ApplicationError):
        services.meeting_follow_up(
            actor=fresh(world.member),
            department=world.mkt,
            week_start=week.start + dt.timedelta(days=1),
            title="x",
        )
    with pytest.raises(PermissionDeniedError):  # a member who is not its owner
        services.decision_set_status(actor=fresh(world.member), decision=decision, done=True)
    services.decision_set_status(actor=fresh(world.content_member), decision=decision, done=True)
    decision.refresh_from_db()
    assert decision.status == "done" and decision.done_at is not None
    services.decision_set_status(actor=fresh(world.mkt_manager), decision=decision, done=False)
    decision.refresh_from_db()
    assert decision.status == "open" and decision.done_at is None


# --- views ------------------------------------------------------------------------------------


def _meeting(week, department, **extra) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"department": department.pk, "week": week.key, **extra}.items())
    return f"{reverse('tracking:meeting')}?{query}"


def test_meeting_page_shows_reporting_and_reminds(world, team, week):
    _checkin(world.content_member, week, measure=team["child"].measures.get())
    manager = client_for(world.mkt_manager)
    response = manager.get(_meeting(week, world.mkt))
    body = response.content.decode()
    assert response.context["reporting"].status.counts == (1, 2)
    assert "Reported 1 / 2" in body
    assert body.count('data-testid="missing-person"') == 1 and world.member.display_name in body
    assert 'data-testid="remind-person"' in body
    url = f"{reverse('tracking:meeting_remind')}?department={world.mkt.pk}&week={week.key}"
    response = manager.post(url, {"person": world.member.pk})
    assert response.status_code == 302 and response["Location"] == _meeting(week, world.mkt)
    assert Notification.objects.filter(verb=REMINDER_VERB, recipient=world.member).count() == 1
    # A member reads the page and the count, without reminder buttons; nor may they post one.
    member = client_for(world.member)
    body = member.get(_meeting(week, world.mkt)).content.decode()
    assert "Reported 1 / 2" in body and 'data-testid="remind-person"' not in body
    assert member.post(url, {"person": world.member.pk}).status_code == 403
    assert client_for(world.viewer).post(url).status_code == 403
    assert client_for(world.sales_member).get(_meeting(week, world.mkt)).status_code == 403
    assert manager.post(url, {"person": "abc"}).status_code == 404


def test_decisions_stay_on_the_page_and_open_next_weeks_meeting(world, team, week):
    manager = client_for(world.mkt_manager)
    due = (week.end + dt.timedelta(days=3)).isoformat()
    response = manager.post(
        _meeting(week, world.mkt),
        {"title": "补充设计资源", "responsible": world.content_member.pk, "due": due},
    )
    assert response.status_code == 302
    body = manager.get(_meeting(week, world.mkt)).content.decode()
    decisions = body[body.index('data-testid="decisions"') :]
    assert "补充设计资源" in decisions
    next_week = manager.get(_meeting(week.next, world.mkt))
    carried = next_week.content.decode()
    carried = carried[
        carried.index('data-testid="carried-decisions"') : carried.index('data-testid="reporting"')
    ]
    assert "补充设计资源" in carried and 'data-status="open"' in carried and "Mark done" in carried
    decision = MeetingDecision.objects.get()
    tick = f"{reverse('tracking:decision_status', args=[decision.pk])}?week={week.next.key}"
    assert client_for(world.member).post(tick, {"done": "1"}).status_code == 403
    assert client_for(world.sales_member).post(tick, {"done": "1"}).status_code == 404
    response = client_for(world.content_member).post(tick, {"done": "1"})
    assert response.status_code == 302 and response["Location"] == _meeting(week.next, world.mkt)
    decision.refresh_from_db()
    assert decision.status == "done"
    carried = manager.get(_meeting(week.next, world.mkt)).content.decode()
    assert 'data-status="done"' in carried
    # Two weeks on, a done decision is no longer carried.
    assert not manager.get(_meeting(week.next.next, world.mkt)).context["carried_decisions"]


def test_minutes_are_a_printable_page_of_the_same_parts(world, team, week):
    MeetingDecision.objects.create(department=world.mkt, week_start=week.start, text="投放预算+2万")
    response = client_for(world.member).get(
        reverse("tracking:meeting_minutes"), {"department": world.mkt.pk, "week": week.key}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "@media print" in body and "投放预算+2万" in body and "Reported 0 / 2" in body
    # The reports' print template (A4, page numbers), the meeting's facts and the page's own parts.
    assert "counter(pages)" in body and 'data-testid="print"' in body and 'data-testid="minutes-pdf"' in body
    attendees = body.split('data-testid="attendees">')[1].split("</td>")[0]
    assert "林晓" in attendees and "陈静" in attendees and "赵敏" in attendees and "周杰" not in attendees
    for part in ('data-testid="reporting"', 'data-testid="exceptions"', 'data-testid="carried-decisions"'):
        assert part in body
    assert "<form" not in body and "Mark done" not in body and 'name="csrfmiddlewaretoken"' not in body
    assert (
        client_for(world.sales_member)
        .get(reverse("tracking:meeting_minutes"), {"department": world.mkt.pk, "week": week.key})
        .status_code
        == 403
    )


def _grow(world, week, count, offset):
    manager = fresh(world.mkt_manager)
    people = [world.member, world.content_member, world.mkt_manager]
    for n in range(count):
        item = execution_services.item_create(
            actor=manager, department=world.mkt, title=f"任务{offset + n}", responsible=[people[n % 3]]
        )
        services.meeting_follow_up(
            actor=manager,
            department=world.mkt,
            week_start=week.previous.start,
            title=f"决议{offset + n}",
            responsible=people[n % 3],
            due=week.end,
        )
        if n % 2:
            _checkin(people[n % 3], week, item=item)


@pytest.mark.parametrize("page", ["tracking:meeting", "tracking:meeting_minutes"])
def test_meeting_queries_do_not_grow_with_reporters_and_decisions(
    world, team, week, page, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    params = {"department": world.mkt.pk, "week": week.key}
    _grow(world, week, 3, 0)
    client = client_for(world.mkt_manager)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(page), params).status_code == 200
    small = len(captured)
    _grow(world, week, 15, 100)
    client = client_for(world.mkt_manager)
    with django_assert_max_num_queries(small):
        response = client.get(reverse(page), params)
    assert len(response.context["carried_decisions"]) == 18


# --- the weekly report: plan carried, last week's figures, goals with nothing to report -------


def test_report_carries_the_items_plan_and_last_weeks_figures(world, team, week):
    notes = team["notes"]
    last = week.previous
    services.checkin_submit(
        actor=fresh(world.member),
        item=notes,
        period_start=last.start,
        period_end=last.end,
        planned="3",
        actual="2",
    )
    response = client_for(world.member).get(reverse("tracking:report"), {"week": week.key})
    row = next(r for r in response.context["rows"] if r.kind == "item" and r.obj.pk == notes.pk)
    assert row.planned == Decimal(10)  # 10篇 from Monday to Friday, all in this week
    assert row.form.initial["planned"] == "10"
    assert row.last.planned == 3 and row.last.actual == 2
    body = response.content.decode()
    assert 'data-testid="last-period"' in body
    # The week after its due date plans nothing more; a week before its start nothing yet.
    later = client_for(world.member).get(reverse("tracking:report"), {"week": week.next.key})
    assert next(r for r in later.context["rows"] if r.obj.pk == notes.pk).planned == 0


def test_report_shows_goals_without_a_measure_and_how_to_add_one(world, make_goal, week):
    draft = make_goal("个人成长目标", department=world.mkt, owner=world.member, measures=[])
    assert draft.status == GoalStatus.DRAFT
    body = client_for(world.member).get(reverse("tracking:report"), {"week": week.key}).content.decode()
    assert 'data-testid="idle-goal"' in body and "个人成长目标" in body
    assert reverse("goals:measure_add", args=[draft.pk]) in body  # the owner may add a measure to a draft
    # A goal with a measure but still a draft: no add-measure button, the reason instead.
    make_goal("草稿有指标", department=world.mkt, owner=world.content_member, measures=[dict(COUNT_MEASURE)])
    body = (
        client_for(world.content_member).get(reverse("tracking:report"), {"week": week.key}).content.decode()
    )
    assert "草稿有指标" in body and 'data-testid="add-measure"' not in body
    assert "once the goal is active" in body


@pytest.mark.skipif(not cjk_fonts(), reason="no CJK font installed (make fonts)")
def test_minutes_pdf_is_the_printable_page_with_chinese_text(world, team, week):
    """The minutes as a printed document, in Chinese: title, department, week, chair and attendees;
    each decision with its owner and due date; the goals' figures and who asked for help. Page 1 is
    rasterised (not blank) and no text runs past A4's side margins (`assert_pdf_shows`)."""
    services.meeting_follow_up(
        actor=fresh(world.mkt_manager),
        department=world.mkt,
        week_start=week.start,
        title="投放预算+2万，优先美妆垂类KOC",
        responsible=world.content_member,
        due=week.end,
    )
    services.checkin_submit(
        actor=fresh(world.member),
        item=team["notes"],
        period_start=week.start,
        period_end=week.end,
        planned="10",
        actual="4",
        deviation_reason="达人档期冲突，两篇笔记顺延到下周",
        resource_people="设计1人",
    )
    params = {"department": world.mkt.pk, "week": week.key}
    client = client_for(world.member)
    page = client.get(reverse("tracking:meeting"), params).content.decode()
    assert 'data-testid="minutes-pdf"' in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get(reverse("tracking:meeting_minutes_pdf"), params)
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="meeting-minutes-{world.mkt.pk}-{week.key}.pdf"'
    )
    child = Goal.objects.get(pk=team["child"].pk)
    assert_pdf_shows(
        response,
        "周例会会议纪要",
        "市场部",
        f"{week.key} ({week.start:%Y-%m-%d} – {week.end:%Y-%m-%d})",
        "主持人",
        "赵敏",
        "参会人员",
        "林晓",
        "陈静",
        "本次例会决议",
        "投放预算+2万，优先美妆垂类KOC",
        f"{week.end:%m-%d}",  # the decision's due date
        "小红书笔记52篇",  # a goal, with its achievement
        pct(child.achievement_rate),
        "需要支持",
        "小红书笔记10篇",  # 林晓's item: 4 of 10 planned
        "40%",
        "达人档期冲突",
    )
    pages = pdfium.PdfDocument(response.content)
    last = len(pages)
    assert f"{last} / {last}" in pages[last - 1].get_textpage().get_text_range()  # page numbers
    assert (
        client_for(world.sales_member).get(reverse("tracking:meeting_minutes_pdf"), params).status_code == 403
    )
