"""/appraisal-cycles and /calibrations through the API: validation naming fields, start inline and on the
worker, advance and publish, and who may do what."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lodestar.appraisal.models import Appraisal, CalibrationMove, Cycle, Stage, StartStatus
from lodestar.appraisal.services import cycles


def _create(api, aw, **extra):
    body = {"period_id": aw.q3.pk, "name": "2024Q3 市场部考核", "scope": {"department_ids": [aw.org.mkt.pk]}}
    body.update(extra)
    return api.post("/appraisal-cycles", body)


def _to_calibration(hr, aw, cycle_id):
    cycle = Cycle.objects.get(pk=cycle_id)
    aw.rate_worked_example(cycle)
    response = hr.post(
        f"/appraisal-cycles/{cycle_id}/advance", {"to_stage": "calibration", "version": cycle.version}
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_create_reads_back_every_setting(aw, api_as):
    response = _create(
        api_as("hr"),
        aw,
        reviewer_weights={"manager": "50", "peer": "30", "self": "20"},
        formula="0.7 * 定量 + 0.3 * 定性",
        grade_thresholds={"S": "95", "A": "85", "B": "70", "C": "60"},
        bonus_coefficients={"S": "1.5", "A": "1.2", "B": "1", "C": "0.8", "D": "0"},
        guideline={"s_max": "15", "c_min": "5"},
        pip_on_c=False,
        stage="setup",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["scope"] == {"department_ids": [aw.org.mkt.pk], "position_ids": []}
    assert body["reviewer_weights"] == {"manager": "50.00", "peer": "30.00", "self": "20.00"}
    assert body["bonus_coefficients"]["D"] == "0.00"
    assert body["guideline"] == {"s_max": "15.00", "c_min": "5.00"}
    assert body["stage"] == "setup" and body["start_status"] == ""
    assert [row["stage"] for row in body["stage_dates"]] == [
        "self",
        "manager",
        "peer",
        "calibration",
        "feedback",
    ]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"reviewer_weights": {"manager": "60", "peer": "20", "self": "30"}}, "reviewer_weights"),
        ({"grade_thresholds": {"S": "85", "A": "90", "B": "70"}}, "grade_thresholds.A"),
        ({"formula": "0.5 * 销售额 + 0.5 * 未知指标"}, "formula"),
        ({"guideline": {"s_max": "120"}}, "guideline_s_max"),
    ],
)
def test_create_refuses_broken_settings_naming_the_field(aw, api_as, extra, field):
    response = _create(api_as("hr"), aw, **extra)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not Cycle.objects.exists()


def test_only_hr_and_admins_create_and_run_cycles(aw, api_as):
    for role in ("mkt_manager", "member", "viewer"):
        assert _create(api_as(role), aw).status_code == 403
    cycle_id = _create(api_as("admin"), aw).json()["id"]
    assert api_as("member").get(f"/appraisal-cycles/{cycle_id}").status_code == 404
    assert api_as("member").post(f"/appraisal-cycles/{cycle_id}/start", {"version": 1}).status_code == 404


def test_scope_then_start_inline(aw, api_as):
    hr = api_as("hr")
    cycle_id = _create(hr, aw).json()["id"]
    scope = hr.get(f"/appraisal-cycles/{cycle_id}/scope").json()
    assert scope["included_count"] == 1
    assert scope["included"][0]["name"] == "林晓"
    assert {row["name"]: row["reason"] for row in scope["skipped"]}["赵敏"] == "no_position"
    response = hr.post(f"/appraisal-cycles/{cycle_id}/start", {"version": 1})
    assert response.status_code == 200, response.json()
    assert response.json()["start_status"] == "done"
    assert response.json()["stage"] == "self"
    assert (
        hr.post(f"/appraisal-cycles/{cycle_id}/start", {"version": response.json()["version"]}).status_code
        == 409
    )
    assert hr.delete(f"/appraisal-cycles/{cycle_id}").status_code == 409


def test_start_is_queued_for_the_worker_for_a_large_scope(
    aw, api_as, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(cycles, "START_INLINE_LIMIT", 0)
    hr = api_as("hr")
    cycle_id = _create(hr, aw).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(f"/appraisal-cycles/{cycle_id}/start", {"version": 1})
        assert response.status_code == 202
        assert response.json()["start_status"] == "queued"
        assert response.json()["start_total"] == 1
    cycle = Cycle.objects.get(pk=cycle_id)
    assert cycle.start_status == StartStatus.DONE
    assert cycle.start_done == 1
    assert Appraisal.objects.filter(cycle=cycle).count() == 1


def test_advance_and_publish_flow(aw, api_as):
    hr = api_as("hr")
    cycle_id = _create(hr, aw).json()["id"]
    version = hr.post(f"/appraisal-cycles/{cycle_id}/start", {"version": 1}).json()["version"]
    response = hr.post(f"/appraisal-cycles/{cycle_id}/advance", {"version": version})
    assert response.json()["stage"] == "manager"
    assert hr.post(f"/appraisal-cycles/{cycle_id}/advance", {"version": version}).status_code == 409
    body = _to_calibration(hr, aw, cycle_id)
    assert body["stage"] == "calibration"
    response = hr.post(
        f"/appraisal-cycles/{cycle_id}/advance", {"to_stage": "published", "version": body["version"]}
    )
    assert response.status_code == 422 and response.json()["field"] == "stage"
    response = hr.post(f"/appraisal-cycles/{cycle_id}/publish", {"version": body["version"]})
    assert response.status_code == 200, response.json()
    assert response.json()["stage"] == "published"
    assert response.json()["published_at"]
    response = hr.patch(
        f"/appraisal-cycles/{cycle_id}", {"version": response.json()["version"], "formula": "定量"}
    )
    assert response.status_code == 409


def test_publish_is_refused_while_appraisals_are_unscored(aw, api_as):
    from lodestar.goals.models import Snapshot

    Snapshot.objects.filter(goal__name="Q3客户留存率").delete()
    hr = api_as("hr")
    cycle_id = _create(hr, aw).json()["id"]
    hr.post(f"/appraisal-cycles/{cycle_id}/start", {"version": 1})
    body = _to_calibration(hr, aw, cycle_id)
    response = hr.post(f"/appraisal-cycles/{cycle_id}/publish", {"version": body["version"]})
    assert response.status_code == 409
    error = response.json()
    assert error["code"] == "unscored"
    assert [e["message"] for e in error["errors"]] == ["林晓"]
    assert "林晓" in error["message"]
    # The ids reach the client in each entry's `detail` (docs/api.md), not only the names.
    unscored = Appraisal.objects.get(cycle_id=cycle_id, final_score__isnull=True)
    assert error["errors"] == [
        {
            "code": "unscored",
            "message": "林晓",
            "field": "appraisal_id",
            "row": None,
            "detail": {"appraisal_id": unscored.pk, "person_id": unscored.person_id},
        }
    ]


def test_patch_scope_after_start_is_refused_naming_the_field(aw, api_as):
    hr = api_as("hr")
    cycle_id = _create(hr, aw).json()["id"]
    version = hr.post(f"/appraisal-cycles/{cycle_id}/start", {"version": 1}).json()["version"]
    response = hr.patch(
        f"/appraisal-cycles/{cycle_id}", {"version": version, "scope": {"department_ids": []}}
    )
    assert response.status_code == 409
    assert response.json()["field"] == "departments"
    response = hr.patch(
        f"/appraisal-cycles/{cycle_id}",
        {"version": version, "reviewer_weights": {"manager": "70", "peer": "10", "self": "20"}},
    )
    assert response.status_code == 200
    assert response.json()["reviewer_weights"]["manager"] == "70.00"


def test_cycle_list_per_role(aw, api_as):
    hr = api_as("hr")
    cycle_id = _create(hr, aw).json()["id"]
    other_id = _create(hr, aw, name="销售部", scope={"department_ids": [aw.org.sales.pk]}).json()["id"]
    hr.post(f"/appraisal-cycles/{cycle_id}/start", {"version": 1})

    def ids(role):
        return {c["id"] for c in api_as(role).get("/appraisal-cycles").json()["items"]}

    assert ids("hr") == ids("admin") == {cycle_id, other_id}
    assert ids("member") == {cycle_id}  # appraised in it
    assert ids("mkt_manager") == {cycle_id}  # their team's
    assert ids("sales_manager") == set()
    assert api_as("viewer").get("/appraisal-cycles").status_code == 403  # the guest has no appraisal


def test_calibration_move_recorded_and_bonus_recomputed(aw, api_as):
    hr = api_as("hr")
    cycle_id = _create(hr, aw).json()["id"]
    hr.post(f"/appraisal-cycles/{cycle_id}/start", {"version": 1})
    _to_calibration(hr, aw, cycle_id)
    appraisal = Appraisal.objects.get(cycle_id=cycle_id)
    assert (appraisal.grade, appraisal.bonus_amount) == ("A", Decimal("12000.00"))
    response = hr.post(
        "/calibrations",
        {
            "appraisal_id": appraisal.pk,
            "to_grade": "S",
            "reason": "双十一贡献突出",
            "version": appraisal.version,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["from_grade"], body["to_grade"], body["reason"]) == ("A", "S", "双十一贡献突出")
    assert body["moved_by_id"] == aw.org.person("hr").pk
    appraisal.refresh_from_db()
    assert (appraisal.calibrated_grade, appraisal.bonus_coefficient, appraisal.bonus_amount) == (
        "S",
        Decimal("1.50"),
        Decimal("15000.00"),
    )
    assert hr.get(f"/calibrations/{body['id']}").json()["to_grade"] == "S"
    assert api_as("member").get(f"/calibrations/{body['id']}").status_code == 200  # their own appraisal
    assert api_as("sales_manager").get(f"/calibrations/{body['id']}").status_code == 404
    board = hr.get("/calibrations", cycle_id=cycle_id).json()
    assert board["total"]["grades"][0] == {
        "grade": "S",
        "count": 1,
        "share": "1.0000",
        "out_of_guideline": True,
    }
    assert [m["id"] for m in board["moves"]] == [body["id"]]
    (department,) = board["departments"]
    assert department["name"] == "市场部"
    assert department["suggestions"] == [{"appraisal_id": appraisal.pk, "to_grade": "A"}]
    # A stale version is refused; a missing reason names the field.
    stale = hr.post(
        "/calibrations",
        {"appraisal_id": appraisal.pk, "to_grade": "B", "reason": "x", "version": appraisal.version - 1},
    )
    assert stale.status_code == 409
    no_reason = hr.post(
        "/calibrations",
        {"appraisal_id": appraisal.pk, "to_grade": "B", "reason": " ", "version": appraisal.version},
    )
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    same = hr.post(
        "/calibrations",
        {"appraisal_id": appraisal.pk, "to_grade": "S", "reason": "x", "version": appraisal.version},
    )
    assert same.status_code == 422 and same.json()["field"] == "to_grade"
    # Back to the computed grade clears the calibration.
    back = hr.post(
        "/calibrations",
        {
            "appraisal_id": appraisal.pk,
            "to_grade": "A",
            "reason": "回到计算结果",
            "version": appraisal.version,
        },
    )
    assert back.status_code == 201
    appraisal.refresh_from_db()
    assert (appraisal.calibrated_grade, appraisal.bonus_amount) == ("", Decimal("12000.00"))
    assert CalibrationMove.objects.filter(appraisal=appraisal).count() == 2


def test_calibration_permissions(aw, api_as):
    hr = api_as("hr")
    cycle_id = _create(hr, aw).json()["id"]
    hr.post(f"/appraisal-cycles/{cycle_id}/start", {"version": 1})
    _to_calibration(hr, aw, cycle_id)
    appraisal = Appraisal.objects.get(cycle_id=cycle_id)
    body = {"appraisal_id": appraisal.pk, "to_grade": "S", "reason": "好", "version": appraisal.version}
    assert api_as("sales_manager").post("/calibrations", body).status_code == 404
    assert api_as("member").post("/calibrations", body).status_code == 403  # their own
    assert api_as("viewer").post("/calibrations", body).status_code == 403  # the guest has no appraisal
    assert api_as("member").get("/calibrations", cycle_id=cycle_id).status_code == 403
    # 王强 sees the cycle as a peer reviewer, but nothing of it to calibrate.
    board = api_as("sales_manager").get("/calibrations", cycle_id=cycle_id).json()
    assert board["departments"] == [] and board["total"]["total"] == 0
    assert api_as("mkt_manager").post("/calibrations", body).status_code == 201
    assert api_as("mkt_manager").get("/calibrations", cycle_id=cycle_id).json()["total"]["total"] == 1


def test_calibration_outside_the_stage_is_a_conflict(aw, api_as):
    hr = api_as("hr")
    cycle_id = _create(hr, aw).json()["id"]
    hr.post(f"/appraisal-cycles/{cycle_id}/start", {"version": 1})
    appraisal = Appraisal.objects.get(cycle_id=cycle_id)
    response = hr.post(
        "/calibrations",
        {"appraisal_id": appraisal.pk, "to_grade": "S", "reason": "好", "version": appraisal.version},
    )
    assert response.status_code == 409
    assert Stage.SELF == Cycle.objects.get(pk=cycle_id).stage


def test_start_refused_for_people_appraised_in_another_cycle_of_the_period(aw, api_as):
    hr = api_as("hr")
    first_id = _create(hr, aw).json()["id"]
    assert hr.post(f"/appraisal-cycles/{first_id}/start", {"version": 1}).status_code == 200
    second_id = _create(hr, aw, name="2024Q3 全公司", scope={"department_ids": []}).json()["id"]
    response = hr.post(f"/appraisal-cycles/{second_id}/start", {"version": 1})
    assert response.status_code == 409
    error = response.json()
    assert error["code"] == "already_appraised" and "林晓" in error["message"]
    assert error["errors"] == [
        {
            "code": "already_appraised",
            "message": "林晓",
            "field": "person_id",
            "row": None,
            "detail": {"person_id": aw.person.pk, "cycle_id": first_id},
        }
    ]
    second = hr.get(f"/appraisal-cycles/{second_id}").json()
    assert (second["start_status"], second["version"]) == ("", 1)
    assert not Appraisal.objects.filter(cycle_id=second_id).exists()


def test_stage_dates_out_of_order_name_the_field(aw, api_as):
    response = _create(
        api_as("hr"),
        aw,
        stage_dates=[
            {"stage": "self", "starts": "2024-10-01", "ends": "2024-10-05"},
            {"stage": "manager", "starts": "2024-10-02", "ends": "2024-10-03"},
        ],
    )
    assert response.status_code == 422
    assert response.json()["field"] == "stage_dates.1.ends"
    assert not Cycle.objects.exists()
