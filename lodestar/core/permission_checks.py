"""The permission questions templates may ask (`{% may "goals.create" as can_create %}`).

Core imports no app: each app registers its own rules (the functions its views and services use,
from its `access.py` or `org.permissions`) in its `AppConfig.ready()`, so a template shows a control
through the very function that guards the view behind it — never a rule re-implemented in a template.
"""

from __future__ import annotations

from collections.abc import Callable

_CHECKS: dict[str, Callable[..., bool]] = {}


def register(name: str, check: Callable[..., bool]) -> None:
    """Register `check(user, *objects) -> bool` under `name` ("<app>.<action>")."""
    _CHECKS[name] = check


def allowed(name: str, user, *objects) -> bool:
    """Ask a registered check; an unknown name is a programming error (KeyError), never a silent False."""
    return bool(_CHECKS[name](user, *objects))


def registered() -> list[str]:
    return sorted(_CHECKS)
