"""`clean_percent`: the one check of the percentages of an appraisal's settings (cycles and composites)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from lodestar.appraisal.services import composites, cycles
from lodestar.appraisal.services._percent import clean_percent
from lodestar.core.errors import ApplicationError


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, Decimal(0)), ("100", Decimal(100)), ("12.5", Decimal("12.5")), (Decimal("99.99"), Decimal("99.99"))],
)
def test_a_percentage_from_0_to_100_comes_back_as_a_decimal(value, expected):
    number = clean_percent(value, "weights.month")
    assert isinstance(number, Decimal) and number == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "Enter a number."),
        (None, "Enter a number."),
        ("-0.01", "Enter a percentage from 0 to 100."),
        ("100.01", "Enter a percentage from 0 to 100."),
        ("NaN", "Enter a percentage from 0 to 100."),
        ("Infinity", "Enter a percentage from 0 to 100."),
    ],
)
def test_anything_else_is_refused_naming_the_field(value, message):
    with translation.override("en"), pytest.raises(ApplicationError) as exc:
        clean_percent(value, "guideline_s_max")
    assert (exc.value.message, exc.value.field, exc.value.code, exc.value.status) == (
        message,
        "guideline_s_max",
        "invalid",
        422,
    )


def test_cycles_and_composites_name_their_own_fields():
    with pytest.raises(ApplicationError) as exc:
        cycles.clean_reviewer_weights({"manager": "120", "peer": "0", "self": "0"})
    assert exc.value.field == "reviewer_weights.manager"
    with pytest.raises(ApplicationError) as exc:
        cycles.clean_grade_table({"S": "x", "A": "85", "B": "70"}, None)
    assert exc.value.field == "grade_thresholds.S"
    with pytest.raises(ApplicationError) as exc:
        composites.clean_weights({"month": "30", "quarter": "-1", "year": "30"})
    assert exc.value.field == "weights.quarter"
