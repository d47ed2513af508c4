"""Writing cases and SOPs: figures from the snapshots (never typed), tags by name, versions numbered,
who may do what, and the SOP review reminder."""

from __future__ import annotations

import datetime as dt

import pytest

from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.knowledge import access, selectors, services
from lodestar.knowledge.models import Case, Sop, Tag
from lodestar.knowledge.tasks import remind_sop_reviews
from lodestar.notifications.models import Notification
from lodestar.testing.factories import (
    CaseFactory,
    GoalFactory,
    ImprovementActionFactory,
    RetrospectiveFactory,
    SnapshotFactory,
    TagFactory,
)


def test_a_case_takes_its_figures_from_the_latest_close_snapshot(case, goal):
    assert len(case.figures) == 1
    figure = case.figures[0]
    assert figure["kind"] == "close"
    assert figure["goal_id"] == goal.pk
    assert figure["target"] == "4500000.0000" or figure["target"].startswith("4500000")
    assert figure["original_target"].startswith("5000000")
    assert figure["actual"].startswith("4800000")
    assert figure["measure"] == "销售额"
    assert {t.name: t.kind for t in case.tags.all()} == {"新品上市期": "scenario", "小红书": "channel"}
    assert list(case.goals.all()) == [goal]


def test_without_a_close_snapshot_the_latest_weekly_one_is_used(org, q1):
    goal = GoalFactory(department=org.mkt, period=q1)
    SnapshotFactory(measure__goal=goal, kind="weekly", week=dt.date(2026, 2, 2))
    assert services.figures_of([goal])[0]["kind"] == "weekly"
    assert services.figures_of([GoalFactory(department=org.mkt, period=q1)]) == []


def test_figures_cannot_be_typed_through_the_update(case, org):
    with pytest.raises(ApplicationError):
        services.case_update(actor=org.user("member"), case=case, version=case.version, figures=[{"x": 1}])


def test_a_case_from_a_retrospective_is_prefilled_and_linked(org, goal):
    retro = RetrospectiveFactory(
        goal=goal, title="Q1 新品上市复盘", highlights="达人种草有效", root_cause="客户分层"
    )
    initial = services.case_initial_from_retrospective(retro)
    assert initial["title"] == "Q1 新品上市复盘"
    assert (
        initial["goals"] == [goal] and initial["department"] == org.mkt and initial["period"] == goal.period
    )
    case = services.case_create(
        actor=org.user("mkt_manager"),
        title=initial["title"],
        outcome="success",
        department=org.mkt,
        retrospective=retro,
        context=initial["context"],
        reasons=initial["reasons"],
    )
    assert case.retrospective == retro and list(case.goals.all()) == [goal]
    assert case.period == goal.period and case.figures[0]["kind"] == "close"


def test_tags_are_get_or_created_by_name_and_keep_their_kind(org):
    TagFactory(name="抖音", kind=Tag.Kind.CHANNEL)
    case = services.case_create(
        actor=org.user("member"),
        title="大促抖音直播",
        outcome="failure",
        department=org.content,
        tags=["抖音", "大促", "大促"],
    )
    assert {t.name: t.kind for t in case.tags.all()} == {"抖音": "channel", "大促": "scenario"}


def test_a_member_files_cases_for_their_own_department_only(org):
    with pytest.raises(PermissionDeniedError):
        services.case_create(actor=org.user("member"), title="x", outcome="success", department=org.sales)
    with pytest.raises(PermissionDeniedError):
        services.case_create(actor=org.user("viewer"), title="x", outcome="success", department=org.mkt)
    with pytest.raises(ApplicationError):
        services.case_create(actor=org.user("member"), title=" ", outcome="success", department=org.content)
    with pytest.raises(ApplicationError):
        services.case_create(actor=org.user("member"), title="x", outcome="draw", department=org.content)


@pytest.mark.parametrize(
    ("role", "may"),
    [
        ("member", True),
        ("mkt_manager", True),
        ("admin", True),
        ("sales_manager", False),
        ("hr", False),
        ("viewer", False),
    ],
)
def test_who_may_edit_a_case(case, org, role, may):
    user = org.user(role)
    assert access.can_edit_case(user, case) is may
    if may:
        services.case_update(actor=user, case=case, version=case.version, title="改过的标题")
        case.refresh_from_db()
        assert case.title == "改过的标题" and case.version == 2
    else:
        with pytest.raises(PermissionDeniedError):
            services.case_update(actor=user, case=case, title="不行")


def test_a_stale_version_is_refused_and_delete_is_soft(case, org):
    with pytest.raises(ConflictError):
        services.case_update(actor=org.user("member"), case=case, version=case.version + 5, title="x")
    services.case_delete(actor=org.user("mkt_manager"), case=case)
    assert not Case.objects.filter(pk=case.pk).exists()
    assert Case.all_objects.get(pk=case.pk).deleted_by == org.mkt_manager


def test_search_matches_every_word_in_title_text_or_tags(case, org):
    CaseFactory(title="私域社群大促复盘", department=org.sales, outcome="failure")
    base = selectors.cases_with_lists()
    assert list(selectors.search_cases(base, q="小红书")) == [case]
    assert list(selectors.search_cases(base, q="新品上市期，达人")) == [case]  # a tag and a body word
    assert list(selectors.search_cases(base, q="客户分层")) == [case]  # the reasons
    assert list(selectors.search_cases(base, q="小红书 私域社群")) == []
    assert selectors.search_cases(base, q="大促").get().title == "私域社群大促复盘"
    assert list(selectors.search_cases(base, tag="小红书")) == [case]
    assert list(selectors.search_cases(base, outcome="failure", department=org.mkt)) == []
    assert list(selectors.search_cases(base, department=org.mkt)) == [case]


def test_suggested_cases_share_tags_with_similar_goals_or_the_name(case, goal, org, q1):
    sibling = GoalFactory(
        name="抖音直播", department=org.mkt, period=q1, goal_type=goal.goal_type, parent=None
    )
    assert selectors.suggested_cases(goal) == [case]
    assert selectors.suggested_cases(sibling) == []
    by_name = GoalFactory(name="Q2 小红书达人投放", department=org.sales, period=q1)
    assert selectors.suggested_cases(by_name) == [case]


def test_an_sop_keeps_numbered_versions(sop, org):
    assert [v.number for v in sop.versions.order_by("number")] == [1, 2]
    assert sop.versions.get(number=2).change_note == "缩短首触时限"
    with pytest.raises(ApplicationError):
        services.sop_add_version(
            actor=org.user("member"), sop=sop, body_markdown=sop.versions.get(number=2).body_markdown
        )
    with pytest.raises(PermissionDeniedError):
        services.sop_add_version(actor=org.user("sales_manager"), sop=sop, body_markdown="x")


def test_who_may_create_and_delete_sops(org, sop):
    with pytest.raises(PermissionDeniedError):
        services.sop_create(
            actor=org.user("member"),
            title="x",
            owner=org.member,
            department=org.mkt,
            review_date=dt.date(2026, 1, 1),
            body_markdown="x",
        )
    with pytest.raises(PermissionDeniedError):
        services.sop_create(
            actor=org.user("mkt_manager"),
            title="x",
            owner=org.member,
            department=org.sales,
            review_date=dt.date(2026, 1, 1),
            body_markdown="x",
        )
    with pytest.raises(PermissionDeniedError):
        services.sop_delete(actor=org.user("member"), sop=sop)  # the owner edits, managers delete
    services.sop_delete(actor=org.user("mkt_manager"), sop=sop)
    assert not Sop.objects.filter(pk=sop.pk).exists()


def test_the_review_reminder_goes_to_the_owner_once(sop, org):
    assert services.send_review_reminders(dt.date(2026, 6, 29)) == 0
    assert remind_sop_reviews.call(today="2026-06-30", reschedule=False) == 1
    assert services.send_review_reminders(dt.date(2026, 7, 5)) == 0
    note = Notification.objects.get(recipient=org.member)
    assert (
        note.verb == "sop_review" and "线索孵化SOP" in note.title and note.url == f"/knowledge/sops/{sop.pk}/"
    )
    services.sop_update(
        actor=org.user("member"), sop=sop, version=sop.version, review_date=dt.date(2026, 12, 31)
    )
    sop.refresh_from_db()
    assert sop.review_reminded_at is None


def test_the_annual_report_counts_results_cases_gaps_and_themes(case, goal, org, q1):
    from lodestar.testing.factories import CheckInFactory, DeviationCategoryFactory

    CaseFactory(title="直播大促失败", outcome="failure", department=org.mkt, period=q1)
    category = DeviationCategoryFactory(name="资源不足")
    measure = goal.measures.get()
    for week in (5, 12):
        CheckInFactory(
            measure=measure,
            period_start=dt.date(2026, 1, week),
            period_end=dt.date(2026, 1, week + 6),
            deviation_category=category,
            author=org.member,
        )
    retro = RetrospectiveFactory(goal=goal)
    ImprovementActionFactory(retrospective=retro, title="按客户分层设计话术")
    report = selectors.annual_report(2026, org.mkt)
    assert report.results.met == 1 and report.results.missed == 0
    assert [c.title for c in report.successes] == [case.title]
    assert [c.title for c in report.failures] == ["直播大促失败"]
    assert report.gaps == [("资源不足", 2)]
    assert report.themes == [("按客户分层设计话术", 1)]
    assert selectors.annual_report(2026, org.sales).results.rows == []
    assert selectors.annual_report(2025, None).successes == []


@pytest.mark.parametrize(
    ("role", "department", "may"),
    [
        ("admin", None, True),
        ("hr", None, True),
        ("mkt_manager", None, False),
        ("mkt_manager", "content", True),
        ("mkt_manager", "sales", False),
        ("member", "content", True),
        ("member", "mkt", False),
        ("viewer", "mkt", True),
    ],
)
def test_who_reads_the_annual_report(org, role, department, may):
    assert access.can_read_report(org.user(role), getattr(org, department) if department else None) is may


def test_the_report_shows_a_reader_only_the_goals_they_may_see(goal, org, q1):
    from lodestar.goals.models import Visibility

    private = GoalFactory(
        name="销售部内部目标", department=org.sales, period=q1, visibility=Visibility.DEPARTMENT
    )
    SnapshotFactory(measure__goal=private)
    names = lambda user: {r.name for r in selectors.annual_report(2026, None, user=user).results.rows}  # noqa: E731
    assert names(org.user("hr")) == {goal.name, "销售部内部目标"}
    assert names(org.user("viewer")) == {goal.name}
    assert names(org.user("sales_manager")) == {goal.name, "销售部内部目标"}


def test_the_review_reminder_speaks_the_owners_language(sop, org):
    from lodestar.notifications.models import NotificationPreference

    NotificationPreference.objects.create(person=org.member, language="en")
    services.send_review_reminders(dt.date(2026, 7, 1))
    assert Notification.objects.get(recipient=org.member).title.startswith("SOP due for review: 线索孵化SOP")
