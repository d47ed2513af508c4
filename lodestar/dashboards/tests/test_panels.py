"""The dashboards' panels: their figures, worked by hand, and what the reader may see."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lodestar.conftest import fresh_user
from lodestar.dashboards import selectors
from lodestar.dashboards.tests.conftest import TODAY, enter
from lodestar.execution.models import ActionItem
from lodestar.testing.factories import (
    ActionItemFactory,
    AlertFactory,
    CheckInFactory,
    DepartmentFactory,
    MeasureFactory,
    PersonFactory,
    RaciAssignmentFactory,
)


def scope(kind, user, period, **objects):
    return selectors.build_scope(kind, fresh_user(user), period, today=TODAY, **objects)


def panel(key, sc):
    return selectors.dashboard_panels(sc, only=key)[0]


def test_achievement_bar_and_plan_to_date_marker(org, q4, make_goal):
    """Day 49 of Q4's 92: a straight line expects 49/92 = 53.26%; a goal at 50% progress runs at 93.88% of pace."""
    goal = make_goal(org.content, owner=org.member, measure={"target": Decimal(100), "current": Decimal(50)})
    rolled = make_goal(org.mkt, achievement="0.8000", progress="0.8000", health="on_track")
    rows = {r["goal_id"]: r for r in panel("achievement", scope("company", org.admin, q4)).rows}
    assert rows[goal.pk]["achievement"] == "0.5000"
    assert rows[goal.pk]["plan_to_date"] == "0.5326"
    assert rows[goal.pk]["pace"] == "0.9388"
    assert rows[rolled.pk]["plan_to_date"] == "0.5326"  # no measures: the share of the period elapsed
    assert rows[rolled.pk]["pace"] == "1.5020"
    assert rows[goal.pk]["department_id"] == org.content.pk


def test_achievement_shows_the_first_goals_and_says_so(org, q4, make_goal, monkeypatch):
    monkeypatch.setattr(selectors, "GOAL_LIMIT", 2)
    for _ in range(3):
        make_goal(org.content)
    result = panel("achievement", scope("company", org.admin, q4))
    assert len(result.rows) == 2 and result.truncated


def test_goals_of_other_periods_and_drafts_are_left_out(org, q4, make_goal):
    year = q4.parent
    make_goal(org.content, period=year)  # the year runs through Q4: shown
    make_goal(org.content, period=q4.parent.children.get(start=dt.date(2026, 4, 1)))  # Q2: not shown
    draft = make_goal(org.content)
    draft.status = "draft"
    draft.save()
    rows = panel("achievement", scope("company", org.admin, q4)).rows
    assert len(rows) == 1 and rows[0]["period"] == year.label


def test_heatmap_counts_goals_by_department_subtree_and_type(org, q4, make_goal):
    make_goal(org.content, health="on_track")
    make_goal(org.content, health="at_risk")
    make_goal(org.content, health="off_track")
    make_goal(org.content, health="not_started")
    make_goal(org.sales, health="off_track", goal_type="brand")
    rows = panel("heatmap", scope("department", org.admin, q4, department=org.mkt)).rows
    assert len(rows) == 1  # 内容组 below 市场部; 销售部 is outside the department
    cell = rows[0]
    assert (cell["department_id"], cell["goals"]) == (org.content.pk, 4)
    assert (cell["on_track"], cell["at_risk"], cell["off_track"], cell["not_started"]) == (1, 1, 1, 1)
    assert cell["health_score"] == "0.5000"  # (1 + ½) / 3 under way
    company = panel("heatmap", scope("company", org.admin, q4)).rows
    assert {(r["department"], r["goal_type"], r["goals"]) for r in company} == {
        ("内容组", "销售额", 4),
        ("销售部", "品牌曝光", 1),
    }


def test_figures_count_only_the_goals_the_reader_may_see(org, q4, make_goal):
    make_goal(org.sales, visibility="department", health="off_track")
    make_goal(org.content, health="on_track")
    for_member = panel("heatmap", scope("company", org.member, q4)).rows
    assert [r["department"] for r in for_member] == ["内容组"]
    for_admin = panel("heatmap", scope("company", org.admin, q4)).rows
    assert sorted(r["department"] for r in for_admin) == ["内容组", "销售部"]
    assert len(panel("achievement", scope("company", org.member, q4)).rows) == 1


def test_plan_against_actual_with_the_forecast_band(org, q4, make_goal):
    goal = make_goal(org.content, owner=org.member, measure={"target": Decimal(100), "current": Decimal(40)})
    measure = goal.measures.get()
    for n, cumulative in enumerate((10, 22, 30, 40)):
        monday = dt.date(2026, 10, 19) + dt.timedelta(weeks=n)
        CheckInFactory(
            measure=measure,
            period_start=monday,
            period_end=monday + dt.timedelta(days=6),
            cumulative=cumulative,
            author=org.member,
        )
    row = panel("plan", scope("person", org.admin, q4, person=org.member)).rows[0]
    assert row["target"] == "100.00" and row["actual"] == "40.00" and row["actual_share"] == "0.4000"
    # The even plan from 0 on Oct 1 to 100 on Dec 31, read on Nov 18 (tracking's plan, interpolated).
    # tracking's even plan for a counted measure (whole numbers per step), read on Nov 18: what the measure page shows
    assert row["plan_to_date"] == "53.86"
    assert Decimal(row["forecast_low"]) <= Decimal(row["forecast"]) <= Decimal(row["forecast_high"])
    assert row["p_base"] is not None and Decimal("0") <= Decimal(row["p_base"]) <= Decimal("1")


def test_checkin_completion_counts_weeks_due_reported_and_on_time(org, q4, make_goal):
    """Q4's full weeks ended by Wed Nov 18: Oct 5 … Nov 15, six. Three reported, two by the Monday after."""
    goal = make_goal(org.content, owner=org.member, measure={"target": Decimal(100), "current": Decimal(40)})
    measure = goal.measures.get()
    for monday, late in (
        (dt.date(2026, 10, 5), False),
        (dt.date(2026, 10, 12), True),
        (dt.date(2026, 11, 9), False),
    ):
        sunday = monday + dt.timedelta(days=6)
        checkin = CheckInFactory(measure=measure, period_start=monday, period_end=sunday, author=org.member)
        enter(checkin, sunday + dt.timedelta(days=3 if late else 1))
    by_person = panel("checkins", scope("department", org.admin, q4, department=org.mkt)).rows
    assert by_person == [
        {
            "group": "林晓",
            "person_id": org.member.pk,
            "due": 6,
            "reported": 3,
            "on_time": 2,
            "on_time_rate": "0.3333",
            "reported_rate": "0.5000",
        }
    ]
    by_department = panel("checkins", scope("company", org.admin, q4)).rows
    assert [(r["group"], r["due"], r["on_time"]) for r in by_department] == [("内容组", 6, 2)]
    by_measure = panel("checkins", scope("person", org.admin, q4, person=org.member)).rows
    assert by_measure[0]["measure_id"] == measure.pk and by_measure[0]["due"] == 6


def test_overdue_items_of_the_period(org, q4, make_goal):
    late = ActionItemFactory(department=org.content, due=dt.date(2026, 11, 10), status="doing")
    RaciAssignmentFactory(item=late, person=org.member)
    ActionItemFactory(department=org.content, due=dt.date(2026, 11, 11), status="done")
    ActionItemFactory(department=org.content, due=dt.date(2026, 11, 20), status="todo")  # not yet due
    ActionItemFactory(department=org.sales, due=dt.date(2026, 9, 20), status="todo")  # due in Q3
    result = panel("overdue", scope("company", org.admin, q4))
    assert result.rows == [{"group": "内容组", "department_id": org.content.pk, "overdue": 1}]
    assert result.items[0]["item_id"] == late.pk and result.items[0]["days_overdue"] == 8
    mine = panel("overdue", scope("person", org.admin, q4, person=org.member))
    assert mine.rows == [{"group": "P1", "department_id": None, "overdue": 1}]
    assert ActionItem.objects.count() == 4


def test_open_alerts_by_condition(org, q4, make_goal):
    goal = make_goal(org.content, owner=org.member, measure={"target": Decimal(100)})
    measure = goal.measures.get()
    AlertFactory(measure=measure, goal=goal)
    AlertFactory(measure=MeasureFactory(goal=goal), goal=goal, status="resolved")
    result = panel("alerts", scope("department", org.admin, q4, department=org.mkt))
    assert [(r["condition"], r["open"], r["total"]) for r in result.rows] == [("achievement_below", 1, 1)]
    assert len(result.items) == 1 and result.items[0]["goal_id"] == goal.pk
    assert panel("alerts", scope("department", org.admin, q4, department=org.sales)).rows == []


def test_company_rows_fold_deeper_departments_into_the_deepest_row_above_them(org, q4, make_goal):
    """The company's rows are its top three levels; a team below 内容组 counts in 内容组, a goal of 市场部
    itself in 市场部 — for the health counts, the overdue items and the check-ins alike (each counted by
    department in the database and folded into the rows), and only what the reader may see."""
    team = DepartmentFactory(name="内容组一队", parent=org.content)
    owner = PersonFactory(department=team, display_name="队员")
    monday = dt.date(2026, 11, 9)
    for department, health, visibility in (
        (team, "on_track", "public"),
        (org.content, "at_risk", "public"),
        (org.mkt, "off_track", "public"),
        (team, "off_track", "department"),  # hidden from the member of 内容组
    ):
        goal = make_goal(
            department,
            owner=owner,
            health=health,
            visibility=visibility,
            measure={"target": Decimal(100)},
        )
        checkin = CheckInFactory(
            measure=goal.measures.get(),
            period_start=monday,
            period_end=monday + dt.timedelta(days=6),
            author=owner,
        )
        enter(checkin, monday + dt.timedelta(days=7))
    ActionItemFactory(department=team, due=dt.date(2026, 11, 10), status="doing")
    ActionItemFactory(department=org.content, due=dt.date(2026, 11, 12), status="todo")

    as_admin = scope("company", org.admin, q4)
    heat = {r["department"]: r["goals"] for r in panel("heatmap", as_admin).rows}
    assert heat == {"内容组": 3, "市场部": 1}
    overdue = panel("overdue", as_admin).rows
    assert [(r["group"], r["overdue"]) for r in overdue] == [("内容组", 2)]
    checkins = {r["group"]: (r["due"], r["reported"], r["on_time"]) for r in panel("checkins", as_admin).rows}
    assert checkins == {"内容组": (18, 3, 3), "市场部": (6, 1, 1)}  # six weeks due per measure

    as_member = scope("company", org.member, q4)
    heat = {r["department"]: r["goals"] for r in panel("heatmap", as_member).rows}
    assert heat == {"内容组": 2, "市场部": 1}
    checkins = {r["group"]: (r["due"], r["reported"]) for r in panel("checkins", as_member).rows}
    assert checkins == {"内容组": (12, 2), "市场部": (6, 1)}
