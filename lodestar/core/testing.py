"""Test support shared by the apps' test suites (imported by their conftest files only)."""

from __future__ import annotations

import json

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
