"""API schemas for a goal's measures (numbers as decimal strings, derived figures read-only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.schemas import InputSchema
from lodestar.goals.models import DirectionChoice, MeasureUnit

# --- measures ----------------------------------------------------------------------------


class MeasureOut(Schema):
    id: int
    goal_id: int
    name: str
    unit: str
    unit_label: str
    direction: str
    baseline: str | None = Field(None, description="Decimal string")
    target: str = Field(..., description="Base target (基准值), decimal string")
    challenge: str | None = Field(None, description="Challenge target (挑战值), decimal string")
    range_max: str | None = Field(None, description="Upper bound of a `range` measure")
    current: str | None = Field(None, description="Current value, decimal string")
    current_source: Literal["", "entered", "checkin", "checkin_items", "items", "parts"] = Field(
        "",
        description=(
            "Read-only: where `current` came from: typed on the goal (`entered`), the measure's latest"
            " check-in (`checkin`), that check-in plus item quantities reported after it"
            " (`checkin_items`), the opening value plus its items (`items`), or the sum of its parts"
        ),
    )
    current_source_checkin_id: int | None = Field(
        None, description="Read-only: the check-in behind `current`, when it comes from one"
    )
    accumulates: bool = Field(
        True,
        description="True for counts and amounts that add up over check-ins; false for levels (rates, averages)",
    )
    original_target: str | None = Field(None, description="Read-only: the target when the goal became active")
    source_id: int | None = Field(None, description="Read-only: the parent's measure this one is a part of")
    weight: str | None = Field(
        None,
        description='Percent of the goal\'s achievement with 2 places ("60.00"); null shares equally '
        "what the weighted measures leave",
    )
    sort_order: int
    version: int
    achievement_rate: str | None = Field(
        None, description='Read-only fraction with 4 places ("0.9600"), not capped'
    )
    progress: str | None = Field(None, description="Read-only fraction with 4 places")
    original_achievement_rate: str | None = Field(
        None, description="Read-only: achievement against the original target, for reports after adjustments"
    )

    @staticmethod
    def resolve_original_achievement_rate(obj):
        return rate_str(obj.original_achievement_rate)

    @staticmethod
    def resolve_baseline(obj):
        return amount_str(obj.baseline)

    @staticmethod
    def resolve_target(obj):
        return amount_str(obj.target)

    @staticmethod
    def resolve_challenge(obj):
        return amount_str(obj.challenge)

    @staticmethod
    def resolve_range_max(obj):
        return amount_str(obj.range_max)

    @staticmethod
    def resolve_current(obj):
        return amount_str(obj.current)

    @staticmethod
    def resolve_current_source_checkin_id(obj):
        return obj.current_source_ref if obj.current_source in ("checkin", "checkin_items") else None

    @staticmethod
    def resolve_original_target(obj):
        return amount_str(obj.original_target)

    @staticmethod
    def resolve_weight(obj):
        return amount_str(obj.weight)

    @staticmethod
    def resolve_achievement_rate(obj):
        return rate_str(obj.achievement_rate)

    @staticmethod
    def resolve_progress(obj):
        return rate_str(obj.progress)


class MeasurePage(Schema):
    items: list[MeasureOut]
    count: int
    page: int
    page_size: int


class MeasureIn(InputSchema):
    name: str = Field(..., max_length=100, examples=["销售额"])
    unit: MeasureUnit = MeasureUnit.COUNT
    unit_label: str = Field("", max_length=20, description="The unit's name when `unit` is `custom`")
    direction: DirectionChoice = DirectionChoice.HIGHER
    baseline: Decimal | None = Field(None, description="Start value; progress is measured from it")
    target: Decimal = Field(..., examples=["5000000"])
    challenge: Decimal | None = None
    range_max: Decimal | None = Field(None, description="Upper bound, required when `direction` is `range`")
    current: Decimal | None = None
    weight: Decimal | None = Field(
        None,
        description="Percent of the goal's achievement (0–100, 2 places); when set, the goal's measure "
        "weights add up to 100 (measures without one share the rest equally)",
    )
    accumulates: bool | None = Field(
        None,
        description="Whether check-ins add up (counts, amounts) or each reports the level (rates, averages); "
        "defaults to false for `percent`, true otherwise",
    )


class MeasurePatch(InputSchema):
    version: int = Field(..., ge=1)
    name: str | None = Field(None, max_length=100)
    unit: MeasureUnit | None = None
    unit_label: str | None = Field(None, max_length=20)
    direction: DirectionChoice | None = None
    baseline: Decimal | None = None
    target: Decimal | None = None
    challenge: Decimal | None = None
    range_max: Decimal | None = None
    current: Decimal | None = Field(None, description="Owners and managers may report it on an active goal")
    accumulates: bool | None = None
    weight: Decimal | None = Field(None, description="Percent of the goal's achievement (0–100)")
