"""The goal API's router and what its modules share: path parameters, loading what endpoints
return, and turning `*_id` references into records through the access helpers.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Path, Router

from lodestar.core.errors import NotFound
from lodestar.core.references_by_id import on_field
from lodestar.core.schemas import MAX_ID
from lodestar.goals import selectors
from lodestar.goals.access import access_goal
from lodestar.goals.models import ConsensusParticipant, ConsensusRecord, Goal, GoalType, Measure
from lodestar.org.permissions import access_department, access_period, access_person

router = Router(tags=["goals"])


GoalId = Path(..., le=MAX_ID, description="The goal's id")


MeasureId = Path(..., le=MAX_ID, description="The measure's id")


RecordId = Path(..., le=MAX_ID, description="The consensus record's id")


AdjustmentId = Path(..., le=MAX_ID, description="The adjustment request's id")


TemplateId = Path(..., le=MAX_ID, description="The template's id")


# Fields a PATCH may not set to null (the model has no empty value for them).
NOT_NULL_GOAL_FIELDS = ("kind", "name", "department_id", "period_id", "visibility", "sort_order")


BLANK_GOAL_FIELDS = ("description", "notes", "context")


NOT_NULL_MEASURE_FIELDS = ("name", "unit", "direction", "target", "accumulates")


# --- loading what the endpoints return -----------------------------------------------------


def goals_out(user, ids: list[int]) -> list[Goal]:
    """Goals with what GoalOut shows (measures, collaborating departments), in the order of `ids`."""
    by_pk = {
        goal.pk: goal for goal in selectors.goal_list(user, related=selectors.API_RELATED).filter(pk__in=ids)
    }
    missing = [pk for pk in ids if pk not in by_pk]
    if missing:  # written by the caller but outside what they may list (defensive)
        by_pk.update({pk: selectors.goal_detail(pk) for pk in missing})
    return [by_pk[pk] for pk in ids]


def goal_out(user, goal_id: int) -> Goal:
    """One goal as `GET /goals/{id}` answers it (public: the trash answers a restore with it)."""
    return goals_out(user, [goal_id])[0]


def measure_out(measure_id: int) -> Measure:
    return Measure.objects.get(pk=measure_id)


def consensus_records():
    return ConsensusRecord.objects.prefetch_related(
        "goals",
        Prefetch("participants", queryset=ConsensusParticipant.objects.select_related("person")),
    )


# --- references by id ----------------------------------------------------------------------


def goal_type_of(goal_type_id: int) -> GoalType:
    goal_type = GoalType.objects.filter(pk=goal_type_id).first()
    if goal_type is None:
        raise NotFound(_("Goal type not found."), field="goal_type_id")
    return goal_type


def goal_references(user, data: dict) -> dict:
    """Replace the `*_id` fields of a goal payload by the records, fetched through the access helpers."""
    fetch = {
        "owner_id": ("owner", lambda pk: access_person(user, pk)),
        "department_id": ("department", lambda pk: access_department(user, pk)),
        "period_id": ("period", lambda pk: access_period(user, pk)),
        "parent_id": ("parent", lambda pk: access_parent(user, pk)),
        "goal_type_id": ("goal_type", goal_type_of),
    }
    for key, (name, get) in fetch.items():
        if key in data:
            pk = data.pop(key)
            data[name] = on_field(key, get, pk) if pk is not None else None
    if "collaborating_department_ids" in data:
        ids = data.pop("collaborating_department_ids") or []  # null clears the list
        data["collaborating_departments"] = [
            on_field("collaborating_department_ids", access_department, user, pk) for pk in dict.fromkeys(ids)
        ]
    return data


def access_parent(user, parent_id: int) -> Goal:
    return on_field("parent_id", access_goal, user, parent_id)
