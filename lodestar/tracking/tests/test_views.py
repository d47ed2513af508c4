"""The tracking pages: weekly report rows (HTMX), department report, weekly meeting, measure page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lodestar.execution import services as execution_services
from lodestar.execution.models import ActionItem
from lodestar.goals.models import Goal, Measure
from lodestar.goals.tests.conftest import fresh
from lodestar.tracking import services
from lodestar.tracking.models import CheckIn, DeviationCategory, PlanPoint
from lodestar.tracking.tests.views_support import COUNT_MEASURE, _count, _grow, client_for, row_data, row_url

pytestmark = pytest.mark.django_db


# --- permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("content_member", 200), ("mkt_manager", 200), ("admin", 200), ("hr", 200), ("viewer", 200)],
)
def test_weekly_report_opens_for_every_person(world, setup, who, status):
    assert client_for(world.person(who)).get(reverse("tracking:report")).status_code == status


def test_pages_need_login(world):
    assert Client().get(reverse("tracking:report")).status_code == 302


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 200),  # member of MKT
        ("content_member", 200),  # member of a sub-department
        ("mkt_manager", 200),
        ("admin", 200),
        ("hr", 200),
        ("sales_member", 403),
        ("sales_manager", 403),
    ],
)
@pytest.mark.parametrize("page", ["tracking:department_report", "tracking:meeting"])
def test_department_pages_for_members_managers_admin_hr(world, setup, page, who, status):
    response = client_for(world.person(who)).get(reverse(page), {"department": world.mkt.pk})
    assert response.status_code == status


def test_department_page_unknown_department_is_404(world):
    response = client_for(world.admin).get(reverse("tracking:meeting"), {"department": 999999})
    assert response.status_code == 404


def test_measure_page_visibility(world, make_goal, activate, setup):
    _parent, child = setup
    measure = child.measures.get()
    assert (
        client_for(world.content_member).get(reverse("tracking:measure", args=[measure.pk])).status_code
        == 200
    )
    assert client_for(world.viewer).get(reverse("tracking:measure", args=[measure.pk])).status_code == 200
    hidden = activate(
        make_goal(
            "销售机密", department=world.sales, visibility="department", measures=[dict(COUNT_MEASURE)]
        ),
        manager=world.sales_manager,
    )
    hidden_measure = hidden.measures.get()
    response = client_for(world.member).get(reverse("tracking:measure", args=[hidden_measure.pk]))
    assert response.status_code == 404
    assert client_for(world.member).get(reverse("tracking:measure", args=[987654])).status_code == 404


# --- weekly report ----------------------------------------------------------------------------


def test_report_lists_my_measures_and_items_with_prefilled_plan(world, setup, week):
    parent, child = setup
    item = execution_services.item_create(
        actor=fresh(world.content_member), department=world.content, title="写10篇测评", goal=child
    )
    response = client_for(world.content_member).get(reverse("tracking:report"), {"week": week.key})
    body = response.content.decode()
    measure = child.measures.get()
    assert f'id="row-m-{measure.pk}"' in body
    assert f'id="row-i-{item.pk}"' in body
    # The parent measure adds up its part: not due from anyone.
    assert f'id="row-m-{parent.measures.get().pk}"' not in body
    row = next(r for r in response.context["rows"] if r.kind == "measure")
    # Even plan of 52 over the year: about one a week.
    assert Decimal("0.9") < row.planned < Decimal("1.1")
    assert row.form.initial["planned"]
    assert 'inputmode="decimal"' in body


def test_deviation_categories_are_offered_in_the_readers_language(world, setup, week):
    """Walking the English tracking page: the reasons were listed as 资源不足, 合作方延期 …"""
    english = client_for(world.content_member).get(reverse("tracking:report"), {"week": week.key})
    body = english.content.decode()
    assert ">Partner delay</option>" in body and "合作方延期" not in body
    chinese = client_for(world.content_member)
    chinese.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert (
        ">合作方延期</option>" in chinese.get(reverse("tracking:report"), {"week": week.key}).content.decode()
    )


def test_submitting_a_row_creates_a_checkin_and_rolls_up(world, setup, week):
    parent, child = setup
    measure = child.measures.get()
    client = client_for(world.content_member)
    response = client.post(
        row_url("measure", measure.pk, week),
        row_data(f"m-{measure.pk}", week, planned="7", actual="5", confidence="7", resource_budget="2000"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'data-testid="row-saved"' in response.content.decode()
    checkin = CheckIn.objects.get(measure=measure)
    assert (checkin.planned, checkin.actual, checkin.cumulative) == (Decimal(7), Decimal(5), Decimal(5))
    assert checkin.period_start == week.start and checkin.confidence == 7
    measure.refresh_from_db()
    assert measure.current == Decimal(5)
    child.refresh_from_db()
    parent.refresh_from_db()
    assert child.progress and child.progress > 0
    assert parent.progress and parent.progress > 0
    assert Measure.objects.get(goal=parent).current == Decimal(5)
    # The page shows the submitted values, still editable.
    page = client.get(reverse("tracking:report"), {"week": week.key}).content.decode()
    assert 'value="5"' in page and "Submitted" in page


def test_resubmitting_updates_and_stale_version_conflicts(world, setup, week):
    _parent, child = setup
    measure = child.measures.get()
    client = client_for(world.content_member)
    client.post(
        row_url("measure", measure.pk, week), row_data(f"m-{measure.pk}", week, planned="7", actual="5")
    )
    checkin = CheckIn.objects.get(measure=measure)
    response = client.post(
        row_url("measure", measure.pk, week),
        row_data(f"m-{measure.pk}", week, planned="7", actual="6", version=checkin.version),
    )
    assert 'data-testid="row-saved"' in response.content.decode()
    assert CheckIn.objects.count() == 1
    checkin.refresh_from_db()
    assert checkin.actual == Decimal(6) and checkin.cumulative == Decimal(6)
    measure.refresh_from_db()
    assert measure.current == Decimal(6)
    stale = client.post(
        row_url("measure", measure.pk, week),
        row_data(f"m-{measure.pk}", week, planned="7", actual="9", version=checkin.version - 1),
    )
    assert "changed by someone else" in stale.content.decode()
    checkin.refresh_from_db()
    assert checkin.actual == Decimal(6)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"planned": "-1", "actual": "3"}, "planned"),
        ({"planned": "5", "actual": "3", "confidence": "11"}, "confidence"),
        (
            {"planned": "5", "actual": "3", "period_end": "2026-01-04", "period_start": "2026-01-10"},
            "period_end",
        ),
        ({"planned": "5", "actual": ""}, "actual"),
    ],
)
def test_bad_input_gives_field_errors_and_writes_nothing(world, setup, week, values, field):
    _parent, child = setup
    measure = child.measures.get()
    response = client_for(world.content_member).post(
        row_url("measure", measure.pk, week), row_data(f"m-{measure.pk}", week, **values)
    )
    assert response.status_code == 200
    form = response.context["row"].form
    assert field in form.errors
    assert not CheckIn.objects.exists()
    measure.refresh_from_db()
    assert measure.current is None


def test_item_row_checkin_and_permissions(world, setup, week):
    _parent, _child = setup
    item = execution_services.item_create(actor=fresh(world.member), department=world.mkt, title="写10篇测评")
    url = row_url("item", item.pk, week)
    response = client_for(world.member).post(url, row_data(f"i-{item.pk}", week, actual="4"))
    assert 'data-testid="row-saved"' in response.content.decode()
    item.refresh_from_db()
    assert item.actual_quantity == Decimal(4)
    # A viewer in the department sees the item but may not report on it.
    assert client_for(world.viewer).post(url, row_data(f"i-{item.pk}", week, actual="5")).status_code == 403
    # Someone from another department does not see it at all.
    assert (
        client_for(world.sales_member).post(url, row_data(f"i-{item.pk}", week, actual="5")).status_code
        == 404
    )


def test_other_people_cannot_report_on_my_measure(world, setup, week):
    _parent, child = setup
    measure = child.measures.get()
    response = client_for(world.member).post(
        row_url("measure", measure.pk, week), row_data(f"m-{measure.pk}", week, actual="5")
    )
    assert response.status_code == 403
    assert not CheckIn.objects.exists()


# --- department report and meeting ------------------------------------------------------------


def test_department_report_groups_checkins_and_lists_requests(world, setup, week):
    _parent, child = setup
    measure = child.measures.get()
    category = DeviationCategory.objects.create(name="资源不足")
    services.checkin_submit(
        actor=fresh(world.content_member),
        measure=measure,
        period_start=week.start,
        period_end=week.end,
        planned="10",
        actual="6",
        deviation_reason="达人档期冲突",
        deviation_category=category,
        resource_people="设计1人",
    )
    response = client_for(world.mkt_manager).get(
        reverse("tracking:department_report"), {"department": world.mkt.pk, "week": week.key}
    )
    body = response.content.decode()
    assert "达人档期冲突" in body and "设计1人" in body and child.name in body
    assert response.context["totals"]["checkins"] == 1
    assert response.context["groups"][0]["rate"] == Decimal("0.6")


def test_meeting_lists_exceptions_first(world, setup, week):
    _parent, child = setup
    today = timezone.localdate()
    Goal.objects.filter(pk=child.pk).update(health="off_track")
    overdue = execution_services.item_create(
        actor=fresh(world.mkt_manager),
        department=world.mkt,
        title="投放复盘报告",
        start=today - dt.timedelta(days=10),
        due=today - dt.timedelta(days=3),
    )
    services.checkin_submit(
        actor=fresh(world.content_member),
        measure=child.measures.get(),
        period_start=week.start,
        period_end=week.end,
        planned="10",
        actual="7",
    )
    response = client_for(world.mkt_manager).get(
        reverse("tracking:meeting"), {"department": world.mkt.pk, "week": week.key}
    )
    body = response.content.decode()
    exceptions = body[body.index('data-testid="exceptions"') : body.index('data-testid="other-goals"')]
    assert child.name in exceptions
    assert overdue.title in exceptions
    assert "3 days overdue" in exceptions
    assert child.pk in [g.pk for g in response.context["exception_goals"]]
    assert len(response.context["help_rows"]) == 1  # 7 of 10: 30% behind


def test_meeting_follow_up_creates_an_item(world, setup, week):
    parent, _child = setup
    due = timezone.localdate() + dt.timedelta(days=7)
    response = client_for(world.mkt_manager).post(
        f"{reverse('tracking:meeting')}?department={world.mkt.pk}&week={week.key}",
        {"title": "补充设计资源", "responsible": world.member.pk, "due": due.isoformat(), "goal": parent.pk},
    )
    assert response.status_code == 302
    item = ActionItem.objects.get(title="补充设计资源")
    assert item.department == world.mkt and item.due == due and item.goal == parent
    assert list(item.raci.filter(role="R").values_list("person_id", flat=True)) == [world.member.pk]
    # Viewers and outsiders cannot add follow-ups.
    assert (
        client_for(world.viewer)
        .post(
            f"{reverse('tracking:meeting')}?department={world.mkt.pk}",
            {"title": "x", "responsible": world.member.pk, "due": due.isoformat()},
        )
        .status_code
        == 403
    )
    bad = client_for(world.mkt_manager).post(
        f"{reverse('tracking:meeting')}?department={world.mkt.pk}", {"title": "", "due": ""}
    )
    assert bad.status_code == 200 and bad.context["form"].errors
    assert ActionItem.objects.count() == 1


# --- measure page -----------------------------------------------------------------------------


def test_measure_page_shows_history_forecast_and_edits_plan(world, setup):
    _parent, child = setup
    measure = child.measures.get()
    year_start = world.year.start
    for week_number, cumulative in ((1, "1"), (2, "2"), (3, "3")):
        monday = dt.date.fromisocalendar(year_start.year, week_number, 1)
        services.checkin_submit(
            actor=fresh(world.content_member),
            measure=measure,
            period_start=monday,
            period_end=monday + dt.timedelta(days=6),
            cumulative=cumulative,
        )
    client = client_for(world.content_member)
    response = client.get(reverse("tracking:measure", args=[measure.pk]))
    assert response.status_code == 200
    assert response.context["forecast"] is not None
    assert len(response.context["history"]) == 3
    assert 'id="plan-chart-data"' in response.content.decode()
    response = client.post(
        reverse("tracking:measure_plan", args=[measure.pk]),
        {"source": "manual", "points": f"{world.year.start} 0\n{world.year.end} 52", "step_days": "7"},
    )
    assert response.status_code == 302
    assert PlanPoint.objects.filter(measure=measure, source="manual").count() == 2
    outside = client.post(
        reverse("tracking:measure_plan", args=[measure.pk]), {"source": "manual", "points": "2030-01-01 5"}
    )
    assert "inside the goal" in outside.content.decode()
    assert (
        client_for(world.viewer)
        .post(reverse("tracking:measure_plan", args=[measure.pk]), {"source": "even"})
        .status_code
        == 403
    )


def test_goal_detail_links_to_the_measure_page(world, setup):
    _parent, child = setup
    measure = child.measures.get()
    body = client_for(world.content_member).get(reverse("goals:detail", args=[child.pk])).content.decode()
    assert reverse("tracking:measure", args=[measure.pk]) in body


# --- constant query counts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "who"),
    [
        ("tracking:report", "content_member"),
        ("tracking:department_report", "mkt_manager"),
        ("tracking:meeting", "mkt_manager"),
    ],
)
def test_query_counts_do_not_grow(
    world, make_goal, activate, setup, week, page, who, django_assert_max_num_queries
):
    parent, _child = setup
    params = {"week": week.key, "department": world.mkt.pk}
    client = client_for(world.person(who))
    _grow(world, make_goal, activate, parent, 3, week)
    small = _count(client, reverse(page), params)
    _grow(world, make_goal, activate, parent, 27, week)
    client = client_for(world.person(who))
    with django_assert_max_num_queries(small):
        response = client.get(reverse(page), params)
    assert response.status_code == 200
    rows = (
        response.context.get("rows") or response.context.get("groups") or response.context.get("other_goals")
    )
    assert rows is not None


def test_first_checkin_continues_from_the_current_value(world, setup, week):
    _parent, child = setup
    measure = child.measures.get()
    Measure.objects.filter(pk=measure.pk).update(current=Decimal(32))
    client = client_for(world.content_member)
    page = client.get(reverse("tracking:report"), {"week": week.key})
    assert next(r for r in page.context["rows"] if r.kind == "measure").previous == Decimal(32)
    client.post(row_url("measure", measure.pk, week), row_data(f"m-{measure.pk}", week, actual="3"))
    checkin = CheckIn.objects.get(measure=measure)
    assert checkin.cumulative == Decimal(35)
    client.post(
        row_url("measure", measure.pk, week),
        row_data(f"m-{measure.pk}", week, actual="4", version=checkin.version),
    )
    checkin.refresh_from_db()
    measure.refresh_from_db()
    assert checkin.cumulative == Decimal(36) and measure.current == Decimal(36)


def test_department_report_and_meeting_keep_private_goals_private(world, setup, week):
    """Everyone below a department may read its weekly report, but a department-private goal of
    one team (and its check-ins) stays hidden from people of other teams."""
    _parent, child = setup
    Goal.objects.filter(pk=child.pk).update(visibility="department")
    services.checkin_submit(
        actor=fresh(world.content_member),
        measure=child.measures.get(),
        period_start=week.start,
        period_end=week.end,
        planned="10",
        actual="3",
        deviation_reason="内部预算调整",
    )
    query = {"department": world.company.pk, "week": week.key}
    outsider = client_for(world.sales_member)
    for name in ("tracking:department_report", "tracking:meeting"):
        body = outsider.get(reverse(name), query).content.decode()
        assert "内部预算调整" not in body and child.name not in body, name
    insider = client_for(world.mkt_manager).get(reverse("tracking:department_report"), query)
    assert "内部预算调整" in insider.content.decode()
