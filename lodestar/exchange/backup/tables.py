"""Which tables a backup holds, in which order, and how restore treats each.

- Runtime state is left out: sessions (tied to the install's SECRET_KEY, and a restored session
  would log a browser in as whoever has that user id in the archive), the task queue (pending runs
  refer to the old install's rows; `schedule_tasks` queues the recurring jobs again) and django-axes'
  lockouts and access logs.
- Content types and permissions are created by `migrate` with ids of their own: they are written by
  natural key and remapped on restore (`REMAPPED`).
- A few tables are filled by data migrations (goal types, deviation categories, default alert rules,
  channels, budget categories) or lazily on first request (the company settings row): a freshly
  migrated install already has rows there, which restore replaces with the archive's (`SEEDED`).
  `test_backup.py` checks this list against a freshly migrated database.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

SKIPPED_APPS = frozenset({"sessions", "django_tasks_database", "axes"})
REMAPPED = ("contenttypes.contenttype", "auth.permission")
SEEDED = frozenset(
    {
        "core.companysettings",
        "goals.goaltype",
        "tracking.deviationcategory",
        "alerts.alertrule",
        "metrics.channel",
        "budget.budgetcategory",
    }
)


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def runtime_models() -> list[type[models.Model]]:
    """The tables left out of a backup (emptied by a forced restore: they refer to the old rows)."""
    return [m for m in _stored_models() if m._meta.app_label in SKIPPED_APPS]


def backed_up_models() -> list[type[models.Model]]:
    """Every stored table but the runtime ones, parents before children (content types and
    permissions first); a cycle (a department's manager is a person of a department) is broken in
    label order, which is harmless: foreign keys are checked at commit."""
    chosen = [m for m in _stored_models() if m._meta.app_label not in SKIPPED_APPS]
    members = set(chosen)
    ordered: list[type[models.Model]] = []
    state: dict[type[models.Model], str] = {}

    def visit(model: type[models.Model]) -> None:
        if state.get(model):
            return
        state[model] = "visiting"
        for field in model._meta.local_concrete_fields:
            target = field.related_model if field.is_relation else None
            if target is not None and target is not model and target in members:
                visit(target)
        state[model] = "done"
        ordered.append(model)

    for model in sorted(chosen, key=_visit_order):
        visit(model)
    return ordered


def _visit_order(model: type[models.Model]) -> tuple[int, str]:
    name = label(model)
    return (0, str(REMAPPED.index(name))) if name in REMAPPED else (1, name)


def _stored_models() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]
