"""The goal table's weight totals: a split across departments counts every sibling, and the
"must be 100% before consensus" warning shows only while a sibling is still a draft."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client
from django.urls import reverse

from lodestar.goals.models import Goal, GoalStatus
from lodestar.goals.tests.conftest import fresh

WARNING = "发起共识前须为100%"


def _table(world, department) -> str:
    client = Client()
    client.force_login(fresh(world.admin))
    return client.get(
        reverse("goals:table"), {"department": department.pk, "period": world.year.pk}
    ).content.decode()


def test_siblings_in_other_departments_count_toward_the_total(world, make_goal):
    parent = make_goal("年度线索 1000条")
    make_goal(
        "年度线索 · 内容组", parent=parent, department=world.content, owner=world.member, weight=Decimal(60)
    )
    make_goal("年度线索 · 销售部", parent=parent, department=world.sales, weight=Decimal(40))
    page = _table(world, world.content)
    assert 'data-testid="weight-total">100%' in page
    assert WARNING not in page


def test_an_agreed_set_off_100_is_no_warning_but_a_draft_set_is(world, make_goal):
    parent = make_goal("年度线索 1000条")
    child = make_goal(
        "年度线索 · 内容组", parent=parent, department=world.content, owner=world.member, weight=Decimal(60)
    )
    assert WARNING in _table(world, world.content)  # a draft at 60%: the rule still binds
    Goal.objects.filter(pk=child.pk).update(status=GoalStatus.ACTIVE)
    page = _table(world, world.content)
    assert 'data-testid="weight-total">60%' in page and WARNING not in page
