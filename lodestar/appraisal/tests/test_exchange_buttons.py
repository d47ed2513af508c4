"""The cycle's results page offers the appraisal table (考核表) as an Excel export to those who may open
the page (the export shows each reader only the appraisals they may see, pay to HR and admins), and its
import to those who may write something in it: the reviewing manager while reviews are open, the
calibrators during calibration, nobody once published (`access.can_import_results`)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lodestar.appraisal import access
from lodestar.appraisal.models import Review, ReviewRole, Stage
from lodestar.appraisal.services import cycles


def _advance(aw, cycle, times: int):
    for _step in range(times):
        cycle.refresh_from_db()
        cycle = cycles.cycle_advance(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    return cycle


@pytest.mark.parametrize(
    ("role", "while_reviewing", "in_calibration"),
    [("hr", False, True), ("admin", False, True), ("mkt_manager", True, True), ("member", False, False)],
)
def test_export_for_every_reader_import_for_who_may_write(
    aw, client_as, role, while_reviewing, in_calibration
):
    cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3, departments=[aw.org.mkt], name="Q3 市场部")
    cycle = cycles.cycle_start(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    for stage, shown in (("self", while_reviewing), ("calibration", in_calibration)):
        if stage == "calibration":
            cycle = _advance(aw, cycle, 3)
        response = client_as(role).get(reverse("appraisal:cycle_detail", args=[cycle.pk]))
        assert response.status_code == 200
        body = response.content.decode()
        assert 'data-testid="export-appraisals"' in body
        assert reverse("exchange:export", args=["appraisals"]) in body
        assert (reverse("exchange:import_upload", args=["appraisals"]) in body) is shown, stage
    assert client_as(role).get(reverse("exchange:export", args=["appraisals"])).status_code == 200


def test_no_page_no_button_for_the_guest(aw, client_as):
    cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3, departments=[aw.org.mkt], name="Q3 市场部")
    response = client_as("viewer").get(reverse("appraisal:cycle_detail", args=[cycle.pk]))
    assert response.status_code == 403
    assert b"export-appraisals" not in response.content


def test_calibration_import_only_for_who_may_calibrate_one_of_its_appraisals(aw, client_as):
    """王强 manages 销售部 and opens the 市场部 cycle as 林晓's peer reviewer: he may see calibration
    boards, but calibrates none of this cycle's appraisals (`can_calibrate`, the check the import's
    grade column goes through, refuses him), so no import button; HR's page has it."""
    cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3, departments=[aw.org.mkt], name="Q3 市场部")
    cycle = cycles.cycle_start(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    appraisal = cycle.appraisals.get(person=aw.person)
    Review.objects.create(appraisal=appraisal, reviewer=aw.peer, role=ReviewRole.PEER)
    cycle = _advance(aw, cycle, 3)
    assert cycle.stage == Stage.CALIBRATION
    appraisal.refresh_from_db()
    upload = reverse("exchange:import_upload", args=["appraisals"])
    page = reverse("appraisal:cycle_detail", args=[cycle.pk])

    peer_manager = client_as("sales_manager").get(page)
    assert peer_manager.status_code == 200
    assert 'data-testid="export-appraisals"' in peer_manager.content.decode()
    assert 'data-testid="import-appraisals"' not in peer_manager.content.decode()
    assert upload not in peer_manager.content.decode()
    assert not access.can_calibrate(aw.user("sales_manager"), appraisal)

    hr = client_as("hr").get(page).content.decode()
    assert 'data-testid="import-appraisals"' in hr and upload in hr
    assert access.can_calibrate(aw.user("hr"), appraisal)
