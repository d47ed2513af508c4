"""A department's period report (PDF and printable page): the dashboard's panels as tables with the
dashboard's figures, Chinese text in the PDF, the dashboard's readers only, and a query count that
does not grow with the organisation."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

# The URL conf (and the API's schemas) built before freezegun fakes `date`: pydantic cannot build a
# schema on its FakeDate when the first test of a worker is a frozen one.
import config.urls  # noqa: F401
from lodestar.conftest import login
from lodestar.core import pdf
from lodestar.dashboards.tests.conftest import TODAY
from lodestar.dashboards.tests.test_pages_api import _goals
from lodestar.dashboards.tests.test_query_counts import grow
from lodestar.testing.pdf import assert_pdf_shows


@pytest.mark.skipif(not pdf.cjk_fonts(), reason="no CJK font installed (make fonts)")
@freeze_time(TODAY, tick=True)
def test_the_department_pdf_shows_its_figures_in_chinese(org, q4, make_goal):
    goal = _goals(org, make_goal)
    client = login(org.mkt_manager)
    page = client.get(f"/dashboards/department/{org.mkt.pk}/?period={q4.pk}").content.decode()
    assert f"/dashboards/department/{org.mkt.pk}/report.pdf?period={q4.pk}" in page
    response = client.get(f"/dashboards/department/{org.mkt.pk}/report.pdf?period={q4.pk}")
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="department-{org.mkt.pk}-period-{q4.pk}.pdf"'
    )
    assert_pdf_shows(response, "市场部", goal.name, "96.0%")


@freeze_time(TODAY, tick=True)
def test_the_printable_report_has_the_dashboards_tables(org, q4, make_goal):
    _goals(org, make_goal)
    client = login(org.mkt_manager)
    page = client.get(f"/dashboards/department/{org.mkt.pk}/?period={q4.pk}").content.decode()
    printable = client.get(f"/dashboards/department/{org.mkt.pk}/report/?period={q4.pk}").content.decode()
    table = page.split('data-testid="table-achievement">')[1].split("</table>")[0]
    assert table in printable  # the same rows, cells and figures
    assert "96.0%" in table and "window.print()" in printable
    # Eight columns: a smaller type on paper; a short word (健康度's values, 单位) stays on one line.
    assert 'table-wide" data-testid="table-achievement"' in page
    assert '<td class="text-nowrap">' in table


def test_the_department_report_has_the_dashboards_readers(org, q4):
    for name in ("report/", "report.pdf"):
        assert login(org.sales_manager).get(f"/dashboards/department/{org.mkt.pk}/{name}").status_code == 403
        assert login(org.viewer).get(f"/dashboards/department/{org.content.pk}/{name}").status_code == 403
        assert login(org.viewer).get(f"/dashboards/department/{org.mkt.pk}/report/").status_code == 200


@freeze_time(TODAY, tick=True)
def test_report_query_count_does_not_grow_with_the_organisation(org, q4, make_goal):
    client = login(org.admin)
    grow(org, q4, make_goal, 1)
    counts = []
    for teams in (0, 6):
        grow(org, q4, make_goal, teams)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/dashboards/department/{org.mkt.pk}/report/").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
