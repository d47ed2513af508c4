"""The check-in pages offer the Excel exchange: export to every reader, import only to those who may write
(the exchange views' own checks: `require_person`, then `can_write` for the import)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

PAGES = ("tracking:report", "tracking:department_report")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("role", "can_import"), [("member", True), ("mkt_manager", True), ("viewer", False)])
def test_export_for_every_reader_import_for_writers(org, client_as, page, role, can_import):
    response = client_as(role).get(reverse(page))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="export-checkins"' in body
    assert reverse("exchange:export", args=["check-ins"]) in body
    assert ('data-testid="import-checkins"' in body) is can_import
    assert (reverse("exchange:import_upload", args=["check-ins"]) in body) is can_import


@pytest.mark.parametrize(("role", "may_import"), [("member", True), ("viewer", False)])
def test_the_buttons_match_what_the_exchange_views_allow(org, client_as, role, may_import):
    from lodestar.exchange.models import TableImport

    client = client_as(role)
    export = client.get(reverse("exchange:export", args=["check-ins"]))
    assert export.status_code == 200
    workbook = SimpleUploadedFile("check-ins.xlsx", b"".join(export.streaming_content))
    answer = client.post(reverse("exchange:import_upload", args=["check-ins"]), {"file": workbook})
    # A writer's file is taken (on to the import's report); a viewer's is refused on the form, nothing stored.
    assert (answer.status_code == 302) is may_import
    assert TableImport.objects.exists() is may_import
