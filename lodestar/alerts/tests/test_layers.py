"""The alerts app sits above tracking: tracking announces check-ins and never imports alerts, and
the cycles notifications ↔ tracking and execution ↔ tracking stay broken."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lodestar.alerts import receivers
from lodestar.tracking.signals import checkin_recorded

ROOT = Path(__file__).resolve().parents[2]


def _imports(app: str) -> set[str]:
    """Every `lodestar.*` module imported by the app's code (tests and migrations excluded)."""
    found = set()
    for path in (ROOT / app).rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("lodestar.")}


@pytest.mark.parametrize(
    ("app", "above"),
    [
        ("tracking", "lodestar.alerts"),
        ("notifications", "lodestar.tracking"),
        ("execution", "lodestar.tracking"),
    ],
)
def test_a_lower_app_does_not_import_a_higher_one(app, above):
    assert not {name for name in _imports(app) if name == above or name.startswith(above + ".")}


def test_alerts_listen_to_recorded_checkins():
    assert receivers.evaluate_on_checkin in [entry[1]() for entry in checkin_recorded.receivers]
