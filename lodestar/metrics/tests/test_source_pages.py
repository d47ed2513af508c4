"""Changing and deleting a data source on its pages: who may, what a change keeps, what a delete takes."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from lodestar.metrics.models import DataSource, MetricImport, MetricPoint, SourceMetric
from lodestar.metrics.tests.support import csv_bytes, daily_rows
from lodestar.metrics.tests.test_api_and_pages import page_for


def _form(source, **changes) -> dict:
    data = {
        "name": source.name,
        "kind": source.kind,
        "department": source.department_id or "",
        "description": source.description,
        "is_active": "on" if source.is_active else "",
        "version": source.version,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_a_manager_of_the_source_renames_it_and_a_stale_form_is_refused(org, source):
    client = page_for(org, "member")
    detail = client.get(reverse("metrics:source_detail", args=[source.pk])).content.decode()
    assert 'data-testid="edit-source"' in detail and 'data-testid="delete-source"' in detail
    edit = reverse("metrics:source_edit", args=[source.pk])
    assert client.get(edit).status_code == 200
    stale = _form(source, name="旧名字")
    response = client.post(edit, _form(source, name="抖音罗盘（新）", description="每日导出"))
    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.name, source.description, source.version) == ("抖音罗盘（新）", "每日导出", 2)
    refused = client.post(edit, stale)
    html = refused.content.decode()
    assert refused.status_code == 200 and "该记录已被他人修改" in html
    source.refresh_from_db()
    assert source.name == "抖音罗盘（新）"


def test_readers_get_no_controls_and_403_and_a_member_cannot_move_a_source_out_of_reach(org, source):
    viewer = page_for(org, "viewer")
    page = viewer.get(reverse("metrics:source_detail", args=[source.pk])).content.decode()
    assert 'data-testid="edit-source"' not in page and 'data-testid="delete-source"' not in page
    assert viewer.get(reverse("metrics:source_edit", args=[source.pk])).status_code == 403
    assert viewer.post(reverse("metrics:source_delete", args=[source.pk])).status_code == 403
    # The member may manage 市场部's source but may not hand it to 销售部.
    member = page_for(org, "member")
    response = member.post(
        reverse("metrics:source_edit", args=[source.pk]), _form(source, department=org.sales.pk)
    )
    assert response.status_code in (200, 403)
    source.refresh_from_db()
    assert source.department == org.mkt and DataSource.objects.count() == 1


def test_an_inactive_source_takes_no_import_and_shows_no_upload_form(org, source):
    client = page_for(org, "member")
    client.post(reverse("metrics:source_edit", args=[source.pk]), _form(source, is_active=""))
    source.refresh_from_db()
    assert source.is_active is False
    page = client.get(reverse("metrics:source_detail", args=[source.pk])).content.decode()
    assert 'data-testid="upload-form"' not in page
    response = client.post(
        reverse("metrics:import_upload", args=[source.pk]),
        {"file": SimpleUploadedFile("export.csv", csv_bytes(daily_rows(2)))},
    )
    assert response.status_code == 200 and not MetricImport.objects.exists()


def test_delete_confirms_what_goes_with_the_source_then_deletes_it(org, source):
    client = page_for(org, "member")
    client.post(
        reverse("metrics:import_upload", args=[source.pk]),
        {"file": SimpleUploadedFile("export.csv", csv_bytes(daily_rows(2)))},
    )
    metric_import = MetricImport.objects.get()
    client.post(
        reverse("metrics:import_mapping", args=[metric_import.pk]),
        {"date_column": "日期", "channel_column": "渠道", "metric_2": "成交金额", "metric_3": "访客数"},
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("metrics:import_start", args=[metric_import.pk]))
    points = MetricPoint.objects.count()
    assert points == 8
    confirm = client.get(reverse("metrics:source_delete", args=[source.pk])).content.decode()
    assert 'data-testid="source-delete"' in confirm and "8" in confirm
    response = client.post(reverse("metrics:source_delete", args=[source.pk]))
    assert response.status_code == 302 and response.url == reverse("metrics:sources")
    assert not DataSource.objects.exists()
    assert not SourceMetric.objects.exists() and not MetricPoint.objects.exists()
    assert not MetricImport.objects.exists()
