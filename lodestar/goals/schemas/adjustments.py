"""API schemas for target adjustments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from lodestar.core.numbers import amount_str
from lodestar.core.schemas import InputSchema
from lodestar.goals.models import TargetAdjustment
from lodestar.goals.schemas.common import id_field, optional_id

# --- adjustments -------------------------------------------------------------------------


class AdjustmentOut(Schema):
    id: int
    goal_id: int
    measure_id: int
    old_target: str
    new_target: str
    reason: str
    trigger: str
    approved_by_id: int = Field(..., description="The approver the request was sent to")
    created_by_id: int = Field(..., description="The requester")
    created_at: dt.datetime
    status: TargetAdjustment.Status = Field(
        ...,
        description="pending until an approver approves (the target changes then) or rejects it, or the "
        "requester withdraws it; an admin's direct change is approved at once",
    )
    decided_by_id: int | None = Field(None, description="Who approved, rejected or withdrew it")
    decided_at: dt.datetime | None = None
    decision_comment: str = Field("", description="The approver's comment; a rejection's reason")
    applied_directly: bool = Field(False, description="Applied by an admin without a request")

    @staticmethod
    def resolve_old_target(obj):
        return amount_str(obj.old_target)

    @staticmethod
    def resolve_new_target(obj):
        return amount_str(obj.new_target)


class AdjustmentPage(Schema):
    items: list[AdjustmentOut]
    count: int
    page: int
    page_size: int


class AdjustmentIn(InputSchema):
    measure_id: int = id_field()
    new_target: Decimal
    reason: str = Field(..., max_length=4000)
    trigger: str = Field("", max_length=200, examples=["竞品降价超过15%"])
    approved_by_id: int | None = optional_id(
        description="Who is asked to approve: an admin or a manager of the goal's department or above, not "
        "the caller. Defaults to the nearest such manager (an admin when there is none)."
    )
    apply_directly: bool | None = Field(
        None,
        description="Admins only: change the target at once, recorded as applied directly. Defaults to true "
        "for an admin who names no other approver; true from anyone else is refused (403).",
    )


class AdjustmentDecisionIn(InputSchema):
    comment: str = Field("", max_length=4000, description="Optional when approving; required to reject")
