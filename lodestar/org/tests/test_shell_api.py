"""The API base: auth (tokens, session + CSRF), errors, pagination, /me, /periods, /auth/token, OpenAPI."""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from pydantic import BaseModel

from lodestar.conftest import PASSWORD, ApiClient, fresh_user, login, token_for
from lodestar.core.models import Period
from lodestar.org import periods_services as services
from lodestar.org.models import ApiToken, Person
from lodestar.org.services import api_token_revoke

ERROR_KEYS = {"code", "message", "field", "errors"}


def assert_error(response, status, code=None, field="__any__"):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], list)
    if code is not None:
        assert body["code"] == code, body
    if field != "__any__":
        assert body["field"] == field, body
    return body


@pytest.fixture
def year(org):
    return services.period_generate_fiscal_year(actor=fresh_user(org.admin), year=2024)


# --- authentication -----------------------------------------------------------------------------


def test_anonymous_gets_401(db):
    for path in ("/me", "/periods", "/periods/1", "/departments", "/people"):
        assert_error(ApiClient().get(path), 401, "not_authenticated")
    assert_error(ApiClient().post("/periods", {"name": "x"}), 401)


def test_bearer_token_authenticates(org, api_as):
    response = api_as("member").get("/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": org.member.pk,
        "username": "member",
        "display_name": "林晓",
        "department_id": org.content.pk,
        "title": "专员",
        "roles": ["member"],
        "language": "zh-hans",
    }


def test_me_lists_the_manager_role(org, api_as):
    assert api_as("mkt_manager").get("/me").json()["roles"] == ["member", "manager"]
    assert api_as("admin").get("/me").json()["roles"] == ["admin"]
    assert api_as("hr").get("/me").json()["roles"] == ["hr"]
    assert api_as("viewer").get("/me").json()["roles"] == ["viewer"]


def test_me_for_a_superuser_without_person(db):
    root = get_user_model().objects.create_superuser("root", "r@example.com", "x")
    response = ApiClient(login(root)).get("/me")
    assert response.status_code == 200
    assert response.json()["roles"] == ["admin"]
    assert response.json()["id"] is None


def test_user_without_person_is_forbidden(db):
    stranger = get_user_model().objects.create_user("stranger", password="x")
    assert_error(ApiClient(login(stranger)).get("/me"), 403, "permission_denied")


@pytest.mark.parametrize("header", ["Bearer lds_nope", "Bearer ", "Token abc", "Bearer not-even-prefixed"])
def test_bad_tokens_get_401(org, header):
    assert_error(Client().get("/api/v1/me", headers={"Authorization": header}), 401, "not_authenticated")


def test_revoked_token_gets_401(org):
    secret = token_for(org.member)
    api = ApiClient(token=secret, client=Client(enforce_csrf_checks=True))
    assert api.get("/me").status_code == 200
    api_token_revoke(actor=fresh_user(org.member), token_id=ApiToken.objects.get().pk)
    assert_error(api.get("/me"), 401)
    # An unsafe method from a script (no cookies, no CSRF token) is refused as unauthenticated too.
    assert_error(api.post("/periods", {"name": "x", "start": "2024-01-01", "end": "2024-01-02"}), 401)


def test_expired_token_gets_401(org):
    secret = token_for(org.admin)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    api = ApiClient(token=secret, client=Client(enforce_csrf_checks=True))
    assert_error(api.get("/me"), 401)
    assert_error(api.patch("/periods/1", {"version": 1}), 401)


def test_token_of_deactivated_person_gets_401(org):
    secret = token_for(org.member)
    Person.objects.filter(pk=org.member.pk).update(is_active=False)
    assert_error(ApiClient(token=secret).get("/me"), 401)


def test_read_only_token_reads_but_does_not_write(org, year):
    api = ApiClient(token=token_for(org.admin, scope="read"), client=Client(enforce_csrf_checks=True))
    assert api.get("/periods").status_code == 200
    body = assert_error(api.post("/periods", {"name": "x", "start": "2024-01-01", "end": "2024-01-02"}), 403)
    assert body["code"] == "token_read_only"
    assert_error(api.patch(f"/periods/{year.pk}", {"version": 1, "name": "x"}), 403, "token_read_only")
    assert not Period.objects.filter(name="x").exists()


def test_token_writes_need_no_csrf(org):
    api = ApiClient(token=token_for(org.admin), client=Client(enforce_csrf_checks=True))
    response = api.post("/periods", {"name": "618", "start": "2024-06-01", "end": "2024-06-18"})
    assert response.status_code == 201, response.content


def test_session_auth_reads_and_needs_csrf_to_write(org):
    client = login(org.admin, enforce_csrf_checks=True)
    api = ApiClient(client)
    assert api.get("/me").status_code == 200
    data = {"name": "618", "start": "2024-06-01", "end": "2024-06-18"}
    assert_error(api.post("/periods", data), 403)
    assert not Period.objects.exists()
    # With the CSRF cookie and header, as the browser sends them (hx-headers on <body>).
    client.get("/")
    csrf = client.cookies["csrftoken"].value
    response = api.post("/periods", data, headers={"X-CSRFToken": csrf})
    assert response.status_code == 201, response.content


def test_last_used_is_recorded(org):
    secret = token_for(org.member)
    ApiClient(token=secret).get("/me")
    assert ApiToken.objects.get().last_used_at is not None


# --- POST /auth/token -------------------------------------------------------------------------


def test_token_exchange(org):
    client = ApiClient()
    response = client.post(
        "/auth/token", {"username": "member", "password": PASSWORD, "name": "脚本", "scope": "read"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"token", "expires_at", "scope"}
    assert body["scope"] == "read"
    expires = parse_datetime(body["expires_at"])
    assert expires.tzinfo is not None
    assert expires > timezone.now() + dt.timedelta(days=300)
    token = ApiToken.objects.get()
    assert (token.name, token.person) == ("脚本", org.member)
    # The token works, read-only.
    assert ApiClient(token=body["token"]).get("/me").json()["username"] == "member"
    assert ApiClient(token=body["token"]).post("/periods", {}).status_code == 403


def test_token_exchange_wrong_password(org):
    response = ApiClient().post("/auth/token", {"username": "member", "password": "wrong"})
    assert_error(response, 401, "invalid_credentials")
    response = ApiClient().post("/auth/token", {"username": "nobody", "password": "wrong"})
    assert_error(response, 401)
    assert not ApiToken.objects.exists()


def test_token_exchange_validation(org):
    assert_error(ApiClient().post("/auth/token", {"username": "member"}), 422, "invalid", "password")
    assert_error(
        ApiClient().post("/auth/token", {"username": "member", "password": PASSWORD, "scope": "root"}),
        422,
        "invalid",
        "scope",
    )


def test_token_exchange_locks_out_after_repeated_failures(org, settings):
    import axes.utils

    axes.utils.reset()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        ApiClient().post("/auth/token", {"username": "member", "password": "wrong"})
    response = ApiClient().post("/auth/token", {"username": "member", "password": PASSWORD})
    assert_error(response, 429, "locked_out")
    assert not ApiToken.objects.exists()
    axes.utils.reset()
    assert ApiClient().post("/auth/token", {"username": "member", "password": PASSWORD}).status_code == 201


def test_token_exchange_answers_only_documented_statuses(db, openapi):
    """A superuser without a person record cannot hold a token; the answer is one the document lists."""
    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    response = ApiClient().post("/auth/token", {"username": "root", "password": PASSWORD})
    assert 400 <= response.status_code < 500
    assert set(response.json()) == ERROR_KEYS
    assert str(response.status_code) in openapi["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert not ApiToken.objects.exists()


def test_token_exchange_for_a_deactivated_person(org):
    Person.objects.filter(pk=org.member.pk).update(is_active=False)
    response = ApiClient().post("/auth/token", {"username": "member", "password": PASSWORD})
    assert response.status_code in (401, 403)
    assert not ApiToken.objects.exists()


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["{not json", "[1, 2", "\u00ff\u00fe", '{"name": "x",}'])
def test_malformed_json_is_400(org, api_as, raw):
    api = api_as("admin")
    response = api.post("/periods", raw=raw)
    assert_error(response, 400, "malformed")


@pytest.mark.parametrize("raw", ['"just a string"', "[]", "42", "null"])
def test_json_that_is_not_an_object_is_refused(org, api_as, raw):
    response = api_as("admin").post("/periods", raw=raw)
    assert response.status_code in (400, 422)
    assert set(response.json()) == ERROR_KEYS
    assert not Period.objects.exists()


def test_wrong_types_are_422_with_the_field(org, api_as):
    body = assert_error(
        api_as("admin").post("/periods", {"name": "x", "start": "tomorrow", "end": "2024-01-01"}),
        422,
        "invalid",
        "start",
    )
    assert body["errors"][0]["field"] == "start"


@pytest.mark.parametrize("path", ["/periods/987654", "/departments/987654", "/people/987654"])
def test_unknown_ids_are_404(org, api_as, path):
    assert_error(api_as("member").get(path), 404, "not_found")


@pytest.mark.parametrize(
    "path",
    [
        "/periods/99999999999999999999",
        "/periods/-1",
        "/periods/0",
        "/departments/9223372036854775808",
        "/people/99999999999999999999",
    ],
)
def test_absurd_ids_are_not_server_errors(org, api_as, path):
    response = api_as("member").get(path)
    assert response.status_code in (404, 422), response.content
    assert set(response.json()) == ERROR_KEYS


@pytest.mark.parametrize("query", [{"parent_id": "99999999999999999999"}, {"fiscal_year": "99999999999"}])
def test_absurd_filters_are_not_server_errors(org, api_as, query):
    response = api_as("member").get("/periods", **query)
    assert response.status_code in (200, 422), response.content


def test_unknown_path_under_the_api(org, api_as):
    response = api_as("member").get("/nothing-here")
    assert response.status_code == 404


# --- /periods ---------------------------------------------------------------------------------


def test_period_list_and_pagination(org, api_as, year):
    api = api_as("member")
    body = api.get("/periods").json()
    assert set(body) == {"items", "count", "page", "page_size"}
    assert (body["count"], body["page"], body["page_size"], len(body["items"])) == (69, 1, 50, 50)
    second = api.get("/periods", page=2).json()
    assert len(second["items"]) == 19
    assert not {p["id"] for p in body["items"]} & {p["id"] for p in second["items"]}
    assert api.get("/periods", page=3).json()["items"] == []
    assert api.get("/periods", page_size=500).json()["page_size"] == 500
    assert_error(api.get("/periods", page_size=501), 422, "invalid", "page_size")
    assert_error(api.get("/periods", page_size=0), 422, "invalid", "page_size")
    assert_error(api.get("/periods", page=0), 422, "invalid", "page")


def test_period_list_filters(org, api_as, year):
    api = api_as("member")
    quarters = api.get("/periods", kind="quarter").json()
    assert quarters["count"] == 4
    assert [q["name"] for q in quarters["items"]] == [p.name for p in Period.objects.filter(kind="quarter")]
    assert api.get("/periods", parent_id=year.pk).json()["count"] == 4
    containing = api.get("/periods", contains="2024-07-04").json()["items"]
    assert sorted(p["kind"] for p in containing) == ["month", "quarter", "week", "year"]
    assert api.get("/periods", fiscal_year=2023).json()["count"] == 0
    assert api.get("/periods", is_closed="true").json()["count"] == 0
    assert_error(api.get("/periods", kind="decade"), 422, "invalid", "kind")


def test_period_detail_iso_dates(org, api_as, year):
    body = api_as("viewer").get(f"/periods/{year.pk}").json()
    assert body == {
        "id": year.pk,
        "kind": "year",
        "key": "FY2024",
        "name": year.name,
        "label": "2024财年",  # generated periods are labelled in the request's language (zh-Hans by default)
        "start": "2024-01-01",
        "end": "2024-12-31",
        "parent_id": None,
        "fiscal_year": 2024,
        "is_closed": False,
        "version": 1,
    }


def test_create_custom_period(org, api_as, year):
    response = api_as("admin").post(
        "/periods", {"name": "618 大促", "start": "2024-06-01", "end": "2024-06-18", "parent_id": year.pk}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["name"], body["parent_id"], body["fiscal_year"], body["version"]) == (
        "custom",
        "618 大促",
        year.pk,
        2024,
        1,
    )
    assert Period.objects.filter(kind="custom").count() == 1


def test_create_fiscal_year_through_the_api(org, api_as):
    response = api_as("admin").post("/periods", {"kind": "year", "fiscal_year": 2025})
    assert response.status_code == 201
    assert response.json()["key"] == "FY2025"
    assert Period.objects.filter(fiscal_year=2025).count() == 1 + 4 + 12 + 52
    assert_error(api_as("admin").post("/periods", {"kind": "year"}), 422, "invalid", "fiscal_year")


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"name": "x", "end": "2024-01-02"}, "start"),
        ({"name": "x", "start": "2024-01-02"}, "end"),
        ({"name": "x", "start": "2024-01-02", "end": "2024-01-01"}, "end"),
        ({"name": "  ", "start": "2024-01-01", "end": "2024-01-02"}, "name"),
        ({"name": "x" * 81, "start": "2024-01-01", "end": "2024-01-02"}, "name"),
        ({"kind": "week", "name": "x", "start": "2024-01-01", "end": "2024-01-02"}, "kind"),
    ],
)
def test_create_period_rules_are_422(org, api_as, payload, field):
    assert_error(api_as("admin").post("/periods", payload), 422, None, field)
    assert not Period.objects.exists()


def test_create_period_outside_parent_is_422(org, api_as, year):
    body = assert_error(
        api_as("admin").post(
            "/periods", {"name": "x", "start": "2024-12-01", "end": "2025-01-31", "parent_id": year.pk}
        ),
        422,
    )
    assert body["field"] == "parent_id"


def test_create_period_with_unknown_parent_is_404(org, api_as):
    assert_error(
        api_as("admin").post(
            "/periods", {"name": "x", "start": "2024-01-01", "end": "2024-01-02", "parent_id": 987654}
        ),
        404,
    )


@pytest.mark.parametrize("role", ["mkt_manager", "member", "hr", "viewer"])
def test_only_admins_create_or_change_periods(org, api_as, year, role):
    api = api_as(role)
    assert_error(
        api.post("/periods", {"name": "x", "start": "2024-01-01", "end": "2024-01-02"}),
        403,
        "permission_denied",
    )
    assert_error(
        api.patch(f"/periods/{year.pk}", {"version": 1, "is_closed": True}), 403, "permission_denied"
    )
    year.refresh_from_db()
    assert year.is_closed is False


def test_patch_period_and_stale_version(org, api_as, year):
    api = api_as("admin")
    # Closing goes through POST /periods/{id}/close (snapshots, history): PATCH only repeats the flag.
    assert_error(
        api.patch(f"/periods/{year.pk}", {"version": 1, "is_closed": True}),
        422,
        "use_period_close",
        "is_closed",
    )
    response = api.patch(f"/periods/{year.pk}", {"version": 1, "name": "FY24", "is_closed": False})
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["is_closed"], response.json()["version"]) == (
        "FY24",
        False,
        2,
    )
    body = assert_error(
        api.patch(f"/periods/{year.pk}", {"version": 1, "name": "again"}), 409, "version_conflict", "version"
    )
    assert "someone else" in body["message"] or body["message"]
    year.refresh_from_db()
    assert year.name == "FY24"
    assert_error(api.patch(f"/periods/{year.pk}", {"name": "no version"}), 422, "invalid", "version")
    assert_error(api.patch(f"/periods/{year.pk}", {"version": 2, "start": "2024-02-01"}), 422, None, "start")
    assert_error(api.patch("/periods/987654", {"version": 1}), 404)


# --- language -----------------------------------------------------------------------------------


def test_accept_language_selects_the_language(org):
    secret = token_for(org.member)
    assert ApiClient(token=secret, language="en").get("/me").json()["language"] == "en"
    assert ApiClient(token=secret, language="zh-Hans").get("/me").json()["language"] == "zh-hans"
    assert ApiClient(token=secret).get("/me").json()["language"] == "zh-hans"


def test_error_messages_follow_accept_language(db):
    english = ApiClient(language="en").get("/me").json()["message"]
    chinese = ApiClient(language="zh-Hans").get("/me").json()["message"]
    assert english == "Sign in or send a valid API token."
    assert chinese != english
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese), chinese


# --- OpenAPI ----------------------------------------------------------------------------------


@pytest.fixture
def openapi(openapi_document):
    """The served document (status 200), validated once per session (lodestar/conftest.py)."""
    return openapi_document


def test_openapi_document_validates(openapi):
    assert openapi["info"]["title"] == "Lodestar API"
    for path in (
        "/api/v1/me",
        "/api/v1/periods",
        "/api/v1/periods/{period_id}",
        "/api/v1/departments",
        "/api/v1/people",
        "/api/v1/auth/token",
    ):
        assert path in openapi["paths"], path


def test_every_operation_declares_its_error_responses(openapi):
    methods = {"get", "post", "put", "patch", "delete"}
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method not in methods:
                continue
            statuses = set(operation["responses"])
            where = f"{method.upper()} {path}"
            assert any(s.startswith("2") for s in statuses), where
            # 422: invalid parameters or body; every operation with input can answer it.
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in statuses, where
            if path.endswith("/auth/token"):
                assert {"400", "401", "422", "429"} <= statuses, where
                continue
            assert {"401", "403"} <= statuses, where
            if "{" in path or method in ("post", "patch", "delete"):
                assert "404" in statuses, where
            if method in ("post", "patch", "put"):
                assert {"400", "409", "422"} <= statuses, where
            if method == "get" and "{" not in path and operation.get("parameters"):
                assert "400" in statuses, where  # a filter that names nothing usable
            for status in {s for s in statuses if not s.startswith("2")}:
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, where


def _component_classes(annotation, found: set) -> None:
    """Collect the pydantic models and enums reachable from `annotation` (each one becomes a component)."""
    if typing.get_origin(annotation) is not None or isinstance(annotation, types.UnionType):
        for arg in typing.get_args(annotation):
            _component_classes(arg, found)
        return
    if not isinstance(annotation, type) or not issubclass(annotation, (BaseModel, enum.Enum)):
        return
    if annotation in found:
        return
    found.add(annotation)
    if issubclass(annotation, BaseModel):
        for field in annotation.model_fields.values():
            _component_classes(field.annotation, found)


# The models ninja builds around an operation's parameters and responses; they are not components.
NINJA_WRAPPERS = {
    "BodyParams",
    "FileParams",
    "FormParams",
    "PathParams",
    "QueryParams",
    "NinjaResponseSchema",
}


def component_classes_by_name() -> dict[str, set[str]]:
    """Each OpenAPI component name -> the dotted paths of the classes the API's operations use under it."""
    from config.api import api

    found: set = set()
    for bound_router in api._get_bound_routers():
        for path_view in bound_router.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.models, *operation.response_models.values()]:
                    _component_classes(model, found)
    names: dict[str, set[str]] = defaultdict(set)
    for cls in found:
        if cls.__name__ not in NINJA_WRAPPERS:
            names[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    return names


def test_component_names_are_unique_across_apps(openapi):
    # The document keys its schemas by class name alone: a second `WeightsIn` in another app silently
    # replaces the first one in the document (ninja merges the definitions into one dict).
    names = component_classes_by_name()
    duplicates = {name: sorted(paths) for name, paths in names.items() if len(paths) > 1}
    assert not duplicates, "OpenAPI component names used by more than one class: " + "; ".join(
        f"{name}: {', '.join(paths)}" for name, paths in sorted(duplicates.items())
    )
    # The walk sees every component of the document (else a duplicate could hide in what it missed).
    assert set(openapi["components"]["schemas"]) <= set(names)


def test_error_items_document_their_detail(openapi):
    item = openapi["components"]["schemas"]["ErrorItemOut"]
    assert set(item["properties"]) == {"code", "message", "field", "row", "detail"}
    assert item["properties"]["detail"]["type"] == "object"
    assert item["properties"]["detail"]["description"]


def test_every_error_item_carries_a_detail_object(org, api_as, year):
    # A validation error's entries have no facts to add: `detail` is there all the same, empty.
    response = api_as("admin").post("/periods", {"name": 5, "kind": "custom"})
    body = assert_error(response, 422)
    assert body["errors"] and all(e["detail"] == {} for e in body["errors"]), body


def test_list_endpoints_that_take_a_department_declare_404(openapi):
    # /people?department_id=… and /departments?within_id=… answer 404 for an unknown department.
    for path in ("/api/v1/people", "/api/v1/departments"):
        assert "404" in openapi["paths"][path]["get"]["responses"], path


def test_docs_page(db):
    assert Client().get("/api/v1/docs").status_code == 200
