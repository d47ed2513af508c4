"""The check-in panel read from tracking's stored completion roll-up gives the figures counted from
the check-ins themselves (issue 16): on a small organisation with every path a check-in takes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lodestar.conftest import fresh_user
from lodestar.core.models import Period, PeriodKind
from lodestar.dashboards import selectors
from lodestar.dashboards.tests.conftest import TODAY, enter
from lodestar.tracking import services
from lodestar.tracking.models import CheckIn, CheckInCompletion

MONDAY = dt.date(2026, 10, 5)


def week(n: int) -> tuple[dt.date, dt.date]:
    """Q4's n-th week from Mon Oct 5 (n = -1: Sep 28 – Oct 4, straddling Q3 and Q4)."""
    start = MONDAY + dt.timedelta(weeks=n)
    return start, start + dt.timedelta(days=6)


def report(person, measure, n, *, entered_after: int | None = 1, period_kind="week"):
    """`person` reports week n through the service, then it is dated `entered_after` days after
    its Sunday (1: the Monday, on time; 3: late), as the demo dates its seed."""
    start, end = week(n)
    if period_kind == "day":
        end = start
    checkin = services.checkin_submit(
        actor=fresh_user(person),
        measure=measure,
        period_start=start,
        period_end=end,
        period_kind=period_kind,
        actual=Decimal(5),
    )
    if entered_after is not None:
        enter(checkin, end + dt.timedelta(days=entered_after))
    return checkin


@pytest.fixture
def realistic(org, q4, make_goal):
    """Four measures in three departments, one goal visible to its department only."""
    content = make_goal(org.content, owner=org.member, measure={"target": Decimal(100)})
    mkt = make_goal(org.mkt, owner=org.mkt_manager, measure={"target": Decimal(100)}, visibility="department")
    sales = make_goal(org.sales, owner=org.sales_manager, measure={"target": Decimal(100)})
    m1, m2, m3 = (g.measures.get() for g in (content, mkt, sales))
    m4 = make_goal(org.content, owner=org.member, measure={"target": Decimal(100)}).measures.get()
    # m1: on time, late, a missing week, one deleted, one deleted and restored, a source-fed week,
    # and the current week (not ended on TODAY, Wed Nov 18).
    report(org.member, m1, 0)
    report(org.member, m1, 1, entered_after=3)
    deleted = report(org.member, m1, 3)
    services.checkin_delete(actor=fresh_user(org.member), checkin=deleted)
    restored = report(org.member, m1, 4)
    services.checkin_delete(actor=fresh_user(org.member), checkin=restored)
    services.checkin_restore(actor=fresh_user(org.admin), checkin_id=restored.pk)
    fed = services.checkin_record_source(
        measure=m1, period_start=week(5)[0], period_end=week(5)[1], actual=Decimal(7)
    )
    enter(fed, week(5)[1] + dt.timedelta(days=1))
    report(org.member, m1, 6)
    # m2: every week, some late, and two weeks entered ahead (Nov 23 and Nov 30).
    for n in range(6):
        report(org.mkt_manager, m2, n, entered_after=1 if n % 2 else 4)
    report(org.mkt_manager, m2, 7, entered_after=None)
    report(org.mkt_manager, m2, 8, entered_after=None)
    # m3: the week straddling Q3 and Q4 (the year counts it, Q4 and October do not), a daily
    # check-in (not a weekly one) and a week entered on the last on-time moment's side.
    report(org.sales_manager, m3, -1)
    report(org.sales_manager, m3, 2, period_kind="day")
    late_by_a_second = report(org.sales_manager, m3, 2, entered_after=None)
    CheckIn.objects.filter(pk=late_by_a_second.pk).update(
        created_at=services.completion.late_from_moment(week(2)[0]) - dt.timedelta(seconds=1)
    )
    services.completion_refresh(measure_ids=[m3.pk])
    # m4: nothing reported (all weeks missing).
    return m1, m2, m3, m4


def both(kind, reader, period, today, **objects):
    """The panel's rows from the roll-up and from the check-ins."""
    sc = selectors.build_scope(kind, fresh_user(reader), period, today=today, **objects)
    from_rollup = selectors.dashboard_panels(sc, only="checkins")[0].rows
    kinds = selectors.COMPLETION_KINDS
    selectors.COMPLETION_KINDS = ()
    try:
        from_checkins = selectors.dashboard_panels(sc, only="checkins")[0].rows
    finally:
        selectors.COMPLETION_KINDS = kinds
    return from_rollup, from_checkins


def test_the_rollup_panel_equals_counting_the_checkins(org, q4, realistic):
    year = Period.objects.get(kind=PeriodKind.YEAR, start=dt.date(2026, 1, 1))
    months = list(Period.objects.filter(kind=PeriodKind.MONTH, start__gte=q4.start, end__lte=q4.end))[:2]
    compared = 0
    for today in (TODAY, dt.date(2026, 12, 10), dt.date(2027, 1, 10)):
        for period in (q4, year, *months):
            for kind, objects in (
                ("company", {}),
                ("department", {"department": org.mkt}),
                ("person", {"person": org.member}),
                ("person", {"person": org.mkt_manager}),
            ):
                for reader in (org.admin, org.mkt_manager, org.member):
                    from_rollup, from_checkins = both(kind, reader, period, today, **objects)
                    assert from_rollup == from_checkins, (today, period, kind, reader)
                    compared += bool(from_rollup)
    assert compared > 40


def test_the_rollup_panel_figures(org, q4, realistic):
    """The figures themselves, read as the member on TODAY: Q4's six ended weeks (Oct 5 … Nov 15)."""
    rows = {r["group"]: r for r in both("person", org.admin, q4, TODAY, person=org.member)[0]}
    m1 = next(r for g, r in rows.items() if r["due"] and r["reported"])
    # Reported: weeks 0, 1, 4 (restored), 5 (fed); not 3 (deleted) nor 6 (not ended). On time: 0, 4, 5.
    assert (m1["due"], m1["reported"], m1["on_time"]) == (6, 4, 3)
    assert sorted((r["due"], r["reported"]) for r in rows.values()) == [(6, 0), (6, 4)]
    mkt = both("person", org.admin, q4, TODAY, person=org.mkt_manager)[0]
    assert [(r["due"], r["reported"], r["on_time"]) for r in mkt] == [(6, 6, 3)]
    # The member does not see the department-only goal of 市场部.
    assert both("person", org.member, q4, TODAY, person=org.mkt_manager)[0] == []


ROLLUP_FIELDS = (
    "measure_id",
    "period_id",
    "reported",
    "on_time",
    "last_week",
    "last_reported",
    "last_on_time",
    "earlier_week",
)


def test_rebuild_all_writes_the_rows_the_writers_wrote(realistic):
    def rows():
        return sorted(CheckInCompletion.objects.values_list(*ROLLUP_FIELDS))

    written = rows()
    assert written
    assert services.completion_rebuild_all() == len(written)
    assert rows() == written


def test_rebuild_all_in_sql_equals_refreshing_each_measure_in_python(realistic):
    """`completion_rebuild_all` counts in one INSERT … SELECT; `completion_refresh` counts a measure's
    check-ins in Python (`domain.completion_rows`). One measure at a time, the same rows."""
    fields = ROLLUP_FIELDS
    measure_ids = sorted(set(CheckIn.objects.exclude(measure=None).values_list("measure_id", flat=True)))
    assert len(measure_ids) > 1
    services.completion_rebuild_all()
    from_sql = sorted(CheckInCompletion.objects.values_list(*fields))
    CheckInCompletion.objects.all().delete()
    for pk in measure_ids:
        services.completion_refresh(measure_ids=[pk])
    from_python = sorted(CheckInCompletion.objects.values_list(*fields))
    assert from_sql == from_python
    # Every kind of row is there: several periods, an earlier week and a row without one.
    assert {row[1] for row in from_sql} >= set(
        Period.objects.filter(kind__in=[PeriodKind.YEAR, PeriodKind.QUARTER, PeriodKind.MONTH]).values_list(
            "pk", flat=True
        )[:1]
    )
    assert any(row[7] is None for row in from_sql) and any(row[7] is not None for row in from_sql)


def test_a_sum_of_parts_is_due_again_once_its_parts_goal_is_deleted(org, q4, make_goal):
    """A measure decomposed into parts takes no check-ins (its parts are reported); once the goal holding
    its only part is deleted, it takes them again — on the dashboard as on the tracking page
    (`goals.models.sums_its_parts_q`, one rule for both)."""
    from django.utils import timezone

    from lodestar.goals.models import Goal
    from lodestar.testing.factories import MeasureFactory
    from lodestar.tracking.selectors import team_missing_checkins

    parent = make_goal(org.content, owner=org.member, measure={"target": Decimal(100)}).measures.get()
    part_goal = make_goal(org.content, owner=org.member)
    part = MeasureFactory(goal=part_goal, source=parent, target=Decimal(100))

    def due(reader=org.admin):
        rows = both("person", reader, q4, TODAY, person=org.member)
        assert rows[0] == rows[1]
        return sorted(r["measure_id"] for r in rows[0] if r["due"])

    def missing():
        measures, _total = team_missing_checkins(fresh_user(org.admin), TODAY, limit=50)
        return sorted(m.pk for m in measures if m.pk in (parent.pk, part.pk))

    assert due() == [part.pk]
    assert missing() == [part.pk]
    Goal.objects.filter(pk=part_goal.pk).update(deleted_at=timezone.now())
    assert due() == [parent.pk]
    assert missing() == [parent.pk]
