import datetime as dt
from decimal import Decimal

import pytest

from lodestar.budget import selectors, services
from lodestar.budget.models import Attribution, BudgetLine, Reallocation, Spend
from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError

D = Decimal


def make_line(bw, *, channel="douyin", planned="120000", department=None, period=None, actor=None, **kw):
    return services.budget_line_create(
        actor=actor or bw.org.user("mkt_manager"),
        period=period or bw.year,
        department=department or bw.org.mkt,
        category=bw.category("channel"),
        channel=bw.channel(channel) if channel else None,
        planned=planned,
        **kw,
    )


def test_a_line_is_split_evenly_over_its_months(bw):
    line = make_line(bw, planned="100000.00")
    amounts = list(line.allocations.order_by("month").values_list("amount", flat=True))
    assert len(amounts) == 12 and sum(amounts) == D("100000.00")
    assert amounts == [D("8333.34")] * 4 + [D("8333.33")] * 8
    assert line.created_by == bw.org.mkt_manager
    assert line.history.count() == 1


def test_a_quarter_split_by_the_wizards_shares(bw):
    line = make_line(bw, period=bw.q1, planned="5000000", shares=[D(20), D(30), D(50)])
    assert list(line.allocations.values_list("amount", flat=True)) == [
        D("1000000.00"),
        D("1500000.00"),
        D("2500000.00"),
    ]


def test_shares_not_summing_to_100_are_refused_and_nothing_written(bw):
    with pytest.raises(ApplicationError) as caught:
        make_line(bw, period=bw.q1, shares=[D(20), D(30), D(40)])
    assert caught.value.code == "parts_not_100" and caught.value.field == "shares"
    assert not BudgetLine.objects.exists()


def test_amounts_must_add_up_to_the_plan(bw):
    line = make_line(bw, period=bw.q1, planned="100", amounts=[D("30"), D("30"), D("40")])
    assert [a.share for a in line.allocations.all()] == [D("30.0000"), D("30.0000"), D("40.0000")]
    with pytest.raises(ApplicationError) as caught:
        make_line(bw, period=bw.q1, planned="100", amounts=[D("30"), D("30"), D("30")])
    assert caught.value.code == "parts_not_target"


@pytest.mark.parametrize("planned", ["-1", "abc", "1.234"])
def test_bad_amounts_are_refused(bw, planned):
    with pytest.raises(ApplicationError) as caught:
        make_line(bw, planned=planned)
    assert caught.value.field == "planned"


def test_only_managers_of_the_department_plan(bw):
    for key in ("member", "hr", "viewer", "sales_manager"):
        with pytest.raises(PermissionDeniedError):
            make_line(bw, actor=bw.org.user(key))
    make_line(bw, actor=bw.org.user("admin"))
    make_line(bw, department=bw.org.content)  # a manager plans below their department too


def test_update_keeps_shares_and_checks_the_version(bw):
    line = make_line(bw, period=bw.q1, planned="1000", shares=[D(20), D(30), D(50)])
    line = services.budget_line_update(
        actor=bw.org.user("mkt_manager"), line=line, version=1, planned="2000", reason="加投抖音"
    )
    assert list(line.allocations.values_list("amount", flat=True)) == [D("400.00"), D("600.00"), D("1000.00")]
    assert line.version == 2
    assert line.history.first().history_change_reason == "加投抖音"
    with pytest.raises(ConflictError):
        services.budget_line_update(actor=bw.org.user("mkt_manager"), line=line, version=1, planned="1")


def test_spend_within_the_period_and_positive(bw):
    line = make_line(bw, period=bw.q1)
    spend = services.spend_record(
        actor=bw.org.user("mkt_manager"), line=line, date=dt.date(2026, 2, 3), amount="1500.50", note="KOL"
    )
    assert spend.amount == D("1500.50") and spend.source == "typed" and spend.history.count() == 1
    with pytest.raises(ApplicationError) as caught:
        services.spend_record(
            actor=bw.org.user("mkt_manager"), line=line, date=dt.date(2026, 5, 1), amount="1"
        )
    assert caught.value.code == "outside_period"
    with pytest.raises(ApplicationError):
        services.spend_record(
            actor=bw.org.user("mkt_manager"), line=line, date=dt.date(2026, 2, 3), amount="0"
        )
    with pytest.raises(PermissionDeniedError):
        services.spend_record(actor=bw.org.user("member"), line=line, date=dt.date(2026, 2, 3), amount="1")


def test_a_line_with_spend_cannot_be_deleted(bw):
    line = make_line(bw, period=bw.q1)
    services.spend_record(actor=None, line=line, date=dt.date(2026, 2, 3), amount="10")
    with pytest.raises(ConflictError):
        services.budget_line_delete(actor=bw.org.user("mkt_manager"), line=line)
    empty = make_line(bw, period=bw.q1, channel="tmall")
    services.budget_line_delete(actor=bw.org.user("mkt_manager"), line=empty)
    assert not BudgetLine.objects.filter(pk=empty.pk).exists()


GBK_FILE = (
    "日期,渠道,金额,备注\r\n"
    '2026/1/5,抖音,"12,000.50",1月投放\r\n'
    "2026年2月1日,天猫,3000,\r\n"
    "2026-03-01,douyin,1.2万,\r\n"
).encode("gbk")


def test_spend_import_from_a_gbk_csv(bw):
    douyin = make_line(bw, period=bw.q1)
    tmall = make_line(bw, period=bw.q1, channel="tmall")
    made = services.spend_import(
        actor=bw.org.user("mkt_manager"),
        data=GBK_FILE,
        filename="spend.csv",
        department=bw.org.mkt,
        period=bw.year,
    )
    assert len(made) == 3
    assert sum(s.amount for s in Spend.objects.filter(line=douyin)) == D("24000.50")
    assert Spend.objects.get(line=tmall).amount == D("3000.00")
    assert set(Spend.objects.values_list("source", flat=True)) == {"imported"}
    assert Spend.history.count() == 3


def test_spend_import_reports_every_bad_row_and_writes_nothing(bw):
    make_line(bw, period=bw.q1)
    data = (
        "日期,渠道,金额\n"
        "2026/1/5,抖音,100\n"
        "2026/2/30,抖音,100\n"
        "2026/1/6,抖音,N/A\n"
        "2026/1/7,快手,100\n"
        "2026/6/1,抖音,100\n"
    ).encode()
    with pytest.raises(ApplicationError) as caught:
        services.spend_import(
            actor=bw.org.user("mkt_manager"),
            data=data,
            filename="s.csv",
            department=bw.org.mkt,
            period=bw.year,
        )
    rows = {(e.row, e.code) for e in caught.value.errors}
    assert rows == {(3, "invalid_date"), (4, "invalid_amount"), (5, "unknown_channel"), (6, "no_line")}
    assert caught.value.code == "invalid_rows"
    assert not Spend.objects.exists()


def test_attribution_per_month(bw):
    line = make_line(bw, period=bw.q1)
    services.attribution_set(actor=None, line=line, month=dt.date(2026, 2, 14), revenue="5000", leads=20)
    services.attribution_set(actor=None, line=line, month=dt.date(2026, 2, 1), revenue="6000", leads=25)
    attribution = Attribution.objects.get()
    assert (
        attribution.month == dt.date(2026, 2, 1)
        and attribution.revenue == D(6000)
        and attribution.leads == 25
    )
    with pytest.raises(ApplicationError):
        services.attribution_set(actor=None, line=line, month=dt.date(2026, 7, 1), revenue="1", leads=1)


def _roi_world(bw):
    """抖音 ROI 4, LinkedIn ROI 0.5 in 市场部's FY2026."""
    douyin = make_line(bw, planned="100000")
    linkedin = make_line(bw, planned="40000", channel="linkedin")
    for line, spent, revenue, leads in ((douyin, "100000", "400000", 500), (linkedin, "40000", "20000", 40)):
        services.spend_record(actor=None, line=line, date=dt.date(2026, 3, 1), amount=spent)
        services.attribution_set(
            actor=None, line=line, month=dt.date(2026, 3, 1), revenue=revenue, leads=leads
        )
    return douyin, linkedin


def test_channel_roi_ranks_and_flags(bw):
    _roi_world(bw)
    proposal = selectors.channel_roi(bw.org.user("mkt_manager"), bw.year, bw.org.mkt)
    rows = {r.figures.channel_id: r for r in proposal.rows}
    douyin, linkedin, tmall = (bw.channel(code).pk for code in ("douyin", "linkedin", "tmall"))
    assert rows[douyin].rank == 1 and rows[douyin].roi == 4
    assert rows[linkedin].recommendation == "cut" and rows[linkedin].cost_per_lead == D(1000)
    assert proposal.freed == D(40000) and proposal.to_tests == D(8000) and proposal.to_kept == D(32000)
    assert rows[tmall].recommendation == "test"


def test_channel_roi_of_a_quarter_counts_the_years_lines_by_their_months(bw):
    """The budget page, the API and the dashboards read one ROI per channel: a year's line counts in
    a quarter with its months' part of the split, spend and attribution with their dates (before, the
    budget page showed a quarter without the year's lines: an empty ranking beside a full dashboard)."""
    douyin = make_line(bw, planned="120000.00")
    services.spend_record(actor=None, line=douyin, date=dt.date(2026, 2, 10), amount="30000")
    services.spend_record(actor=None, line=douyin, date=dt.date(2026, 5, 10), amount="50000")
    services.attribution_set(actor=None, line=douyin, month=dt.date(2026, 2, 1), revenue="60000", leads=30)
    manager = bw.org.user("mkt_manager")
    row = next(r for r in selectors.channel_roi(manager, bw.q1, bw.org.mkt).rows if r.figures.tried)
    assert (row.figures.planned, row.figures.spent, row.figures.revenue) == (D(30000), D(30000), D(60000))
    assert row.roi == 2 and row.cost_per_lead == D(1000)
    shown = selectors.channel_roi_list(manager, bw.q1, bw.org.mkt)
    assert [(r["planned"], r["spent"], r["roi"]) for r in shown] == [(D(30000), D(30000), D(2))]


def test_accepting_the_reallocation_creates_next_periods_lines(bw):
    _roi_world(bw)
    reallocation = services.reallocation_accept(
        actor=bw.org.user("mkt_manager"), department=bw.org.mkt, period=bw.year, note="季度复盘决定"
    )
    assert reallocation.to_period == bw.next_year and reallocation.freed == D(40000)
    lines = {line.channel.code: line for line in BudgetLine.objects.filter(period=bw.next_year)}
    assert "linkedin" not in lines
    assert lines["douyin"].planned == D(132000)
    tests = [line for code, line in lines.items() if code not in ("douyin",)]
    assert len(tests) == 6 and sum(line.planned for line in tests) == D(8000)
    assert all(line.reallocation == reallocation for line in lines.values())
    assert sum(line.planned for line in lines.values()) == D(140000)
    # accepting twice is refused: the next period is planned already
    with pytest.raises(ConflictError):
        services.reallocation_accept(actor=bw.org.user("mkt_manager"), department=bw.org.mkt, period=bw.year)
    assert Reallocation.objects.count() == 1


def test_nothing_to_reallocate_and_no_next_period(bw):
    make_line(bw)
    with pytest.raises(ApplicationError) as caught:
        services.reallocation_accept(actor=bw.org.user("mkt_manager"), department=bw.org.mkt, period=bw.year)
    assert caught.value.code == "nothing_to_reallocate"
    with pytest.raises(ApplicationError) as caught:
        services.reallocation_accept(
            actor=bw.org.user("mkt_manager"), department=bw.org.mkt, period=bw.next_year
        )
    assert caught.value.code == "no_next_period"


def test_only_managers_accept(bw):
    _roi_world(bw)
    for key in ("member", "hr", "sales_manager"):
        with pytest.raises(PermissionDeniedError):
            services.reallocation_accept(actor=bw.org.user(key), department=bw.org.mkt, period=bw.year)


def test_budget_table_totals_add_up(bw):
    _roi_world(bw)
    table = selectors.budget_table(bw.org.user("hr"), bw.year, bw.org.mkt)
    assert table.planned == sum(r.planned for r in table.rows) == D(140000)
    assert table.spent == D(140000) and table.remaining == 0
    assert sum(r.share for r in table.rows) == 1
    assert table.roi == D(420000) / D(140000)


def test_visibility(bw):
    _roi_world(bw)
    make_line(bw, department=bw.org.sales, actor=bw.org.user("sales_manager"))
    count = lambda key: selectors.scoped_lines(bw.org.user(key)).count()  # noqa: E731
    assert count("admin") == 3 and count("hr") == 3
    assert count("mkt_manager") == 2 and count("sales_manager") == 1
    assert count("member") == 0  # 林晓 works in 内容组, which has no line
    assert count("viewer") == 0
    make_line(bw, department=bw.org.content)
    assert count("member") == 1


def test_selectors_run_a_constant_number_of_queries(bw, django_assert_max_num_queries):
    _roi_world(bw)
    for code in ("tmall", "edm", "live"):
        line = make_line(bw, channel=code)
        services.spend_record(actor=None, line=line, date=dt.date(2026, 4, 1), amount="10")
    user = bw.org.user("admin")
    with django_assert_max_num_queries(4):
        selectors.budget_table(user, bw.year, bw.org.mkt)
    with django_assert_max_num_queries(4):
        months = selectors.budget_vs_spend_by_month(user, bw.year, bw.org.mkt)
    assert len(months) == 12 and months[2]["spent"] == D(140000)
    assert sum(m["planned"] for m in months) == D(140000) + D(360000)
    with django_assert_max_num_queries(4):
        ranked = selectors.channel_roi_list(user, bw.year)
    assert ranked[0]["channel_id"] == bw.channel("douyin").pk and ranked[0]["roi"] == 4


def test_month_sums_are_exact_cents_on_every_database(bw):
    """0.10 + 0.20 is 0.30000000000000004 as floats (SQLite's SUM): each month's planned amount and
    spend come back as the cents they are stored in, spend entries of several days folded into their
    month."""
    line = make_line(bw, period=bw.q1, planned="0.30", amounts=[D("0.10"), D("0.20"), D("0.00")])
    make_line(bw, period=bw.q1, planned="0.60", amounts=[D("0.20"), D("0.40"), D("0.00")], channel="tmall")
    for day, amount in ((1, "0.10"), (2, "0.20"), (28, "0.10")):
        services.spend_record(actor=None, line=line, date=dt.date(2026, 2, day), amount=amount)
    months = selectors.budget_vs_spend_by_month(bw.org.user("admin"), bw.q1)
    assert [(m["month"], m["planned"], m["spent"]) for m in months] == [
        (dt.date(2026, 1, 1), D("0.30"), D("0.00")),
        (dt.date(2026, 2, 1), D("0.60"), D("0.40")),
        (dt.date(2026, 3, 1), D("0.00"), D("0.00")),
    ]
    assert [str(m["planned"]) for m in months] == ["0.30", "0.60", "0.00"]  # as stored, no float tail


def test_a_closed_period_freezes_its_budget(bw):
    """The close freezes a period's money as it freezes its goals: no line, spend or attribution
    changes after it, and the reallocation cannot write into a closed next period."""
    from django.utils import timezone

    from lodestar.budget.models import BudgetAllocation
    from lodestar.core.models import Period
    from lodestar.goals.models import PeriodClosing

    manager = bw.org.user("mkt_manager")
    line = make_line(bw, planned="120000.00")
    spend = services.spend_record(actor=manager, line=line, date=dt.date(2026, 3, 1), amount="100")
    empty = make_line(bw, channel="xiaohongshu", planned="1000")
    counts = (BudgetLine.objects.count(), Spend.objects.count(), BudgetAllocation.objects.count())
    PeriodClosing.objects.create(
        period=bw.year, department=bw.org.mkt, closed_by=bw.org.mkt_manager, closed_at=timezone.now()
    )
    refused = [
        lambda: make_line(bw, channel="tmall"),
        lambda: services.budget_line_update(actor=manager, line=line, version=line.version, planned="1"),
        lambda: services.spend_record(actor=manager, line=line, date=dt.date(2026, 3, 2), amount="5"),
        lambda: services.spend_delete(actor=manager, spend=spend),
        lambda: services.attribution_set(
            actor=manager, line=line, month=dt.date(2026, 3, 1), revenue="10", leads=1
        ),
        lambda: services.budget_line_delete(actor=manager, line=empty),
    ]
    for write in refused:
        with pytest.raises(ApplicationError) as caught:
            write()
        assert caught.value.code == "period_closed"
    assert (BudgetLine.objects.count(), Spend.objects.count(), BudgetAllocation.objects.count()) == counts
    assert not Attribution.objects.exists()
    csv = "日期,金额,渠道\n2026-03-05,200,抖音\n".encode()
    with pytest.raises(ApplicationError) as caught:
        services.spend_import(
            actor=manager, data=csv, filename="spend.csv", department=bw.org.mkt, period=bw.year
        )
    assert [(e.code, e.row) for e in caught.value.errors] == [("period_closed", 2)]
    # Another department's budget of the same year stays open.
    sales = make_line(bw, department=bw.org.sales, actor=bw.org.user("admin"))
    assert services.spend_record(actor=bw.org.user("admin"), line=sales, date=dt.date(2026, 3, 1), amount="1")
    # The reallocation of FY2026's ROI cannot write into a closed FY2027.
    Period.objects.filter(pk=bw.next_year.pk).update(is_closed=True)
    with pytest.raises(ApplicationError) as caught:
        services.reallocation_accept(actor=bw.org.user("admin"), department=bw.org.sales, period=bw.year)
    assert caught.value.code == "period_closed"
