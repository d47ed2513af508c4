"""API schemas for decomposing a goal into sub-goals."""

from __future__ import annotations

from decimal import Decimal

from ninja import Field, Schema

from lodestar.core.schemas import InputSchema
from lodestar.goals.models import Decomposition
from lodestar.goals.schemas.common import optional_id
from lodestar.goals.schemas.goals import GoalOut

# --- decomposition -----------------------------------------------------------------------


class DecomposePartIn(InputSchema):
    label: str = Field("", max_length=100)
    share: Decimal | None = Field(None, description="Percent of the target (mode `percent`)")
    amount: Decimal | None = Field(None, description="Amount of the target (mode `amount`)")
    owner_id: int | None = optional_id()
    department_id: int | None = optional_id()
    period_id: int | None = optional_id()


class DecomposeIn(InputSchema):
    dimension: Decomposition.Dimension
    measure_id: int | None = optional_id(description="Defaults to the goal's first measure")
    mode: Decomposition.Mode = Decomposition.Mode.PERCENT
    parts: list[DecomposePartIn] = Field(..., max_length=60)


class DecomposeOut(Schema):
    children: list[GoalOut]
