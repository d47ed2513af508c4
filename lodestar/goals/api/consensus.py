"""API: consensus — the latest round, start, sign off or object, withdraw."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Status

from lodestar.core.errors import NotFound
from lodestar.core.references_by_id import on_field
from lodestar.core.schemas import READ_ERRORS, WRITE_ERRORS
from lodestar.goals.access import access_consensus_record, access_goal
from lodestar.goals.api.common import GoalId, RecordId, consensus_records, router
from lodestar.goals.schemas import ConsensusIn, ConsensusOut, DecisionIn
from lodestar.goals.services import consensus
from lodestar.org.permissions import access_person, require_person

# --- consensus -----------------------------------------------------------------------------


@router.get(
    "/goals/{goal_id}/consensus",
    response={200: ConsensusOut, **READ_ERRORS},
    summary="The goal's latest consensus record",
)
def consensus_detail(request, goal_id: int = GoalId):
    goal = access_goal(request.user, goal_id)
    record = consensus_records().filter(goals=goal).order_by("-created_at", "-id").first()
    if record is None:
        raise NotFound(_("This goal has no consensus record yet."), field="goal_id")
    return record


@router.post(
    "/goals/{goal_id}/consensus",
    response={201: ConsensusOut, **WRITE_ERRORS},
    summary="Put a draft goal (and further goals, or its draft sub-goals) into one consensus round",
)
def consensus_start(request, payload: ConsensusIn, goal_id: int = GoalId):
    goal = access_goal(request.user, goal_id)
    goals = consensus.round_goals(goal) if payload.include_children else [goal]
    goals += [
        access_goal(request.user, pk)
        for pk in dict.fromkeys(payload.goal_ids)
        if pk not in {g.pk for g in goals}
    ]
    if payload.participants is None:
        participants = [
            {"person": person, "required": True, "role_note": ""}
            for person in consensus.default_participants_of(goals)
        ]
    else:
        participants = []
        for row in payload.participants:
            person = on_field("participants", access_person, request.user, row.person_id)
            participants.append({"person": person, "required": row.required, "role_note": row.role_note})
    record = consensus.consensus_start(
        actor=request.user, goals=goals, participants=participants, minutes=payload.minutes
    )
    return Status(201, consensus_records().get(pk=record.pk))


@router.post(
    "/consensus/{record_id}/decisions",
    response={200: ConsensusOut, **WRITE_ERRORS},
    summary="Agree or object (with a comment) as a participant",
)
def consensus_decide(request, payload: DecisionIn, record_id: int = RecordId):
    """When every required participant has agreed, the goals become active and their targets are
    kept as the original targets."""
    require_person(request.user)
    record = access_consensus_record(request.user, record_id, to_decide=True)
    consensus.consensus_decide(
        actor=request.user, record=record, decision=payload.decision, comment=payload.comment
    )
    return consensus_records().get(pk=record_id)


@router.post(
    "/consensus/{record_id}/withdraw",
    response={200: ConsensusOut, **WRITE_ERRORS},
    summary="Withdraw an open consensus: the goals return to draft",
)
def consensus_withdraw(request, record_id: int = RecordId):
    require_person(request.user)
    record = access_consensus_record(request.user, record_id)
    consensus.consensus_withdraw(actor=request.user, record=record)
    return consensus_records().get(pk=record_id)
