"""The lists every install starts with (written by data migrations), put back before the demo uses them.

A database emptied by a flush (the browser journeys' transactional tests) keeps its schema but loses the
rows the data migrations wrote; the demo re-runs those migrations' own functions (idempotent
get_or_create) so that the channels and budget categories exist, from the one list each migration holds.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps


def ensure_default_lists() -> None:
    import_module("lodestar.metrics.migrations.0002_default_channels").add_channels(apps, None)
    import_module("lodestar.budget.migrations.0002_default_categories").add_categories(apps, None)
