"""The import flow through the API and the pages, permissions and query counts of the pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse

from lodestar.core.testing import ApiClient
from lodestar.metrics import access
from lodestar.metrics.models import DataSource, MetricImport, MetricPoint
from lodestar.metrics.tests.support import MAPPING, csv_bytes, daily_rows
from lodestar.org.services import api_token_create
from lodestar.testing.organisation import fresh_user


def api_for(org, role: str) -> ApiClient:
    return ApiClient(token=api_token_create(actor=fresh_user(org.person(role)), name="t")[1])


def page_for(org, role: str) -> Client:
    client = Client()
    client.force_login(fresh_user(org.person(role)))
    return client


def test_api_flow_upload_map_preview_start_series(org, source):
    api = api_for(org, "member")
    rows = daily_rows(3)
    rows[2][3] = "N/A"
    upload = SimpleUploadedFile("export.csv", csv_bytes(rows))
    response = api.client.post(
        "/api/v1/metric-imports", {"source_id": source.pk, "file": upload}, headers=api.headers
    )
    assert response.status_code == 202, response.content
    import_id = response.json()["id"]
    assert response.json()["status"] == "uploaded"
    detail = api.get(f"/metric-imports/{import_id}").json()
    assert detail["headers"] == ["日期", "渠道", "成交金额", "访客数", "转化率"]
    assert detail["mapping"]["date_column"] == "日期"  # guessed from the header
    # A misspelt key inside a column's mapping is refused, not ignored (found by schemathesis).
    typo = {**MAPPING, "columns": [{**MAPPING["columns"][0], "mesure_id": 1}]}
    response = api.put(f"/metric-imports/{import_id}/mapping", typo)
    assert response.status_code == 422 and response.json()["code"] == "unknown_field", response.content
    response = api.put(f"/metric-imports/{import_id}/mapping", MAPPING)
    assert response.status_code == 200, response.content
    preview = api.get(f"/metric-imports/{import_id}/preview").json()["rows"]
    assert preview[0]["values"][0] == {"column": "成交金额", "value": "900000.00"}
    assert preview[2]["errors"][0]["code"] == "not_available"
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.post(f"/metric-imports/{import_id}/start", {"skip_bad_rows": False})
    assert response.status_code == 202
    detail = api.get(f"/metric-imports/{import_id}").json()
    assert detail["status"] == "invalid" and detail["progress"] == "1.0000"
    assert detail["errors"] == [
        {"row": 4, "field": "访客数", "code": "not_available", "message": detail["errors"][0]["message"]}
    ]
    assert "N/A" in detail["errors"][0]["message"]
    assert MetricPoint.objects.count() == 0
    with TestCase.captureOnCommitCallbacks(execute=True):
        api.post(f"/metric-imports/{import_id}/start", {"skip_bad_rows": True})
    detail = api.get(f"/metric-imports/{import_id}").json()
    assert (detail["status"], detail["rows_ok"], detail["points_created"]) == ("done", 5, 15)
    series = api.get("/metric-series", source_id=source.pk, metric="成交金额", start="2031-07-02").json()
    assert series["count"] == 3  # 2031-07-02 抖音 (line 4) was skipped
    assert {p["value"] for p in series["items"]} >= {"901311.50"}  # 天猫 on 07-02: 900000 + 1234 + 77 + 0.5
    # A started import cannot be re-mapped.
    assert api.put(f"/metric-imports/{import_id}/mapping", MAPPING).status_code == 409


def test_api_refuses_unreadable_uploads(org, source):
    api = api_for(org, "member")
    upload = SimpleUploadedFile("export.csv", b"")
    response = api.client.post(
        "/api/v1/metric-imports", {"source_id": source.pk, "file": upload}, headers=api.headers
    )
    assert response.status_code == 422 and response.json()["code"] == "empty"
    response = api.client.post("/api/v1/metric-imports", {"source_id": source.pk}, headers=api.headers)
    assert response.status_code == 422 and response.json()["field"] == "file"
    assert MetricImport.objects.count() == 0


def test_api_sources_and_metrics(org):
    api = api_for(org, "mkt_manager")
    response = api.post("/data-sources", {"name": "天猫生意参谋", "department_id": org.mkt.pk})
    assert response.status_code == 201, response.content
    source = response.json()
    assert api.post("/data-sources", {"name": "天猫生意参谋", "department_id": org.mkt.pk}).status_code == 422
    metric = api.post(f"/data-sources/{source['id']}/metrics", {"name": "成交金额", "unit": "元"}).json()
    assert metric["tolerance"] == "0.0500" and metric["aggregation"] == "sum"
    patched = api.patch(
        f"/data-sources/{source['id']}/metrics/{metric['id']}",
        {"version": metric["version"], "tolerance": "0.08"},
    )
    assert patched.json()["tolerance"] == "0.0800"
    stale = api.patch(f"/data-sources/{source['id']}/metrics/{metric['id']}", {"version": 1, "unit": "万元"})
    assert stale.status_code == 409
    # HR reads but does not manage; a company-wide source is the admins'.
    assert (
        api_for(org, "hr").post(f"/data-sources/{source['id']}/metrics", {"name": "访客数"}).status_code
        == 403
    )
    assert api.post("/data-sources", {"name": "财务"}).status_code == 403
    assert api_for(org, "admin").post("/data-sources", {"name": "财务", "kind": "finance"}).status_code == 201


def test_access_rules(org, source):
    company_wide = DataSource.objects.create(name="财务系统")
    sales_source = DataSource.objects.create(name="销售CRM", department=org.sales)
    member, viewer, hr = (fresh_user(org.person(r)) for r in ("member", "viewer", "hr"))
    sales_manager = fresh_user(org.person("sales_manager"))
    assert set(access.visible_sources(member)) == {source, company_wide}  # 内容组 reads 市场部's source
    assert access.can_manage_source(member, source) and not access.can_manage_source(member, company_wide)
    assert access.can_read_source(viewer, source) and not access.can_manage_source(viewer, source)
    assert access.can_read_source(hr, sales_source) and not access.can_manage_source(hr, sales_source)
    assert not access.can_read_source(sales_manager, source)
    assert access.can_manage_source(sales_manager, sales_source)


def test_pages_walk_the_wizard(org, source):
    client = page_for(org, "member")
    assert client.get(reverse("metrics:sources")).status_code == 200
    response = client.post(
        reverse("metrics:import_upload", args=[source.pk]),
        {"file": SimpleUploadedFile("export.csv", csv_bytes(daily_rows(2)))},
    )
    metric_import = MetricImport.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "metrics:import_detail", args=[metric_import.pk]
    )
    page = client.get(response.url).content.decode()
    assert 'data-testid="mapping-form"' in page
    form = {
        "date_column": "日期",
        "channel_column": "渠道",
        "metric_2": "成交金额",
        "metric_3": "访客数",
        "metric_4": "",
    }
    client.post(reverse("metrics:import_mapping", args=[metric_import.pk]), form)
    page = client.get(response.url).content.decode()
    assert 'data-testid="preview"' in page and "900000" in page
    # Before validation no row has been counted: the page does not claim "0 rows read".
    assert "尚未校验" in page and "已读取" not in page
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("metrics:import_start", args=[metric_import.pk]))
    metric_import.refresh_from_db()
    assert metric_import.status == "done" and metric_import.points_created == 8
    partial = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="import-summary"' in partial and "<html" not in partial
    rows = metric_import.rows_total
    assert rows > 0 and f"已读取 {rows} 行：{rows} 行正确，0 行有误" in partial
    detail = client.get(reverse("metrics:source_detail", args=[source.pk])).content.decode()
    assert "900,000" in detail and 'data-testid="upload-form"' in detail
    # The viewer reads the source but is shown no upload form.
    viewer_page = (
        page_for(org, "viewer").get(reverse("metrics:source_detail", args=[source.pk])).content.decode()
    )
    assert 'data-testid="series-table"' in viewer_page and 'data-testid="upload-form"' not in viewer_page


def test_invalid_import_page_lists_every_bad_row(org, source):
    rows = daily_rows(3)
    rows[0][0] = "2031/2/30"
    rows[5][2] = "abc"
    client = page_for(org, "member")
    client.post(
        reverse("metrics:import_upload", args=[source.pk]),
        {"file": SimpleUploadedFile("e.csv", csv_bytes(rows))},
    )
    metric_import = MetricImport.objects.get()
    client.post(
        reverse("metrics:import_mapping", args=[metric_import.pk]),
        {"date_column": "日期", "channel_column": "渠道", "metric_2": "成交金额"},
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("metrics:import_start", args=[metric_import.pk]))
    page = client.get(reverse("metrics:import_detail", args=[metric_import.pk])).content.decode()
    assert page.count('data-testid="error-row"') == 2 and 'data-testid="skip-bad-rows"' in page


@pytest.mark.parametrize("count", [2, 12])
def test_source_page_query_count_is_constant(org, source, django_assert_max_num_queries, count):
    metric = source.metrics.create(name="成交金额")
    for i in range(count):
        source.metrics.create(name=f"指标{i}")
        MetricPoint.objects.create(metric=metric, date=f"2031-07-{i + 1:02d}", value=Decimal(i))
        MetricImport.objects.create(source=source, filename=f"{i}.csv", created_by=org.person("member"))
    client = page_for(org, "member")
    with django_assert_max_num_queries(14):
        assert client.get(reverse("metrics:source_detail", args=[source.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("metrics:sources")).status_code == 200
