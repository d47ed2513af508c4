"""Every page in Simplified Chinese (issue 11, "Untranslated text").

Walks every page of the URL conf the permission matrix knows (test_page_matrix.MATRIX) that an
admin or a manager may open, in zh-Hans (the default language), against the matrices' world, plus
a few variants that show more (forms with errors, filtered lists), and fails on an English sentence
in the visible text.

"Visible text" is the text between tags (outside <script>, <style> and <template>) and the
attributes a person reads (placeholder, title, aria-label, alt); JSON responses contribute their
string values. An "English sentence" is three or more consecutive ASCII words of letters, except
for an allow-list of names, brands and units that stay in Latin letters in a Chinese product.

One pass per role over shared data: the world is built once per module.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from lodestar.execution.models import ActionItem
from lodestar.tests_matrix.test_page_matrix import MATRIX, OK, url_for
from lodestar.tests_matrix.world import fresh

# Words that stay in Latin letters in the Chinese product: abbreviations, brands, units, sample data.
ALLOWED_WORDS = {
    "okr",
    "okrs",
    "kpi",
    "kpis",
    "kr",
    "krs",
    "raci",
    "smart",
    "excel",
    "api",
    "p0",
    "p1",
    "p2",
    "csv",
    "xlsx",
    "pdf",
    "url",
    "id",
    "http",
    "https",
    "html",
    "json",
    "openapi",
    "token",
    "webhook",
    "bearer",
    "utf",
    "gbk",
    "bom",
    "kol",
    "kols",
    "roi",
    "gmv",
    "edm",
    "linkedin",
    "slack",
    "feishu",
    "dingtalk",
    "wecom",
    "lodestar",
    "pdca",
    "www",
    "example",
    "com",
    "hook",
    "agreed",  # the world's sample consensus minutes ("Agreed.")
}
VISIBLE_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}
WORDS = re.compile(r"[A-Za-z]+(?:[ \t\n\r]+[A-Za-z]+){2,}")


class VisibleText(HTMLParser):
    """Collects the text a person reads on a page."""

    HIDDEN = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden_depth += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth:
            self.parts.append(data)


def json_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in json_strings(v)]
    return []


def english_sentences(response) -> list[str]:
    kind = response.get("Content-Type", "")
    if not kind.startswith(("text/html", "application/json")):
        return []  # downloads: the PDF attachment, the import template
    content = response.content.decode()
    if kind.startswith("application/json"):
        parts = json_strings(json.loads(content or "null"))
    else:
        parser = VisibleText()
        parser.feed(content)
        parts = parser.parts
    found = []
    for part in parts:
        for match in WORDS.finditer(part):
            words = [w for w in match.group().split() if w.lower() not in ALLOWED_WORDS]
            if len(words) >= 3 and _consecutive(match.group()):
                found.append(" ".join(match.group().split()))
    return found


def _consecutive(text: str) -> bool:
    """Three or more words in a row that are not on the allow-list."""
    run = 0
    for word in text.split():
        run = 0 if word.lower() in ALLOWED_WORDS else run + 1
        if run >= 3:
            return True
    return False


HTMX_LISTS = (
    "goals:table",
    "goals:mine",
    "execution:table",
    "execution:mine",
    "execution:kanban",
    "alerts:list",
    "notifications:inbox",
    "org:directory",
    "tracking:report",
)


def extra_pages(kwargs: dict) -> list[tuple[str, str, dict | None]]:
    """Variants that show more than a plain GET: filtered lists, forms sent back with errors (a RACI
    rule broken, a bad number, a tampered version), HTMX partials of the lists."""
    department, period = kwargs["department_id"], kwargs["period_id"]
    goal, item = kwargs["goal_id"], kwargs["item_id"]
    item_version = ActionItem.objects.get(pk=item).version
    no_accountable = {
        "title": "投放KOL",
        "priority": "P1",
        "responsible": [kwargs["person_id"]],
        "version": item_version,
    }
    return [("htmx", reverse(name), None) for name in HTMX_LISTS] + [
        ("post", reverse("execution:edit", kwargs={"item_id": item}), no_accountable),
        ("get", f"{reverse('goals:table')}?department={department}&period={period}", None),
        ("get", f"{reverse('goals:tree')}?department={department}&period={period}", None),
        ("get", f"{reverse('execution:table')}?department={department}", None),
        ("get", f"{reverse('tracking:department_report')}?department={department}", None),
        ("get", reverse("goals:row", kwargs={"goal_id": goal}) + "?edit=1", None),
        ("post", reverse("goals:create"), {}),
        ("post", reverse("goals:edit", kwargs={"goal_id": goal}), {"version": "x"}),
        ("post", reverse("goals:measure_add", kwargs={"goal_id": goal}), {"target": "abc"}),
        ("post", reverse("execution:create"), {}),
        ("post", reverse("execution:edit", kwargs={"item_id": item}), {"version": "x"}),
        ("post", reverse("org:department_new"), {}),
        ("post", reverse("org:person_new"), {}),
        ("post", reverse("alerts:rule_new"), {}),
        ("post", reverse("password_change"), {}),
        ("post", reverse("budget:line_new"), {"planned": "abc", "shares": "x"}),
        ("post", reverse("budget:spend_import"), {}),
        ("get", f"{reverse('budget:channels')}?department={department}&period={period}", None),
        ("get", f"{reverse('budget:lines')}?department={department}&period={period}", None),
    ]


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_every_page_is_in_chinese(world, db, client, role):
    client.force_login(fresh(world["people"][role]))
    requests = [
        ("get", url_for(name, world["kwargs"]), None)
        for name, expected in sorted(MATRIX.items())
        if expected[role] == OK
    ] + extra_pages(world["kwargs"])
    problems = []
    for method, url, data in requests:
        if method == "htmx":
            response = client.get(url, headers={"HX-Request": "true"})
        else:
            response = getattr(client, method)(url, data) if data is not None else client.get(url)
        if response.status_code in (301, 302, 303):
            continue
        assert response.status_code in (200, 422, 400), f"{method.upper()} {url}: {response.status_code}"
        problems += [f"{method.upper()} {url}: {text}" for text in english_sentences(response)]
    assert not problems, "English text on Chinese pages:\n" + "\n".join(sorted(set(problems)))


def test_the_detector_finds_english_and_spares_allowed_words():
    class Response:
        def __init__(self, body):
            self.content = body.encode()

        def get(self, _name, default=""):
            return "text/html"

    page = (
        "<p>目标 OKR KPI RACI</p><select><option>- Select an option -</option></select>"
        "<script>var a = 'not visible text here';</script><input placeholder='Search by name'>"
    )
    assert english_sentences(Response(page)) == ["Select an option", "Search by name"]
    assert english_sentences(Response("<p>新品A 小红书 P0 Excel API KPI</p>")) == []
