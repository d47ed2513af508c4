"""The retrospectives list offers the Excel exchange (营销目标复盘分析表): export to every reader, in the
list's period and department; import only to those the exchange import lets write (`can_write`)."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("role", "can_import"), [("member", True), ("mkt_manager", True), ("hr", True), ("viewer", False)]
)
def test_export_for_every_reader_import_for_writers(org, client_as, role, can_import):
    response = client_as(role).get(reverse("retrospectives:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="export-retrospectives"' in body
    assert ('data-testid="import-retrospectives"' in body) is can_import
    assert (reverse("exchange:import_upload", args=["retrospectives"]) in body) is can_import


def test_the_export_keeps_the_lists_filters(org, client_as):
    department = org.person("member").department
    body = (
        client_as("member")
        .get(reverse("retrospectives:list"), {"department": department.pk})
        .content.decode()
    )
    export = reverse("exchange:export", args=["retrospectives"])
    assert f"{export}?period=&amp;department={department.pk}" in body
