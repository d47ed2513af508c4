"""Helpers of the execution API tests (test_api*.py): dates, fresh items, an item's RACI letters,
and the `item` fixture (bound in each module as `item = api_support.item`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lodestar.execution.models import ActionItem, RaciAssignment

JULY_1, JULY_10, JULY_20 = dt.date(2026, 7, 1), dt.date(2026, 7, 10), dt.date(2026, 7, 20)


def fresh(item: ActionItem) -> ActionItem:
    return ActionItem.objects.get(pk=item.pk)


def letters(item: ActionItem) -> set[tuple]:
    return set(RaciAssignment.objects.filter(item=item).values_list("role", "person_id", "department_id"))


@pytest.fixture
def item(make_item):
    return make_item(
        "小红书种草笔记发布",
        start=JULY_1,
        due=JULY_10,
        planned_quantity=Decimal(20),
        unit="篇",
        done_standard="点赞≥500, 评论≥100",
    )
