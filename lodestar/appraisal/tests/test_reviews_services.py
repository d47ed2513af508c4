"""Services of reviews: who writes, what may be rated, submitting, peers, evidence, competencies."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lodestar.appraisal import selectors
from lodestar.appraisal.models import Appraisal, Competency, Review, ReviewRole, Stage
from lodestar.appraisal.services import cycles
from lodestar.appraisal.services import reviews as services
from lodestar.core.errors import ApplicationError, ConflictError, NotFound, PermissionDeniedError
from lodestar.execution.services import comments


@pytest.fixture
def started(aw):
    cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3, departments=[aw.org.mkt])
    cycle = cycles.cycle_start(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    return cycle, Appraisal.objects.get(cycle=cycle)


def _rows(aw, **ratings):
    return [
        {"indicator_id": aw.indicators[name].pk, "rating": r, "comment": ""} for name, r in ratings.items()
    ]


def test_only_the_reviewer_writes_and_submitted_is_final(started, aw):
    _cycle, appraisal = started
    own = Review.objects.get(appraisal=appraisal, role=ReviewRole.SELF)
    with pytest.raises(PermissionDeniedError):
        services.review_save(actor=aw.user("mkt_manager"), review=own, version=own.version, summary="x")
    draft = services.review_save(
        actor=aw.user("member"), review=own, version=own.version, ratings=_rows(aw, 方案创新=5)
    )
    assert draft.status == "pending"
    with pytest.raises(ConflictError):
        services.review_save(actor=aw.user("member"), review=own, version=own.version, summary="stale")
    with pytest.raises(ApplicationError) as exc:
        services.review_save(actor=aw.user("member"), review=own, version=draft.version, submit=True)
    assert exc.value.field == "ratings"
    with pytest.raises(ApplicationError) as exc:
        services.review_save(actor=aw.user("member"), review=own, version=draft.version, anonymous=True)
    assert exc.value.field == "anonymous"
    done = services.review_save(
        actor=aw.user("member"), review=own, version=draft.version, ratings=_rows(aw, 团队协作=4), submit=True
    )
    assert done.status == "submitted" and done.submitted_at is not None
    with pytest.raises(ConflictError):
        services.review_save(actor=aw.user("member"), review=own, version=done.version, summary="late")


def test_ratings_only_for_qualitative_indicators_1_to_5(started, aw):
    _cycle, appraisal = started
    own = Review.objects.get(appraisal=appraisal, role=ReviewRole.SELF)
    with pytest.raises(ApplicationError) as exc:
        services.review_save(
            actor=aw.user("member"), review=own, version=own.version, ratings=_rows(aw, 销售额=3)
        )
    assert exc.value.field == "indicator_id"
    with pytest.raises(ApplicationError) as exc:
        services.review_save(
            actor=aw.user("member"), review=own, version=own.version, ratings=_rows(aw, 方案创新=0)
        )
    assert exc.value.field == "rating"


def test_peers_requested_never_oneself_nor_twice(started, aw):
    _cycle, appraisal = started
    with pytest.raises(ApplicationError) as exc:
        services.peer_request(actor=aw.user("mkt_manager"), appraisal=appraisal, reviewer_ids=[aw.person.pk])
    assert exc.value.field == "reviewer_id" and "不能评价自己" in exc.value.message
    with pytest.raises(PermissionDeniedError):
        services.peer_request(actor=aw.user("member"), appraisal=appraisal, reviewer_ids=[aw.peer.pk])
    (review,) = services.peer_request(actor=aw.user("hr"), appraisal=appraisal, reviewer_ids=[aw.peer.pk])
    with pytest.raises(ApplicationError) as exc:
        services.peer_request(actor=aw.user("hr"), appraisal=appraisal, reviewer_ids=[aw.peer.pk])
    assert exc.value.code == "already_reviewer"
    assert review in [r for r in selectors.reviews_waiting(aw.user("sales_manager"))]
    services.peer_remove(actor=aw.user("mkt_manager"), review=review)
    assert not Review.objects.filter(pk=review.pk).exists()


def test_peer_submits_one_rating_and_is_hidden_when_anonymous(started, aw):
    cycle, appraisal = started
    (review,) = services.peer_request(actor=aw.user("hr"), appraisal=appraisal, reviewer_ids=[aw.peer.pk])
    services.review_save(
        actor=aw.user("sales_manager"),
        review=review,
        version=review.version,
        ratings=_rows(aw, 方案创新=4),
        anonymous=True,
        submit=True,
    )
    aw.rate_worked_example(cycle)
    cycle.refresh_from_db()
    cycle = cycles.cycle_advance(
        actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION
    )
    cycles.cycle_publish(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    appraisal.refresh_from_db()
    rows = {r.review.pk: r for r in selectors.visible_reviews(aw.user("member"), appraisal)}
    assert rows[review.pk].reviewer_name is None
    rows = {r.review.pk: r for r in selectors.visible_reviews(aw.user("mkt_manager"), appraisal)}
    assert rows[review.pk].reviewer_name == "王强"


def test_evidence_only_the_person_and_size_limit(started, aw, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _cycle, appraisal = started
    with pytest.raises(PermissionDeniedError):
        services.evidence_add(
            actor=aw.user("mkt_manager"), appraisal=appraisal, kind="link", url="https://x.cn"
        )
    big = SimpleUploadedFile("report.pdf", b"x")
    big.size = comments.MAX_ATTACHMENT_BYTES + 1
    with pytest.raises(ApplicationError) as exc:
        services.evidence_add(actor=aw.user("member"), appraisal=appraisal, kind="file", upload=big)
    assert exc.value.code == "file_too_large"
    ok = services.evidence_add(
        actor=aw.user("member"),
        appraisal=appraisal,
        kind="file",
        upload=SimpleUploadedFile("合同.pdf", b"%PDF"),
    )
    assert ok.name == "合同.pdf"
    from lodestar.testing.factories import GoalFactory

    hidden = GoalFactory(
        department=aw.org.sales, owner=aw.org.person("sales_manager"), period=aw.q3, visibility="department"
    )
    with pytest.raises(NotFound):
        services.evidence_add(actor=aw.user("member"), appraisal=appraisal, kind="goal", goal=hidden)
    services.evidence_delete(actor=aw.user("member"), evidence=ok)
    assert selectors.evidence_of(appraisal) == []


def test_competencies_by_the_line_manager_in_the_manager_stage_and_radar(started, aw):
    cycle, appraisal = started
    comp = Competency.objects.create(name="客户沟通", group="general")
    with pytest.raises(PermissionDeniedError):  # self stage
        services.competency_ratings_save(
            actor=aw.user("mkt_manager"), appraisal=appraisal, ratings={comp.pk: 4}
        )
    cycle = cycles.cycle_advance(
        actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.MANAGER
    )
    appraisal.refresh_from_db()
    with pytest.raises(ApplicationError) as exc:
        services.competency_ratings_save(
            actor=aw.user("mkt_manager"), appraisal=appraisal, ratings={comp.pk: 7}
        )
    assert exc.value.field == "rating"
    services.competency_ratings_save(actor=aw.user("mkt_manager"), appraisal=appraisal, ratings={comp.pk: 4})
    data = selectors.radar(aw.person.pk)
    assert data["indicators"] == [{"name": "客户沟通", "max": 5}]
    assert data["series"][0]["person"] == [4] and data["series"][0]["department"] == [4.0]
