"""Browser journeys: Playwright (Python) driving Debian's Chromium against pytest-django's live server.

`playwright install` cannot download browsers here, so we launch /usr/bin/chromium ourselves.
A failing journey leaves a full-page screenshot in e2e/artifacts/; a journey split into named
steps (`with step("goal signed off"):`) names the screenshot after the step that failed. With
E2E_STEP_SHOTS=<folder> every step leaves a screenshot there, to look at the pages.
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path

import pytest
from django.core.management import call_command

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Debian's chromium is not installed: run `make e2e`, which installs it.")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


# The data migrations that write the rows every install starts with (each function is idempotent).
DEFAULT_ROWS = (
    ("lodestar.goals.migrations.0002_goal_types", "create_goal_types"),
    ("lodestar.tracking.migrations.0002_deviation_categories", "create"),
    ("lodestar.metrics.migrations.0002_default_channels", "add_channels"),
    ("lodestar.budget.migrations.0002_default_categories", "add_categories"),
    ("lodestar.alerts.migrations.0003_retrospective_overdue_condition", "add_default_rule"),
    ("lodestar.alerts.migrations.0005_default_data_discrepancy_rule", "add_default_rule"),
)


@pytest.fixture(autouse=True)
def fresh_install_rows(transactional_db):
    """Every journey starts from what a fresh install has, before the demo is seeded on it.

    A journey is a transactional test (the live server reads what it writes), and after each one the
    tables are flushed, which also removes the rows the data migrations wrote: goal types, deviation
    categories, channels, budget categories and the default alert rules (复盘逾期未完成,
    上报数据与来源数据不一致). Their migrations' own functions put them back.
    """
    from django.apps import apps

    for module, function in DEFAULT_ROWS:
        getattr(import_module(module), function)(apps, None)


@pytest.fixture
def demo_org(transactional_db):
    call_command("seed_demo", verbosity=0)


@contextmanager
def browser_page(browser, live_server, request):
    """A page of a fresh browser context on the live server; a failed test leaves its screenshot."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    try:
        yield page
    finally:
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        context.close()


@pytest.fixture
def page(browser, live_server, demo_org, request):
    with browser_page(browser, live_server, request) as page:
        yield page


def _slug(text: str) -> str:
    return re.sub(r"[^\w-]+", "-", text, flags=re.UNICODE).strip("-").lower()


@pytest.fixture
def step(page, request):
    """`with step("plan the items"):` — a named step; a failure inside it saves
    e2e/artifacts/<test>--<n>-<step>.png before the error propagates."""
    counter = {"n": 0}
    every = os.environ.get("E2E_STEP_SHOTS")

    @contextmanager
    def run(name: str):
        counter["n"] += 1
        filename = f"{request.node.name}--{counter['n']:02d}-{_slug(name)}.png"
        try:
            yield
        except BaseException:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / filename), full_page=True)
            raise
        if every:
            Path(every).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(every) / filename), full_page=True)

    return run


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


def login(page, username: str, password: str = "lodestar-demo") -> None:
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")


def logout(page) -> None:
    page.context.clear_cookies()
    page.goto(page.base_url + "/accounts/login/")
