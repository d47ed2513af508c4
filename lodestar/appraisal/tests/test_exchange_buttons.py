"""The cycle's results page offers the appraisal table (考核表) as an Excel export to those who may open
the page (the export shows each reader only the appraisals they may see, pay to HR and admins), and its
import to those who may write something in it: the reviewing manager while reviews are open, the
calibrators during calibration, nobody once published (`access.can_import_results`)."""

from __future__ import annotations

import pytest
from django.urls import reverse

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
