"""A panel's figures as people read them in its table: amounts with thousands separators and two
decimals (5,000,000.00, as the xlsx export's #,##0.00), counts with thousands separators (12,345),
rounded half up; the API and the xlsx export keep the raw figures."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook

from lodestar.conftest import ApiClient, login, token_for
from lodestar.dashboards.board_views import display
from lodestar.dashboards.tests.conftest import TODAY


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        ("5000000.00", "amount", "5,000,000.00"),
        ("480.00", "amount", "480.00"),
        ("1234.565", "amount", "1,234.57"),  # half up (half-even would say 1,234.56)
        ("3.8462", "amount", "3.85"),
        ("-12000.50", "amount", "-12,000.50"),
        (Decimal("0.0000"), "amount", "0.00"),
        ("9000", "money", "9,000.00"),
        (12345, "int", "12,345"),
        (1234567, "int", "1,234,567"),
        (999, "int", "999"),
        (0, "int", "0"),
        (-1500, "int", "-1,500"),
        (None, "amount", "—"),
        ("", "int", "—"),
        ("0.9600", "rate", "96.0%"),
        ("销售额", "text", "销售额"),
    ],
)
def test_display_groups_thousands_and_keeps_two_decimals_for_amounts(value, kind, shown):
    assert display(value, kind) == shown


@freeze_time(TODAY, tick=True)
def test_the_page_and_its_report_show_formatted_amounts_while_api_and_xlsx_keep_raw(org, q4, make_goal):
    goal = make_goal(
        org.content,
        owner=org.member,
        measure={"target": Decimal(5_000_000), "current": Decimal("1234567.5")},
    )
    client = login(org.mkt_manager)
    html = client.get(f"/dashboards/department/{org.mkt.pk}/?period={q4.pk}").content.decode()
    table = html.split('data-testid="table-plan">')[1].split("</table>")[0]
    assert "5,000,000.00" in table and "1,234,567.50" in table
    assert "5000000.00" not in table and "1234567.50" not in table
    printable = client.get(f"/dashboards/department/{org.mkt.pk}/report/?period={q4.pk}").content.decode()
    assert "5,000,000.00" in printable and "1,234,567.50" in printable

    body = ApiClient(token=token_for(org.mkt_manager)).get(f"/dashboards/department/{org.mkt.pk}").json()
    plan = next(p for p in body["panels"] if p["key"] == "plan")
    row = next(r for r in plan["rows"] if r["goal_id"] == goal.pk)
    assert row["target"] == "5000000.00" and row["actual"] == "1234567.50"

    book = client.get(f"/dashboards/department/{org.mkt.pk}/xlsx/?panel=plan&period={q4.pk}").content
    rows = list(load_workbook(BytesIO(book)).active.iter_rows(values_only=True))
    found = next(r for r in rows[4:] if r[0] == goal.name)
    target, actual = found[3], found[5]  # goal, metric, unit, base target, plan to date, actual
    assert target == 5_000_000 and actual == pytest.approx(1234567.5)
