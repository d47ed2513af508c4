"""Shared fixtures: a small organisation with one person per role, and logged-in clients.

    company 星辰公司 (CO)
    ├── 市场部 (MKT, managed by mkt_manager)
    │   └── 内容组 (MKT-CONTENT)            member works here
    └── 销售部 (SALES, managed by sales_manager)

admin (system admin) and hr (HR partner) sit in the company node; viewer is a read-only
person in MKT. `person_of(user)` caches on the user object, so each client and each call
that needs a fresh role gets a fresh user from the database (`fresh_user`).

The organisation is the shared one (lodestar/testing/organisation.py, roster ROOT), built with the
factories of lodestar/testing/factories.py.
"""

from __future__ import annotations

import copy
import json

import pytest
from django.db import transaction
from django.test import Client

from lodestar.org.models import Person
from lodestar.org.services import api_token_create
from lodestar.testing.factories import PASSWORD
from lodestar.testing.organisation import ROOT, Organisation, add_person, build_organisation, fresh_user

Org = Organisation  # the `org` fixture's type (lodestar/testing/organisation.py, roster ROOT)

ROLES = ("admin", "mkt_manager", "sales_manager", "member", "hr", "viewer")

# A person with a user account (password PASSWORD, email username@example.com).
make_person = add_person


@pytest.fixture(scope="session", autouse=True)
def _urls_loaded() -> None:
    """Every URLconf (and so the API's schemas) imported before any test runs: imported inside a
    freeze_time test, pydantic would meet freezegun's FakeDate in a `dt.date` annotation and fail, so a
    file of frozen tests run on its own failed while the whole suite passed."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import is the point


@pytest.fixture
def org(db) -> Org:
    return build_organisation(ROOT)


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


@pytest.fixture(scope="session")
def _openapi_validated(django_db_setup, django_db_blocker) -> dict:
    """/api/v1/openapi.json fetched and validated once per worker (building the document takes seconds,
    validating it more): the document is the same for every test that reads it."""
    from openapi_spec_validator import validate

    with django_db_blocker.unblock(), transaction.atomic():
        response = Client().get("/api/v1/openapi.json")
        transaction.set_rollback(True)
    assert response.status_code == 200
    document = response.json()
    validate(document)
    return document


@pytest.fixture
def openapi_document(_openapi_validated) -> dict:
    """The API's OpenAPI document as /api/v1/openapi.json serves it (status 200), already checked
    against the OpenAPI specification (openapi_spec_validator); a copy the test may change."""
    return copy.deepcopy(_openapi_validated)


__all__ = ["PASSWORD", "ROLES", "ApiClient", "Org", "fresh_user", "login", "make_person", "token_for"]
