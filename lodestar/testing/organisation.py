"""The one test organisation: 星辰公司 and its people, built by one function for every suite.

    星辰公司 CO (admin, hr)
    ├── 市场部 MKT (manager 赵敏; 林晓, 访客 …)
    │   └── 内容组 (陈静 …)
    ├── 设计部 DESIGN (only in EXECUTION_SERVICES)
    └── 销售部 SALES (manager 王强; 周杰 …)

The suites share the company and differ in who works there, so each suite's cast is a `Roster`
below (the root conftest's `org`, the goals tests' `world`, the execution tests' `org`, the
service tests' worlds, the matrices' world), and `build_organisation(roster)` builds any of them
with the factories (no services: the rows are the ones `department_create` would write). A suite
that needs someone new adds a `Member` to its roster; a new suite picks the roster that fits or
writes one here.

The result reads like the fixtures always did: `org.mkt`, `org.member`, `org.person("member")`,
`org.user("member")` (a fresh user from the database: `person_of` caches on the user object),
`org.year` and `org.quarters` when the roster has fiscal years.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from lodestar.core.models import Period, PeriodKind
from lodestar.org.models import Department, Person, Role
from lodestar.org.periods_services import period_generate_fiscal_year
from lodestar.testing.factories import PASSWORD, UNUSABLE, DepartmentFactory, PersonFactory, UserFactory

SIMPLE_PASSWORD = "pw-for-tests-only"


def fresh_user(person_or_user):
    """A new user object from the database (no cached person or managed paths)."""
    user_id = person_or_user.user_id if isinstance(person_or_user, Person) else person_or_user.pk
    return get_user_model().objects.get(pk=user_id)


def add_person(
    username: str,
    display_name: str,
    department: Department | None,
    role: str = Role.MEMBER,
    *,
    password=PASSWORD,
    email: str | None = None,
    **fields,
) -> Person:
    """A person with a user account. `password=None`: no usable password; `email=None`:
    username@example.com."""
    user_fields = {} if email is None else {"email": email}
    user = UserFactory(username=username, password=UNUSABLE if password is None else password, **user_fields)
    return PersonFactory(user=user, display_name=display_name, department=department, role=role, **fields)


def add_simple_person(
    username: str, display_name: str, department: Department | None, role: str = Role.MEMBER, **fields
) -> Person:
    """A person with no title whose user has the password "pw-for-tests-only" and no email (what most
    suites made)."""
    fields.setdefault("title", "")
    return add_person(username, display_name, department, role, password=SIMPLE_PASSWORD, email="", **fields)


@dataclass(frozen=True)
class Unit:
    """A department: `key` is its attribute on the organisation (`org.mkt`)."""

    key: str
    name: str
    code: str
    parent: str | None = None
    sort_order: int = 0


@dataclass(frozen=True)
class Member:
    """A person: `key` is the attribute (`org.member`), `department` a unit key, `manages` the unit
    whose manager the person is, `manager` the key of the person's own manager."""

    key: str
    display_name: str
    department: str | None
    role: str = Role.MEMBER
    username: str | None = None  # default: the roster's prefix + key
    manages: str | None = None
    manager: str | None = None
    is_active: bool = True


@dataclass(frozen=True)
class Roster:
    units: Sequence[Unit]
    people: Sequence[Member]
    prefix: str = ""
    password: str | None = SIMPLE_PASSWORD
    email: str | None = ""  # None: username@example.com
    title: str = ""
    fiscal_years: Sequence[int] = ()


def company_units(content_code: str = "MKT-C", *, content: bool = True, design: bool = False, ordered=False):
    """The department tree: 星辰公司 CO › 市场部 MKT (› 内容组), (设计部 DESIGN), 销售部 SALES."""
    units = [
        Unit("company", "星辰公司", "CO"),
        Unit("mkt", "市场部", "MKT", "company", 1 if ordered else 0),
    ]
    if content:
        units.append(Unit("content", "内容组", content_code, "mkt"))
    if design:
        units.append(Unit("design", "设计部", "DESIGN", "company"))
    units.append(Unit("sales", "销售部", "SALES", "company", 2 if ordered else 0))
    return tuple(units)


ADMIN = Member("admin", "管理员", "company", Role.ADMIN)
HR = Member("hr", "孙丽", "company", Role.HR)
VIEWER = Member("viewer", "访客", "mkt", Role.VIEWER)
MKT_MANAGER = Member("mkt_manager", "赵敏", "mkt", manages="mkt")
SALES_MANAGER = Member("sales_manager", "王强", "sales", manages="sales")

# lodestar/conftest.py `org`: one person per role; the member works in 内容组 under 赵敏.
ROOT = Roster(
    units=company_units("MKT-CONTENT", ordered=True),
    people=(
        ADMIN,
        MKT_MANAGER,
        SALES_MANAGER,
        Member("member", "林晓", "content", manager="mkt_manager"),
        HR,
        VIEWER,
    ),
    password=PASSWORD,
    email=None,
    title="专员",
)

# goals/tests/conftest.py `world` (also the tracking and trash tests'), fiscal year 2026.
GOALS = Roster(
    units=company_units(),
    people=(
        ADMIN,
        MKT_MANAGER,
        SALES_MANAGER,
        Member("member", "林晓", "mkt"),
        Member("content_member", "陈静", "content", username="g_content"),
        Member("sales_member", "周杰", "sales"),
        HR,
        VIEWER,
    ),
    prefix="g_",
    fiscal_years=(2026,),
)

# execution/tests/conftest.py `org` (also the alert tests'): R 陈静 and A 李雷 of a default item.
EXECUTION = Roster(
    units=company_units(),
    people=(
        ADMIN,
        MKT_MANAGER,
        SALES_MANAGER,
        Member("responsible", "陈静", "content"),
        Member("accountable", "李雷", "mkt"),
        Member("member", "林晓", "mkt"),
        Member("sales_member", "周杰", "sales"),
        HR,
        VIEWER,
        Member("inactive", "离职", "mkt", is_active=False),
    ),
    fiscal_years=(2026,),
)

# execution/tests/conftest.py `world` (test_services*.py): a third department, 设计部.
EXECUTION_SERVICES = Roster(
    units=company_units(design=True),
    people=(
        Member("admin", "管理员", "company", Role.ADMIN, username="guanli"),
        Member("mkt_mgr", "赵敏", "mkt", username="zhaomin", manages="mkt"),
        Member("design_mgr", "吴设计", "design", username="wusheji", manages="design"),
        Member("sales_mgr", "王强", "sales", username="wangqiang", manages="sales"),
        Member("member", "林晓", "mkt", username="linxiao"),
        Member("content_member", "陈静", "content", username="chenjing"),
        Member("designer", "刘洋", "design", username="liuyang"),
        Member("sales_member", "周杰", "sales", username="zhoujie"),
        Member("hr", "孙丽", "company", Role.HR, username="sunli"),
        Member("viewer", "访客", "mkt", Role.VIEWER, username="fangke"),
        Member("former", "离职员工", "mkt", username="lizhi", is_active=False),
    ),
    fiscal_years=(2026,),
)

# goals/tests/conftest.py `w` (test_services*.py): three members in 内容组, fiscal years 2024 and 2025.
GOAL_SERVICES = Roster(
    units=company_units("CONTENT"),
    people=(
        ADMIN,
        Member("mkt_mgr", "赵敏", "mkt", manages="mkt"),
        Member("sales_mgr", "王强", "sales", manages="sales"),
        Member("member", "林晓", "content"),
        Member("member2", "陈静", "content"),
        Member("member3", "周杰", "content"),
        VIEWER,
    ),
    password=None,
    fiscal_years=(2024, 2025),
)

# tests_matrix/world.py: a manager and a member in 市场部 and their counterparts in 销售部.
MATRIX = Roster(
    units=company_units(content=False),
    people=(
        ADMIN,
        Member("manager", "赵敏", "mkt", manages="mkt"),
        Member("manager_elsewhere", "王强", "sales", manages="sales"),
        Member("member", "林晓", "mkt"),
        Member("member_elsewhere", "周杰", "sales"),
        HR,
        VIEWER,
    ),
    prefix="m_",
    fiscal_years=(2026,),
)


@dataclass
class Organisation:
    """The built organisation: departments and people as attributes (by their keys)."""

    departments: dict[str, Department]
    people: dict[str, Person]
    years: list[Period] = field(default_factory=list)
    quarters: list[Period] = field(default_factory=list)  # of the first fiscal year

    def __getattr__(self, key: str):
        for group in ("departments", "people"):
            found = self.__dict__.get(group, {})
            if key in found:
                return found[key]
        raise AttributeError(key)

    def person(self, key: str) -> Person:
        return self.people[key]

    def user(self, key: str):
        """The person's user straight from the database (nothing cached from earlier calls)."""
        return fresh_user(self.people[key])

    @property
    def year(self) -> Period:
        return self.years[0]

    @property
    def q1(self) -> Period:
        return self.quarters[0]

    @property
    def q2(self) -> Period:
        return self.quarters[1]

    @property
    def q3(self) -> Period:
        return self.quarters[2]

    @property
    def q4(self) -> Period:
        return self.quarters[3]


def build_organisation(roster: Roster) -> Organisation:
    """Departments (with `path`, `depth` and managers), people and fiscal years of `roster`."""
    departments: dict[str, Department] = {}
    for unit in roster.units:
        departments[unit.key] = DepartmentFactory(
            name=unit.name,
            code=unit.code,
            parent=departments[unit.parent] if unit.parent else None,
            sort_order=unit.sort_order,
        )
    people: dict[str, Person] = {}
    for member in roster.people:
        people[member.key] = add_person(
            member.username or f"{roster.prefix}{member.key}",
            member.display_name,
            departments[member.department] if member.department else None,
            member.role,
            password=roster.password,
            email=roster.email,
            manager=people[member.manager] if member.manager else None,
            is_active=member.is_active,
            title=roster.title,
        )
    for member in roster.people:
        if member.manages:
            department = departments[member.manages]
            Department.objects.filter(pk=department.pk).update(manager=people[member.key])
            department.manager = people[member.key]
    organisation = Organisation(departments, people)
    if roster.fiscal_years:
        admin = next(person for person in people.values() if person.role == Role.ADMIN)
        organisation.years = [
            period_generate_fiscal_year(actor=fresh_user(admin), year=year) for year in roster.fiscal_years
        ]
        organisation.quarters = list(
            Period.objects.filter(parent=organisation.year, kind=PeriodKind.QUARTER).order_by("start")
        )
    return organisation
