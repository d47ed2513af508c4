"""Helpers of the execution page tests (test_views*.py, test_board.py): the HTMX header, dates,
URLs, page text, what a refused write must leave untouched, and the `item` fixture (bound in each
module as `item = views_support.item`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from lodestar.execution.models import ActionItem, RaciAssignment

HX = {"HX-Request": "true"}
START, DUE = dt.date(2026, 3, 2), dt.date(2026, 3, 20)


@pytest.fixture
def item(make_item):
    return make_item("小红书种草笔记发布", start=START, due=DUE, deliverable="笔记链接")


def url(name: str, *args, **query) -> str:
    base = reverse(name, args=args)
    if query:
        base += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return base


def html(response) -> str:
    return response.content.decode("utf-8")


def state(item: ActionItem) -> tuple:
    """What a refused write must leave untouched."""
    fresh = ActionItem.objects.get(pk=item.pk)
    return (
        fresh.title,
        fresh.start,
        fresh.due,
        fresh.status,
        fresh.version,
        sorted(RaciAssignment.objects.filter(item=fresh).values_list("role", "person_id", "department_id")),
    )


def responsible_ids(item: ActionItem) -> set[int]:
    return set(RaciAssignment.objects.filter(item=item, role="R").values_list("person_id", flat=True))
