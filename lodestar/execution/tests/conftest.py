"""Fixtures for the execution tests (API, pages, board, domain, services).

`org` — a small organisation with one person per role (the shared organisation of
lodestar/testing/organisation.py, roster EXECUTION), and fiscal year 2026 (`org.year`, `org.quarters`):

    星辰公司 CO (admin, hr)
    ├── 市场部 MKT (manager 赵敏 `mkt_manager`; `accountable` 李雷, `member` 林晓, `viewer` 访客,
    │   │           `inactive` 离职 — an inactive person)
    │   └── 内容组 MKT-C (`responsible` 陈静)
    └── 销售部 SALES (manager 王强 `sales_manager`; `sales_member` 周杰)

`make_item(...)` creates an item of 市场部 through `services.item_create`, by default planned
by `mkt_manager` with `responsible` as the R and `accountable` as the A. So for a default item:
admin, mkt_manager, accountable (and the creator) may re-plan it; responsible may work on it
(status, actual quantity, kanban); member, viewer and hr may read it; sales_manager and
sales_member do not see it (404).

`make_goal(...)` creates a goal of 市场部 with one measure ("小红书笔记", target 50 篇).
`user_of(person)` gives the person's user fresh from the database (nothing cached);
`client_for("member")` a Django test client signed in as that person; `api("member")` a JSON
client for /api/v1 on the session, `api("member", token="read")` with a read-only token,
`api(None)` anonymous.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from lodestar.core.testing import ApiClient
from lodestar.execution import services
from lodestar.execution.models import ActionItem
from lodestar.org.models import Person
from lodestar.org.services import api_token_create
from lodestar.testing.organisation import (
    EXECUTION,
    EXECUTION_SERVICES,
    Organisation,
    add_simple_person,
    build_organisation,
    fresh_user,
)

User = get_user_model()
FISCAL_YEAR = 2026
ROLES = (
    "admin",
    "mkt_manager",
    "sales_manager",
    "responsible",
    "accountable",
    "member",
    "sales_member",
    "hr",
    "viewer",
)


# The person's user straight from the database (no cached person or managed departments).
user_of = fresh_user

Org = Organisation  # the `org` fixture's type (lodestar/testing/organisation.py, roster EXECUTION)


make_person = add_simple_person


@pytest.fixture
def org(db) -> Org:
    return build_organisation(EXECUTION)


@pytest.fixture
def make_item(org):
    """Create an item through `services.item_create` (defaults: 市场部, planned by mkt_manager,
    R = org.responsible, A = org.accountable). Pass `actor=`, `department=`, `responsible=[...]`,
    `accountable=`, `consulted=`, `informed=`, `predecessors=` or any item field (`due=`, `goal=`…)."""

    def make(title: str = "小红书种草笔记发布", *, actor: Person | None = None, **fields) -> ActionItem:
        fields.setdefault("department", org.mkt)
        fields.setdefault("responsible", [org.responsible])
        fields.setdefault("accountable", org.accountable)
        return services.item_create(actor=user_of(actor or org.mkt_manager), title=title, **fields)

    return make


@pytest.fixture
def make_goal(org):
    """Create a goal of 市场部 for fiscal year 2026 with one measure ("小红书笔记", 50 篇) through the
    goals service; pass `measures=[...]` or other goal fields to change it."""
    from lodestar.goals.services import goal_create

    def make(name: str = "Q3 小红书种草笔记发布50篇", *, actor: Person | None = None, **fields):
        fields.setdefault("department", org.mkt)
        fields.setdefault("period", org.year)
        fields.setdefault("owner", org.mkt_manager)
        fields.setdefault(
            "measures", [{"name": "小红书笔记", "unit": "count", "target": Decimal(50), "baseline": None}]
        )
        return goal_create(actor=user_of(actor or org.mkt_manager), name=name, **fields)

    return make


@pytest.fixture
def client_for(org):
    """`client_for("member")` → a Django test Client signed in as that person of `org`."""

    def make(role: str, **client_kwargs) -> Client:
        client = Client(**client_kwargs)
        client.force_login(org.user(role))
        return client

    return make


@pytest.fixture
def english(client_for):
    """A client in English (the language cookie), so messages can be compared with the services' text."""

    def make(role: str):
        client = client_for(role)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


Api = ApiClient


@pytest.fixture
def api(org):
    """`api("member")` → an Api signed in (session) as that person; `api("member", token="read")` /
    `token="read_write"` → with a fresh API token of that scope; `api(None)` → anonymous."""

    def make(role: str | None, *, token: str | None = None, **kwargs) -> Api:
        if role is None:
            return Api(None, **kwargs)
        person = org.person(role)
        if token:
            _row, secret = api_token_create(actor=user_of(person), name="tests", scope=token)
            return Api(person, token=secret, **kwargs)
        return Api(person, **kwargs)

    return make


# --- the service tests' world (test_services*.py) -------------------------------------------


@pytest.fixture
def world(db) -> Organisation:
    """The service tests' organisation (roster EXECUTION_SERVICES): `world.q3` is the quarter of
    1 July 2026."""
    return build_organisation(EXECUTION_SERVICES)
