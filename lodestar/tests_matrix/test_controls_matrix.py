"""Generated check: no page shows a control its reader cannot use (issue 13, "Every role sees a
consistent product").

For each role the test crawls every page the role may open — the pages MATRIX (test_page_matrix.py)
answers 200 for, addressed with the world's objects (goal, measure, item, plan, meeting, alerts…) —
and every page and htmx fragment reachable from them by a link, up to a few instances of each URL
name. On every page it collects the controls:

- links `<a href>` to an app page, and `hx-get` attributes: a GET must not answer 403, 404 or 405;
- `<form action method="post">` (a form without action posts to its page) and `hx-post` /
  `hx-put` / `hx-delete` attributes: the role must be allowed to send it.

How a POST is checked without side effects: it is sent with the form's own values (hidden inputs,
checked boxes, selected options, the first submit button; empty text, number and date fields get a
plausible value so that the form's own validation lets the request reach its permission check) inside `transaction.atomic()` that is
rolled back, so whatever the view writes is undone (on-commit hooks never run inside the test's
transaction, so no mail, webhook or task leaves either). The role may use the control when the
answer is not 403/404/405 **and** no `PermissionDeniedError` was raised while the view ran: some
views turn a service's refusal into a form error or a message (`core.http.service_errors`), which
answers 200 or 302, so the probe also counts the refusals raised during the request. A form error
about the values (empty title, stale version…) is fine: the reader was allowed to try.

Failures list the role, the page and the control. Anonymous visitors see only the sign-in page.
"""

from __future__ import annotations

import json
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve

from lodestar.core import errors
from lodestar.tests_matrix.test_page_matrix import MATRIX, OK, url_for
from lodestar.tests_matrix.world import ROLES, fresh

SKIPPED_PREFIXES = ("/static/", "/media/", "/admin/", "/api/", "/i18n/")
SKIPPED_NAMES = {"login", "logout", "set_language"}
REFUSED = {403, 404, 405}
INSTANCES_PER_NAME = 3  # pages crawled per URL name and role (each with other ids or filters)
PAGES_PER_ROLE = 260
# Values typed into empty fields, so that a form passes its own validation and reaches the
# permission check of the service behind it (whatever it writes is rolled back).
FILLERS = {"text": "探针", "number": "1", "date": "2026-11-20", "week": "2026-W47", "search": ""}


def _detached() -> dict:
    return {"data": {}, "ticked": set(), "unticked": {}}


class Controls(HTMLParser):
    """Links, forms (with the values they would send) and htmx requests of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (url, label)
        self.posts: list[dict] = []  # {"url", "data", "label", "htmx"}
        self.forms: list[dict] = []
        self._stack: list[dict] = []
        self._label: list[str] | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # (name, options, selected)
        self._by_id: dict[str, dict] = {}  # forms by id, for fields outside them (form="id")

    def close(self):
        super().close()
        for form in self.forms:
            # A box the reader would tick: a list's "select" boxes (bulk edit) send one row at least.
            for name, value in form["unticked"].items():
                if name not in form["ticked"]:
                    form["data"].setdefault(name, value)

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        for verb in ("hx-post", "hx-put", "hx-delete", "hx-patch"):
            if verb in a and tag != "form":
                data = {}
                if a.get("hx-vals", "").strip().startswith("{"):
                    try:
                        data = {k: str(v) for k, v in json.loads(a["hx-vals"]).items()}
                    except ValueError:
                        data = {}
                if a.get("name"):
                    data[a["name"]] = a.get("value", "")
                self.posts.append(
                    {"url": a[verb], "data": data, "label": f"<{tag} {verb}>", "htmx": True, "form": None}
                )
        if a.get("hx-get"):
            self.links.append((a["hx-get"], f"<{tag} hx-get>"))
        if tag == "a" and a.get("href"):
            self.links.append((a["href"], "<a>"))
            self._label = []
        elif tag == "form":
            method = (a.get("method") or "get").lower()
            post_url = a.get("hx-post") or a.get("hx-put") or a.get("hx-delete")
            form = {
                "url": post_url or a.get("action", ""),
                "method": "post" if post_url else method,
                "data": {},
                "label": f"<form {a.get('id') or a.get('class', '')}>".replace(" >", ">"),
                "htmx": bool(post_url),
                "button": None,
            }
            form.update(self._by_id.pop(a.get("id"), _detached()) if a.get("id") else _detached())
            if a.get("id"):
                self._by_id[a["id"]] = form
            self.forms.append(form)
            self._stack.append(form)
        elif self._stack or a.get("form"):
            form = self._by_id.setdefault(a["form"], _detached()) if a.get("form") else self._stack[-1]
            name = a.get("name")
            if tag == "input" and name:
                kind = a.get("type", "text").lower()
                if kind in ("checkbox", "radio"):
                    if "checked" in a:
                        form["data"][name] = a.get("value", "on")
                        form["ticked"].add(name)
                    elif name not in form["ticked"]:
                        form["unticked"].setdefault(name, a.get("value", "on"))
                elif kind in ("submit", "button", "image"):
                    if form["button"] is None:
                        form["button"] = (name, a.get("value", ""))
                elif kind != "file":
                    form["data"].setdefault(name, a.get("value", "") or FILLERS.get(kind, ""))
            elif tag == "button" and a.get("type", "submit") == "submit":
                if name and form["button"] is None:
                    form["button"] = (name, a.get("value", ""))
            elif tag == "textarea" and name:
                form["data"].setdefault(name, FILLERS["text"])
            elif tag == "select" and name:
                self._select = (name, [], [])
            elif tag == "option" and self._select is not None:
                value = a.get("value", "")
                self._select[1].append(value)
                if "selected" in a:
                    self._select[2].append(value)

    def handle_endtag(self, tag):
        if tag == "a" and self._label is not None and self.links:
            url, kind = self.links[-1]
            if kind == "<a>":
                self.links[-1] = (url, f"<a>{''.join(self._label).strip()[:40]}</a>")
            self._label = None
        elif tag == "select" and self._select is not None and self._stack:
            name, options, selected = self._select
            chosen = selected[:1] or [o for o in options if o][:1]
            if chosen:
                self._stack[-1]["data"].setdefault(name, chosen[0])
            self._select = None
        elif tag == "form" and self._stack:
            form = self._stack.pop()
            if form["button"]:
                form["data"].setdefault(*form["button"])
            if form["method"] == "post":
                self.posts.append(form)
            else:
                self.links.append((form["url"], f"{form['label']} (GET)"))

    def handle_data(self, data):
        if self._label is not None:
            self._label.append(data)


def _app_path(url: str, page: str) -> str | None:
    """The app URL a control addresses (resolved against its page), or None when it leaves the app."""
    if not url or url.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    absolute = urljoin(page, url)
    parts = urlsplit(absolute)
    if parts.netloc and parts.netloc not in ("testserver", ""):
        return None
    if "{" in parts.path or parts.path.startswith(SKIPPED_PREFIXES):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return parts.path + (f"?{parts.query}" if parts.query else "")  # a dead link: checked, fails
    if match.url_name in SKIPPED_NAMES or match.namespace in ("admin", "api"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _name(path: str) -> str:
    try:
        return resolve(urlsplit(path).path).view_name
    except Resolver404:
        return "?"


class Probe:
    """Counts the PermissionDeniedError raised while a request runs (see the module docstring)."""

    def __init__(self, monkeypatch):
        self.refusals: list[str] = []
        original = errors.PermissionDeniedError.__init__
        probe = self

        def recording_init(self, message, **kwargs):
            probe.refusals.append(str(message))
            original(self, message, **kwargs)

        monkeypatch.setattr(errors.PermissionDeniedError, "__init__", recording_init)


def _seeds(role: str, kwargs: dict) -> list[str]:
    seeds = ["/"]
    for name in sorted(MATRIX):
        if MATRIX[name][role] == OK:
            seeds.append(url_for(name, kwargs))
    return seeds


def crawl(client, role: str, kwargs: dict, probe: Probe, stats: dict | None = None) -> list[str]:
    failures: list[str] = []
    queue = _seeds(role, kwargs)
    crawled: set[str] = set()
    per_name: dict[str, int] = defaultdict(int)
    link_status: dict[str, int] = {}
    posted: set[tuple[str, str]] = set()
    while queue and len(crawled) < PAGES_PER_ROLE:
        page = queue.pop(0)
        if page in crawled:
            continue
        name = _name(page)
        if per_name[name] >= INSTANCES_PER_NAME:
            continue
        per_name[name] += 1
        crawled.add(page)
        response = client.get(page, headers={"HX-Request": "true"} if _is_fragment(name) else {})
        link_status[page] = response.status_code
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        controls = Controls()
        controls.feed(response.content.decode())
        controls.close()
        for url, label in controls.links:
            path = _app_path(url, page)
            if path is None:
                continue
            if path not in link_status:
                link_status[path] = client.get(path).status_code
            if link_status[path] in REFUSED:
                failures.append(f"{role} · {page} · GET {label} {path} → {link_status[path]}")
            elif link_status[path] == 200 and path not in crawled:
                queue.append(path)
        for post in controls.posts:
            path = _app_path(post["url"], page) if post["url"] else page
            if path is None or (path, post["label"]) in posted:
                continue
            posted.add((path, post["label"]))
            status, refusals = _post(client, path, post, probe)
            if status in REFUSED or refusals:
                why = refusals[0] if refusals else ""
                failures.append(f"{role} · {page} · POST {post['label']} {path} → {status} {why}".rstrip())
    if stats is not None:
        stats.update(pages=len(crawled), links=len(link_status), posts=len(posted))
    return failures


def _is_fragment(name: str) -> bool:
    return name.endswith(("_row", "_children", "_options", "_data")) or name == "execution:row"


def _post(client, path: str, post: dict, probe: Probe) -> tuple[int, list[str]]:
    probe.refusals.clear()
    headers = {"HX-Request": "true"} if post["htmx"] else {}
    with transaction.atomic():
        response = client.post(path, post["data"], headers=headers)
        transaction.set_rollback(True)
    return response.status_code, list(probe.refusals)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_every_control_shown_is_usable(world, db, client, monkeypatch, role):
    client.force_login(fresh(world["people"][role]))
    probe = Probe(monkeypatch)
    stats: dict = {}
    failures = crawl(client, role, world["kwargs"], probe, stats)
    # Not a vacuous pass: the crawl reached the role's pages and their controls.
    assert stats["pages"] >= 40 and stats["links"] >= 60 and stats["posts"] >= 5, stats
    assert not failures, f"{len(failures)} control(s) shown that {role} cannot use:\n" + "\n".join(
        sorted(set(failures))
    )


def test_the_parser_finds_links_forms_and_htmx_requests():
    html = """
    <a href="/goals/1/">目标</a><button hx-post="/goals/1/status/" hx-vals='{"status": "active"}'>启用</button>
    <form method="post" action="/items/bulk/" id="bulk"><input type="hidden" name="next" value="/x/">
      <select name="status"><option value="">—</option><option value="done">完成</option></select>
      <textarea name="body"></textarea><button name="decision" value="agreed">同意</button></form>
    <input type="checkbox" name="items" value="7" form="bulk">
    <form method="get" action="/goals/"><input name="q"></form>
    """
    controls = Controls()
    controls.feed(html)
    controls.close()
    assert ("/goals/1/", "<a>目标</a>") in controls.links
    assert ("/goals/", "<form> (GET)") in controls.links
    htmx, form = controls.posts
    assert (htmx["url"], htmx["data"]) == ("/goals/1/status/", {"status": "active"})
    assert form["url"] == "/items/bulk/"
    assert form["data"] == {
        "next": "/x/",
        "status": "done",
        "body": "探针",
        "decision": "agreed",
        "items": "7",
    }
