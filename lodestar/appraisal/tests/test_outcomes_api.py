"""The outcome endpoints: /pips, /appeals, /appraisals/{id}/feedback, /composites, /promotion-candidates."""

from __future__ import annotations

from decimal import Decimal

from lodestar.appraisal.models import Appraisal, CalibrationMove, CommitteeArea, Pip, Stage
from lodestar.appraisal.tests.outcomes_helpers import (
    fy2024,
    publish_worked_example,
    published,
    with_direct_manager,
)
from lodestar.conftest import ApiClient, token_for
from lodestar.core.models import Period
from lodestar.testing.factories import CommitteeMemberFactory
from lodestar.testing.organisation import add_simple_person


def _year():
    return Period.objects.get(kind="year", fiscal_year=2024)


def test_composite_worked_example_through_the_api(aw, api_as):
    for period, final in zip(fy2024("month")[:3], ("80", "90", "100"), strict=True):
        published(aw, period, final)
    published(aw, fy2024("quarter")[2], "88.95", "A")
    published(aw, _year(), "92")
    body = {"person_id": aw.person.pk, "year_period_id": _year().pk}
    response = api_as("hr").post("/composites", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["final_score"], data["grade"], data["renormalised"]) == ("90.18", "A", False)
    assert data["weights"] == {"month": "30.00", "quarter": "40.00", "year": "30.00"}
    month = next(p for p in data["parts"] if p["part"] == "month")
    assert [f["final_score"] for f in month["finals"]] == ["80.00", "90.00", "100.00"]
    assert api_as("mkt_manager").post("/composites", body).status_code == 403
    weights = {**body, "weights": {"month": "0", "quarter": "50", "year": "50"}}
    data = api_as("hr").post("/composites", weights).json()
    assert data["final_score"] == "90.48"  # (88.95 + 92) / 2, rounded half up
    # visible to the person and the line manager, not to another department's manager
    assert api_as("member").get("/composites").json()["count"] == 1
    assert api_as("mkt_manager").get("/composites", year_period_id=_year().pk).json()["count"] == 1
    assert api_as("sales_manager").get("/composites").json()["count"] == 0


def test_missing_parts_are_marked_in_the_api(aw, api_as):
    published(aw, fy2024("quarter")[2], "88.95", "A")
    data = api_as("hr").post("/composites", {"person_id": aw.person.pk, "year_period_id": _year().pk}).json()
    assert data["renormalised"] is True
    assert [p["missing"] for p in data["parts"]] == [True, False, True]
    assert data["final_score"] == "88.95"


def test_an_upheld_appeal_through_the_api_moves_grade_and_bonus_but_shows_no_pay(aw, api_as, org):
    appraisal = publish_worked_example(aw)
    committee = add_simple_person("finance1", "钱财务", aw.org.company)
    CommitteeMemberFactory(person=committee, area=CommitteeArea.FINANCE)
    member = api_as("member")
    response = member.post("/appeals", {"appraisal_id": appraisal.pk, "reason": "留存数据有补录"})
    assert response.status_code == 201, response.content
    appeal = response.json()
    assert member.post("/appeals", {"appraisal_id": appraisal.pk, "reason": "again"}).status_code == 409
    assert (
        api_as("sales_manager").post("/appeals", {"appraisal_id": appraisal.pk, "reason": "x"}).status_code
        == 404
    )
    assert api_as("sales_manager").get(f"/appeals/{appeal['id']}").status_code == 404
    assert api_as("mkt_manager").get("/appeals").json()["count"] == 0
    finance = ApiClient(token=token_for(committee))
    assert finance.get("/appeals").json()["count"] == 1
    assert (
        api_as("mkt_manager")
        .post(f"/appeals/{appeal['id']}/decide", {"status": "upheld", "decision": "x", "new_grade": "S"})
        .status_code
        == 404
    )
    response = finance.post(
        f"/appeals/{appeal['id']}/decide",
        {"status": "upheld", "decision": "补录属实", "new_grade": "S", "version": appeal["version"]},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["new_grade"]) == ("upheld", "S")
    assert "bonus" not in response.content.decode()
    appraisal = Appraisal.objects.get(pk=appraisal.pk)
    assert (appraisal.effective_grade, appraisal.bonus_amount) == ("S", Decimal("15000.00"))
    assert CalibrationMove.objects.get(appraisal=appraisal).appeal_id == appeal["id"]
    again = finance.post(f"/appeals/{appeal['id']}/decide", {"status": "rejected", "decision": "x"})
    assert again.status_code == 409


def test_feedback_acknowledged_by_both_through_the_api(aw, api_as):
    appraisal = publish_worked_example(aw)
    url = f"/appraisals/{appraisal.pk}/feedback"
    assert api_as("member").get(url).status_code == 404
    body = {
        "held_on": "2024-10-15",
        "notes": "达成率96%",
        "data_and_examples": "留存130%",
        "next_steps": "转化率8%",
    }
    assert api_as("member").request("PUT", url, body).status_code == 403
    assert api_as("sales_manager").request("PUT", url, body).status_code == 404
    response = api_as("mkt_manager").request("PUT", url, body)
    assert response.status_code == 200, response.content
    assert response.json()["acknowledged"] is False
    assert api_as("member").post(f"{url}/acknowledge").status_code == 200
    assert api_as("member").post(f"{url}/acknowledge").status_code == 409
    data = api_as("mkt_manager").post(f"{url}/acknowledge").json()
    assert data["acknowledged"] is True
    assert data["person_ack_at"] and data["manager_ack_at"]


def test_a_skip_level_manager_gets_403_on_feedback_through_the_api(aw, api_as):
    appraisal = published(aw, fy2024("quarter")[1], "70", "B")
    lead = with_direct_manager(aw, appraisal)
    url = f"/appraisals/{appraisal.pk}/feedback"
    body = {"held_on": "2024-10-15", "notes": "达成率良好"}
    skip_level = api_as("mkt_manager")
    assert skip_level.get(f"/appraisals/{appraisal.pk}").status_code == 200
    response = skip_level.request("PUT", url, body)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    direct = ApiClient(token=token_for(lead))
    assert direct.request("PUT", url, body).status_code == 200
    assert skip_level.get(url).status_code == 200  # the notes are still the line's to read
    assert skip_level.post(f"{url}/acknowledge").status_code == 403
    data = direct.post(f"{url}/acknowledge").json()
    assert data["manager_ack_at"] and not data["person_ack_at"]


def test_a_read_only_guest_is_refused_as_mentor_through_the_api(aw, api_as):
    guest = aw.org.person("viewer")
    body = {"person_id": aw.person.pk, "goals": "转化率提升到8%", "mentor_id": guest.pk}
    response = api_as("hr").post("/pips", body)
    assert response.status_code == 422, response.content
    assert (response.json()["code"], response.json()["field"]) == ("mentor_read_only", "mentor_id")
    response = api_as("hr").post("/pips", {**body, "mentor_id": aw.org.person("sales_manager").pk})
    assert response.status_code == 201, response.content
    pip = response.json()
    response = api_as("hr").patch(f"/pips/{pip['id']}", {"version": pip["version"], "mentor_id": guest.pk})
    assert response.status_code == 422 and response.json()["code"] == "mentor_read_only"


def test_pip_flow_through_the_api(aw, api_as):
    appraisal = publish_worked_example(aw, grade_thresholds={"S": "99", "A": "95", "B": "90"})
    pip = Pip.objects.get(appraisal=appraisal)
    manager = api_as("mkt_manager")
    listed = api_as("member").get("/pips").json()
    assert [p["id"] for p in listed["items"]] == [pip.pk]
    assert api_as("sales_manager").get(f"/pips/{pip.pk}").status_code == 404
    response = manager.patch(f"/pips/{pip.pk}", {"version": pip.version, "goals": "转化率提升到8%"})
    assert response.status_code == 200, response.content
    assert manager.patch(f"/pips/{pip.pk}", {"version": pip.version, "goals": "x"}).status_code == 409
    date = response.json()["check_dates"][0]
    response = manager.post(f"/pips/{pip.pk}/checks", {"date": date, "on_track": True, "note": "7%"})
    assert response.status_code == 201, response.content
    assert manager.post(f"/pips/{pip.pk}/checks", {"date": "2024-01-01", "on_track": True}).status_code == 422
    assert (
        api_as("member")
        .post(f"/pips/{pip.pk}/close", {"outcome": "improved", "outcome_note": "x"})
        .status_code
        == 403
    )
    response = api_as("hr").post(f"/pips/{pip.pk}/close", {"outcome": "improved", "outcome_note": "达成8.2%"})
    assert response.status_code == 200
    data = response.json()
    assert (data["outcome"], len(data["checks"])) == ("improved", 1)
    response = manager.post("/pips", {"person_id": aw.person.pk, "goals": "第二期", "mentor_id": aw.peer.pk})
    assert response.status_code == 201, response.content
    assert len(response.json()["check_dates"]) == 3
    assert api_as("sales_manager").post("/pips", {"person_id": aw.person.pk}).status_code == 403


def test_a_plan_from_an_appraisal_through_the_api(aw, api_as):
    appraisal = publish_worked_example(aw)  # A: no plan yet
    hr = api_as("hr")
    body = {"person_id": aw.person.pk, "appraisal_id": appraisal.pk, "goals": "转化率提升到8%"}
    response = hr.post("/pips", body)
    assert response.status_code == 201, response.content
    assert (response.json()["appraisal_id"], response.json()["mentor_id"]) == (
        appraisal.pk,
        aw.org.person("mkt_manager").pk,
    )
    response = hr.post("/pips", body)  # one plan in progress per appraisal
    assert response.status_code == 409 and response.json()["code"] == "pip_open", response.content
    draft = published(aw, fy2024("quarter")[1], "70", "B", stage=Stage.CALIBRATION)
    response = hr.post("/pips", {"person_id": aw.person.pk, "appraisal_id": draft.pk})
    assert response.status_code == 409 and response.json()["code"] == "not_published", response.content
    response = hr.post(
        "/pips", {"person_id": aw.person.pk, "appraisal_id": appraisal.pk, "ends": "2020-01-01"}
    )
    assert response.status_code == 422 and response.json()["field"] == "ends", response.content


def test_promotion_candidates_for_hr_only(aw, api_as):
    quarters = fy2024("quarter")
    published(aw, quarters[0], "88", "A")
    published(aw, quarters[1], "96", "S")
    response = api_as("hr").get("/promotion-candidates")
    assert response.status_code == 200
    [row] = response.json()
    assert (row["person_id"], row["first"]["grade"], row["second"]["grade"]) == (aw.person.pk, "A", "S")
    assert api_as("mkt_manager").get("/promotion-candidates").status_code == 403
    assert api_as("member").get("/promotion-candidates").status_code == 403


def test_unpublished_results_cannot_be_appealed(aw, api_as):
    appraisal = published(aw, aw.q3, "70", "B", stage=Stage.CALIBRATION)
    response = api_as("member").post("/appeals", {"appraisal_id": appraisal.pk, "reason": "x"})
    assert response.status_code == 409
