"""The pages: home, the appraisal page (score table, reviews, evidence, radar), the review form; privacy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lodestar.appraisal.models import Appraisal, Competency, CompetencyRating, Review, ReviewRole, Stage
from lodestar.appraisal.services import cycles
from lodestar.appraisal.services import reviews as services
from lodestar.conftest import login


@pytest.fixture
def started(aw):
    cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3, departments=[aw.org.mkt])
    cycle = cycles.cycle_start(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    return cycle, Appraisal.objects.get(cycle=cycle)


def test_home_lists_my_appraisal_and_waiting_review(started, client_as, django_assert_max_num_queries):
    client = client_as("member")
    with django_assert_max_num_queries(25):
        page = client.get(reverse("appraisal:home")).content.decode()
    assert 'data-testid="my-appraisal"' in page and 'data-testid="waiting-review"' in page
    assert 'data-testid="final-score"' not in page  # not published
    manager_page = client_as("mkt_manager").get(reverse("appraisal:home")).content.decode()
    assert 'data-testid="team-appraisal"' in manager_page


def test_detail_privacy_and_query_bound(started, aw, client_as, django_assert_max_num_queries):
    cycle, appraisal = started
    url = reverse("appraisal:detail", args=[appraisal.pk])
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
    assert login(aw.peer2).get(url).status_code == 404  # another department
    member_page = client_as("member").get(url).content.decode()
    assert 'data-testid="peer-form"' not in member_page and 'data-testid="evidence-forms"' in member_page
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
