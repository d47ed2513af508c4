"""The person-facing API: reviews written through PATCH, peers requested through POST, the score and pay
shown only to whom the rules allow, and a peer reviewer who reads their review but never the appraisal."""

from __future__ import annotations

from lodestar.appraisal.models import Appraisal, Review, ReviewRole, Stage
from lodestar.appraisal.services import cycles
from lodestar.conftest import ApiClient, token_for


def _started(aw):
    cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3, departments=[aw.org.mkt])
    return cycles.cycle_start(actor=aw.user("hr"), cycle=cycle, version=cycle.version)


def _api(person) -> ApiClient:
    return ApiClient(token=token_for(person))


def _write(api, appraisal_id, review, ratings, **extra):
    response = api.patch(
        f"/appraisals/{appraisal_id}/reviews/{review['id'] if isinstance(review, dict) else review.pk}",
        {
            "version": review["version"] if isinstance(review, dict) else review.version,
            "ratings": [{"indicator_id": i.pk, "rating": r, "comment": ""} for i, r in ratings.items()],
            "submit": True,
            **extra,
        },
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_done_when_the_worked_example_through_the_api(aw, api_as):
    cycle = _started(aw)
    appraisal = Appraisal.objects.get(cycle=cycle)
    innovation, teamwork = aw.indicators["方案创新"], aw.indicators["团队协作"]
    manager = aw.org.person("mkt_manager")
    peers = []
    for peer in (aw.peer, aw.peer2):
        response = api_as("mkt_manager").post(
            f"/appraisals/{appraisal.pk}/reviews", {"reviewer_id": peer.pk, "role": "peer"}
        )
        assert response.status_code == 201, response.json()
        peers.append(response.json())
    own = Review.objects.get(appraisal=appraisal, role=ReviewRole.SELF)
    managers = Review.objects.get(appraisal=appraisal, role=ReviewRole.MANAGER)
    _write(_api(aw.person), appraisal.pk, own, {innovation: 5, teamwork: 4})
    _write(_api(manager), appraisal.pk, managers, {innovation: 4, teamwork: 5})
    _write(_api(aw.peer), appraisal.pk, peers[0], {innovation: 4}, anonymous=True)
    _write(_api(aw.peer2), appraisal.pk, peers[1], {innovation: 3})
    cycle.refresh_from_db()
    cycles.cycle_advance(actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION)
    body = api_as("hr").get(f"/appraisals/{appraisal.pk}/score").json()
    assert body["final_score"] == "88.95"
    assert body["grade"] == "A"
    assert body["bonus_coefficient"] == "1.20"
    assert body["bonus_amount"] == "12000.00"
    mine = api_as("member").get(f"/appraisals/{appraisal.pk}/score")
    assert mine.status_code == 200
    assert "bonus_amount" not in mine.json()
    # a peer reviewer reads their own review, never the appraisal
    peer_api = _api(aw.peer)
    assert peer_api.get(f"/appraisals/{appraisal.pk}").status_code == 404
    assert peer_api.get(f"/appraisals/{appraisal.pk}/score").status_code == 404
    assert peer_api.get(f"/appraisals/{appraisal.pk}/reviews/{peers[0]['id']}").status_code == 200
    # another department's member sees nothing
    assert _api(aw.peer2).get(f"/appraisals/{appraisal.pk}").status_code == 404
    # a submitted review cannot change
    again = _api(aw.peer2).patch(
        f"/appraisals/{appraisal.pk}/reviews/{peers[1]['id']}", {"version": 99, "summary": "x"}
    )
    assert again.status_code == 409


def test_pay_only_for_hr_and_errors(aw, api_as):
    cycle = _started(aw)
    appraisal = Appraisal.objects.get(cycle=cycle)
    hr_row = api_as("hr").get("/appraisals", cycle_id=cycle.pk).json()["items"][0]
    assert hr_row["pay_base"] == "10000.00"
    member_row = api_as("member").get("/appraisals").json()["items"][0]
    assert "pay_base" not in member_row and "bonus_amount" not in member_row
    assert api_as("sales_manager").get("/appraisals").json()["count"] == 0
    self_post = api_as("mkt_manager").post(
        f"/appraisals/{appraisal.pk}/reviews", {"reviewer_id": aw.person.pk, "role": "peer"}
    )
    assert self_post.status_code == 422 and self_post.json()["field"] == "reviewer_id"
    own = Review.objects.get(appraisal=appraisal, role=ReviewRole.SELF)
    bad = api_as("member").patch(
        f"/appraisals/{appraisal.pk}/reviews/{own.pk}",
        {"version": own.version, "ratings": [{"indicator_id": aw.indicators["方案创新"].pk, "rating": 6}]},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "rating"
    quant = api_as("member").patch(
        f"/appraisals/{appraisal.pk}/reviews/{own.pk}",
        {"version": own.version, "ratings": [{"indicator_id": aw.indicators["销售额"].pk, "rating": 3}]},
    )
    assert quant.status_code == 422 and quant.json()["field"] == "indicator_id"
    unknown = api_as("member").patch(
        f"/appraisals/{appraisal.pk}/reviews/{own.pk}", {"version": own.version, "ratingz": []}
    )
    assert unknown.status_code == 422
    link = api_as("member").post(
        f"/appraisals/{appraisal.pk}/evidence", {"kind": "link", "url": "https://example.com/report"}
    )
    assert link.status_code == 201, link.json()
    assert len(api_as("mkt_manager").get(f"/appraisals/{appraisal.pk}/evidence").json()) == 1
    assert (
        api_as("mkt_manager")
        .post(f"/appraisals/{appraisal.pk}/evidence", {"kind": "link", "url": "https://x.cn"})
        .status_code
        == 403
    )


def test_upload_download_delete_and_competencies(aw, api_as, client_as, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lodestar.appraisal.models import Competency

    settings.MEDIA_ROOT = tmp_path
    cycle = _started(aw)
    appraisal = Appraisal.objects.get(cycle=cycle)
    api = api_as("member")
    response = api.client.post(
        f"/api/v1/appraisals/{appraisal.pk}/evidence/upload",
        {"file": SimpleUploadedFile("活动报告.pdf", b"%PDF-1.4"), "note": "双11"},
        headers=api.headers(),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "活动报告.pdf" and body["download_url"]
    assert client_as("mkt_manager").get(body["download_url"]).status_code == 200
    assert client_as("sales_manager").get(body["download_url"]).status_code == 404
    assert api.delete(f"/appraisals/{appraisal.pk}/evidence/{body['id']}").status_code == 204
    (peer,) = [
        api_as("hr")
        .post(f"/appraisals/{appraisal.pk}/reviews", {"reviewer_id": aw.peer.pk, "role": "peer"})
        .json()
    ]
    assert api_as("member").delete(f"/appraisals/{appraisal.pk}/reviews/{peer['id']}").status_code == 403
    assert api_as("hr").delete(f"/appraisals/{appraisal.pk}/reviews/{peer['id']}").status_code == 204
    comp = Competency.objects.create(name="内容策划", group="professional")
    cycle.refresh_from_db()
    cycles.cycle_advance(actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.MANAGER)
    put = api_as("mkt_manager").request(
        "PUT",
        f"/appraisals/{appraisal.pk}/competencies",
        {"ratings": [{"competency_id": comp.pk, "rating": 5}]},
    )
    assert put.status_code == 200, put.json()
    assert api_as("member").get(f"/appraisals/{appraisal.pk}/competencies").json()[0]["rating"] == 5
