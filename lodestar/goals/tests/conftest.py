"""Fixtures for the goal tests: a small organisation with one person per role, fiscal year 2026,
helpers to create goals through the services, and a JSON client for /api/v1.

    星辰公司 (company; admin and HR sit here)
    ├── 市场部 MKT (manager 赵敏; member 林晓, viewer 访客)
    │   └── 内容组 MKT-C (member 陈静)
    └── 销售部 SALES (manager 王强; member 周杰)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from lodestar.core.models import Period, PeriodKind
from lodestar.core.testing import ApiClient
from lodestar.goals import services
from lodestar.goals.models import Goal
from lodestar.goals.services import consensus
from lodestar.goals.tests.services_support import World as ServicesWorld
from lodestar.goals.tests.services_support import add_person
from lodestar.org.models import Department, Person, Role
from lodestar.org.periods_services import period_generate_fiscal_year
from lodestar.org.services import department_create

User = get_user_model()
FISCAL_YEAR = 2026


def fresh(person: Person):
    """The person's user straight from the database (nothing cached from earlier calls)."""
    return User.objects.get(pk=person.user_id)


@dataclass
class World:
    company: Department
    mkt: Department
    content: Department
    sales: Department
    admin: Person
    mkt_manager: Person
    sales_manager: Person
    member: Person
    content_member: Person
    sales_member: Person
    hr: Person
    viewer: Person
    year: Period
    quarters: list[Period]

    def person(self, who: str) -> Person:
        return getattr(self, who)

    @property
    def q1(self) -> Period:
        return self.quarters[0]

    @property
    def q2(self) -> Period:
        return self.quarters[1]


def _person(
    username: str, display_name: str, department: Department | None, role: str = Role.MEMBER
) -> Person:
    user = User.objects.create_user(username=username, password="pw-for-tests-only")
    return Person.objects.create(user=user, display_name=display_name, department=department, role=role)


@pytest.fixture
def world(db) -> World:
    admin = _person("g_admin", "管理员", None, Role.ADMIN)
    company = department_create(actor=fresh(admin), name="星辰公司", parent=None, code="CO")
    Person.objects.filter(pk=admin.pk).update(department=company)
    mkt = department_create(actor=fresh(admin), name="市场部", parent=company, code="MKT")
    content = department_create(actor=fresh(admin), name="内容组", parent=mkt, code="MKT-C")
    sales = department_create(actor=fresh(admin), name="销售部", parent=company, code="SALES")
    mkt_manager = _person("g_mkt_manager", "赵敏", mkt)
    sales_manager = _person("g_sales_manager", "王强", sales)
    Department.objects.filter(pk=mkt.pk).update(manager=mkt_manager)
    Department.objects.filter(pk=sales.pk).update(manager=sales_manager)
    year = period_generate_fiscal_year(actor=fresh(admin), year=FISCAL_YEAR)
    quarters = list(Period.objects.filter(parent=year, kind=PeriodKind.QUARTER).order_by("start"))
    people = {
        "member": _person("g_member", "林晓", mkt),
        "content_member": _person("g_content", "陈静", content),
        "sales_member": _person("g_sales_member", "周杰", sales),
        "hr": _person("g_hr", "孙丽", company, Role.HR),
        "viewer": _person("g_viewer", "访客", mkt, Role.VIEWER),
    }
    for department in (company, mkt, content, sales):
        department.refresh_from_db()
    admin.refresh_from_db()
    return World(
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


Api = ApiClient


@pytest.fixture
def api(world):
    """`api("mkt_manager")` → an Api signed in as that person of the world; `api(None)` → anonymous."""

    def make(who: str | None, **kwargs) -> Api:
        return Api(world.person(who) if who else None, **kwargs)

    return make


SALES_MEASURE = {
    "name": "销售额",
    "unit": "wan_yuan",
    "direction": "higher",
    "baseline": None,
    "target": "500",
}


@pytest.fixture
def make_goal(world):
    """Create a goal through the service, as the department's manager (or `actor`) by default."""

    def make(
        name: str = "新品A Q3销售额500万元",
        *,
        department: Department | None = None,
        period: Period | None = None,
        actor: Person | None = None,
        measures=None,
        **fields,
    ) -> Goal:
        department = department or world.mkt
        actor = actor or (world.sales_manager if department == world.sales else world.mkt_manager)
        fields.setdefault("owner", world.mkt_manager if department != world.sales else world.sales_manager)
        return services.goal_create(
            actor=fresh(actor),
            name=name,
            department=department,
            period=period or world.year,
            measures=[dict(SALES_MEASURE)] if measures is None else measures,
            **fields,
        )

    return make


@pytest.fixture
def public_goal(make_goal):
    return make_goal("新品A Q3销售额500万元", visibility="public")


@pytest.fixture
def private_goal(make_goal):
    return make_goal("市场部内部预算目标 2026年 300万元", visibility="department")


@pytest.fixture
def activate(world):
    """Take a draft goal through consensus (the manager signs off alone) so it becomes active."""

    def run(goal: Goal, manager: Person | None = None) -> Goal:
        manager = manager or world.mkt_manager
        record = consensus.consensus_start(
            actor=fresh(manager),
            goals=[goal],
            participants=[{"person": manager, "required": True}],
            minutes="Agreed.",
        )
        consensus.consensus_decide(actor=fresh(manager), record=record, decision="agreed")
        goal.refresh_from_db()
        return goal

    return run


def dec(value: str) -> Decimal:
    return Decimal(value)


# --- the service tests' world (test_services*.py) -------------------------------------------


@pytest.fixture
def w(db) -> ServicesWorld:
    root = User.objects.create_superuser("root", "root@example.com", "x")
    company = department_create(actor=root, name="星辰公司", parent=None, code="CO")
    mkt = department_create(actor=root, name="市场部", parent=company, code="MKT")
    content = department_create(actor=root, name="内容组", parent=mkt, code="CONTENT")
    sales = department_create(actor=root, name="销售部", parent=company, code="SALES")
    admin = add_person("admin", "管理员", company, Role.ADMIN)
    mkt_mgr = add_person("mkt_mgr", "赵敏", mkt)
    sales_mgr = add_person("sales_mgr", "王强", sales)
    member = add_person("member", "林晓", content)
    member2 = add_person("member2", "陈静", content)
    member3 = add_person("member3", "周杰", content)
    viewer = add_person("viewer", "访客", mkt, Role.VIEWER)
    Department.objects.filter(pk=mkt.pk).update(manager=mkt_mgr)
    Department.objects.filter(pk=sales.pk).update(manager=sales_mgr)
    for department in (company, mkt, content, sales):
        department.refresh_from_db()
    fy = period_generate_fiscal_year(actor=root, year=2024)
    period_generate_fiscal_year(actor=root, year=2025)
    quarters = {q: Period.objects.get(key=f"FY2024-Q{q}") for q in range(1, 5)}
    return ServicesWorld(
        company,
        mkt,
        content,
        sales,
        admin,
        mkt_mgr,
        sales_mgr,
        member,
        member2,
        member3,
        viewer,
        fy,
        quarters[1],
        quarters[2],
        quarters[3],
        quarters[4],
        Period.objects.get(key="FY2025-Q1"),
    )
