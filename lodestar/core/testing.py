"""Test support shared by the apps' test suites (imported by their conftest files only)."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client


class ApiClient:
    """JSON calls against /api/v1: on a session (a person), with a Bearer token, or anonymously."""

    def __init__(self, person=None, *, token: str | None = None, language: str = "en"):
        self.client = Client()
        self.headers = {"Accept-Language": language}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        elif person is not None:
            # A fresh user object: nothing cached on it by earlier permission checks.
            self.client.force_login(get_user_model().objects.get(pk=person.user_id))

    def send(self, method: str, path: str, data=None, query=None):
        url = f"/api/v1{path}"
        call = getattr(self.client, method)
        if method in ("get", "delete"):
            return call(url, query or None, headers=self.headers)
        return call(
            url,
            json.dumps(data if data is not None else {}, default=str),
            content_type="application/json",
            headers=self.headers,
        )

    def get(self, path: str, **query):
        return self.send("get", path, query=query)

    def post(self, path: str, data=None):
        return self.send("post", path, data)

    def put(self, path: str, data=None):
        return self.send("put", path, data)

    def patch(self, path: str, data=None):
        return self.send("patch", path, data)

    def delete(self, path: str):
        return self.send("delete", path)


# --- two editors of one record (optimistic locking) ----------------------------------------

CONFLICT_TEXT = "This record was changed by someone else"


def page_client(person) -> Client:
    """A signed-in page client in English (the language cookie), so messages can be compared."""
    client = Client()
    client.force_login(get_user_model().objects.get(pk=person.user_id))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def form_post_data(form) -> dict:
    """What a browser sends back for a form it was shown unchanged: each field's rendered value
    (the hidden `version` included); unticked checkboxes are left out, as browsers do."""
    data: dict = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif value is None:
            data[bound.html_name] = ""
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(getattr(v, "pk", v)) for v in value]
        else:
            data[bound.html_name] = str(getattr(value, "pk", value))
    return data


def stale_form_edit(first: Client, second: Client, url: str, first_changes: dict, second_changes: dict):
    """Two people open the edit page `url`; the first saves, then the second saves the form they
    loaded before. Returns the second one's response."""
    first_data = form_post_data(first.get(url).context["form"])
    second_data = form_post_data(second.get(url).context["form"])
    assert first_data.get("version") and first_data["version"] == second_data["version"]
    saved = first.post(url, {**first_data, **first_changes})
    # A full page redirects after saving; an inline (HTMX) row answers with its read-only state.
    inline_saved = saved.status_code == 200 and saved.context.get("form") is None
    assert saved.status_code == 302 or inline_saved, saved.context["form"].errors if saved.context else saved
    return second.post(url, {**second_data, **second_changes})


def assert_conflict_form_error(response) -> None:
    """The page shows the form again with the "changed by someone else" error (not a 500, not a save)."""
    assert response.status_code == 200
    form = response.context["form"]
    assert any(CONFLICT_TEXT in error for error in form.non_field_errors()), form.errors
    assert CONFLICT_TEXT in response.content.decode()


def stale_api_edit(
    first: ApiClient, second: ApiClient, path: str, first_changes: dict, second_changes: dict, method="patch"
):
    """Two API clients read `path`; the first writes with the version it read, then the second
    writes with the same (now stale) version. Returns the second one's response."""
    first_version = first.get(path).json()["version"]
    second_version = second.get(path).json()["version"]
    assert first_version == second_version
    saved = first.send(method, path, {**first_changes, "version": first_version})
    assert saved.status_code == 200, saved.content
    return second.send(method, path, {**second_changes, "version": second_version})


def assert_version_conflict(response) -> None:
    assert response.status_code == 409, response.content
    body = response.json()
    assert (body["code"], body["field"]) == ("version_conflict", "version")


# --- faults in the middle of a multi-row write ---------------------------------------------


def snapshot(*models) -> dict[str, list[dict]]:
    """Every row of the given tables with all its columns (soft-deleted rows included), to compare
    the database before and after a write that failed halfway."""
    return {model._meta.label: list(model._base_manager.order_by("pk").values()) for model in models}


class InjectedFault(Exception):
    """The error a test makes an inner function raise, midway through a service."""


class Fault:
    """A stand-in for an inner function of a service: calls through to `original` until call
    number `on_call`, which raises InjectedFault instead. `observe()` runs just before raising, so
    the test can prove that the service had already written rows when it failed:

        fault = Fault(decomposition.rollup_from, observe=lambda: snapshot(Goal))
        with patch("lodestar.goals.services.decomposition.rollup_from", fault), pytest.raises(InjectedFault):
            ...
        assert fault.observed != before == snapshot(Goal)
    """

    def __init__(self, original, *, on_call: int = 1, observe=None):
        self.original = original
        self.on_call = on_call
        self.observe = observe
        self.calls = 0
        self.observed = None

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls >= self.on_call:
            if self.observe is not None:
                self.observed = self.observe()
            raise InjectedFault(f"injected on call {self.calls}")
        return self.original(*args, **kwargs)


def assert_documented(document: dict, paths: dict[str, tuple[str, ...]], *, tag: str, ok_posts=()) -> None:
    """Each listed operation is in the OpenAPI document under `tag` and lists its success status:
    201 for POST (200 for paths ending in `ok_posts`), 204 for DELETE, else 200. The error
    statuses every operation must list are checked once for all operations, in core's
    `test_every_operation_declares_its_error_responses`."""
    for path, methods in paths.items():
        assert path in document["paths"], path
        for method in methods:
            operation = document["paths"][path][method]
            assert operation["tags"] == [tag], (path, method)
            success = {"post": "201", "delete": "204"}.get(method, "200")
            if method == "post" and path.endswith(tuple(ok_posts)):
                success = "200"
            assert success in operation["responses"], (path, method)


# --- API responses -----------------------------------------------------------------------------

ERROR_KEYS = {"code", "message", "field", "errors"}


def ok(response, status=200):
    """The response has `status`; its JSON body (None when empty)."""
    assert response.status_code == status, response.content
    return response.json() if response.content else None


def err(response, status, code=None, field="__any__"):
    """The response is an error of `status` in the one error shape (code, message, field, errors),
    with a message, and the given `code` and `field` when these are passed."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == ERROR_KEYS, body
    assert body["message"], body
    if code is not None:
        assert body["code"] == code, body
    if field != "__any__":
        assert body["field"] == field, body
    return body
