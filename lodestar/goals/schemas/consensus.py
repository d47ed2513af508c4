"""API schemas for consensus rounds, participants and decisions."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from lodestar.core.schemas import InputSchema
from lodestar.goals.models import ConsensusParticipant
from lodestar.goals.schemas.common import IdItem, id_field

# --- consensus ---------------------------------------------------------------------------


class ParticipantOut(Schema):
    person_id: int
    display_name: str
    role_note: str
    required: bool
    decision: str = Field(..., description="pending, agreed or objected")
    comment: str
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_display_name(obj):
        return obj.person.display_name


class ConsensusOut(Schema):
    id: int
    state: str = Field(..., description="open, agreed or withdrawn")
    minutes: str
    goal_ids: list[int]
    started_by_id: int
    participants: list[ParticipantOut]
    created_at: dt.datetime
    completed_at: dt.datetime | None

    @staticmethod
    def resolve_goal_ids(obj):
        return sorted(goal.pk for goal in obj.goals.all())

    @staticmethod
    def resolve_participants(obj):
        return list(obj.participants.all())


class ParticipantIn(InputSchema):
    person_id: int = id_field()
    required: bool = True
    role_note: str = Field("", max_length=60)


class ConsensusIn(InputSchema):
    minutes: str = Field("", max_length=20000, description="The consensus minutes (目标共识纪要)")
    participants: list[ParticipantIn] | None = Field(
        None,
        max_length=50,
        description="Defaults to the owner, the department's manager and the collaborating departments' "
        "managers",
    )
    goal_ids: list[IdItem] = Field([], max_length=50, description="Further goals agreed in the same meeting")
    include_children: bool = Field(
        False,
        description="Also put the goal's draft sub-goals (its decomposition's parts) into this one round; the "
        "goal itself joins only while it is a draft. Default participants then cover every goal.",
    )


class DecisionIn(InputSchema):
    decision: ConsensusParticipant.Decision = Field(..., description="agreed or objected")
    comment: str = Field("", max_length=4000, description="Required with an objection")
