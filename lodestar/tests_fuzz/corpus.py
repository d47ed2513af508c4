"""The bad-input corpus of the fuzz suites: the values (text, numbers, dates) sent to every field,
the demo records the valid baselines refer to, one pytest param per (target, field, value), and
checks that a value was stored as sent or that nothing changed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pytest
from django import forms
from django.apps import apps

from lodestar.alerts.models import AlertRule
from lodestar.core.models import Period
from lodestar.execution.models import ActionItem
from lodestar.goals.models import Goal, Measure
from lodestar.org.models import Department, Person
from lodestar.tracking.models import CheckIn

MIXED = "中文 English 😀 עברית العربية 👩‍💻 ﷺ"


TEXT = {
    "over_long": "长" * 6000 + "x" * 6000,
    "nul_byte": "周报\x00草稿",
    "emoji_mixed_scripts": MIXED,
}


NUMBER = {
    "float_1e30": 1e30,
    "minus_one": -1,
    "zero": 0,
    "int_10_pow_30": 10**30,
    "nan": "NaN",
    "infinity": "Infinity",
}


DATE = {"feb_30": "2026-02-30", "yesterday": "yesterday", "empty": ""}


VALUES = {"text": TEXT, "number": NUMBER, "date": DATE}


# Values that no field may ever store: they are not what the user meant (NUL is also refused by
# PostgreSQL, so storing it on SQLite would only hide the bug).
ALWAYS_REJECTED = {"nul_byte", "nan", "infinity", "feb_30", "yesterday"}


@dataclass
class Demo:
    """Ids in the seeded demo organisation that the valid baseline payloads refer to."""

    admin: Person
    department: Department
    period: Period
    goal: Goal
    top_goal: Goal  # without a parent: its edit form needs no parent choice
    measure: Measure
    item: ActionItem
    checkin: CheckIn
    rule: AlertRule
    quarter: Period

    def reload(self) -> Demo:
        """Fresh versions after the baseline call changed a record."""
        for record in vars(self).values():
            record.refresh_from_db()
        return self


def cases(targets: list) -> list:
    """One pytest param per (target, field, value), named e.g. `goal-create-name-nul_byte`."""
    params = []
    for target in targets:
        for field, kind in target.fields.items():
            for label, value in VALUES[kind].items():
                params.append(pytest.param(target, field, label, value, id=f"{target.name}-{field}-{label}"))
    return params


def same_value(stored, sent) -> bool:
    """Stored exactly as sent: text character for character, numbers by value."""
    if isinstance(sent, str) and not isinstance(stored, Decimal | int | float):
        return str(stored if stored is not None else "") == sent
    try:
        return Decimal(str(stored)) == Decimal(str(sent))
    except (InvalidOperation, TypeError):
        return False


def count(model: str) -> int:
    return apps.get_model(model)._base_manager.count()


def snapshot(model: str) -> list:
    """Every row of the model, to show that a refused request changed nothing."""
    return list(apps.get_model(model)._base_manager.order_by("pk").values())


def form_errors(response) -> dict:
    """The errors of the bound forms the page rendered."""
    errors: dict = {}
    contexts = response.context if isinstance(response.context, list) else [response.context]
    for context in contexts:
        for value in context.flatten().values() if context is not None else []:
            value = getattr(value, "form", value)  # a weekly report row carries its form
            if isinstance(value, forms.BaseForm) and value.is_bound:
                errors.update(value.errors)
    return errors


def form_ok(response) -> bool:
    return response.status_code == 302 or (response.status_code == 200 and not form_errors(response))


def remove(record) -> None:
    if record is None:
        return
    type(record)._base_manager.filter(pk=record.pk).delete()
    if isinstance(record, Person):
        type(record.user).objects.filter(pk=record.user_id).delete()
