"""The access_* helpers and visibility rules: the right person can, the wrong one cannot."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from lodestar.conftest import fresh_user, make_person
from lodestar.core.errors import NotFound, PermissionDeniedError
from lodestar.org import permissions as perm
from lodestar.org.models import Department, Person, Role
from lodestar.org.tests.factories import DepartmentFactory, PeriodFactory


def user(org, role):
    return fresh_user(org.person(role))


def test_person_of_caches_on_the_user(org, django_assert_num_queries):
    u = user(org, "member")
    with django_assert_num_queries(1):
        assert perm.person_of(u) == org.member
        assert perm.person_of(u) == org.member
    assert perm.person_of(None) is None
    assert perm.person_of(AnonymousUser()) is None


def test_inactive_person_is_nobody(org):
    Person.objects.filter(pk=org.member.pk).update(is_active=False)
    u = user(org, "member")
    assert perm.person_of(u) is None
    assert not perm.can_write(u)
    with pytest.raises(PermissionDeniedError):
        perm.require_person(u)


def test_user_without_person_cannot_read_the_org(org):
    stranger = get_user_model().objects.create_user("stranger", password="x")
    with pytest.raises(PermissionDeniedError):
        perm.access_department(stranger, org.company.pk)
    with pytest.raises(PermissionDeniedError):
        perm.access_person(stranger, org.member.pk)
    with pytest.raises(PermissionDeniedError):
        perm.require_person(AnonymousUser())


def test_superuser_without_person_is_admin(org):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    assert perm.is_admin(root)
    assert perm.require_person(root) is None
    assert perm.access_department(root, org.sales.pk, write=True) == org.sales


@pytest.mark.parametrize(
    "role,admin,hr,writer,manager",
    [
        ("admin", True, False, True, False),
        ("mkt_manager", False, False, True, True),
        ("sales_manager", False, False, True, True),
        ("member", False, False, True, False),
        ("hr", False, True, True, False),
        ("viewer", False, False, False, False),
    ],
)
def test_role_predicates(org, role, admin, hr, writer, manager):
    u = user(org, role)
    assert perm.is_admin(u) is admin
    assert perm.is_hr(u) is hr
    assert perm.can_write(u) is writer
    assert perm.is_manager(u) is manager


def test_anonymous_predicates():
    anon = AnonymousUser()
    assert not perm.is_admin(anon)
    assert not perm.is_admin(None)
    assert not perm.can_write(anon)
    assert perm.managed_paths(anon) == []


def test_managed_paths_ignore_inactive_departments(org):
    assert perm.managed_paths(user(org, "mkt_manager")) == [org.mkt.path]
    Department.objects.filter(pk=org.mkt.pk).update(is_active=False)
    assert perm.managed_paths(user(org, "mkt_manager")) == []


def test_roles_of(org):
    assert perm.roles_of(org.mkt_manager, is_manager=True) == ["member", "manager"]
    assert perm.roles_of(org.hr, is_manager=False) == ["hr"]


def test_path_prefix_does_not_confuse_ids():
    # /1/ must not match /12/: paths end with a slash.
    assert perm.path_in_subtrees("/1/5/", ["/1/"])
    assert not perm.path_in_subtrees("/12/", ["/1/"])
    assert not perm.path_in_subtrees("/1/", [])


def test_subtree_q_with_similar_ids(db):
    # Enough departments that ids share prefixes (1 and 10..19).
    roots = [DepartmentFactory() for _ in range(12)]
    first = roots[0]
    child = DepartmentFactory(parent=first)
    matched = set(Department.objects.filter(perm.subtree_q([first.path])).values_list("pk", flat=True))
    assert matched == {first.pk, child.pk}
    assert not Department.objects.filter(perm.subtree_q([])).exists()


@pytest.mark.parametrize(
    "role,department,allowed",
    [
        ("admin", "sales", True),
        ("admin", "company", True),
        ("mkt_manager", "mkt", True),
        ("mkt_manager", "content", True),  # the subtree
        ("mkt_manager", "company", False),  # above
        ("mkt_manager", "sales", False),  # elsewhere
        ("sales_manager", "content", False),
        ("member", "content", False),
        ("hr", "content", False),
        ("viewer", "content", False),
    ],
)
def test_access_department_write(org, role, department, allowed):
    dept = getattr(org, department)
    u = user(org, role)
    assert perm.access_department(u, dept.pk) == dept  # everyone in the org reads
    if allowed:
        assert perm.access_department(u, dept.pk, write=True) == dept
    else:
        with pytest.raises(PermissionDeniedError):
            perm.access_department(u, dept.pk, write=True)


def test_viewer_who_manages_a_department_still_cannot_write(org):
    Department.objects.filter(pk=org.content.pk).update(manager=org.viewer)
    u = user(org, "viewer")
    assert perm.manages_department(u, Department.objects.get(pk=org.content.pk))
    with pytest.raises(PermissionDeniedError):
        perm.access_department(u, org.content.pk, write=True)
    with pytest.raises(PermissionDeniedError):
        perm.require_org_manager(u)


@pytest.mark.parametrize(
    "role,target,allowed",
    [
        ("admin", "sales_manager", True),
        ("mkt_manager", "member", True),
        ("mkt_manager", "viewer", True),
        ("mkt_manager", "mkt_manager", True),  # themselves: they sit in the department they manage
        ("mkt_manager", "sales_manager", False),
        ("mkt_manager", "hr", False),
        ("sales_manager", "member", False),
        ("member", "member", False),
        ("hr", "member", False),
        ("viewer", "member", False),
    ],
)
def test_access_person_write(org, role, target, allowed):
    person = org.person(target)
    u = user(org, role)
    assert perm.access_person(u, person.pk) == person
    if allowed:
        assert perm.access_person(u, person.pk, write=True) == person
    else:
        with pytest.raises(PermissionDeniedError):
            perm.access_person(u, person.pk, write=True)


def test_only_admins_may_change_an_admin(org):
    Person.objects.filter(pk=org.admin.pk).update(department=org.content)
    assert perm.access_person(user(org, "mkt_manager"), org.admin.pk) == org.admin
    with pytest.raises(PermissionDeniedError):
        perm.access_person(user(org, "mkt_manager"), org.admin.pk, write=True)
    assert perm.access_person(user(org, "admin"), org.admin.pk, write=True) == org.admin


def test_unknown_ids_are_not_found(org):
    u = user(org, "admin")
    for helper, field in (
        (perm.access_department, "department_id"),
        (perm.access_person, "person_id"),
        (perm.access_period, "period_id"),
    ):
        with pytest.raises(NotFound) as exc:
            helper(u, 987654)
        assert exc.value.status == 404
        assert exc.value.field == field


@pytest.mark.parametrize(
    "role,allowed",
    [("admin", True), ("mkt_manager", False), ("member", False), ("hr", False), ("viewer", False)],
)
def test_access_period(org, role, allowed):
    period = PeriodFactory()
    u = user(org, role)
    assert perm.access_period(u, period.pk) == period
    if allowed:
        assert perm.access_period(u, period.pk, write=True) == period
    else:
        with pytest.raises(PermissionDeniedError):
            perm.access_period(u, period.pk, write=True)


@pytest.mark.parametrize(
    "role,allowed",
    [
        ("admin", True),
        ("mkt_manager", True),
        ("sales_manager", True),
        ("member", False),
        ("hr", False),
        ("viewer", False),
    ],
)
def test_require_org_manager(org, role, allowed):
    if allowed:
        perm.require_org_manager(user(org, role))
    else:
        with pytest.raises(PermissionDeniedError):
            perm.require_org_manager(user(org, role))


@pytest.mark.parametrize("role", ["mkt_manager", "member", "hr", "viewer"])
def test_require_admin(org, role):
    perm.require_admin(user(org, "admin"))
    with pytest.raises(PermissionDeniedError):
        perm.require_admin(user(org, role))


# --- visible_q ------------------------------------------------------------------------------
# Department-scoped records are modelled here by Person rows: `department` is the owning
# department, the row itself is the "owner" (owner_field="pk"), and role "viewer" plays "public".


@pytest.fixture
def records(org):
    other_team = DepartmentFactory(name="渠道组", parent=org.sales)
    rows = {
        "in_content": make_person("r_content", "内容记录", org.content),
        "in_mkt": make_person("r_mkt", "市场记录", org.mkt),
        "in_sales": make_person("r_sales", "销售记录", org.sales),
        "in_sales_team": make_person("r_sales_team", "渠道记录", other_team),
        "in_company": make_person("r_company", "公司记录", org.company),
        "public_in_sales": make_person("r_public", "公开记录", org.sales, Role.VIEWER),
    }
    return rows


def visible(org, records, role, **kwargs):
    q = perm.visible_q(
        user(org, role), owner_field=None, public_field="role", public_value="viewer", **kwargs
    )
    names = {name for name, row in records.items() if Person.objects.filter(q, pk=row.pk).exists()}
    return names


def test_admin_and_hr_see_everything(org, records):
    assert visible(org, records, "admin") == set(records)
    assert visible(org, records, "hr") == set(records)


def test_manager_sees_the_subtree_own_department_and_public(org, records):
    assert visible(org, records, "mkt_manager") == {"in_content", "in_mkt", "public_in_sales"}
    assert visible(org, records, "sales_manager") == {"in_sales", "in_sales_team", "public_in_sales"}


def test_member_sees_own_team_and_public(org, records):
    assert visible(org, records, "member") == {"in_content", "public_in_sales"}
    # a member of MKT does not see the sub-team below it
    assert visible(org, records, "viewer") == {"in_mkt", "public_in_sales"}


def test_owner_sees_own_records(org, records):
    q = perm.visible_q(user(org, "member"), owner_field="manager", public_field=None)
    owned = make_person("r_owned", "自己的记录", org.sales, manager=org.member)
    assert Person.objects.filter(q, pk=owned.pk).exists()
    assert not Person.objects.filter(q, pk=records["in_sales"].pk).exists()


def test_nobody_sees_nothing(org, records):
    q = perm.visible_q(AnonymousUser())
    assert not Person.objects.filter(q).exists()
    stranger = get_user_model().objects.create_user("stranger2")
    assert not Person.objects.filter(perm.visible_q(stranger, owner_field=None, public_field=None)).exists()
