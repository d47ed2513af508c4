"""Journey (issue #16, 数据 and 看板): a platform export goes in once; the dashboards show the organisation.

李娜 (电商渠道组组长) uploads 天猫生意参谋's daily export as Excel saves it on Chinese Windows: GBK, CRLF,
quoted thousands ("933,940") and a % column. The first file has two bad rows ("N/A" in a number column,
an impossible date 2031/2/30): the import page lists both with their lines and nothing is written. She
fixes the file and uploads it again: the mapping is found again by its header, the preview shows the
parsed values, and the import writes exactly the file's figures (totals checked against the file by
hand). Then 赵敏 (总监) opens the company dashboard, drills down to 渠道推广部's board and from its
achievement panel to a goal's page.

Figures by hand: 成交金额 933,940 + 1,012,306 + 887,520 = 2,833,766 元; 访客数 21,305 + 23,118 + 20,040 =
64,463 人; 转化率 3.2% / 3.5% / 3.1% stored as the fractions 0.032 / 0.035 / 0.031.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from playwright.sync_api import expect

from e2e.conftest import login, logout
from lodestar.metrics.models import DataSource, MetricPoint

HEADER = "日期,渠道,成交金额,访客数,转化率"
GOOD_ROWS = [
    '2031/7/1,天猫,"933,940","21,305",3.2%',
    '2031/7/2,天猫,"1,012,306","23,118",3.5%',
    '2031/7/3,天猫,"887,520","20,040",3.1%',
]
BAD_ROWS = [
    '2031/7/1,天猫,"933,940","21,305",3.2%',
    '2031/7/2,天猫,"1,012,306",N/A,3.5%',
    '2031/2/30,天猫,"887,520","20,040",3.1%',
]


def export_file(tmp_path, name: str, rows: list[str]):
    """The file as Excel writes a csv on Chinese Windows: GBK, CRLF line ends."""
    path = tmp_path / name
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("gbk"))
    return path


def upload(page, source: DataSource, path) -> None:
    page.goto(f"{page.base_url}/data/")
    page.get_by_test_id("source-row").filter(has_text=source.name).get_by_role("link").first.click()
    form = page.get_by_test_id("upload-form")
    form.locator("#id_file").set_input_files(str(path))
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("import-status")).to_be_visible()


def test_platform_export_then_dashboards(page, step, tmp_path):
    source = DataSource.objects.get(name="天猫生意参谋")
    july = (dt.date(2031, 7, 1), dt.date(2031, 7, 3))
    assert not MetricPoint.objects.filter(metric__source=source, date__range=july).exists()

    with step("李娜 uploads the export with two bad rows: every bad line listed, nothing written"):
        login(page, "lina")
        upload(page, source, export_file(tmp_path, "生意参谋日报-有误.csv", BAD_ROWS))
        page.get_by_test_id("save-mapping").click()
        expect(page.get_by_test_id("preview")).to_be_visible()
        page.get_by_test_id("start-import").click()
        expect(page.get_by_test_id("import-state")).to_have_text("有错误行")
        errors = page.get_by_test_id("error-row")
        expect(errors).to_have_count(2)
        expect(errors.nth(0)).to_contain_text("3")  # line 3 (header = line 1): 访客数 "N/A"
        expect(errors.nth(0)).to_contain_text("访客数")
        expect(errors.nth(1)).to_contain_text("4")  # line 4: 2031/2/30
        expect(errors.nth(1)).to_contain_text("日期")
        expect(page.get_by_test_id("skip-bad-rows")).to_be_visible()
        assert not MetricPoint.objects.filter(metric__source=source, date__year=2031).exists()

    with step("she fixes the file: the mapping is found again, the preview parses, the import is exact"):
        upload(page, source, export_file(tmp_path, "生意参谋日报.csv", GOOD_ROWS))
        page.get_by_test_id("save-mapping").click()
        preview = page.get_by_test_id("preview")
        expect(preview).to_contain_text("2031-07-01")
        expect(preview).to_contain_text("933940")
        page.get_by_test_id("start-import").click()
        expect(page.get_by_test_id("import-state")).to_have_text("已导入")
        expect(page.get_by_test_id("import-summary")).to_contain_text("9")  # 3 days × 3 metrics, all new
        points = MetricPoint.objects.filter(metric__source=source, date__range=july)
        totals = {
            name: sum(p.value for p in points if p.metric.name == name) for name in ("成交金额", "访客数")
        }
        assert totals == {"成交金额": Decimal("2833766"), "访客数": Decimal("64463")}
        rates = sorted(p.value for p in points if p.metric.name == "转化率")
        assert rates == [Decimal("0.031"), Decimal("0.032"), Decimal("0.035")]
        assert {p.channel.code for p in points} == {"tmall"}
        logout(page)

    with step("赵敏 opens the company dashboard and drills down to 渠道推广部, then to a goal"):
        login(page, "zhaomin")
        page.get_by_role("link", name="看板").first.click()
        expect(page.get_by_test_id("dashboard")).to_be_visible()
        page.get_by_test_id("panel-heatmap").locator("[data-action=toggle]").click()  # the table view
        heatmap = page.get_by_test_id("table-heatmap")
        heatmap.get_by_role("link", name="渠道推广部").first.click()
        expect(page).to_have_url(page.base_url + "/dashboards/department/" + _dept_pk("渠道推广部") + "/")
        page.get_by_test_id("panel-achievement").locator("[data-action=toggle]").click()
        achievement = page.get_by_test_id("table-achievement")
        goal_link = achievement.get_by_role("link").first
        goal_name = goal_link.inner_text()
        goal_link.click()
        expect(page.locator("h1, h2").first).to_contain_text(goal_name[:6])
        assert "/goals/" in page.url


def _dept_pk(name: str) -> str:
    from lodestar.org.models import Department

    return str(Department.objects.get(name=name).pk)
