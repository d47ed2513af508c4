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
    goal_id: int | None = optional_id(
        description="An existing part's sub-goal (re-splitting keeps it, with its check-ins and items); "
        "omit for a new part"
    )
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
    reason: str = Field(
        "",
        max_length=300,
        description="Why an existing split is revised (required when active parts' targets change)",
    )


class DecomposeOut(Schema):
    children: list[GoalOut]
