"""The dashboard pages, their xlsx exports and the API: the same figures, and who may open what."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import BytesIO

from freezegun import freeze_time
from openpyxl import load_workbook

from lodestar.conftest import ApiClient, login, token_for
from lodestar.dashboards.tests.conftest import TODAY
from lodestar.testing.factories import ActionItemFactory

RATE = re.compile(r"^-?\d+\.\d{4}$")


def _goals(org, make_goal):
    first = make_goal(
        org.content,
        owner=org.member,
        achievement="0.9600",
        progress="0.9600",
        measure={"target": Decimal(500), "current": Decimal(480)},
    )
    make_goal(org.sales, owner=org.sales_manager, health="off_track", achievement="0.3000", progress="0.3000")
    ActionItemFactory(department=org.content, due=dt.date(2026, 11, 2), status="todo")
    return first


@freeze_time(TODAY, tick=True)
def test_company_page_draws_every_panel_with_its_table(org, q4, make_goal):
    goal = _goals(org, make_goal)
    response = login(org.mkt_manager).get("/dashboards/company/")
    assert response.status_code == 200
    html = response.content.decode()
    for key in ("achievement", "heatmap", "plan", "alerts", "overdue", "checkins"):
        assert f'data-testid="panel-{key}"' in html
    assert response.context["period"] == q4  # the current quarter by default
    # The table view (also the page without JavaScript): the goal, linked to its page, at 96.0%.
    assert f'href="/goals/{goal.pk}/"' in html and "96.0%" in html
    assert f'href="/dashboards/department/{org.content.pk}/"' in html  # drill-down
    assert 'id="dashboard-data"' in html and 'classList.add("dashboard-present")' not in html


@freeze_time(TODAY, tick=True)
def test_period_picker_and_presentation_mode(org, q4, make_goal):
    _goals(org, make_goal)
    q3 = q4.parent.children.get(start=dt.date(2026, 7, 1))
    client = login(org.admin)
    response = client.get(f"/dashboards/company/?period={q3.pk}&present=1")
    assert response.context["period"] == q3
    assert response.context["present"] is True
    assert 'classList.add("dashboard-present")' in response.content.decode()
    assert response.context["panels"][0]["panel"].rows == []  # no goal runs in Q3
    assert client.get("/dashboards/company/?period=999999").context["period"] == q4  # unknown: the default


@freeze_time(TODAY, tick=True)
def test_xlsx_export_holds_the_panel_figures(org, q4, make_goal):
    goal = _goals(org, make_goal)
    response = login(org.admin).get(f"/dashboards/company/xlsx/?panel=achievement&period={q4.pk}")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'dashboard-company-achievement-{q4.pk}.xlsx"')
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[3]
    assert header[0] == "目标" and "达成率" in header
    found = next(r for r in rows[4:] if r[0] == goal.name)
    assert Decimal(str(found[header.index("达成率")])) == Decimal("0.96")
    assert login(org.admin).get("/dashboards/company/xlsx/?panel=nope").status_code == 404
    listed = login(org.admin).get(f"/dashboards/department/{org.mkt.pk}/xlsx/?panel=overdue")
    assert load_workbook(BytesIO(listed.content)).sheetnames == ["overdue", "overdue-list"]
    everything = login(org.admin).get(f"/dashboards/person/{org.member.pk}/xlsx/")
    assert load_workbook(BytesIO(everything.content)).sheetnames == [
        "achievement",
        "plan",
        "alerts",
        "alerts-list",
        "overdue",
        "overdue-list",
        "checkins",
        "verification",
        "verification-list",
    ]


@freeze_time(TODAY, tick=True)
def test_api_returns_what_the_page_draws(org, q4, make_goal):
    goal = _goals(org, make_goal)
    body = ApiClient(token=token_for(org.mkt_manager)).get("/dashboards/company").json()
    assert body["kind"] == "company" and body["period"]["id"] == q4.pk
    panels = {p["key"]: p for p in body["panels"]}
    assert list(panels) == [
        "achievement",
        "heatmap",
        "plan",
        "alerts",
        "overdue",
        "checkins",
        "budget",
        "channel_roi",
        "verification",
    ]
    row = next(r for r in panels["achievement"]["rows"] if r["goal_id"] == goal.pk)
    assert row["achievement"] == "0.9600" and RATE.match(row["plan_to_date"]) and RATE.match(row["pace"])
    plan = next(r for r in panels["plan"]["rows"] if r["goal_id"] == goal.pk)
    assert plan["target"] == "500.00" and plan["actual"] == "480.00" and plan["actual_share"] == "0.9600"
    client = login(org.mkt_manager)
    page = client.get("/dashboards/company/").context["chart_data"]["panels"]
    # The same figures; the page links only the departments its reader may open (销售部: not this one).
    ids = {r["department_id"] for key in ("achievement", "heatmap") for r in panels[key]["rows"]}
    opened = {pk for pk in ids if client.get(f"/dashboards/department/{pk}/").status_code == 200}
    assert org.sales.pk in ids - opened and org.content.pk in opened
    for key in ("achievement", "heatmap"):
        linked = [
            dict(r, department_id=r["department_id"] if r["department_id"] in opened else None)
            for r in panels[key]["rows"]
        ]
        assert page[key]["rows"] == linked, key


@freeze_time(TODAY, tick=True)
def test_api_period_and_errors(org, q4, make_goal):
    api = ApiClient(token=token_for(org.member))
    assert api.get("/dashboards/company", period_id=q4.pk).status_code == 200
    assert api.get("/dashboards/company", period_id=999999).json()["field"] == "period_id"
    assert api.get("/dashboards/department/999999").status_code == 404
    assert api.get(f"/dashboards/department/{org.sales.pk}").status_code == 403
    assert api.get(f"/dashboards/person/{org.sales_manager.pk}").status_code == 403
    assert api.get(f"/dashboards/person/{org.member.pk}").status_code == 200
    assert ApiClient().get("/dashboards/company").status_code == 401


@freeze_time(TODAY, tick=True)
def test_who_opens_which_dashboard(org, q4):
    mkt, content, sales = org.mkt.pk, org.content.pk, org.sales.pk
    expected = {
        # reader: (市场部, 内容组, 销售部, 林晓's person dashboard)
        "admin": (200, 200, 200, 200),
        "hr": (200, 200, 200, 200),
        "mkt_manager": (200, 200, 403, 200),  # manager up the line of 内容组 and of 林晓
        "sales_manager": (403, 403, 200, 403),
        "member": (200, 200, 403, 200),  # 林晓 works in 内容组, below 市场部
        "viewer": (200, 403, 403, 403),  # the guest of 市场部 reads its dashboard, not a person's
    }
    for role, statuses in expected.items():
        client = login(org.person(role))
        assert client.get("/dashboards/company/").status_code == 200, role
        got = (
            client.get(f"/dashboards/department/{mkt}/").status_code,
            client.get(f"/dashboards/department/{content}/").status_code,
            client.get(f"/dashboards/department/{sales}/").status_code,
            client.get(f"/dashboards/person/{org.member.pk}/").status_code,
        )
        assert got == statuses, role


@freeze_time(TODAY, tick=True)
def test_the_company_dashboard_links_only_the_departments_its_reader_may_open(org, q4, make_goal):
    """Found walking the demo as the guest: the heatmap's and the tables' department links led to 403."""
    _goals(org, make_goal)
    drill_down = re.compile(r'href="/dashboards/department/(\d+)/')
    linked = {}
    for role in ("admin", "hr", "mkt_manager", "sales_manager", "member", "viewer"):
        client = login(org.person(role))
        html = client.get("/dashboards/company/").content.decode()
        linked[role] = {int(pk) for pk in drill_down.findall(html)}
        for pk in linked[role]:
            assert client.get(f"/dashboards/department/{pk}/").status_code == 200, (role, pk)
    assert {org.content.pk, org.sales.pk} <= linked["admin"] and linked["hr"] == linked["admin"]
    assert org.content.pk in linked["member"] and org.sales.pk not in linked["member"]
    assert org.sales.pk in linked["sales_manager"] and org.content.pk not in linked["sales_manager"]
    assert org.content.pk not in linked["viewer"]  # the guest of 市场部 opens 市场部's dashboard only


def test_navigation_and_home_link_to_the_company_dashboard(org):
    html = login(org.member).get("/").content.decode()
    assert html.count('href="/dashboards/company/"') >= 2  # the 看板 tab and the home page's link
