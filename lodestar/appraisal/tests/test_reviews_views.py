"""The pages: home, the appraisal page (score table, reviews, evidence, radar), the review form; privacy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from lodestar.appraisal.models import (
    Appraisal,
    Competency,
    CompetencyRating,
    Evidence,
    Review,
    ReviewRole,
    Stage,
)
from lodestar.appraisal.services import cycles
from lodestar.appraisal.services import reviews as services
from lodestar.conftest import login
from lodestar.execution.models import RaciRole
from lodestar.goals.models import Measure
from lodestar.testing.factories import (
    ActionItemFactory,
    CaseFactory,
    CheckInFactory,
    RaciAssignmentFactory,
)


@pytest.fixture
def started(aw):
    cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3, departments=[aw.org.mkt])
    cycle = cycles.cycle_start(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    return cycle, Appraisal.objects.get(cycle=cycle)


@pytest.fixture
def work(aw):
    """林晓's work of the period next to other people's: what the evidence forms offer and refuse."""
    org, q3, me = aw.org, aw.q3, aw.person
    manager = org.person("mkt_manager")
    day = q3.start + dt.timedelta(days=10)
    mine = ActionItemFactory(department=org.content, title="小红书种草投放", due=day)
    RaciAssignmentFactory(item=mine, person=me, role=RaciRole.RESPONSIBLE)
    # visible to her (her department) but the manager's, and hers but due after the period
    theirs = ActionItemFactory(department=org.content, title="赵敏的预算复核", due=day)
    RaciAssignmentFactory(item=theirs, person=manager, role=RaciRole.RESPONSIBLE)
    later = ActionItemFactory(department=org.content, title="明年的计划", due=q3.end + dt.timedelta(days=200))
    RaciAssignmentFactory(item=later, person=me, role=RaciRole.RESPONSIBLE)
    measure = Measure.objects.filter(goal__owner=me, goal__period=q3).order_by("id").first()
    checkin = CheckInFactory(
        measure=measure, period_start=day, period_end=day + dt.timedelta(days=6), author=me
    )
    # on her goal, but reported by her manager
    manager_checkin = CheckInFactory(
        measure=measure,
        period_start=day + dt.timedelta(days=7),
        period_end=day + dt.timedelta(days=13),
        author=manager,
    )
    case = CaseFactory(department=org.content, author=me, title="618直播复盘案例")
    other_case = CaseFactory(department=org.sales, author=org.person("sales_manager"), title="渠道案例")
    return {
        "item": mine,
        "theirs": theirs,
        "later": later,
        "checkin": checkin,
        "manager_checkin": manager_checkin,
        "case": case,
        "other_case": other_case,
    }


def test_home_lists_my_appraisal_and_waiting_review(started, client_as, django_assert_max_num_queries):
    client = client_as("member")
    with django_assert_max_num_queries(25):
        page = client.get(reverse("appraisal:home")).content.decode()
    assert 'data-testid="my-appraisal"' in page and 'data-testid="waiting-review"' in page
    assert 'data-testid="final-score"' not in page  # not published
    manager_page = client_as("mkt_manager").get(reverse("appraisal:home")).content.decode()
    assert 'data-testid="team-appraisal"' in manager_page


def test_home_lists_reviews_i_wrote_and_published_team_cycles(
    started, aw, client_as, django_assert_max_num_queries
):
    """The user guide: "the reviews you wrote and, for managers, their team's (published cycles included)"."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cycle, appraisal = started
    url = reverse("appraisal:home")
    manager = client_as("mkt_manager")
    with CaptureQueriesContext(connection) as before:
        page = manager.get(url).content.decode()
    assert 'data-testid="written-reviews"' in page and 'data-testid="written-review"' not in page
    aw.rate_worked_example(cycle)
    cycle.refresh_from_db()
    cycle = cycles.cycle_advance(
        actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION
    )
    cycles.cycle_publish(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    with django_assert_max_num_queries(25):
        response = manager.get(url)
    page = response.content.decode()
    # the team block keeps the published cycle, with its result (line managers see it)
    assert 'data-testid="team-appraisal"' in page and "88.95" in page
    # the manager's own review, linked; a query count that does not grow with the rows
    manager_review = Review.objects.get(appraisal=appraisal, role=ReviewRole.MANAGER)
    assert page.count('data-testid="written-review"') == 1
    assert reverse("appraisal:review", args=[manager_review.pk]) in page
    assert len(response.context["written"]) == 1
    with CaptureQueriesContext(connection) as after:
        manager.get(url)
    assert len(after) <= len(before) + 1  # published: the feedback stage adds no query per row
    # a cross-department reviewer lists the review they wrote (their own: anonymity hides them only
    # from the person appraised); the person lists none of their self review
    peer_review = Review.objects.get(appraisal=appraisal, reviewer=aw.peer, role=ReviewRole.PEER)
    peer_page = login(aw.peer).get(url).content.decode()
    assert reverse("appraisal:review", args=[peer_review.pk]) in peer_page
    assert aw.person.display_name in peer_page
    member_page = client_as("member").get(url).content.decode()
    assert 'data-testid="written-review"' not in member_page
    # feedback stage: still on the manager's team block
    cycle.refresh_from_db()
    cycles.cycle_advance(actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.FEEDBACK)
    assert 'data-testid="team-appraisal"' in manager.get(url).content.decode()


def test_a_peer_reviewer_sees_no_figures_of_the_person(started, aw, client_as):
    """The user guide: peers see only what they wrote, not the person's appraisal or figures."""
    cycle, appraisal = started
    (peer_review,) = services.peer_request(
        actor=aw.user("mkt_manager"), appraisal=appraisal, reviewer_ids=[aw.peer.pk]
    )
    url = reverse("appraisal:review", args=[peer_review.pk])
    figures = ('data-testid="quantitative"', "Q3销售额", "Q3客户留存率", "96.00%", "130.00%")
    peer = login(aw.peer)
    page = peer.get(url).content.decode()
    assert 'data-testid="review-form"' in page and "方案创新" in page  # the qualitative ones to rate
    assert 'data-testid="figures-hidden"' in page
    for figure in figures:
        assert figure not in page, figure
    # the manager and HR still see the figures on the same review
    for role in ("mkt_manager", "hr"):
        other = client_as(role).get(url).content.decode()
        assert 'data-testid="quantitative"' in other and "Q3销售额" in other and "96.00%" in other
        assert 'data-testid="figures-hidden"' not in other
    # submitted and scored: the peer's read-only page shows their own text, still no figures or score
    services.review_save(
        actor=aw.user("sales_manager"),
        review=peer_review,
        version=peer_review.version,
        ratings=[{"indicator_id": aw.indicators["方案创新"].pk, "rating": 4, "comment": "方案很有新意"}],
        summary="协作顺畅",
        submit=True,
    )
    aw.rate_worked_example(cycle)
    cycle.refresh_from_db()
    cycles.cycle_advance(actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION)
    appraisal.refresh_from_db()
    assert str(appraisal.final_score) == "88.95"  # scored: there is a figure to hide
    page = peer.get(url).content.decode()
    assert "方案很有新意" in page and "协作顺畅" in page
    for figure in (*figures, "88.95"):
        assert figure not in page, figure


def test_detail_privacy_and_query_bound(started, aw, work, client_as, django_assert_max_num_queries):
    cycle, appraisal = started
    url = reverse("appraisal:detail", args=[appraisal.pk])
    member = aw.user("member")
    goal = work["checkin"].measure.goal
    for kind, linked in (
        ("goal", {"goal": goal}),
        ("item", {"item": work["item"]}),
        ("checkin", {"checkin": work["checkin"]}),
        ("case", {"case": work["case"]}),
    ):
        for _n in range(2):  # rows of each kind: the count of queries does not grow with them
            services.evidence_add(actor=member, appraisal=appraisal, kind=kind, note="证据", **linked)
    services.evidence_add(actor=member, appraisal=appraisal, kind="link", url="https://example.com/r")
    (peer_review,) = services.peer_request(
        actor=aw.user("mkt_manager"), appraisal=appraisal, reviewer_ids=[aw.peer.pk]
    )
    services.review_save(
        actor=aw.user("sales_manager"),
        review=peer_review,
        version=peer_review.version,
        ratings=[{"indicator_id": aw.indicators["方案创新"].pk, "rating": 4, "comment": "好"}],
        anonymous=True,
        submit=True,
    )
    with django_assert_max_num_queries(40):
        response = client_as("mkt_manager").get(url)
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="score-table"' in page
    assert "王强" in page and 'data-testid="peer-form"' in page
    assert client_as("sales_manager").get(url).status_code == 404  # the peer reviewer
    assert (
        client_as("sales_manager").get(reverse("appraisal:review", args=[peer_review.pk])).status_code == 200
    )
    assert page.count('data-testid="evidence-link"') == 8
    assert login(aw.peer2).get(url).status_code == 404  # another department
    with django_assert_max_num_queries(40):
        member_page = client_as("member").get(url).content.decode()
    assert 'data-testid="peer-form"' not in member_page and 'data-testid="evidence-forms"' in member_page
    for kind in ("item", "checkin", "case"):
        assert f'data-testid="evidence-form-{kind}"' in member_page
    # published: the person sees the peer's review, without the anonymous reviewer's name
    aw.rate_worked_example(cycle)
    cycle.refresh_from_db()
    cycle = cycles.cycle_advance(
        actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION
    )
    cycles.cycle_publish(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    member_page = client_as("member").get(url).content.decode()
    assert "好" not in member_page or "王强" not in member_page
    assert "王强" not in member_page
    assert 'data-testid="final-score"' in member_page and "88.95" in member_page
    assert 'data-testid="bonus"' not in member_page
    assert 'data-testid="bonus"' in client_as("hr").get(url).content.decode()


def test_review_form_saves_a_draft_then_submits(started, aw, client_as):
    _cycle, appraisal = started
    review = Review.objects.get(appraisal=appraisal, role=ReviewRole.SELF)
    url = reverse("appraisal:review", args=[review.pk])
    client = client_as("member")
    page = client.get(url).content.decode()
    assert 'data-testid="review-form"' in page and 'data-testid="anonymous"' not in page
    innovation, teamwork = aw.indicators["方案创新"], aw.indicators["团队协作"]
    response = client.post(url, {"version": review.version, f"rating_{innovation.pk}": "5", "save": ""})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "pending"
    response = client.post(url, {"version": review.version, f"rating_{innovation.pk}": "5", "submit": ""})
    assert response.status_code == 200 and "提交前请为每个定性指标评分" in response.content.decode()
    response = client.post(
        url,
        {
            "version": review.version,
            f"rating_{innovation.pk}": "5",
            f"rating_{teamwork.pk}": "9",
            "submit": "",
        },
    )
    assert response.status_code == 200  # a choice outside 1–5 is a form error, not a 500
    response = client.post(
        url,
        {
            "version": review.version,
            f"rating_{innovation.pk}": "5",
            f"rating_{teamwork.pk}": "4",
            "submit": "",
        },
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "submitted"
    assert client.get(url).status_code == 200


def test_competency_form_and_radar(started, aw, client_as):
    cycle, appraisal = started
    comp = Competency.objects.create(name="数据分析", group="professional")
    cycle.refresh_from_db()
    cycles.cycle_advance(actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.MANAGER)
    url = reverse("appraisal:competencies_save", args=[appraisal.pk])
    client_as("member").post(url, {f"competency_{comp.pk}": "4"})
    assert not CompetencyRating.objects.exists()  # refused: only the line manager or HR rates
    assert client_as("mkt_manager").post(url, {f"competency_{comp.pk}": "4"}).status_code == 302
    assert CompetencyRating.objects.get(appraisal=appraisal).rating == 4
    page = client_as("member").get(reverse("appraisal:detail", args=[appraisal.pk])).content.decode()
    assert 'data-testid="competency-radar"' in page and "echarts" in page


def _add(client, appraisal, **data):
    return client.post(reverse("appraisal:evidence_add", args=[appraisal.pk]), data)


def test_evidence_forms_offer_only_the_persons_work(started, work, client_as):
    _cycle, appraisal = started
    page = client_as("member").get(reverse("appraisal:detail", args=[appraisal.pk])).content.decode()
    assert "小红书种草投放" in page and "618直播复盘案例" in page
    for absent in ("赵敏的预算复核", "明年的计划", "渠道案例"):
        assert absent not in page
    checkins = page.split('data-testid="evidence-form-checkin"', 1)[1].split("</form>", 1)[0]
    assert f'<option value="{work["checkin"].pk}"' in checkins
    assert f'<option value="{work["manager_checkin"].pk}"' not in checkins
    # the manager sees the page, not the forms (the evidence pack is the person's own)
    manager_page = client_as("mkt_manager").get(reverse("appraisal:detail", args=[appraisal.pk]))
    assert 'data-testid="evidence-form-item"' not in manager_page.content.decode()


def test_evidence_adds_an_item_a_checkin_and_a_case(started, work, client_as):
    _cycle, appraisal = started
    client = client_as("member")
    for kind, record in (("item", work["item"]), ("checkin", work["checkin"]), ("case", work["case"])):
        response = _add(client, appraisal, kind=kind, **{kind: str(record.pk)}, note=f"{kind} 的说明")
        assert response.status_code == 302, kind
        evidence = Evidence.objects.get(appraisal=appraisal, kind=kind)
        assert getattr(evidence, f"{kind}_id") == record.pk and evidence.note == f"{kind} 的说明"
    page = client.get(reverse("appraisal:detail", args=[appraisal.pk])).content.decode()
    assert reverse("execution:detail", args=[work["item"].pk]) in page
    assert reverse("tracking:measure", args=[work["checkin"].measure_id]) in page
    assert reverse("knowledge:case_detail", args=[work["case"].pk]) in page
    assert page.count('data-testid="evidence-link"') == 3
    # a record deleted since: the row keeps its name, without a dead link
    work["case"].deleted_at = dt.datetime(2024, 10, 1, tzinfo=dt.UTC)
    work["case"].save(update_fields=["deleted_at"])
    page = client.get(reverse("appraisal:detail", args=[appraisal.pk])).content.decode()
    assert reverse("knowledge:case_detail", args=[work["case"].pk]) not in page
    assert 'data-testid="evidence-gone"' in page


def test_evidence_refuses_another_persons_item_and_checkin(started, work, client_as):
    _cycle, appraisal = started
    client = client_as("member")
    for kind, record in (
        ("item", work["theirs"]),
        ("item", work["later"]),
        ("checkin", work["manager_checkin"]),
        ("case", work["other_case"]),
    ):
        response = _add(client, appraisal, kind=kind, **{kind: str(record.pk)})
        assert response.status_code == 200, (kind, record)
        assert f'data-field-error="{kind}"' in response.content.decode()
    assert not Evidence.objects.filter(appraisal=appraisal).exists()
    # and nobody but the person adds evidence, whatever they pick
    response = _add(client_as("mkt_manager"), appraisal, kind="item", item=str(work["item"].pk))
    assert response.status_code == 302 and not Evidence.objects.exists()


@pytest.mark.parametrize(
    "kind, value",
    [
        ("item", ""),
        ("item", "abc"),
        ("item", "-3"),
        ("item", "99999999999999999999999999"),
        ("checkin", "1.5"),
        ("checkin", "0"),
        ("case", "１２"),
        ("case", "9223372036854775808"),
    ],
)
def test_evidence_garbage_ids_are_form_errors(started, work, client_as, kind, value):
    _cycle, appraisal = started
    response = _add(client_as("member"), appraisal, kind=kind, **{kind: value})
    assert response.status_code == 200
    assert f'data-field-error="{kind}"' in response.content.decode()
    assert not Evidence.objects.exists()


def test_evidence_unknown_kind_and_missing_field(started, client_as):
    _cycle, appraisal = started
    client = client_as("member")
    assert _add(client, appraisal, kind="nonsense").status_code == 302
    response = _add(client, appraisal, kind="case")  # no case chosen
    assert response.status_code == 200 and 'data-field-error="case"' in response.content.decode()
    assert not Evidence.objects.exists()


def test_detail_shows_snapshot_times_in_local_time_and_money_in_one_format(started, aw, client_as):
    """Source rows read "2024-10-01 00:30" (Asia/Shanghai), not the stored UTC "2024-09-3016:30";
    pay base and bonus read 10,000.00 and 12,000.00 like the cycle page, not 10000.00."""
    from lodestar.appraisal.services.scoring import rescore
    from lodestar.goals.models import Snapshot

    cycle, appraisal = started
    Snapshot.objects.filter(period=aw.q3).update(taken_at=dt.datetime(2024, 9, 30, 16, 30, tzinfo=dt.UTC))
    aw.rate_worked_example(cycle)
    cycle.refresh_from_db()
    cycle = cycles.cycle_advance(
        actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION
    )
    cycles.cycle_publish(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    appraisal = rescore(Appraisal.objects.get(pk=appraisal.pk))
    assert appraisal.components[0]["source"]["rows"][0]["taken_at"].startswith("2024-09-30T16:30")
    page = client_as("hr").get(reverse("appraisal:detail", args=[appraisal.pk])).content.decode()
    assert '<span data-testid="snapshot-time">2024-10-01 00:30</span>' in page
    assert "2024-09-3016:30" not in page
    assert '<th class="text-end" data-testid="pay-base">10,000.00</th>' in page
    assert '<th class="text-end" data-testid="bonus">12,000.00</th>' in page
