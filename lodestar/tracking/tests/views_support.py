"""Helpers of the tracking page tests (test_views*.py): a signed-in English client, a report
row's form data and URL, and growing the data for the query-count tests (the `week` and `setup`
fixtures are in the tracking conftest)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.test import Client
from django.urls import reverse

from lodestar.execution import services as execution_services
from lodestar.goals.models import Goal
from lodestar.goals.tests.conftest import fresh
from lodestar.tracking import services

COUNT_MEASURE = {"name": "笔记篇数", "unit": "count", "direction": "higher", "baseline": None, "target": "52"}


def client_for(person) -> Client:
    """A signed-in client in English (the language cookie), so texts can be compared."""
    client = Client()
    client.force_login(fresh(person))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def row_data(prefix: str, week, **values) -> dict:
    data = {
        "period_start": week.start.isoformat(),
        "period_end": week.end.isoformat(),
        "version": "",
        "planned": "",
        "actual": "",
        "deviation_category": "",
        "deviation_reason": "",
        "improvement": "",
        "resource_budget": "",
        "resource_people": "",
        "resource_other": "",
        "confidence": "",
        "comment": "",
    }
    data.update({k: str(v) for k, v in values.items()})
    return {f"{prefix}-{k}": v for k, v in data.items()}


def row_url(kind: str, pk: int, week) -> str:
    return f"{reverse('tracking:checkin_row', args=[kind, pk])}?week={week.key}"


def _grow(world, make_goal, activate, parent, count, week):
    for n in range(count):
        goal = activate(
            make_goal(
                f"笔记{n}",
                department=world.content,
                parent=parent,
                owner=world.content_member,
                measures=[dict(COUNT_MEASURE)],
            )
        )
        measure = goal.measures.get()
        services.checkin_submit(
            actor=fresh(world.content_member),
            measure=measure,
            period_start=week.start,
            period_end=week.end,
            planned="5",
            actual=str(n % 7),
            resource_budget="100" if n % 2 else None,
        )
        item = execution_services.item_create(
            actor=fresh(world.content_member),
            department=world.content,
            title=f"任务{n}",
            goal=goal,
            status="blocked" if n % 3 == 0 else "todo",
            start=week.start - dt.timedelta(days=20),
            due=week.start - dt.timedelta(days=1),
        )
        services.checkin_submit(
            actor=fresh(world.content_member),
            item=item,
            period_start=week.start,
            period_end=week.end,
            actual="1",
        )
        Goal.objects.filter(pk=goal.pk).update(health=("off_track", "at_risk", "on_track")[n % 3])


def _count(client, url, params) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)
