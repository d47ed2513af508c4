"""Every family of API error answers in the request's language (issue #11).

Under `Accept-Language: zh-Hans` (the default) no message may contain an English sentence — pydantic's
own messages ("Input should be less than or equal to 10") came back in English — and under `en` the
same request answers in English. Families: 401, 403, 404, 409 (version, in use), 422 business rules,
422 validation of each pydantic error type config/api.py translates, unknown fields, bad filters, and
400 for a body that is not JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pytest
from django.test import Client

from lodestar.conftest import token_for
from lodestar.execution.models import ActionItem
from lodestar.goals.models import Goal, GoalStatus
from lodestar.org.models import Department, Person

pytestmark = pytest.mark.usefixtures("demo_world")

# Three or more ASCII words in a row: an English sentence (single words such as a field name, a code,
# "YYYY-MM-DD" or "true 或 false" are fine).
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]+(?:\s+[A-Za-z]+){2,}")
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Call:
    method: str
    path: str
    body: object = None
    query: dict = field(default_factory=dict)
    auth: str = "admin"  # admin, viewer, read_only or none
    raw: str | None = None


def _calls(ids: dict) -> dict[str, tuple[Call, int, str | None]]:
    goal, item, dept, measure = ids["goal"], ids["item"], ids["dept"], ids["measure"]
    patch = f"/goals/{goal}"
    return {
        "401-not-authenticated": (Call("GET", "/goals", auth="none"), 401, "not_authenticated"),
        "403-read-only-token": (
            Call("PATCH", patch, {"version": 1}, auth="read_only"),
            403,
            "token_read_only",
        ),
        "403-permission": (
            Call("POST", "/departments", {"name": "新部门", "parent_id": dept}, auth="viewer"),
            403,
            None,
        ),
        "404-not-found": (Call("GET", "/goals/987654321"), 404, "not_found"),
        "409-version": (Call("PATCH", patch, {"version": 99999, "name": "新名字"}), 409, "version_conflict"),
        "409-in-use": (Call("DELETE", f"/departments/{dept}"), 409, "in_use"),
        "422-business": (Call("POST", "/periods", {"kind": "custom", "name": "自定义"}), 422, None),
        "422-missing": (Call("PATCH", patch, {"name": "缺版本"}), 422, "invalid"),
        "422-unknown-field": (Call("PATCH", patch, {"version": 1, "targte": "5"}), 422, "unknown_field"),
        "422-string-too-long": (Call("PATCH", patch, {"version": 1, "name": "长" * 300}), 422, "invalid"),
        "422-int-type": (Call("PATCH", patch, {"version": "1"}), 422, "invalid"),
        "422-greater-than-equal": (Call("PATCH", patch, {"version": 0}), 422, "invalid"),
        "422-less-than-equal": (Call("GET", "/goals", query={"page_size": "1000"}), 422, "invalid"),
        "422-int-parsing": (Call("GET", "/goals", query={"page": "abc"}), 422, "invalid"),
        "422-bool": (Call("GET", "/goals", query={"root": "maybe"}), 422, "invalid"),
        "422-enum": (Call("GET", "/goals", query={"status": "sleeping"}), 422, "invalid"),
        "422-literal": (Call("GET", "/trash", query={"kind": "department"}), 422, "invalid"),
        "422-pattern": (Call("GET", "/goals", query={"ordering": "colour"}), 422, "invalid"),
        "422-bad-date-filter": (Call("GET", "/items", query={"due_before": "0"}), 422, "invalid"),
        "422-bad-date-body": (
            Call(
                "POST",
                "/periods",
                {"kind": "custom", "name": "x", "start": "0813-08-13", "end": "2026-01-01"},
            ),
            422,
            "invalid",
        ),
        "422-decimal": (
            Call("PATCH", f"/measures/{measure}", {"version": 1, "target": "五百"}),
            422,
            "invalid",
        ),
        "422-bool-body": (
            Call("PATCH", f"/items/{item}", {"version": 1, "is_milestone": "yes"}),
            422,
            "invalid",
        ),
        "422-list-type": (Call("PUT", "/goals/weights", {"weights": "all"}), 422, "invalid"),
        "422-too-short": (Call("PUT", "/goals/weights", {"weights": []}), 422, "invalid"),
        "422-model-type": (Call("PUT", "/goals/weights", {"weights": ["x"]}), 422, "invalid"),
        "422-time": (
            Call("PUT", "/me/notification-preferences", {"reminder_time": "25:99"}),
            422,
            "invalid",
        ),
        "422-nul": (Call("PATCH", patch, {"version": 1, "name": "周报\x00"}), 422, "invalid"),
        "422-period-fiscal-year": (
            Call("POST", "/periods", {"kind": "year", "fiscal_year": 1800}),
            422,
            "invalid",
        ),
        "400-malformed": (Call("PATCH", patch, raw="{not json"), 400, "malformed"),
    }


@pytest.fixture
def ids(db) -> dict:
    goal = Goal.objects.filter(status=GoalStatus.ACTIVE, measures__isnull=False).order_by("pk").first()
    owning = Department.objects.filter(goals__isnull=False).order_by("pk").first()
    return {
        "goal": goal.pk,
        "measure": goal.measures.order_by("pk").first().pk,
        "item": ActionItem.objects.order_by("pk").first().pk,
        "dept": owning.pk,
        "period": goal.period_id,
    }


@pytest.fixture
def tokens(db) -> dict:
    admin = Person.objects.get(user__username="admin")
    return {
        "admin": token_for(admin),
        "viewer": token_for(Person.objects.get(user__username="guest")),
        "read_only": token_for(admin, scope="read"),
        "none": None,
    }


def send(call: Call, token: str | None, language: str):
    headers = {"Accept-Language": language}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    client = Client()
    url = f"/api/v1{call.path}"
    if call.method in ("GET", "DELETE") and call.body is None and call.raw is None:
        return getattr(client, call.method.lower())(url, call.query or None, headers=headers)
    body = call.raw if call.raw is not None else json.dumps(call.body if call.body is not None else {})
    return getattr(client, call.method.lower())(url, body, content_type="application/json", headers=headers)


def _messages(body: dict) -> list[str]:
    return [body["message"], *(item["message"] for item in body.get("errors") or [])]


FAMILIES = list(_calls(dict.fromkeys(("goal", "item", "dept", "period", "measure"), 1)))


@pytest.mark.parametrize("family", FAMILIES)
def test_api_errors_speak_the_requests_language(family, ids, tokens):
    call, status, code = _calls(ids)[family]
    zh = send(call, tokens[call.auth], "zh-hans")
    assert zh.status_code == status, zh.content
    body = zh.json()
    assert set(body) >= {"code", "message", "field", "errors"}
    if code is not None:
        assert body["code"] == code, body
    for message in _messages(body):
        assert message and CJK.search(message), f"{family}: not Chinese: {message!r}"
        assert not ENGLISH_SENTENCE.search(message), f"{family}: English in zh-Hans: {message!r}"

    en = send(call, tokens[call.auth], "en")
    assert en.status_code == status
    for message in _messages(en.json()):
        assert message and not CJK.search(message.replace("新名字", "")), (
            f"{family}: not English: {message!r}"
        )


def test_pydantic_limits_are_translated_with_their_values(ids, tokens):
    """The example of the issue: "Input should be less than or equal to 10" under zh-Hans."""
    call = Call("GET", "/goals", query={"page_size": "1000"})
    zh = send(call, tokens["admin"], "zh-hans").json()
    assert zh["field"] == "page_size" and "应小于或等于 500" in zh["message"]
    en = send(call, tokens["admin"], "en").json()
    assert "less than or equal to 500" in en["message"]
