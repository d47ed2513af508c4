"""Fixtures for the execution tests (API, pages, board, domain, services).

`org` — a small organisation with one person per role, built through the org services, and
fiscal year 2026 (`org.year`, `org.quarters`):

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

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from lodestar.core.models import Period, PeriodKind
from lodestar.core.testing import ApiClient
from lodestar.execution import services
from lodestar.execution.models import ActionItem
from lodestar.execution.tests.services_support import JULY_1, World, _person, u
from lodestar.org.models import Department, Person, Role
from lodestar.org.periods_services import period_generate_fiscal_year
from lodestar.org.services import api_token_create, department_create

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


def user_of(person: Person):
    """The person's user straight from the database (no cached person or managed departments)."""
    return User.objects.get(pk=person.user_id)


def make_person(
    username: str,
    display_name: str,
    department: Department | None,
    role: str = Role.MEMBER,
    **kwargs,
) -> Person:
    user = User.objects.create_user(username=username, password="pw-for-tests-only")
    return Person.objects.create(
        user=user, display_name=display_name, department=department, role=role, **kwargs
    )


@dataclass
class Org:
    company: Department
    mkt: Department
    content: Department
    sales: Department
    admin: Person
    mkt_manager: Person
    sales_manager: Person
    responsible: Person
    accountable: Person
    member: Person
    sales_member: Person
    hr: Person
    viewer: Person
    inactive: Person
    year: Period
    quarters: list[Period]

    def person(self, role: str) -> Person:
        return getattr(self, role)

    def user(self, role: str):
        return user_of(self.person(role))


@pytest.fixture
def org(db) -> Org:
    admin = make_person("admin", "管理员", None, Role.ADMIN)
    company = department_create(actor=user_of(admin), name="星辰公司", parent=None, code="CO")
    Person.objects.filter(pk=admin.pk).update(department=company)
    mkt = department_create(actor=user_of(admin), name="市场部", parent=company, code="MKT")
    content = department_create(actor=user_of(admin), name="内容组", parent=mkt, code="MKT-C")
    sales = department_create(actor=user_of(admin), name="销售部", parent=company, code="SALES")
    mkt_manager = make_person("mkt_manager", "赵敏", mkt)
    sales_manager = make_person("sales_manager", "王强", sales)
    Department.objects.filter(pk=mkt.pk).update(manager=mkt_manager)
    Department.objects.filter(pk=sales.pk).update(manager=sales_manager)
    year = period_generate_fiscal_year(actor=user_of(admin), year=FISCAL_YEAR)
    quarters = list(Period.objects.filter(parent=year, kind=PeriodKind.QUARTER).order_by("start"))
    people = {
        "responsible": make_person("responsible", "陈静", content),
        "accountable": make_person("accountable", "李雷", mkt),
        "member": make_person("member", "林晓", mkt),
        "sales_member": make_person("sales_member", "周杰", sales),
        "hr": make_person("hr", "孙丽", company, Role.HR),
        "viewer": make_person("viewer", "访客", mkt, Role.VIEWER),
        "inactive": make_person("inactive", "离职", mkt, is_active=False),
    }
    for department in (company, mkt, content, sales):
        department.refresh_from_db()
    admin.refresh_from_db()
    return Org(
        company=company,
        mkt=mkt,
        content=content,
        sales=sales,
        admin=admin,
        mkt_manager=mkt_manager,
        sales_manager=sales_manager,
        year=year,
        quarters=quarters,
        **people,
    )


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
def world(db) -> World:
    admin = _person("guanli", "管理员", None, Role.ADMIN)
    company = department_create(actor=u(admin), name="星辰公司", parent=None, code="CO")
    Person.objects.filter(pk=admin.pk).update(department=company)
    mkt = department_create(actor=u(admin), name="市场部", parent=company, code="MKT")
    content = department_create(actor=u(admin), name="内容组", parent=mkt, code="MKT-C")
    design = department_create(actor=u(admin), name="设计部", parent=company, code="DESIGN")
    sales = department_create(actor=u(admin), name="销售部", parent=company, code="SALES")
    mkt_mgr = _person("zhaomin", "赵敏", mkt)
    design_mgr = _person("wusheji", "吴设计", design)
    sales_mgr = _person("wangqiang", "王强", sales)
    for department, manager in ((mkt, mkt_mgr), (design, design_mgr), (sales, sales_mgr)):
        Department.objects.filter(pk=department.pk).update(manager=manager)
    people = {
        "member": _person("linxiao", "林晓", mkt),
        "content_member": _person("chenjing", "陈静", content),
        "designer": _person("liuyang", "刘洋", design),
        "sales_member": _person("zhoujie", "周杰", sales),
        "hr": _person("sunli", "孙丽", company, Role.HR),
        "viewer": _person("fangke", "访客", mkt, Role.VIEWER),
        "former": _person("lizhi", "离职员工", mkt),
    }
    Person.objects.filter(pk=people["former"].pk).update(is_active=False)
    people["former"].refresh_from_db()
    year = period_generate_fiscal_year(actor=u(admin), year=2026)
    q3 = Period.objects.get(parent=year, kind=PeriodKind.QUARTER, start__lte=JULY_1, end__gte=JULY_1)
    for department in (company, mkt, content, design, sales):
        department.refresh_from_db()
    admin.refresh_from_db()
    return World(
        company=company,
        mkt=mkt,
        content=content,
        design=design,
        sales=sales,
        admin=admin,
        mkt_mgr=mkt_mgr,
        design_mgr=design_mgr,
        sales_mgr=sales_mgr,
        q3=q3,
        **people,
    )
