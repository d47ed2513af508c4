"""Helpers of the execution service tests (test_services*.py): the `World` those tests run in
(built by the `world` fixture of the execution conftest: roster EXECUTION_SERVICES of
lodestar/testing/organisation.py), fresh users and items, and checks that
nothing was written.

    星辰公司 CO (admin 管理员, hr 孙丽)
    ├── 市场部 MKT (manager 赵敏; member 林晓, viewer 访客, former 离职员工 inactive)
    │   └── 内容组 MKT-C (member 陈静)
    ├── 设计部 DESIGN (manager 吴设计; member 刘洋)
    └── 销售部 SALES (manager 王强; member 周杰)

`person_of(user)` caches the person on the user object and `access._letters` caches the
caller's letters on the item, so every call gets a fresh user (`u`) and every access check a
fresh item (`fresh`).
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from django.contrib.auth import get_user_model

from lodestar.execution import services
from lodestar.execution.models import (
    ActionItem,
    Attachment,
    Comment,
    Dependency,
    RaciAssignment,
)
from lodestar.notifications.models import Notification
from lodestar.org.models import Department, Person
from lodestar.testing.organisation import Organisation, fresh_user

User = get_user_model()
D = Decimal
JULY_1, JULY_10 = dt.date(2026, 7, 1), dt.date(2026, 7, 10)


# --- the organisation ------------------------------------------------------------------------


World = Organisation  # the `world` fixture's type (execution conftest; roster EXECUTION_SERVICES)

# The person's user straight from the database (nothing cached from earlier calls).
u = fresh_user


def fresh(item: ActionItem) -> ActionItem:
    return ActionItem.objects.select_related("department").get(pk=item.pk)


def make(actor: Person, title: str = "小红书笔记发布", department: Department | None = None, **fields):
    return services.item_create(
        actor=u(actor), department=department or actor.department, title=title, **fields
    )


WATCHED = (ActionItem, RaciAssignment, Dependency, Comment, Notification, Attachment)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WATCHED}


@contextmanager
def nothing_written():
    before = row_counts()
    yield
    assert row_counts() == before


def raci_of(item: ActionItem) -> set[tuple]:
    return set(
        RaciAssignment.objects.filter(item_id=item.pk).values_list("role", "person_id", "department_id")
    )


def responsible_ids(item: ActionItem) -> set[int]:
    return set(RaciAssignment.objects.filter(item_id=item.pk, role="R").values_list("person_id", flat=True))


def inbox(person: Person, verb: str | None = None) -> list[Notification]:
    qs = Notification.objects.filter(recipient=person)
    if verb:
        qs = qs.filter(verb=verb)
    return list(qs)
