"""What the goal schemas share: id fields and the ordering a goal list accepts (paging is core's PageIn)."""

from __future__ import annotations

from typing import Annotated

from ninja import Field

from lodestar.core.schemas import MAX_ID

ORDERING_FIELDS = "updated_at|created_at|name|progress|achievement_rate|sort_order|id"


def id_field(**kwargs):
    """A required reference: a positive id a database column can hold."""
    return Field(..., ge=1, le=MAX_ID, **kwargs)


def optional_id(default=None, **kwargs):
    return Field(default, ge=1, le=MAX_ID, **kwargs)


IdItem = Annotated[int, Field(ge=1, le=MAX_ID)]
