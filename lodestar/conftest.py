"""Shared fixtures: a small organisation with one person per role, and logged-in clients.

    company 星辰公司 (CO)
    ├── 市场部 (MKT, managed by mkt_manager)
    │   └── 内容组 (MKT-CONTENT)            member works here
    └── 销售部 (SALES, managed by sales_manager)

admin (system admin) and hr (HR partner) sit in the company node; viewer is a read-only
person in MKT. `person_of(user)` caches on the user object, so each client and each call
that needs a fresh role gets a fresh user from the database (`fresh_user`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from lodestar.org.models import Department, Person, Role
from lodestar.org.services import api_token_create
from lodestar.org.tests.factories import PASSWORD, DepartmentFactory, PersonFactory, UserFactory


@dataclass
class Org:
    company: Department
    mkt: Department
    content: Department
    sales: Department
    admin: Person
    mkt_manager: Person
    sales_manager: Person
    member: Person
    hr: Person
    viewer: Person

    def person(self, role: str) -> Person:
        return getattr(self, role)


ROLES = ("admin", "mkt_manager", "sales_manager", "member", "hr", "viewer")


def fresh_user(person_or_user):
    """A new user object from the database (no cached person or managed paths)."""
    user_id = person_or_user.user_id if isinstance(person_or_user, Person) else person_or_user.pk
    return get_user_model().objects.get(pk=user_id)


def make_person(
    username: str, display_name: str, department: Department | None, role: str = Role.MEMBER, **kwargs
) -> Person:
    return PersonFactory(
        user=UserFactory(username=username),
        display_name=display_name,
        department=department,
        role=role,
        **kwargs,
    )


@pytest.fixture
def org(db) -> Org:
    company = DepartmentFactory(name="星辰公司", code="CO")
    mkt = DepartmentFactory(name="市场部", code="MKT", parent=company, sort_order=1)
    content = DepartmentFactory(name="内容组", code="MKT-CONTENT", parent=mkt)
    sales = DepartmentFactory(name="销售部", code="SALES", parent=company, sort_order=2)
    admin = make_person("admin", "管理员", company, Role.ADMIN)
    mkt_manager = make_person("mkt_manager", "赵敏", mkt)
    sales_manager = make_person("sales_manager", "王强", sales)
    member = make_person("member", "林晓", content, manager=mkt_manager)
    hr = make_person("hr", "孙丽", company, Role.HR)
    viewer = make_person("viewer", "访客", mkt, Role.VIEWER)
    Department.objects.filter(pk=mkt.pk).update(manager=mkt_manager)
    Department.objects.filter(pk=sales.pk).update(manager=sales_manager)
    for department in (mkt, sales):
        department.refresh_from_db()
    return Org(company, mkt, content, sales, admin, mkt_manager, sales_manager, member, hr, viewer)


def login(person_or_user, **client_kwargs) -> Client:
    client = Client(**client_kwargs)
    client.force_login(fresh_user(person_or_user))
    return client


@pytest.fixture
def client_as(org):
    """`client_as("member")` → a Client logged in as that person of the org fixture."""

    def make(role: str, **client_kwargs) -> Client:
        return login(org.person(role), **client_kwargs)

    return make


class ApiClient:
    """JSON calls against /api/v1 with an optional Bearer token or a session client."""

    def __init__(self, client: Client | None = None, token: str | None = None, language: str | None = None):
        self.client = client or Client()
        self.token = token
        self.language = language

    def headers(self, extra: dict | None = None) -> dict:
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.language:
            headers["Accept-Language"] = self.language
        headers.update(extra or {})
        return headers

    def request(
        self, method: str, path: str, data=None, *, raw: str | bytes | None = None, headers=None, **query
    ):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        if not url.startswith("/api/"):
            url = f"/api/v1{url}"
        call = getattr(self.client, method.lower())
        if method.upper() in ("GET", "DELETE") and data is None:
            return call(url, query or None, headers=self.headers(headers))
        body = raw if raw is not None else json.dumps(data if data is not None else {})
        return call(url, body, content_type="application/json", headers=self.headers(headers))

    def get(self, path, **query):
        return self.request("GET", path, **query)

    def post(self, path, data=None, **kwargs):
        return self.request("POST", path, data, **kwargs)

    def patch(self, path, data=None, **kwargs):
        return self.request("PATCH", path, data, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


def token_for(person: Person, scope: str = "read_write", days: int | None = None) -> str:
    _token, secret = api_token_create(actor=fresh_user(person), name="tests", scope=scope, days=days)
    return secret


@pytest.fixture
def api_as(org):
    """`api_as("admin")` → an ApiClient authenticated with a fresh read-write token of that person."""

    def make(role: str, scope: str = "read_write", **kwargs) -> ApiClient:
        return ApiClient(token=token_for(org.person(role), scope), **kwargs)

    return make


__all__ = ["PASSWORD", "ROLES", "ApiClient", "Org", "fresh_user", "login", "make_person", "token_for"]
