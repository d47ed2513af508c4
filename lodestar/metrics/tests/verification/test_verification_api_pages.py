"""/discrepancies and /spot-checks (API.md 数据交叉验证), and the pages under /data/verification/:
who sees and who settles, the pair side by side with both series, spot checks. Fixtures in conftest.py."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from lodestar.metrics import verification
from lodestar.metrics.models import Discrepancy, SpotCheck
from lodestar.metrics.tests.verification.conftest import WEEK, add_points
from lodestar.tracking.services import checkin_submit

from .conftest import user_of


@pytest.fixture
def discrepancy(org, goal, measure, metric_for):
    metric = metric_for()
    add_points(metric, {WEEK[0]: 60_000, WEEK[1]: 40_000})
    checkin_submit(
        actor=user_of(org.member),
        measure=measure,
        period_start=WEEK[0],
        period_end=WEEK[1],
        actual=Decimal(108_000),
    )
    verification.verify_metrics([metric.pk])
    return Discrepancy.objects.get()


def test_list_and_detail_fields(api, discrepancy, measure):
    body = api("member").get("/discrepancies", status="open").json()
    assert body["count"] == 1 and body["page"] == 1
    item = body["items"][0]
    assert item["measure_id"] == measure.pk and item["period_start"] == "2026-11-16"
    assert (item["reported"], item["source"]) == ("108000.00", "100000.00")
    assert (item["difference_rate"], item["tolerance"], item["status"]) == ("0.0800", "0.0500", "open")
    assert api("member").get(f"/discrepancies/{discrepancy.pk}").json()["id"] == discrepancy.pk


def test_patch_explain_needs_a_note_and_the_version(api, discrepancy):
    url = f"/discrepancies/{discrepancy.pk}"
    response = api("member").patch(url, {"status": "explained", "version": discrepancy.version})
    assert response.status_code == 422 and response.json()["field"] == "note"
    response = api("member").patch(url, {"status": "explained", "note": "退款次周入账", "version": 99})
    assert response.status_code == 409
    response = api("member").patch(
        url, {"status": "explained", "note": "退款次周入账", "version": discrepancy.version}
    )
    assert response.status_code == 200 and response.json()["status"] == "explained"
    assert (
        api("viewer").patch(url, {"status": "resolved", "version": discrepancy.version + 1}).status_code
        == 403
    )


def test_spot_checks_by_managers(api, source):
    payload = {
        "source_id": source.pk,
        "period_start": "2026-11-16",
        "period_end": "2026-11-22",
        "result": "ok",
    }
    assert api("member").post("/spot-checks", payload).status_code == 403
    response = api("mkt_manager").post("/spot-checks", payload)
    assert response.status_code == 201 and response.json()["result"] == "ok"
    bad = api("mkt_manager").post("/spot-checks", {**payload, "period_end": "2026-11-01"})
    assert bad.status_code == 422 and bad.json()["field"] == "period_end"
    assert api("member").get("/spot-checks").json()["count"] == 1


def test_pages_list_detail_settle_and_spot_check(client_for, discrepancy, goal, source, org):
    member = client_for("member")
    listing = member.get("/data/verification/")
    assert listing.status_code == 200 and "+8.0%" in listing.content.decode()
    # The figures as the dashboard shows them (zh-Hans alone would group none: 108000.00).
    assert "108,000.00" in listing.content.decode() and "100,000.00" in listing.content.decode()
    assert (
        'data-testid="spot-check-form"' not in listing.content.decode()
    )  # members do not record spot checks
    page = member.get(f"/data/verification/{discrepancy.pk}/")
    html = page.content.decode()
    assert 'id="pair-chart"' in html and 'data-testid="settle-form"' in html
    assert "108,000.00" in html and "108000.00" not in html
    chart = json.loads(html.split('id="pair-chart-data"')[1].split(">", 1)[1].split("</script>")[0])
    assert chart["series"][0]["data"] == [108000.0] and chart["series"][1]["data"] == [
        pytest.approx(100000.0)
    ]
    goal_page = member.get(f"/goals/{goal.pk}/").content.decode()
    assert 'data-testid="goal-verification"' in goal_page
    response = member.post(
        f"/data/verification/{discrepancy.pk}/settle/",
        {"status": "resolved", "note": "已按后台更正", "version": discrepancy.version},
    )
    assert response.status_code == 302
    discrepancy.refresh_from_db()
    assert discrepancy.status == "resolved" and discrepancy.resolved_by == org.member
    viewer = client_for("viewer")
    assert (
        'data-testid="settle-form"'
        not in viewer.get(f"/data/verification/{discrepancy.pk}/").content.decode()
    )
    manager = client_for("mkt_manager")
    assert 'data-testid="spot-check-form"' in manager.get("/data/verification/").content.decode()
    manager.post(
        "/data/verification/spot-checks/new/",
        {"source": source.pk, "period_start": "2026-11-16", "period_end": "2026-11-22", "result": "mismatch"},
    )
    assert SpotCheck.objects.get().result == "mismatch"
    assert client_for("sales_manager").get("/data/verification/99999/").status_code == 404


def test_list_query_count_is_constant(client_for, discrepancy, django_assert_max_num_queries):
    member = client_for("member")
    member.get("/data/verification/")
    with django_assert_max_num_queries(20):
        assert member.get("/data/verification/?status=all").status_code == 200


def test_a_refused_spot_check_or_settle_keeps_what_was_typed(client_for, discrepancy, source):
    """Walking the page: an incomplete spot check sent the reader back to an empty form with a message at
    the top. The page now shows the form as sent, each error under its field, and records nothing."""
    manager = client_for("mkt_manager")
    note = "抽查生意参谋后台11月第三周"
    sent = {"source": source.pk, "period_start": "2026-11-22", "period_end": "2026-11-16", "note": note}
    response = manager.post("/data/verification/spot-checks/new/", {**sent, "result": "mismatch"})
    html = response.content.decode()
    assert response.status_code == 200 and note in html
    assert 'data-field-error="period_end"' in html and not SpotCheck.objects.exists()
    missing = manager.post("/data/verification/spot-checks/new/", {"source": source.pk, "note": note})
    html = missing.content.decode()
    assert note in html and 'data-field-error="period_start"' in html and 'data-field-error="result"' in html
    assert not SpotCheck.objects.exists()

    member = client_for("member")
    long_note = "说明" * 2001  # 4,002 characters, over the 4,000 a note holds
    response = member.post(
        f"/data/verification/{discrepancy.pk}/settle/",
        {"status": "explained", "note": long_note, "version": discrepancy.version},
    )
    html = response.content.decode()
    assert response.status_code == 200 and long_note in html and 'data-field-error="note"' in html
    discrepancy.refresh_from_db()
    assert discrepancy.status == "open" and discrepancy.note == ""
    # A stale version: the conflict is shown over the form, the note typed stays.
    stale = member.post(
        f"/data/verification/{discrepancy.pk}/settle/",
        {"status": "explained", "note": "后台口径不同", "version": discrepancy.version + 1},
    )
    assert stale.status_code == 200 and "后台口径不同" in stale.content.decode()
    assert 'class="alert alert-danger"' in stale.content.decode()
    discrepancy.refresh_from_db()
    assert discrepancy.status == "open"
    # Readers shown no form cannot post one.
    assert client_for("member").post("/data/verification/spot-checks/new/", sent).status_code == 403
    viewer_settle = client_for("viewer").post(
        f"/data/verification/{discrepancy.pk}/settle/",
        {"status": "resolved", "note": "", "version": discrepancy.version},
    )
    assert viewer_settle.status_code == 403
