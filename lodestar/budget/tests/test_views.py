import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lodestar.budget import services
from lodestar.budget.models import BudgetLine, Reallocation, Spend
from lodestar.conftest import login


def _world(bw):
    douyin = services.budget_line_create(
        actor=None,
        period=bw.year,
        department=bw.org.mkt,
        category=bw.category("channel"),
        channel=bw.channel("douyin"),
        planned="100000",
    )
    linkedin = services.budget_line_create(
        actor=None,
        period=bw.year,
        department=bw.org.mkt,
        category=bw.category("channel"),
        channel=bw.channel("linkedin"),
        planned="40000",
    )
    for line, spent, revenue in ((douyin, "100000", "400000"), (linkedin, "40000", "20000")):
        services.spend_record(actor=None, line=line, date=dt.date(2026, 3, 1), amount=spent)
        services.attribution_set(actor=None, line=line, month=dt.date(2026, 3, 1), revenue=revenue, leads=40)
    return douyin, linkedin


def test_the_list_shows_figures_and_totals(bw):
    _world(bw)
    client = login(bw.org.mkt_manager)
    page = client.get(reverse("budget:lines"), {"period": bw.year.pk, "department": bw.org.mkt.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="budget-row"') == 2
    assert "140,000.00" in html and "0.50" in html and 'data-testid="new-line"' in html
    assert 'data-testid="nav-budget"' in html


def test_members_read_without_controls_and_guests_are_refused(bw):
    _world(bw)
    services.budget_line_create(
        actor=None, period=bw.year, department=bw.org.content, category=bw.category("content"), planned="5000"
    )
    member = login(bw.org.member)
    html = member.get(reverse("budget:lines"), {"period": bw.year.pk}).content.decode()
    assert html.count('data-testid="budget-row"') == 1 and 'data-testid="new-line"' not in html
    viewer = login(bw.org.viewer)
    assert viewer.get(reverse("budget:lines")).status_code == 403
    assert 'data-testid="nav-budget"' not in viewer.get(reverse("home")).content.decode()


def test_new_line_with_monthly_shares(bw):
    client = login(bw.org.mkt_manager)
    response = client.post(
        reverse("budget:line_new"),
        {
            "period": bw.q1.pk,
            "department": bw.org.mkt.pk,
            "category": bw.category("events").pk,
            "planned": "30000",
            "shares": "20, 30, 50",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    line = BudgetLine.objects.get()
    assert [str(a.amount) for a in line.allocations.all()] == ["6000.00", "9000.00", "15000.00"]
    bad = client.post(
        reverse("budget:line_new"),
        {
            "period": bw.q1.pk,
            "department": bw.org.mkt.pk,
            "category": bw.category("events").pk,
            "planned": "30000",
            "shares": "20, 30",
        },
    )
    assert bad.status_code == 200 and BudgetLine.objects.count() == 1


def test_line_page_spend_and_attribution_forms(bw):
    douyin, _linkedin = _world(bw)
    client = login(bw.org.mkt_manager)
    page = client.get(reverse("budget:line_detail", args=[douyin.pk])).content.decode()
    assert 'data-testid="monthly-split"' in page and 'data-testid="spend-form"' in page
    client.post(
        reverse("budget:spend_add", args=[douyin.pk]), {"date": "2026-04-02", "amount": "500", "note": "x"}
    )
    assert Spend.objects.filter(line=douyin).count() == 2
    client.post(
        reverse("budget:attribution", args=[douyin.pk]), {"month": "2026-04-01", "revenue": "9", "leads": "1"}
    )
    assert douyin.attributions.count() == 2
    hr = login(bw.org.hr).get(reverse("budget:line_detail", args=[douyin.pk])).content.decode()
    assert 'data-testid="spend-form"' not in hr


def test_edit_page_keeps_history_with_reason(bw):
    douyin, _linkedin = _world(bw)
    client = login(bw.org.mkt_manager)
    response = client.post(
        reverse("budget:line_edit", args=[douyin.pk]),
        {
            "version": 1,
            "category": douyin.category_id,
            "channel": douyin.channel_id,
            "planned": "120000",
            "reason": "加投",
        },
    )
    assert response.status_code == 302
    douyin.refresh_from_db()
    assert douyin.planned == 120000 and douyin.history.first().history_change_reason == "加投"
    page = client.get(reverse("budget:line_detail", args=[douyin.pk])).content.decode()
    assert "加投" in page


def test_spend_import_page_reports_bad_rows(bw):
    _world(bw)
    client = login(bw.org.mkt_manager)
    data = "日期,渠道,金额\n2026/1/5,抖音,100\n2026/1/6,抖音,N/A\n".encode("gbk")
    response = client.post(
        reverse("budget:spend_import"),
        {"department": bw.org.mkt.pk, "period": bw.year.pk, "file": SimpleUploadedFile("s.csv", data)},
    )
    assert response.status_code == 200 and 'data-testid="import-errors"' in response.content.decode()
    assert Spend.objects.count() == 2
    good = "日期,渠道,金额\n2026/1/5,抖音,100\n".encode("gbk")
    response = client.post(
        reverse("budget:spend_import"),
        {"department": bw.org.mkt.pk, "period": bw.year.pk, "file": SimpleUploadedFile("s.csv", good)},
    )
    assert response.status_code == 302 and Spend.objects.count() == 3


def test_channel_roi_page_and_accept(bw):
    _world(bw)
    client = login(bw.org.mkt_manager)
    page = client.get(reverse("budget:channels"), {"period": bw.year.pk, "department": bw.org.mkt.pk})
    html = page.content.decode()
    assert 'data-testid="channel-roi-chart"' in html and 'data-testid="accept-form"' in html
    assert "table-danger" in html
    member_html = (
        login(bw.org.hr)
        .get(reverse("budget:channels"), {"period": bw.year.pk, "department": bw.org.mkt.pk})
        .content.decode()
    )
    assert 'data-testid="accept-form"' not in member_html
    response = client.post(
        reverse("budget:reallocation_accept"),
        {"period": bw.year.pk, "department": bw.org.mkt.pk, "test_share": "20", "note": "复盘"},
    )
    assert response.status_code == 302
    assert Reallocation.objects.get().freed == 40000
    assert BudgetLine.objects.filter(period=bw.next_year).count() == 7


def test_channel_roi_page_without_budget_or_spend_says_so_instead_of_an_empty_chart(bw):
    """Walking the demo as a specialist: every channel listed at 0.00 as a test channel under an empty
    chart. With no channel budget in the scope the page says so; with budget but no spend yet, the table
    stays and the chart gives way to a sentence."""
    _world(bw)
    client = login(bw.org.admin)
    nothing = client.get(reverse("budget:channels"), {"period": bw.year.pk, "department": bw.org.sales.pk})
    html = nothing.content.decode()
    assert 'data-testid="no-channel-budget"' in html
    assert 'data-testid="channel-row"' not in html and 'id="channel-roi-data"' not in html
    services.budget_line_create(
        actor=None,
        period=bw.next_year,
        department=bw.org.mkt,
        category=bw.category("channel"),
        channel=bw.channel("douyin"),
        planned="50000",
    )
    unspent = client.get(reverse("budget:channels"), {"period": bw.next_year.pk, "department": bw.org.mkt.pk})
    html = unspent.content.decode()
    assert 'data-testid="no-roi-yet"' in html and 'data-testid="channel-row"' in html
    assert 'data-testid="channel-roi-chart"' not in html and 'id="channel-roi-data"' not in html
    assert "50,000.00" in html


def test_a_tampered_or_stale_version_is_refused_on_the_edit_form(bw):
    douyin, _linkedin = _world(bw)
    client = login(bw.org.mkt_manager)
    url = reverse("budget:line_edit", args=[douyin.pk])
    form = {"category": douyin.category_id, "channel": douyin.channel_id, "planned": "1"}
    for version in ("x", "-1", "", "99999999999999999999", "7"):
        response = client.post(url, {**form, "version": version})
        assert response.status_code == 200, version
        assert "该记录已被他人修改" in response.content.decode(), version
    douyin.refresh_from_db()
    assert douyin.planned == 100000 and douyin.version == 1


def test_a_closed_periods_line_shows_no_controls_and_a_post_is_refused_with_a_message(bw):
    from lodestar.core.models import Period

    douyin, _linkedin = _world(bw)
    Period.objects.filter(pk=bw.year.pk).update(is_closed=True)
    client = login(bw.org.mkt_manager)
    page = client.get(reverse("budget:line_detail", args=[douyin.pk])).content.decode()
    assert 'data-testid="period-closed"' in page
    for control in ("spend-form", "edit-line", "attribution-form"):
        assert f'data-testid="{control}"' not in page
    response = client.post(
        reverse("budget:spend_add", args=[douyin.pk]), {"date": "2026-04-02", "amount": "500"}, follow=True
    )
    assert response.status_code in (200, 422)
    assert "其预算不能再修改" in response.content.decode()
    assert Spend.objects.filter(line=douyin).count() == 1
