"""Shared by the goal services: parsing numbers, the actor, open periods."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Literal, overload

from django.db import models
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.models import Period
from lodestar.core.services import Actor
from lodestar.goals.closing_rules import check_period_open
from lodestar.goals.models import Measure, MeasureUnit
from lodestar.org.models import Department, Person
from lodestar.org.permissions import require_person

# A number as it arrives: parsed (Decimal, int) or typed into a form ("1,200.5").
type Number = Decimal | int | str

MAX_AMOUNT = Decimal("1e13")
NON_NEGATIVE_UNITS = {MeasureUnit.COUNT, MeasureUnit.PEOPLE, MeasureUnit.YUAN, MeasureUnit.WAN_YUAN}


def actor_person(actor: Actor) -> Person:
    person = require_person(actor)
    if person is None:
        raise PermissionDeniedError(_("Your account is not linked to a person in the organisation."))
    return person


def check_open_period(period: Period, field: str = "period_id", department: Department | None = None) -> None:
    """The freeze rule (goals/closing_rules.py): 422 `period_closed` for a write into a closed period."""
    check_period_open(period, department=department, field=field)


@overload
def to_decimal(
    value: Number | float | None, field: str, *, required: Literal[True], places: int | None = None
) -> Decimal: ...
@overload
def to_decimal(
    value: Number | float | None, field: str, *, required: bool = False, places: int | None = None
) -> Decimal | None: ...
def to_decimal(
    value: Number | float | None, field: str, *, required: bool = False, places: int | None = None
) -> Decimal | None:
    """Parse a user-entered number (str/int/Decimal), with a clear message on the field.

    With `places`, a number with more decimal places than the column keeps is refused instead of
    being rounded silently when it is saved (1.23456 for a 4-place amount)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ApplicationError(_("Enter a number."), field=field, code="required")
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ApplicationError(_("“%(value)s” is not a number.") % {"value": value}, field=field) from exc
    if not number.is_finite() or abs(number) >= MAX_AMOUNT:
        raise ApplicationError(_("The number is too large."), field=field)
    if places is not None and number != number.quantize(Decimal(1).scaleb(-places)):
        raise ApplicationError(
            _("Enter a number with at most %(places)s decimal places.") % {"places": places},
            code="too_many_decimals",
            field=field,
        )
    return number


def measure_places(field: str) -> int:
    """Decimal places a measure's column keeps (amounts 4, weight 2)."""
    column = Measure._meta.get_field(field)
    assert isinstance(column, models.DecimalField)
    return column.decimal_places
