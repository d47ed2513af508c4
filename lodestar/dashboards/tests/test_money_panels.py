"""The budget vs spend, channel ROI and reported vs source panels (issue 16): figures worked out by hand
on a small world, who sees them, the page's table, the xlsx export and the API.

The world (Q4 2026, read on 2026-11-18):
- 市场部's yearly 抖音 line: 10,000.00 a month; spent 8,000.00 on Oct 5 and 12,000.00 on Nov 3 (and
  7,000.00 on Sep 30, before the quarter); 60,000.00 revenue and 100 leads attributed to October.
- 内容组's Q4 EDM line: 3,000.00 a month; spent 5,000.00 on Oct 20; 2,500.00 revenue, 10 leads in October.
  Q4: Oct planned 13,000.00 / spent 13,000.00; Nov 13,000.00 / 12,000.00; Dec 13,000.00 / 0.
  抖音: ROI 60,000 / 20,000 = 3, cost per lead 200.00, share 30,000 / 39,000 = 76.92%.
  EDM: ROI 2,500 / 5,000 = 0.5 < 1 → flagged for cutting, cost per lead 500.00, share 23.08%.
- 林晓 (内容组) reported 100 for the week of Nov 2 against a source total of 108 (50 + 58): −7.41%, beyond
  the 5% tolerance → one open discrepancy; 200 for the week of Nov 9 against 198: +1.01%, within.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from freezegun import freeze_time
from openpyxl import load_workbook

from lodestar.conftest import ApiClient, fresh_user, login, token_for
from lodestar.core.models import Period, PeriodKind
from lodestar.dashboards import selectors
from lodestar.dashboards.tests.conftest import TODAY
from lodestar.metrics.models import Discrepancy, SourceMetric
from lodestar.metrics.verification import verify_measures
from lodestar.testing.factories import (
    AttributionFactory,
    BudgetAllocationFactory,
    BudgetLineFactory,
    ChannelFactory,
    CheckInFactory,
    DepartmentFactory,
    MetricPointFactory,
    SourceMetricFactory,
    SpendFactory,
)
from lodestar.tracking.models import CheckIn, CheckInOrigin
from lodestar.tracking.services import checkin_submit

D = Decimal
MONEY_KEYS = ("budget", "channel_roi")


def _year(q4) -> Period:
    return Period.objects.get(kind=PeriodKind.YEAR, start=dt.date(2026, 1, 1))


def _line(period, department, channel, monthly: str, months: list[dt.date]):
    line = BudgetLineFactory(
        period=period, department=department, channel=channel, planned=D(monthly) * len(months)
    )
    for month in months:
        BudgetAllocationFactory(line=line, month=month, share=D(100) / len(months), amount=D(monthly))
    return line


@pytest.fixture
def budget_world(org, q4):
    douyin = ChannelFactory(code="douyin-t", name="抖音T")
    edm = ChannelFactory(code="edm-t", name="EDMT")
    yearly = _line(_year(q4), org.mkt, douyin, "10000.00", [dt.date(2026, m, 1) for m in range(1, 13)])
    quarterly = _line(q4, org.content, edm, "3000.00", [dt.date(2026, m, 1) for m in (10, 11, 12)])
    SpendFactory(line=yearly, date=dt.date(2026, 9, 30), amount=D("7000.00"))
    SpendFactory(line=yearly, date=dt.date(2026, 10, 5), amount=D("8000.00"))
    SpendFactory(line=yearly, date=dt.date(2026, 11, 3), amount=D("12000.00"))
    SpendFactory(line=quarterly, date=dt.date(2026, 10, 20), amount=D("5000.00"))
    AttributionFactory(line=yearly, month=dt.date(2026, 10, 1), revenue=D("60000.00"), leads=100)
    AttributionFactory(line=quarterly, month=dt.date(2026, 10, 1), revenue=D("2500.00"), leads=10)
    return {"douyin": douyin, "edm": edm}


def _measure_goal(make_goal, department, owner, visibility="public"):
    goal = make_goal(
        department,
        owner=owner,
        visibility=visibility,
        measure={"name": "成交额", "target": D(1000), "current": D(300)},
    )
    return goal, goal.measures.get()


def _report(measure, author, monday: dt.date, actual: str):
    return CheckInFactory(
        measure=measure,
        period_start=monday,
        period_end=monday + dt.timedelta(days=6),
        actual=D(actual),
        cumulative=None,
        origin=CheckInOrigin.REPORTED,
        author=author,
    )


@pytest.fixture
def verification_world(org, q4, make_goal):
    goal, measure = _measure_goal(make_goal, org.content, org.member)
    metric = SourceMetricFactory(
        measure=measure, use=SourceMetric.Use.VERIFY, tolerance=D("0.0500"), source__department=org.content
    )
    _report(measure, org.member, dt.date(2026, 11, 2), "100")
    _report(measure, org.member, dt.date(2026, 11, 9), "200")
    channel = ChannelFactory(code="tmall-t", name="天猫T")
    MetricPointFactory(metric=metric, channel=None, date=dt.date(2026, 11, 3), value=D("50"))
    MetricPointFactory(metric=metric, channel=channel, date=dt.date(2026, 11, 5), value=D("58"))
    MetricPointFactory(metric=metric, channel=None, date=dt.date(2026, 11, 10), value=D("198"))
    verify_measures([measure.pk])
    return {"goal": goal, "measure": measure, "metric": metric}


def _panel(user, q4, kind: str, key: str, **objects):
    scope = selectors.build_scope(kind, fresh_user(user), q4, today=TODAY, **objects)
    found = selectors.dashboard_panels(scope, only=key)
    return found[0] if found else None


# --- budget vs spend ---------------------------------------------------------------------------


def test_budget_vs_spend_by_month_with_the_running_totals(org, q4, budget_world):
    panel = _panel(org.admin, q4, "company", "budget")
    assert [r["month"] for r in panel.rows] == ["2026-10-01", "2026-11-01", "2026-12-01"]
    figures = [
        (
            r["planned"],
            r["spent"],
            r["cumulative_planned"],
            r["cumulative_spent"],
            r["remaining"],
            r["spent_share"],
        )
        for r in panel.rows
    ]
    assert figures == [
        ("13000.00", "13000.00", "13000.00", "13000.00", "0.00", "1.0000"),
        ("13000.00", "12000.00", "26000.00", "25000.00", "1000.00", "0.9615"),
        ("13000.00", "0.00", "39000.00", "25000.00", "14000.00", "0.6410"),
    ]
    # The year: every month of the yearly line, the September spend included.
    year = _panel(org.admin, _year(q4), "company", "budget")
    assert len(year.rows) == 12
    assert year.rows[-1]["cumulative_planned"] == "129000.00"
    assert year.rows[-1]["cumulative_spent"] == "32000.00"


def test_a_department_counts_its_subtree_and_the_reader_only_what_they_may_see(org, q4, budget_world):
    content = _panel(org.mkt_manager, q4, "department", "budget", department=org.content)
    assert content.rows[-1]["cumulative_planned"] == "9000.00"
    mkt = _panel(org.mkt_manager, q4, "department", "budget", department=org.mkt)
    assert mkt.rows[-1]["cumulative_planned"] == "39000.00"  # 市场部 and 内容组 below it
    # 林晓 (内容组) sees her own department's budget only, even on 市场部's dashboard.
    member = _panel(org.member, q4, "department", "budget", department=org.mkt)
    assert member.rows[-1]["cumulative_planned"] == "9000.00"
    assert member.rows[-1]["cumulative_spent"] == "5000.00"
    # 销售部 has no line: nothing to draw, but the panel is there for its manager.
    sales = _panel(org.sales_manager, q4, "department", "budget", department=org.sales)
    assert sales is not None and sales.rows == []
    assert _panel(org.hr, q4, "company", "budget").rows[-1]["cumulative_planned"] == "39000.00"


def test_guests_get_no_budget_panel_and_people_no_budget_on_their_dashboard(org, q4, budget_world):
    for key in MONEY_KEYS:
        assert _panel(org.viewer, q4, "company", key) is None
        assert _panel(org.viewer, q4, "department", key, department=org.mkt) is None
        assert _panel(org.admin, q4, "person", key, person=org.member) is None
    scope = selectors.build_scope("company", fresh_user(org.viewer), q4, today=TODAY)
    assert "budget" not in [p.key for p in selectors.dashboard_panels(scope)]
    assert "verification" in [p.key for p in selectors.dashboard_panels(scope)]


# --- channel ROI ---------------------------------------------------------------------------------


def test_channels_ranked_by_roi_and_below_one_flagged_for_cutting(org, q4, budget_world):
    with translation.override("en"):
        panel = _panel(org.admin, q4, "company", "channel_roi")
    assert [(r["rank"], r["channel"]) for r in panel.rows] == [(1, "抖音T"), (2, "EDMT")]
    douyin, edm = panel.rows
    assert (douyin["planned"], douyin["spent"], douyin["attributed_revenue"], douyin["leads"]) == (
        "30000.00",
        "20000.00",
        "60000.00",
        100,
    )
    assert (douyin["roi"], douyin["cost_per_lead"], douyin["share"]) == ("3.0000", "200.00", "0.7692")
    assert (douyin["flagged"], douyin["recommendation"]) == (False, "increase")
    assert (edm["roi"], edm["cost_per_lead"], edm["share"]) == ("0.5000", "500.00", "0.2308")
    assert (edm["flagged"], edm["recommendation"]) == (True, "cut")
    assert edm["recommendation_label"] == "Flagged for cutting (ROI below 1)"


@freeze_time(TODAY, tick=True)
def test_company_page_shows_money_and_links_the_reallocation(org, q4, budget_world):
    html = login(org.mkt_manager).get("/dashboards/company/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for key in ("budget", "channel_roi", "verification"):
        assert f'data-testid="panel-{key}"' in html
    assert "13,000.00" in html and "39,000.00" in html and "30,000.00" in html
    assert "建议削减" in html
    assert f'href="/budget/channels/?period={q4.pk}"' in html
    department = login(org.mkt_manager).get(f"/dashboards/department/{org.mkt.pk}/").content.decode()
    assert f'href="/budget/channels/?period={q4.pk}&amp;department={org.mkt.pk}"' in department
    guest = login(org.viewer).get("/dashboards/company/").content.decode()
    assert 'data-testid="panel-budget"' not in guest and 'data-testid="panel-channel_roi"' not in guest
    assert "/budget/channels/" not in guest


@freeze_time(TODAY, tick=True)
def test_xlsx_exports_of_the_budget_panels(org, q4, budget_world):
    client = login(org.admin)
    response = client.get(f"/dashboards/company/xlsx/?panel=budget&period={q4.pk}")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content))["budget"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert rows[0][:3] == ("月", "计划金额", "已花费")  # zh-Hans, the default language
    assert rows[1][:7] == (
        "2026-10",
        D("13000.00"),
        D("13000.00"),
        D("13000.00"),
        D("13000.00"),
        D("0.00"),
        D("1"),
    )
    assert rows[3][5] == D("14000.00")
    assert sheet.cell(row=5, column=2).number_format == "#,##0.00"
    roi = load_workbook(
        BytesIO(client.get(f"/dashboards/company/xlsx/?panel=channel_roi&period={q4.pk}").content)
    )
    ranked = list(roi["channel_roi"].iter_rows(min_row=5, values_only=True))
    assert [(r[1], r[2]) for r in ranked] == [("抖音T", D("3.0000")), ("EDMT", D("0.5000"))]
    # A guest may not see the budget panels: not even as a file.
    guest = login(org.viewer)
    assert guest.get(f"/dashboards/company/xlsx/?panel=budget&period={q4.pk}").status_code == 404
    assert "budget" not in load_workbook(
        BytesIO(guest.get(f"/dashboards/company/xlsx/?period={q4.pk}").content)
    )


# --- reported vs source -------------------------------------------------------------------------


def test_reported_against_source_by_week_with_the_open_discrepancy(org, q4, verification_world):
    assert Discrepancy.objects.filter(status="open").count() == 1
    panel = _panel(org.member, q4, "person", "verification", person=org.member)
    weeks = {r["week"]: r for r in panel.rows}
    assert next(iter(weeks)) == "2026-09-28" and list(weeks)[-1] == "2026-11-16"  # the weeks up to today
    first, second = weeks["2026-11-02"], weeks["2026-11-09"]
    assert (first["pairs"], first["reported"], first["source"], first["difference_rate"]) == (
        1,
        "100.00",
        "108.00",
        "-0.0741",
    )
    assert (first["flagged"], first["open_discrepancies"]) == (1, 1)
    assert (second["reported"], second["source"], second["difference_rate"]) == ("200.00", "198.00", "0.0101")
    assert (second["flagged"], second["open_discrepancies"]) == (0, 0)
    assert weeks["2026-10-05"]["pairs"] == 0 and weeks["2026-10-05"]["reported"] is None
    found = Discrepancy.objects.get()
    assert panel.item_total == 1
    assert panel.items == [
        {
            "discrepancy_id": found.pk,
            "measure": "成交额",
            "goal_id": verification_world["goal"].pk,
            "goal": verification_world["goal"].name,
            "metric": f"{verification_world['metric'].source.name} · {verification_world['metric'].name}",
            "period_start": "2026-11-02",
            "period_end": "2026-11-08",
            "reported": "100.00",
            "source": "108.00",
            "difference_rate": "-0.0741",
        }
    ]
    # The same on the company and 市场部 dashboards; nothing on 销售部's.
    assert _panel(org.admin, q4, "company", "verification").rows == panel.rows
    assert _panel(org.admin, q4, "department", "verification", department=org.mkt).rows == panel.rows
    assert _panel(org.admin, q4, "department", "verification", department=org.sales).rows == []


@freeze_time(TODAY, tick=True)
def test_the_page_shows_the_week_and_follows_a_corrected_check_in(
    org, q4, verification_world, django_capture_on_commit_callbacks
):
    """Through the page as the goal's manager opens it: the week of 2 November compares the reported 100
    with the source's 50 (all channels) + 58 (天猫T) = 108, (100 − 108) / 108 = −7.4%; the owner then
    corrects the week to 106 through the check-in service, and the same page shows (106 − 108) / 108 =
    −1.85…% as −1.9% (half up, as every figure), within the 5% tolerance."""

    def verification_html() -> str:
        url = f"/dashboards/person/{org.member.pk}/?period={q4.pk}"
        html = login(org.mkt_manager).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        start = html.index('data-testid="panel-verification"')
        return html[
            start : html.index('data-testid="panel-', start + 1)
            if 'data-testid="panel-' in html[start + 1 :]
            else None
        ]

    shown = verification_html()
    assert "100.00" in shown and "108.00" in shown and "-7.4%" in shown
    week = CheckIn.objects.get(measure=verification_world["measure"], period_start=dt.date(2026, 11, 2))
    with django_capture_on_commit_callbacks(execute=True):  # verification runs once the check-in commits
        checkin_submit(
            actor=fresh_user(org.member),
            measure=verification_world["measure"],
            period_start=week.period_start,
            period_end=week.period_end,
            actual=D("106"),
            version=week.version,
        )
    shown = verification_html()
    assert "106.00" in shown and "108.00" in shown and "-1.9%" in shown
    assert "-7.4%" not in shown
    assert Discrepancy.objects.get().status == "resolved"


def test_a_reader_who_may_not_see_the_goal_sees_none_of_its_figures(org, q4, make_goal, verification_world):
    goal = verification_world["goal"]
    goal.visibility = "department"
    goal.save(update_fields=["visibility"])
    assert _panel(org.sales_manager, q4, "company", "verification").rows == []
    assert _panel(org.sales_manager, q4, "company", "verification").items == []
    assert _panel(org.mkt_manager, q4, "company", "verification").item_total == 1


@freeze_time(TODAY, tick=True)
def test_page_links_each_open_discrepancy_and_exports_the_weeks(org, q4, verification_world):
    found = Discrepancy.objects.get()
    client = login(org.member)
    html = client.get(f"/dashboards/person/{org.member.pk}/").content.decode()
    assert 'data-testid="panel-verification"' in html
    assert f'href="/data/verification/{found.pk}/"' in html
    assert 'data-testid="panel-budget"' not in html
    book = load_workbook(
        BytesIO(
            client.get(f"/dashboards/person/{org.member.pk}/xlsx/?panel=verification&period={q4.pk}").content
        )
    )
    weeks = list(book["verification"].iter_rows(min_row=5, values_only=True))
    assert weeks[5][1:7] == (1, 100, 108, pytest.approx(-0.0741), 1, 1)
    listed = list(book["verification-list"].iter_rows(min_row=2, values_only=True))
    assert listed[0][0] == "成交额" and listed[0][4:6] == (D("100.00"), D("108.00"))


# --- the API ------------------------------------------------------------------------------------


@freeze_time(TODAY, tick=True)
def test_api_returns_the_new_panels_with_their_exact_schemas(org, q4, budget_world, verification_world):
    body = ApiClient(token=token_for(org.admin)).get("/api/v1/dashboards/company").json()
    panels = {p["key"]: p for p in body["panels"]}
    assert list(panels)[-3:] == ["budget", "channel_roi", "verification"]
    assert panels["budget"]["rows"][1]["cumulative_spent"] == "25000.00"
    assert panels["channel_roi"]["rows"][1]["flagged"] is True
    assert panels["verification"]["items"][0]["difference_rate"] == "-0.0741"
    guest = ApiClient(token=token_for(org.viewer)).get("/api/v1/dashboards/company").json()
    assert not {"budget", "channel_roi"} & {p["key"] for p in guest["panels"]}
    person = ApiClient(token=token_for(org.member)).get(f"/api/v1/dashboards/person/{org.member.pk}").json()
    assert [p["key"] for p in person["panels"]][-1] == "verification"
    schema = ApiClient(token=token_for(org.admin)).get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name in ("BudgetPanelOut", "ChannelRoiPanelOut", "VerificationPanelOut", "BudgetMonthOut"):
        assert name in schema
    assert schema["ChannelRoiRowOut"]["properties"]["flagged"]["type"] == "boolean"
    assert "cumulative_planned" in schema["BudgetMonthOut"]["required"]


# --- a constant number of queries ---------------------------------------------------------------


def _grow(org, q4, make_goal, teams: int) -> None:
    """`teams` teams under 内容组, each with a budget line (spend, attribution) on a channel of its own
    and a verified measure with two weeks reported and source data."""
    for t in range(teams):
        team = DepartmentFactory(name=f"预算组{t}", parent=org.content)
        channel = ChannelFactory(code=f"grow-{t}", name=f"渠道G{t}")
        line = _line(q4, team, channel, "1000.00", [dt.date(2026, m, 1) for m in (10, 11, 12)])
        SpendFactory(line=line, date=dt.date(2026, 10, 9), amount=D("900.00"))
        AttributionFactory(line=line, month=dt.date(2026, 10, 1), revenue=D(500 * (t + 1)), leads=t)
        _goal, measure = _measure_goal(make_goal, team, org.member)
        metric = SourceMetricFactory(measure=measure, use=SourceMetric.Use.VERIFY, source__department=team)
        for monday, reported in ((dt.date(2026, 10, 5), "100"), (dt.date(2026, 10, 12), "130")):
            _report(measure, org.member, monday, reported)
            MetricPointFactory(metric=metric, channel=None, date=monday, value=D("100"))
        verify_measures([measure.pk])


@pytest.mark.parametrize("key", ["budget", "channel_roi", "verification"])
def test_each_new_panel_reads_a_constant_number_of_queries(org, q4, make_goal, key):
    budget = {"budget": 1, "channel_roi": 2, "verification": 5}[key]
    counts = []
    for teams in (1, 6):
        _grow(org, q4, make_goal, teams)
        reader = fresh_user(org.admin)
        scope = selectors.build_scope("company", reader, q4, today=TODAY)
        selectors.dashboard_panels(scope, only="alerts")  # the reader's person, read once
        with CaptureQueriesContext(connection) as captured:
            (panel,) = selectors.dashboard_panels(scope, only=key)
        assert panel.rows
        counts.append(len(captured))
    assert counts[0] == counts[1] <= budget


@freeze_time(TODAY, tick=True)
def test_company_page_and_api_read_as_many_queries_small_or_large(org, q4, make_goal):
    client = login(org.admin)
    api = ApiClient(token=token_for(org.admin))
    _grow(org, q4, make_goal, 1)
    (
        client.get("/dashboards/company/"),
        api.get("/api/v1/dashboards/company"),
    )  # the token's first use is recorded
    counts = []
    for teams in (0, 6):
        _grow(org, q4, make_goal, teams)
        measured = []
        for get, url in ((client.get, "/dashboards/company/"), (api.get, "/api/v1/dashboards/company")):
            with CaptureQueriesContext(connection) as captured:
                assert get(url).status_code == 200
            measured.append(len(captured))
        counts.append(measured)
    assert counts[0] == counts[1]
