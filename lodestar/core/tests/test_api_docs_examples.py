"""docs/api.md's curl examples exist in the API: each example's method and path is an operation of
/api/v1/openapi.json, and each JSON body's fields are fields of that operation's request body.

A renamed path, a dropped method or a renamed field then fails here rather than in an integrator's script.
"""

import json
import re
import shlex
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"
BASE = "http://127.0.0.1:8000/api/v1"


def bash_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)


def curl_commands(block: str) -> list[str]:
    """The block's curl commands, continuation lines joined; comment lines dropped."""
    joined = re.sub(r"\\\n\s*", " ", block)
    # A JSON body may span lines inside its quotes: join those lines too.
    commands: list[str] = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped.startswith("curl "):
            commands.append(stripped)
        elif commands and commands[-1].count("'") % 2 == 1:
            commands[-1] += " " + stripped
    return commands


def parse_curl(command: str) -> tuple[str, str, dict | None]:
    """(METHOD, path below /api/v1 without its query, the -d JSON body or None)."""
    words = shlex.split(command.split(" # ")[0])
    method, body, url = None, None, None
    has_form = False
    for index, word in enumerate(words):
        if word == "-X":
            method = words[index + 1]
        elif word == "-d":
            body = json.loads(words[index + 1])
        elif word == "-F":
            has_form = True
        elif word.startswith(BASE):
            url = word
    assert url, f"no {BASE} address in: {command}"
    if method is None:
        method = "POST" if body is not None or has_form else "GET"
    return method, url[len(BASE) :].split("?")[0], body


def examples() -> list[tuple[str, str, dict | None]]:
    found = []
    for block in bash_blocks(DOC.read_text(encoding="utf-8")):
        found.extend(parse_curl(command) for command in curl_commands(block))
    return found


def curl_query_names() -> list[tuple[str, str, set[str]]]:
    """(METHOD, path, the query's parameter names) of each curl example with a query string."""
    found = []
    for block in bash_blocks(DOC.read_text(encoding="utf-8")):
        for command in curl_commands(block):
            method, path, _ = parse_curl(command)
            url = next(w for w in shlex.split(command.split(" # ")[0]) if w.startswith(BASE))
            if "?" in url:
                query = url.split("?", 1)[1]
                found.append((method, path, {pair.split("=")[0] for pair in query.split("&")}))
    return found


def python_calls() -> list[tuple[str, str]]:
    """(METHOD, path) of each `call("METHOD", "/path…")` of the Python examples; f-string fields stand for ids."""
    found = []
    for block in re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL):
        for method, path in re.findall(r'call\(\s*"([A-Z]+)",\s*f?"([^"]+)"', block):
            found.append((method, re.sub(r"\{[^}]+\}", "1", path).split("?")[0]))
    return found


def operation_for(document: dict, method: str, path: str) -> dict | None:
    for template, operations in document["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template.removeprefix("/api/v1"))) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            return operations[method.lower()]
    return None


def body_properties(document: dict, operation: dict) -> set[str] | None:
    """The top-level field names the operation's JSON body takes; None when it has no JSON body."""
    content = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
    if content is None:
        return None
    names: set[str] = set()
    stack = [content["schema"]]
    while stack:
        schema = stack.pop()
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].split("/")[-1]]
        names.update(schema.get("properties", {}))
        stack.extend(schema.get("anyOf", []) + schema.get("allOf", []))
    return names


def test_the_doc_has_an_example_for_each_resource_family():
    paths = {path for _, path, _ in examples()}
    for family in (
        "/auth/token",
        "/goals",
        "/goals/42/measures",
        "/check-ins",
        "/items",
        "/alerts",
        "/retrospectives",
        "/appraisals",
        "/metric-imports",
        "/budget-lines",
        "/dashboards/company",
        "/exports/goals",
        "/imports/goals",
        "/webhook-endpoints",
    ):
        assert family in paths, family


@pytest.mark.django_db
def test_every_curl_example_is_an_operation_of_the_openapi_document(openapi_document):
    found = examples()
    assert len(found) > 40
    problems = []
    for method, path, body in found:
        operation = operation_for(openapi_document, method, path)
        if operation is None:
            problems.append(f"{method} {path}: no such operation")
            continue
        if body is None:
            continue
        allowed = body_properties(openapi_document, operation)
        if allowed is None:
            problems.append(f"{method} {path}: takes no JSON body")
        elif unknown := set(body) - allowed:
            problems.append(f"{method} {path}: unknown fields {sorted(unknown)}")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_every_python_example_calls_an_operation_of_the_openapi_document(openapi_document):
    found = python_calls()
    assert len(found) > 25
    missing = [f"{m} {p}" for m, p in found if operation_for(openapi_document, m, p) is None]
    assert not missing, missing


def test_parse_curl_reads_method_path_and_body():
    command = (
        "curl -s -X PATCH 'http://127.0.0.1:8000/api/v1/goals/42?x=1' -H 'Authorization: Bearer t' "
        "-d '{\"version\": 1}'"
    )
    assert parse_curl(command) == ("PATCH", "/goals/42", {"version": 1})
    assert parse_curl("curl -s http://127.0.0.1:8000/api/v1/me")[:2] == ("GET", "/me")
    assert parse_curl("curl -s http://127.0.0.1:8000/api/v1/imports/goals -F file=@a.xlsx")[0] == "POST"


@pytest.mark.django_db
def test_every_query_parameter_of_the_examples_is_documented(openapi_document):
    found = curl_query_names()
    assert len(found) > 10
    problems = []
    for method, path, names in found:
        operation = operation_for(openapi_document, method, path)
        known = {p["name"] for p in (operation or {}).get("parameters", []) if p["in"] == "query"}
        if unknown := names - known:
            problems.append(f"{method} {path}: unknown query parameters {sorted(unknown)}")
    assert not problems, "\n".join(problems)
