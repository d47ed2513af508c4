"""The tracking pages: the daily report (rows with the day's plan, navigation, saving a day's
check-in, query count)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from lodestar.execution import services as execution_services
from lodestar.goals.tests.conftest import fresh
from lodestar.tracking import services
from lodestar.tracking.models import CheckIn
from lodestar.tracking.tests.views_support import _count, _grow, client_for, row_data

pytestmark = pytest.mark.django_db


# --- daily report -----------------------------------------------------------------------------


@pytest.fixture
def day():
    from lodestar.tracking.selectors import Day

    return Day(timezone.localdate())


def test_day_page_lists_the_rows_with_the_plan_for_the_day(world, setup, day):
    from lodestar.tracking import domain

    parent, child = setup
    item = execution_services.item_create(
        actor=fresh(world.content_member), department=world.content, title="写10篇测评", goal=child
    )
    response = client_for(world.content_member).get(reverse("tracking:report"), {"day": day.key})
    assert response.status_code == 200
    body = response.content.decode()
    measure = child.measures.get()
    assert f'id="row-m-{measure.pk}"' in body
    assert f'id="row-i-{item.pk}"' in body
    assert f'id="row-m-{parent.measures.get().pk}"' not in body
    assert 'data-testid="daily-report"' in body and "My daily report" in body
    assert f"?day={day.key}" in body  # rows save to the daily endpoint
    assert f"?day={day.previous.key}" in body and f"?day={day.next.key}" in body
    row = next(r for r in response.context["rows"] if r.kind == "measure")
    plan = services.measure_plan(measure)
    # Notes are counted: the day's plan is the whole-number plan's step (issue 13: no 0.14篇).
    expected = domain.planned_between(plan, day.start, day.start, whole=True)
    assert row.planned == expected and row.planned % 1 == 0
    assert row.form.initial["period_start"] == row.form.initial["period_end"] == day.start


def test_day_page_navigation_and_bad_day(world, setup, day):
    client = client_for(world.content_member)
    response = client.get(reverse("tracking:report"), {"day": day.previous.key})
    assert response.context["period"] == day.previous
    assert f'href="?day={day.key}"' in response.content.decode()  # "Today"
    response = client.get(reverse("tracking:report"), {"day": "not-a-day"})
    assert response.context["period"] == day
    # The weekly page is unchanged and offers the daily mode.
    body = client.get(reverse("tracking:report")).content.decode()
    assert 'data-testid="weekly-report"' in body and 'data-testid="mode-day"' in body


def test_saving_a_daily_row_creates_a_day_checkin(world, setup, day):
    _parent, child = setup
    measure = child.measures.get()
    client = client_for(world.content_member)
    url = f"{reverse('tracking:checkin_row', args=['measure', measure.pk])}?day={day.key}"
    response = client.post(
        url, row_data(f"m-{measure.pk}", day, planned="1", actual="3"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'data-testid="row-saved"' in response.content.decode()
    checkin = CheckIn.objects.get(measure=measure)
    assert checkin.period_kind == "day"
    assert checkin.period_start == checkin.period_end == day.start
    assert (checkin.planned, checkin.actual) == (Decimal(1), Decimal(3))
    measure.refresh_from_db()
    assert measure.current == Decimal(3)
    page = client.get(reverse("tracking:report"), {"day": day.key})
    row = next(r for r in page.context["rows"] if r.kind == "measure")
    assert row.checkin == checkin and 'value="3"' in page.content.decode()


def test_day_page_query_count_does_not_grow(
    world, make_goal, activate, setup, day, django_assert_max_num_queries
):
    parent, _child = setup
    params = {"day": day.key}
    client = client_for(world.content_member)
    _grow(world, make_goal, activate, parent, 3, day)
    small = _count(client, reverse("tracking:report"), params)
    _grow(world, make_goal, activate, parent, 27, day)
    client = client_for(world.content_member)
    with django_assert_max_num_queries(small):
        response = client.get(reverse("tracking:report"), params)
    assert len([r for r in response.context["rows"] if r.kind == "measure"]) >= 30
