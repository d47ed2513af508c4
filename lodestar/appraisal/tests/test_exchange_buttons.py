"""The cycle's results page offers the appraisal table (考核表) as an Excel export to those who may open
the page (the export shows each reader only the appraisals they may see, pay to HR and admins); the table
is computed, so there is never an import button."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lodestar.appraisal.services import cycles


@pytest.mark.parametrize("role", ["hr", "admin", "mkt_manager", "member"])
def test_export_shown_import_never(aw, client_as, role):
    cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3, departments=[aw.org.mkt], name="Q3 市场部")
    cycle = cycles.cycle_start(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    response = client_as(role).get(reverse("appraisal:cycle_detail", args=[cycle.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="export-appraisals"' in body
    assert reverse("exchange:export", args=["appraisals"]) in body
    assert reverse("exchange:import_upload", args=["appraisals"]) not in body
    assert client_as(role).get(reverse("exchange:export", args=["appraisals"])).status_code == 200


def test_no_page_no_button_for_the_guest(aw, client_as):
    cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3, departments=[aw.org.mkt], name="Q3 市场部")
    response = client_as("viewer").get(reverse("appraisal:cycle_detail", args=[cycle.pk]))
    assert response.status_code == 403
    assert b"export-appraisals" not in response.content
