"""The one check of a percentage an appraisal setting is given in (reviewer weights, grade thresholds, the
calibration guideline, the composite's weights): DOMAIN.md "Appraisal scoring" writes them all as percents."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError


def clean_percent(value: Any, field: str) -> Decimal:
    """`value` (a number, a decimal string or a Decimal) as a Decimal percentage from 0 to 100 inclusive.

    Anything that is not a number is refused with "Enter a number."; a number outside 0–100 (or not
    finite: NaN, Infinity) with "Enter a percentage from 0 to 100."; either as an `ApplicationError`
    (422 `invalid`) naming `field`.
    """
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(_("Enter a number."), field=field) from exc
    if not number.is_finite() or number < 0 or number > 100:
        raise ApplicationError(_("Enter a percentage from 0 to 100."), field=field)
    return number
