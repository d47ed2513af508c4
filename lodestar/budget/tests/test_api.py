import datetime as dt

from lodestar.budget import services
from lodestar.budget.models import BudgetLine, Spend
from lodestar.core.testing import ApiClient


def _line_payload(bw, **extra):
    return {
        "period_id": bw.q1.pk,
        "department_id": bw.org.mkt.pk,
        "category_id": bw.category("channel").pk,
        "channel_id": bw.channel("douyin").pk,
        "planned": "90000.00",
        **extra,
    }


def test_crud_of_a_budget_line(bw):
    api = ApiClient(bw.org.mkt_manager)
    created = api.post("/budget-lines", _line_payload(bw))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["planned"] == "90000.00" and body["spent"] == "0.00" and body["roi"] is None
    assert [a["amount"] for a in body["allocations"]] == ["30000.00"] * 3
    line_id = body["id"]
    patched = api.patch(f"/budget-lines/{line_id}", {"version": 1, "planned": "100000", "reason": "加预算"})
    assert patched.status_code == 200 and patched.json()["version"] == 2
    assert api.patch(f"/budget-lines/{line_id}", {"version": 1, "planned": "1"}).status_code == 409
    listed = api.get("/budget-lines", period_id=bw.year.pk, department_id=bw.org.mkt.pk).json()
    assert listed["count"] == 1 and listed["items"][0]["planned"] == "100000.00"
    assert api.delete(f"/budget-lines/{line_id}").status_code == 204
    assert not BudgetLine.objects.exists()


def test_bad_split_is_422_with_the_field(bw):
    api = ApiClient(bw.org.mkt_manager)
    response = api.post("/budget-lines", _line_payload(bw, shares=["50", "20", "20"]))
    assert response.status_code == 422 and response.json()["field"] == "shares"
    assert response.json()["code"] == "parts_not_100"


def test_permissions(bw):
    member = ApiClient(
        bw.org.member
    )  # 林晓 of 内容组 reads 内容组's budget, plans none, sees no 市场部 budget
    assert member.post("/budget-lines", _line_payload(bw, department_id=bw.org.content.pk)).status_code == 403
    assert member.post("/budget-lines", _line_payload(bw)).status_code == 404
    assert ApiClient(bw.org.viewer).get("/budget-lines").status_code == 403
    assert ApiClient(bw.org.viewer).get("/channel-roi", period_id=bw.year.pk).status_code == 403
    assert ApiClient().get("/budget-lines").status_code == 401
    line_id = ApiClient(bw.org.mkt_manager).post("/budget-lines", _line_payload(bw)).json()["id"]
    assert ApiClient(bw.org.sales_manager).get(f"/budget-lines/{line_id}").status_code == 404
    assert ApiClient(bw.org.hr).get(f"/budget-lines/{line_id}").status_code == 200
    assert ApiClient(bw.org.hr).delete(f"/budget-lines/{line_id}").status_code == 403


def test_spend_and_channel_roi_and_accept(bw):
    manager = ApiClient(bw.org.mkt_manager)
    douyin = manager.post("/budget-lines", _line_payload(bw, period_id=bw.year.pk, planned="100000")).json()
    linkedin = manager.post(
        "/budget-lines",
        _line_payload(bw, period_id=bw.year.pk, planned="40000", channel_id=bw.channel("linkedin").pk),
    ).json()
    for line, spent, revenue, leads in ((douyin, "100000", "400000", 500), (linkedin, "40000", "20000", 40)):
        response = manager.post("/spend", {"line_id": line["id"], "date": "2026-03-02", "amount": spent})
        assert response.status_code == 201 and response.json()["source"] == "typed"
        response = manager.put(
            f"/budget-lines/{line['id']}/attribution",
            {"month": "2026-03-15", "revenue": revenue, "leads": leads},
        )
        assert response.status_code == 200 and response.json()["month"] == "2026-03-01"
    assert manager.get("/spend", line_id=douyin["id"]).json()["count"] == 1
    line = manager.get(f"/budget-lines/{linkedin['id']}").json()
    assert line["roi"] == "0.5000" and line["cost_per_lead"] == "1000.00" and line["remaining"] == "0.00"

    roi = manager.get("/channel-roi", period_id=bw.year.pk, department_id=bw.org.mkt.pk).json()
    assert roi["freed"] == "40000.00" and roi["to_tests"] == "8000.00" and roi["to_kept"] == "32000.00"
    first = roi["channels"][0]
    assert first["channel"] == "Douyin"  # the English name: the request's language is en
    assert first["roi"] == "4.0000" and first["recommendation"] == "increase"
    assert {c["channel_id"]: c["recommendation"] for c in roi["channels"]}[bw.channel("linkedin").pk] == "cut"
    assert roi["next_period_id"] == bw.next_year.pk

    member = ApiClient(bw.org.member)
    payload = {"period_id": bw.year.pk, "department_id": bw.org.mkt.pk}
    assert member.post("/channel-roi/reallocations", payload).status_code in (403, 404)
    accepted = manager.post("/channel-roi/reallocations", {**payload, "note": "复盘后调整"})
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()["freed"] == "40000.00" and len(accepted.json()["line_ids"]) == 7
    assert manager.post("/channel-roi/reallocations", payload).status_code == 409


def test_delete_spend(bw):
    line = services.budget_line_create(
        actor=None,
        period=bw.q1,
        department=bw.org.mkt,
        category=bw.category("content"),
        planned="100",
    )
    spend = services.spend_record(actor=None, line=line, date=dt.date(2026, 1, 2), amount="10")
    assert (
        ApiClient(bw.org.member).delete(f"/spend/{spend.pk}").status_code == 404
    )  # 内容组 sees no 市场部 line
    assert ApiClient(bw.org.hr).delete(f"/spend/{spend.pk}").status_code == 403
    assert ApiClient(bw.org.mkt_manager).delete(f"/spend/{spend.pk}").status_code == 204
    assert not Spend.objects.exists()
