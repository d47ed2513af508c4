"""Calibration: the move (who, when, why; the bonus follows), who may move what, the board per department
against the guideline, and bounded queries on the cycle and calibration pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from lodestar.appraisal.calibration_selectors import calibration_board, group_path
from lodestar.appraisal.models import Appraisal, CalibrationMove, Stage
from lodestar.appraisal.services import calibration, cycles
from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.models import Period
from lodestar.testing.organisation import add_simple_person


def _calibrating(aw, departments=None):
    cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3, departments=departments or [aw.org.mkt])
    cycle = cycles.cycle_start(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    aw.rate_worked_example(cycle)
    return cycles.cycle_advance(
        actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION
    )


def test_a_to_s_on_the_worked_example_records_the_move_and_recomputes_the_bonus(aw):
    cycle = _calibrating(aw)
    appraisal = Appraisal.objects.get(cycle=cycle)
    assert appraisal.bonus_amount == Decimal("12000.00")
    move = calibration.calibrate(
        actor=aw.user("mkt_manager"),
        appraisal=appraisal,
        to_grade="S",
        reason="大促贡献",
        version=appraisal.version,
    )
    assert (move.from_grade, move.to_grade, move.reason) == ("A", "S", "大促贡献")
    assert move.moved_by == aw.org.person("mkt_manager") and move.created_at is not None
    appraisal.refresh_from_db()
    assert (appraisal.grade, appraisal.calibrated_grade, appraisal.effective_grade) == ("A", "S", "S")
    assert (appraisal.bonus_coefficient, appraisal.bonus_amount) == (Decimal("1.50"), Decimal("15000.00"))
    # Publishing rescoring keeps the calibrated grade.
    cycles.cycle_publish(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    appraisal.refresh_from_db()
    assert (appraisal.effective_grade, appraisal.bonus_amount) == ("S", Decimal("15000.00"))


def test_a_manager_cannot_calibrate_another_department_or_their_own_appraisal(aw):
    cycle = _calibrating(aw)
    appraisal = Appraisal.objects.get(cycle=cycle)
    with pytest.raises(PermissionDeniedError):
        calibration.calibrate(
            actor=aw.user("sales_manager"), appraisal=appraisal, to_grade="S", reason="x", version=None
        )
    with pytest.raises(PermissionDeniedError):
        calibration.calibrate(
            actor=aw.user("member"), appraisal=appraisal, to_grade="S", reason="x", version=None
        )
    # 赵敏 appraised in a cycle of 市场部: she may not move her own grade. (Of Q4: 林晓, in scope too, has her
    # Q3 appraisal already, and a person has one appraisal per period.)
    manager = aw.org.person("mkt_manager")
    manager.position = aw.position
    manager.save()
    q4 = Period.objects.get(kind="quarter", key="FY2024-Q4")
    cycle2 = cycles.cycle_create(actor=aw.user("hr"), period=q4, departments=[aw.org.mkt], name="二")
    cycles.cycle_start(actor=aw.user("hr"), cycle=cycle2, version=cycle2.version)
    own = Appraisal.objects.get(cycle=cycle2, person=manager)
    assert own.department == aw.org.mkt
    assert not CalibrationMove.objects.exists()
    cycle2.refresh_from_db()
    cycles.cycle_advance(
        actor=aw.user("hr"), cycle=cycle2, version=cycle2.version, to_stage=Stage.CALIBRATION
    )
    own.refresh_from_db()
    with pytest.raises(PermissionDeniedError):
        calibration.calibrate(
            actor=aw.user("mkt_manager"), appraisal=own, to_grade="S", reason="x", version=None
        )


def test_a_grade_the_cycle_cannot_give_is_refused(aw):
    cycle = _calibrating(aw)
    appraisal = Appraisal.objects.get(cycle=cycle)
    with pytest.raises(ApplicationError) as exc:
        calibration.calibrate(
            actor=aw.user("hr"), appraisal=appraisal, to_grade="D", reason="x", version=None
        )
    assert exc.value.field == "to_grade"


def test_groups_are_first_level_departments_unless_the_reader_manages_deeper():
    assert group_path("/1/2/5/", []) == "/1/2/"
    assert group_path("/1/", []) == "/1/"
    assert group_path("/1/2/5/9/", ["/1/2/5/"]) == "/1/2/5/"
    assert group_path("/1/2/5/", ["/1/"]) == "/1/2/"


def test_the_board_hides_the_managers_own_appraisal(aw):
    manager = aw.org.person("mkt_manager")
    manager.position = aw.position
    manager.save()
    cycle = _calibrating(aw)
    names = {
        a.person.display_name
        for g in calibration_board(aw.user("mkt_manager"), cycle).groups
        for a in g.appraisals
    }
    assert names == {"林晓"}
    hr_names = {
        a.person.display_name for g in calibration_board(aw.user("hr"), cycle).groups for a in g.appraisals
    }
    assert hr_names == {"林晓", "赵敏"}


def test_calibration_page_move_form_and_log(aw, client_as):
    cycle = _calibrating(aw)
    appraisal = Appraisal.objects.get(cycle=cycle)
    client = client_as("mkt_manager", HTTP_ACCEPT_LANGUAGE="zh-hans")
    url = reverse("appraisal:calibration", args=[cycle.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="move-form"' in page and "市场部" in page
    response = client.post(
        reverse("appraisal:calibration_move", args=[cycle.pk]),
        {"appraisal": appraisal.pk, "version": appraisal.version, "to_grade": "S", "reason": ""},
    )
    assert response.status_code == 302 and not CalibrationMove.objects.exists()
    client.post(
        reverse("appraisal:calibration_move", args=[cycle.pk]),
        {"appraisal": appraisal.pk, "version": appraisal.version, "to_grade": "S", "reason": "大促贡献"},
    )
    page = client.get(url).content.decode()
    assert "A → S" in page and "大促贡献" in page and "赵敏" in page
    assert 'data-testid="out-of-guideline"' in page  # 1 S of 1 person is over 10%
    other = client_as("sales_manager").post(
        reverse("appraisal:calibration_move", args=[cycle.pk]),
        {"appraisal": appraisal.pk, "version": appraisal.version + 1, "to_grade": "B", "reason": "x"},
    )
    assert other.status_code == 404


def _suggested(board) -> dict[int, str]:
    return {key: grade for group in [*board.groups, board.total] for key, grade in group.suggestions.items()}


@pytest.mark.parametrize("stage", [Stage.SELF, Stage.MANAGER, Stage.PEER, Stage.PUBLISHED, Stage.FEEDBACK])
def test_people_to_move_are_suggested_only_in_the_calibration_stage(aw, client_as, api_as, stage):
    cycle = _calibrating(aw)
    appraisal = Appraisal.objects.get(cycle=cycle)
    calibration.calibrate(
        actor=aw.user("hr"), appraisal=appraisal, to_grade="S", reason="大促贡献", version=appraisal.version
    )
    url = reverse("appraisal:calibration", args=[cycle.pk])
    # In calibration: 1 S of 1 person is over 10%, the guideline points at her (→ A).
    assert _suggested(calibration_board(aw.user("hr"), cycle)) == {appraisal.pk: "A"}
    page = client_as("hr").get(url).content.decode()
    assert 'data-testid="suggestion"' in page and "→ A" in page
    # Any other stage (the reviews before, publishing and the feedback after): the grades stand, no
    # suggestion — on the page or in the API; the distribution still shows the guideline is not met.
    type(cycle).objects.filter(pk=cycle.pk).update(stage=stage)
    cycle.refresh_from_db()
    assert _suggested(calibration_board(aw.user("hr"), cycle)) == {}
    page = client_as("hr").get(url).content.decode()
    assert 'data-testid="suggestion"' not in page and 'data-testid="out-of-guideline"' in page
    board = api_as("hr").get("/calibrations", cycle_id=cycle.pk).json()
    assert [d["suggestions"] for d in board["departments"]] == [[]] and board["total"]["suggestions"] == []


def _with_people(aw, n):
    for i in range(n - 1):
        person = add_simple_person(f"p{n}_{i}", f"员工{n}_{i}", aw.org.content)
        person.position = aw.position
        person.save()
    return _calibrating(aw)


@pytest.mark.parametrize("page", ["appraisal:cycle_detail", "appraisal:calibration"])
def test_queries_do_not_grow_with_the_cycle(aw, client_as, django_assert_max_num_queries, page):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = _with_people(aw, 5)
    client = client_as("hr")
    client.get(reverse(page, args=[small.pk]))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(page, args=[small.pk])).status_code == 200
    for appraisal in Appraisal.objects.filter(cycle=small):
        appraisal.delete()
    small.delete()
    large = _with_people(aw, 20)
    assert Appraisal.objects.filter(cycle=large).count() >= 20
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(page, args=[large.pk])).status_code == 200
