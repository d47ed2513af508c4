"""Services for departments, people and API tokens, against the database."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from lodestar.conftest import fresh_user, make_person
from lodestar.core.errors import ApplicationError, ConflictError, NotFound, PermissionDeniedError
from lodestar.org import services
from lodestar.org.models import ApiToken, Department, Person, Role

User = get_user_model()


def assert_tree_consistent():
    """Every department's path and depth follow from its parent's."""
    by_pk = {d.pk: d for d in Department.objects.all()}
    for d in by_pk.values():
        parent = by_pk.get(d.parent_id)
        expected_path = f"{parent.path if parent else '/'}{d.pk}/"
        assert d.path == expected_path, (d.name, d.path, expected_path)
        assert d.depth == (parent.depth + 1 if parent else 0), (d.name, d.depth)


def admin_of(org):
    return fresh_user(org.admin)


def create(actor, name, parent=None, **kwargs):
    return services.department_create(actor=actor, name=name, parent=parent, **kwargs)


# --- departments: create -------------------------------------------------------------------


def test_create_sets_path_and_depth_through_three_levels(db):
    root_user = User.objects.create_superuser("root", "r@example.com", "x")
    company = create(root_user, "星辰公司", code="CO")
    department = create(root_user, " 市场营销中心 ", company, code=" MKT ")
    team = create(root_user, "小红书组", department, code="")
    assert (company.path, company.depth) == (f"/{company.pk}/", 0)
    assert (department.path, department.depth) == (f"/{company.pk}/{department.pk}/", 1)
    assert (team.path, team.depth) == (f"/{company.pk}/{department.pk}/{team.pk}/", 2)
    assert (department.name, department.code, team.code) == ("市场营销中心", "MKT", None)
    # Stored, not only in memory.
    assert Department.objects.get(pk=team.pk).path == team.path
    assert_tree_consistent()


def test_create_validates_fields(org):
    admin = admin_of(org)
    for kwargs, field in (
        ({"name": "  "}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"name": "ok", "code": "C" * 41}, "code"),
        ({"name": "ok", "code": "MKT"}, "code"),  # taken
    ):
        with pytest.raises(ApplicationError) as exc:
            services.department_create(actor=admin, parent=org.company, **kwargs)
        assert exc.value.field == field
    # Two departments without a code are fine (NULL is not a duplicate).
    create(admin, "甲", org.company)
    create(admin, "乙", org.company)
    assert Department.objects.filter(code__isnull=True).count() == 2


def test_manager_creates_inside_own_subtree_only(org):
    manager = fresh_user(org.mkt_manager)
    team = create(manager, "短视频组", org.content)
    assert team.path == f"{org.content.path}{team.pk}/"
    for parent in (org.sales, org.company, None):
        with pytest.raises(PermissionDeniedError) as exc:
            create(fresh_user(org.mkt_manager), "越权", parent)
        assert exc.value.field == "parent_id"
    assert not Department.objects.filter(name="越权").exists()


@pytest.mark.parametrize("role", ["member", "hr", "viewer"])
def test_non_managers_cannot_create_departments(org, role):
    with pytest.raises(PermissionDeniedError):
        create(fresh_user(org.person(role)), "x", org.content)
    assert not Department.objects.filter(name="x").exists()


# --- departments: move ---------------------------------------------------------------------


@pytest.fixture
def deep(org):
    """MKT → content → xhs → xhs_a (plus a person at the bottom)."""
    admin = admin_of(org)
    xhs = create(admin, "小红书组", org.content)
    xhs_a = create(admin, "小红书A组", xhs)
    return xhs, xhs_a


def test_move_rewrites_path_and_depth_of_the_whole_subtree(org, deep):
    xhs, xhs_a = deep
    admin = admin_of(org)
    # Move MKT (with content, xhs, xhs_a below it) under SALES: every level shifts down by one.
    moved = services.department_update(
        actor=admin, department=org.mkt, version=org.mkt.version, parent=org.sales
    )
    assert moved.parent == org.sales
    assert moved.path == f"{org.sales.path}{org.mkt.pk}/"
    assert moved.depth == 2
    assert_tree_consistent()
    assert Department.objects.get(pk=xhs_a.pk).depth == 5
    assert (
        Department.objects.get(pk=xhs_a.pk).path
        == f"{org.sales.path}{org.mkt.pk}/{org.content.pk}/{xhs.pk}/{xhs_a.pk}/"
    )
    # ...and back up to the top level: depths shrink.
    moved = services.department_update(
        actor=admin_of(org), department=moved, version=moved.version, parent=None
    )
    assert (moved.path, moved.depth) == (f"/{org.mkt.pk}/", 0)
    assert Department.objects.get(pk=xhs_a.pk).depth == 3
    assert_tree_consistent()
    # Sales itself and the company are untouched.
    assert Department.objects.get(pk=org.sales.pk).path == org.sales.path


def test_moved_subtree_changes_who_manages_it(org, deep):
    xhs, _ = deep
    assert fresh_user(org.mkt_manager) and services.manages_department(fresh_user(org.mkt_manager), xhs)
    services.department_update(actor=admin_of(org), department=org.content, version=1, parent=org.sales)
    xhs = Department.objects.get(pk=xhs.pk)
    assert not services.manages_department(fresh_user(org.mkt_manager), xhs)
    assert services.manages_department(fresh_user(org.sales_manager), xhs)


@pytest.mark.parametrize("target", ["self", "child", "grandchild"])
def test_cycles_are_refused(org, deep, target):
    xhs, xhs_a = deep
    new_parent = {"self": org.content, "child": xhs, "grandchild": xhs_a}[target]
    with pytest.raises(ApplicationError) as exc:
        services.department_update(actor=admin_of(org), department=org.content, version=1, parent=new_parent)
    assert exc.value.field == "parent_id"
    assert Department.objects.get(pk=org.content.pk).parent_id == org.mkt.pk
    assert_tree_consistent()


def test_manager_moves_inside_own_subtree_but_not_out_of_it(org, deep):
    xhs, xhs_a = deep
    manager = fresh_user(org.mkt_manager)
    # xhs_a from under xhs to directly under content: allowed (both inside MKT).
    moved = services.department_update(actor=manager, department=xhs_a, version=1, parent=org.content)
    assert moved.path == f"{org.content.path}{xhs_a.pk}/"
    assert_tree_consistent()
    # ...but not to SALES, and not the department they run itself.
    with pytest.raises(PermissionDeniedError):
        services.department_update(
            actor=fresh_user(org.mkt_manager), department=xhs, version=1, parent=org.sales
        )
    with pytest.raises(PermissionDeniedError):
        services.department_update(
            actor=fresh_user(org.mkt_manager), department=org.mkt, version=1, parent=org.sales
        )
    assert Department.objects.get(pk=xhs.pk).parent_id == org.content.pk


def test_update_with_stale_version_conflicts(org):
    admin = admin_of(org)
    services.department_update(actor=admin, department=org.sales, version=1, name="销售一部")
    with pytest.raises(ConflictError):
        services.department_update(actor=admin, department=org.sales, version=1, name="销售二部")
    sales = Department.objects.get(pk=org.sales.pk)
    assert (sales.name, sales.version) == ("销售一部", 2)


def test_manager_renames_own_department_but_cannot_reassign_its_manager(org):
    manager = fresh_user(org.mkt_manager)
    services.department_update(
        actor=manager, department=org.mkt, version=1, name="市场中心", manager=org.mkt_manager
    )
    assert Department.objects.get(pk=org.mkt.pk).name == "市场中心"
    with pytest.raises(PermissionDeniedError) as exc:
        services.department_update(
            actor=fresh_user(org.mkt_manager), department=org.mkt, version=2, manager=org.member
        )
    assert exc.value.field == "manager_id"
    # For a sub-department they may name the manager.
    services.department_update(
        actor=fresh_user(org.mkt_manager), department=org.content, version=1, manager=org.member
    )
    assert Department.objects.get(pk=org.content.pk).manager == org.member


@pytest.mark.parametrize("role", ["sales_manager", "member", "hr", "viewer"])
def test_others_cannot_update_a_department(org, role):
    with pytest.raises(PermissionDeniedError):
        services.department_update(
            actor=fresh_user(org.person(role)), department=org.content, version=1, name="x"
        )
    assert Department.objects.get(pk=org.content.pk).name == "内容组"


def test_deactivate_needs_an_empty_department(org):
    admin = admin_of(org)
    with pytest.raises(ApplicationError) as exc:
        services.department_update(actor=admin, department=org.content, version=1, is_active=False)
    assert exc.value.field == "is_active"
    services.person_update(actor=admin_of(org), person=org.member, department=org.mkt)
    services.department_update(actor=admin_of(org), department=org.content, version=1, is_active=False)
    assert Department.objects.get(pk=org.content.pk).is_active is False


def test_deactivate_needs_no_active_sub_departments(org):
    """Otherwise the org chart would show the active teams of an inactive department as top-level nodes."""
    services.person_update(actor=admin_of(org), person=org.mkt_manager, department=org.content)
    services.person_update(actor=admin_of(org), person=org.viewer, department=org.content)
    with pytest.raises(ApplicationError) as exc:
        services.department_update(actor=admin_of(org), department=org.mkt, version=1, is_active=False)
    assert exc.value.field == "is_active"
    assert Department.objects.get(pk=org.mkt.pk).is_active is True


def test_delete_refused_with_children_or_members(org):
    admin = admin_of(org)
    with pytest.raises(ApplicationError) as exc:
        services.department_delete(actor=admin, department=org.mkt)
    assert (exc.value.code, exc.value.status) == ("in_use", 409)
    with pytest.raises(ApplicationError) as exc:
        services.department_delete(actor=admin, department=org.content)
    assert (exc.value.code, exc.value.status) == ("in_use", 409)
    assert Department.objects.filter(pk__in=[org.mkt.pk, org.content.pk]).count() == 2


def test_delete_empty_department_by_parent_manager_not_by_its_own(org):
    empty = create(admin_of(org), "空组", org.content)
    Department.objects.filter(pk=empty.pk).update(manager=org.member)
    empty.refresh_from_db()
    with pytest.raises(PermissionDeniedError):
        services.department_delete(actor=fresh_user(org.member), department=empty)
    for role in ("sales_manager", "viewer", "hr"):
        with pytest.raises(PermissionDeniedError):
            services.department_delete(actor=fresh_user(org.person(role)), department=empty)
    services.department_delete(actor=fresh_user(org.mkt_manager), department=empty)
    assert not Department.objects.filter(pk=empty.pk).exists()


# --- people ---------------------------------------------------------------------------------


def test_create_person_with_and_without_password(org):
    admin = admin_of(org)
    person = services.person_create(
        actor=admin,
        username=" wangwu ",
        display_name=" 王五 ",
        department=org.content,
        title=" 编辑 ",
        email=" wangwu@example.com ",
        manager=org.mkt_manager,
        role=Role.HR,
        phone=" 138 ",
        password="Str0ng-enough-pw",
    )
    assert (person.username, person.display_name, person.title, person.phone, person.role) == (
        "wangwu",
        "王五",
        "编辑",
        "138",
        "hr",
    )
    assert person.user.email == "wangwu@example.com"
    assert person.user.check_password("Str0ng-enough-pw")
    no_pw = services.person_create(
        actor=admin_of(org), username="zhaoliu", display_name="赵六", department=org.content
    )
    assert not no_pw.user.has_usable_password()
    assert no_pw.role == Role.MEMBER


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"username": "member"}, "username"),
        ({"username": "MEMBER"}, "username"),  # case-insensitively taken
        ({"username": "有 空格"}, "username"),
        ({"username": "  "}, "username"),
        ({"display_name": " "}, "display_name"),
        ({"display_name": "名" * 61}, "display_name"),
        ({"title": "t" * 81}, "title"),
        ({"email": "not-an-email"}, "email"),
        ({"role": "boss"}, "role"),
        ({"password": "123"}, "password"),
    ],
)
def test_create_person_validation(org, kwargs, field):
    data = {"username": "newbie", "display_name": "新人", "department": org.content} | kwargs
    before = (User.objects.count(), Person.objects.count())
    with pytest.raises(ApplicationError) as exc:
        services.person_create(actor=admin_of(org), **data)
    assert exc.value.field == field
    assert (User.objects.count(), Person.objects.count()) == before


def test_manager_adds_people_to_own_subtree_only(org):
    person = services.person_create(
        actor=fresh_user(org.mkt_manager),
        username="p1",
        display_name="甲",
        department=org.content,
        role=Role.VIEWER,
    )
    assert person.department == org.content
    with pytest.raises(PermissionDeniedError) as exc:
        services.person_create(
            actor=fresh_user(org.mkt_manager), username="p2", display_name="乙", department=org.sales
        )
    assert exc.value.field == "department_id"
    for role in (Role.ADMIN, Role.HR):
        with pytest.raises(PermissionDeniedError) as exc:
            services.person_create(
                actor=fresh_user(org.mkt_manager),
                username="p3",
                display_name="丙",
                department=org.content,
                role=role,
            )
        assert exc.value.field == "role"
    assert not User.objects.filter(username__in=["p2", "p3"]).exists()


@pytest.mark.parametrize("role", ["member", "hr", "viewer"])
def test_non_managers_cannot_add_people(org, role):
    with pytest.raises(PermissionDeniedError):
        services.person_create(
            actor=fresh_user(org.person(role)), username="p9", display_name="x", department=org.content
        )
    assert not User.objects.filter(username="p9").exists()


def test_update_person(org):
    updated = services.person_update(
        actor=admin_of(org),
        person=org.member,
        version=1,
        display_name=" 林小 ",
        title="主管",
        phone="139",
        email="lin@example.com",
        username="linxiao",
        department=org.mkt,
        manager=None,
    )
    assert (updated.display_name, updated.title, updated.phone, updated.version) == ("林小", "主管", "139", 2)
    user = User.objects.get(pk=org.member.user_id)
    assert (user.username, user.email) == ("linxiao", "lin@example.com")
    assert Person.objects.get(pk=org.member.pk).manager is None


def test_update_person_stale_version(org):
    services.person_update(actor=admin_of(org), person=org.member, version=1, title="A")
    with pytest.raises(ConflictError):
        services.person_update(actor=admin_of(org), person=org.member, version=1, title="B")
    assert Person.objects.get(pk=org.member.pk).title == "A"


def test_username_change_cannot_take_someone_elses(org):
    with pytest.raises(ApplicationError) as exc:
        services.person_update(actor=admin_of(org), person=org.member, username="Viewer")
    assert (exc.value.field, exc.value.code) == ("username", "duplicate")
    # Keeping one's own username (in another case) is not a clash.
    services.person_update(actor=admin_of(org), person=org.member, username="Member")
    assert User.objects.get(pk=org.member.user_id).username == "Member"


def test_role_change_is_admin_only(org):
    with pytest.raises(PermissionDeniedError) as exc:
        services.person_update(actor=fresh_user(org.mkt_manager), person=org.member, role=Role.ADMIN)
    assert exc.value.field == "role"
    with pytest.raises(PermissionDeniedError):
        services.person_update(actor=fresh_user(org.mkt_manager), person=org.viewer, role=Role.MEMBER)
    assert Person.objects.get(pk=org.member.pk).role == Role.MEMBER
    services.person_update(actor=admin_of(org), person=org.member, role=Role.VIEWER)
    assert Person.objects.get(pk=org.member.pk).role == Role.VIEWER
    # Saying the same role again is not a change.
    services.person_update(actor=fresh_user(org.mkt_manager), person=org.member, role=Role.VIEWER, title="x")


def test_manager_chain_cycles_are_refused(org):
    admin = admin_of(org)
    # member reports to mkt_manager; mkt_manager reporting to member would be a loop.
    with pytest.raises(ApplicationError) as exc:
        services.person_update(actor=admin, person=org.mkt_manager, manager=org.member)
    assert exc.value.field == "manager_id"
    # A longer loop: a → b → member → mkt_manager; mkt_manager → a closes it.
    b = make_person("b", "乙", org.mkt, manager=org.member)
    a = make_person("a", "甲", org.mkt, manager=b)
    with pytest.raises(ApplicationError):
        services.person_update(actor=admin_of(org), person=org.mkt_manager, manager=a)
    with pytest.raises(ApplicationError):
        services.person_update(actor=admin_of(org), person=a, manager=a)
    assert Person.objects.get(pk=org.mkt_manager.pk).manager is None
    # A chain without a loop is fine.
    services.person_update(actor=admin_of(org), person=org.mkt_manager, manager=org.admin)
    assert Person.objects.get(pk=org.mkt_manager.pk).manager == org.admin


def test_manager_edits_people_in_subtree_only(org):
    services.person_update(actor=fresh_user(org.mkt_manager), person=org.member, title="资深编辑")
    with pytest.raises(PermissionDeniedError):
        services.person_update(actor=fresh_user(org.mkt_manager), person=org.sales_manager, title="x")
    # Moving someone out of the subtree is refused too.
    with pytest.raises(PermissionDeniedError) as exc:
        services.person_update(actor=fresh_user(org.mkt_manager), person=org.member, department=org.sales)
    assert exc.value.field == "department_id"
    assert Person.objects.get(pk=org.member.pk).department == org.content


def test_manager_cannot_change_an_admin_in_their_subtree(org):
    """An admin placed in MKT is still not the MKT manager's to rename, move or deactivate."""
    Person.objects.filter(pk=org.admin.pk).update(department=org.content)
    for changes in (
        {"title": "x"},
        {"is_active": False},
        {"department": org.mkt},
        {"username": "taken-over"},
    ):
        with pytest.raises(PermissionDeniedError):
            services.person_update(actor=fresh_user(org.mkt_manager), person=org.admin, **changes)
    admin = Person.objects.select_related("user").get(pk=org.admin.pk)
    assert (admin.title, admin.is_active, admin.department, admin.user.username) == (
        "专员",
        True,
        org.content,
        "admin",
    )


@pytest.mark.parametrize("role", ["member", "hr", "viewer", "sales_manager"])
def test_others_cannot_edit_people(org, role):
    with pytest.raises(PermissionDeniedError):
        services.person_update(actor=fresh_user(org.person(role)), person=org.member, title="x")
    assert Person.objects.get(pk=org.member.pk).title == "专员"


def test_deactivate(org):
    services.person_update(actor=admin_of(org), person=org.member, is_active=False)
    person = Person.objects.select_related("user").get(pk=org.member.pk)
    assert person.is_active is False
    assert person.user.is_active is False
    with pytest.raises(ApplicationError) as exc:
        services.person_update(actor=admin_of(org), person=org.admin, is_active=False)
    assert exc.value.field == "is_active"


# --- API tokens -----------------------------------------------------------------------------


def test_token_is_stored_hashed(org):
    token, secret = services.api_token_create(actor=fresh_user(org.member), name=" 报表脚本 ", scope="read")
    assert secret.startswith("lds_") and len(secret) > 40
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:10]
    assert (token.name, token.scope, token.person) == ("报表脚本", "read", org.member)
    stored = ApiToken.objects.filter(pk=token.pk).values()[0]
    assert secret not in {str(v) for v in stored.values()}
    assert (
        timezone.now() + dt.timedelta(days=364) < token.expires_at <= timezone.now() + dt.timedelta(days=365)
    )


def test_token_authentication(org):
    token, secret = services.api_token_create(actor=fresh_user(org.member), name="t", days=1)
    found = services.api_token_authenticate(secret)
    assert found == token
    assert found.person == org.member
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None
    assert services.api_token_authenticate(secret + "x") is None
    assert services.api_token_authenticate("") is None
    assert services.api_token_authenticate(secret.replace("lds_", "xyz_")) is None


def test_expired_token_is_refused(org):
    token, secret = services.api_token_create(actor=fresh_user(org.member), name="t", days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.api_token_authenticate(secret) is None


def test_token_of_deactivated_person_is_refused(org):
    _token, secret = services.api_token_create(actor=fresh_user(org.member), name="t")
    Person.objects.filter(pk=org.member.pk).update(is_active=False)
    assert services.api_token_authenticate(secret) is None


def test_token_of_a_deactivated_login_is_refused(org):
    """Deactivating the account in the Django admin (user.is_active) also stops its tokens."""
    _token, secret = services.api_token_create(actor=fresh_user(org.member), name="t")
    User.objects.filter(pk=org.member.user_id).update(is_active=False)
    assert services.api_token_authenticate(secret) is None


def test_revoke_own_token_and_admin_revokes_any(org):
    token, secret = services.api_token_create(actor=fresh_user(org.member), name="t")
    with pytest.raises(NotFound):
        services.api_token_revoke(actor=fresh_user(org.mkt_manager), token_id=token.pk)
    assert services.api_token_authenticate(secret) is not None
    revoked = services.api_token_revoke(actor=fresh_user(org.member), token_id=token.pk)
    assert revoked.revoked_at is not None
    assert services.api_token_authenticate(secret) is None
    # Revoking twice keeps the first time.
    again = services.api_token_revoke(actor=fresh_user(org.member), token_id=token.pk)
    assert again.revoked_at == revoked.revoked_at
    other, _ = services.api_token_create(actor=fresh_user(org.viewer), name="t")
    assert services.api_token_revoke(actor=admin_of(org), token_id=other.pk).revoked_at is not None
    with pytest.raises(NotFound):
        services.api_token_revoke(actor=admin_of(org), token_id=999999)


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"name": " "}, "name"),
        ({"name": "n" * 61}, "name"),
        ({"scope": "admin"}, "scope"),
        ({"days": 0}, "days"),
        ({"days": 3651}, "days"),
    ],
)
def test_token_validation(org, kwargs, field):
    data = {"name": "t"} | kwargs
    with pytest.raises(ApplicationError) as exc:
        services.api_token_create(actor=fresh_user(org.member), **data)
    assert exc.value.field == field
    assert not ApiToken.objects.exists()


def test_viewer_may_have_a_token(org):
    # Tokens are personal; a viewer's token is as read-only as the viewer.
    token, _ = services.api_token_create(actor=fresh_user(org.viewer), name="bi")
    assert token.person == org.viewer
