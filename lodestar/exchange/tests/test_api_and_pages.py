"""GET /api/v1/exports/goals, POST /api/v1/imports/goals (202 + status with row errors and conflicts), and the
pages: the export button, the upload page, the report and its confirm step."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from openpyxl import load_workbook

from lodestar.core.testing import ApiClient
from lodestar.exchange.models import TableImport
from lodestar.exchange.tests.conftest import export_workbook, load, rows_by_name
from lodestar.goals.models import Goal
from lodestar.org.services import api_token_create
from lodestar.testing.organisation import fresh_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def api_for(world, key: str, language: str | None = None) -> ApiClient:
    return ApiClient(
        token=api_token_create(actor=fresh_user(world.person(key)), name="t")[1], language=language
    )


def page_for(world, key: str) -> Client:
    client = Client()
    client.force_login(fresh_user(world.person(key)))
    return client


def _edited_file(world, goals, tmp_path) -> bytes:
    path = export_workbook(fresh_user(world.mkt_manager), tmp_path)
    book = load(path)
    sheet = book.worksheets[0]
    sheet.cell(rows_by_name(sheet)["小红书品牌曝光"], 9).value = "API edit"
    book.save(path)
    return path.read_bytes()


def test_api_export_streams_the_visible_goals(world, goals):
    api = api_for(world, "member", language="en")
    response = api.get("/exports/goals", period_id=world.q3.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    assert sheet["A1"].value == "Goal name"
    assert {sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)} == {
        "新品A Q3销售额",
        "小红书品牌曝光",
    }
    assert api.get("/exports/unknown").status_code == 422
    assert ApiClient().get("/exports/goals").status_code == 401


def test_api_import_check_then_apply(world, goals, tmp_path):
    api = api_for(world, "mkt_manager")
    upload = SimpleUploadedFile("goals.xlsx", _edited_file(world, goals, tmp_path), content_type=XLSX)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.client.post("/api/v1/imports/goals", {"file": upload}, headers=api.headers)
    assert response.status_code == 202, response.content
    import_id = response.json()["id"]
    detail = api.get(f"/imports/goals/{import_id}").json()
    assert (detail["status"], detail["updated"], detail["unchanged"]) == ("checked", 1, 1)
    assert Goal.objects.get(pk=goals["exposure"].pk).notes == ""  # the check writes nothing
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.post(f"/imports/goals/{import_id}/apply", {"skip_bad_rows": False})
    assert response.status_code == 202
    detail = api.get(f"/imports/goals/{import_id}").json()
    assert (detail["status"], detail["updated"], detail["errors"], detail["conflicts"]) == ("done", 1, [], [])
    assert Goal.objects.get(pk=goals["exposure"].pk).notes == "API edit"
    # Done is done; another person cannot see the import.
    assert api.post(f"/imports/goals/{import_id}/apply", {}).status_code == 409
    assert api_for(world, "sales_manager").get(f"/imports/goals/{import_id}").status_code == 404


def test_api_import_reports_conflicts_and_refuses_bad_files(world, goals, tmp_path):
    data = _edited_file(world, goals, tmp_path)
    goal = Goal.objects.get(pk=goals["exposure"].pk)
    from lodestar.goals import services

    services.goal_update(
        actor=fresh_user(world.mkt_manager), goal=goal, version=goal.version, notes="in the app"
    )
    api = api_for(world, "mkt_manager")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.client.post(
            "/api/v1/imports/goals",
            {"file": SimpleUploadedFile("goals.xlsx", data), "apply": "true"},
            headers=api.headers,
        )
    detail = api.get(f"/imports/goals/{response.json()['id']}").json()
    assert detail["status"] == "invalid"
    assert detail["conflicts"][0]["id"] == goal.pk and detail["conflicts"][0]["row"] >= 2
    response = api.post(f"/imports/goals/{detail['id']}/apply", {"skip_bad_rows": False})
    assert response.status_code == 422 and response.json()["field"] == "skip_bad_rows"
    assert Goal.objects.get(pk=goal.pk).notes == "in the app"

    response = api.client.post(
        "/api/v1/imports/goals",
        {"file": SimpleUploadedFile("x.xlsx", b"not a workbook")},
        headers=api.headers,
    )
    assert response.status_code == 422 and response.json()["field"] == "file"
    response = api.client.post("/api/v1/imports/goals", {}, headers=api.headers)
    assert response.status_code == 422 and response.json()["code"] == "required"
    response = api.client.post(
        "/api/v1/imports/goals",
        {"file": SimpleUploadedFile("goals.xlsx", data), "skip_bad_row": "true"},
        headers=api.headers,
    )
    assert response.status_code == 422 and response.json()["field"] == "skip_bad_row"
    viewer = api_for(world, "viewer")
    response = viewer.client.post(
        "/api/v1/imports/goals", {"file": SimpleUploadedFile("goals.xlsx", data)}, headers=viewer.headers
    )
    assert response.status_code == 403
    assert TableImport.objects.count() == 1


def test_pages_export_button_upload_report_and_confirm(world, goals, tmp_path):
    client = page_for(world, "mkt_manager")
    table = client.get(f"/goals/?department={world.mkt.pk}&period={world.q3.pk}")
    assert 'data-testid="export-goals"' in table.content.decode()
    download = client.get(f"/exchange/goals/export/?department={world.mkt.pk}&period={world.q3.pk}")
    assert download.status_code == 200 and download["Content-Type"] == XLSX
    assert client.get("/exchange/goals/import/").status_code == 200
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/exchange/goals/import/",
            {"file": SimpleUploadedFile("goals.xlsx", _edited_file(world, goals, tmp_path))},
        )
    assert response.status_code == 302
    report = client.get(response["Location"])
    html = report.content.decode()
    assert 'data-testid="confirm-import"' in html
    table_import = TableImport.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"/exchange/imports/{table_import.pk}/apply/")
    table_import.refresh_from_db()
    assert table_import.status == "done"
    assert Goal.objects.get(pk=goals["exposure"].pk).notes == "API edit"
    assert page_for(world, "sales_manager").get(f"/exchange/imports/{table_import.pk}/").status_code == 404


def test_page_upload_of_a_bad_file_shows_the_error(world, goals):
    client = page_for(world, "mkt_manager")
    response = client.post(
        "/exchange/goals/import/", {"file": SimpleUploadedFile("goals.xlsx", b"PK\x03\x04junk")}
    )
    assert response.status_code == 200
    assert 'data-testid="upload-error"' in response.content.decode()
