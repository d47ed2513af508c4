"""The demo organisation's org part: a consistent tree and one login per role (no touching real data and
the printed logins: lodestar/demo/tests_fresh)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from lodestar.demo import data
from lodestar.org.models import Department, Person, Role
from lodestar.org.permissions import is_admin, is_hr, is_manager

User = get_user_model()


def test_demo_tree_has_consistent_paths(demo):
    assert Department.objects.count() == len(data.DEPARTMENTS)
    assert Person.objects.count() == len(data.PEOPLE) >= 30
    by_pk = {d.pk: d for d in Department.objects.all()}
    for department in by_pk.values():
        parent = by_pk.get(department.parent_id)
        assert department.path == f"{parent.path if parent else '/'}{department.pk}/"
        assert department.depth == (parent.depth + 1 if parent else 0)
    assert Department.objects.get(code="MKT-CONTENT-XHS").depth == 3


def test_demo_logins_have_their_roles(demo):
    users = {u.username: u for u in User.objects.all()}
    for username, _label in data.LOGINS:
        assert users[username].check_password(data.DEMO_PASSWORD), username
    assert is_admin(users["admin"])
    assert is_manager(users["zhaomin"]) and is_manager(users["liuyang"])
    assert not is_manager(users["linxiao"])
    assert is_hr(users["sunli"])
    assert Person.objects.get(user__username="guest").role == Role.VIEWER
    assert Person.objects.get(user__username="linxiao").manager.user.username == "chenjing"
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in p.display_name) for p in Person.objects.all())
