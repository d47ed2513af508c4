"""API schemas for action items, RACI, dependencies, comments, requests, phases and history.

Names follow API.md's `/items` resource. Quantities and money go out as decimal strings
(`amount_str`), the completion rate as a fraction with four places (`rate_str`). RACI lists are
read from the item's prefetched `raci` rows (never a query per item).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from ninja import Field, Schema

from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.schemas import MAX_ID, FilterSchema, InputSchema
from lodestar.execution import domain
from lodestar.execution.models import ItemStatus, Priority, RequestState

ORDERING_FIELDS = "due|start|priority|updated_at|created_at|id|position"

IdItem = Annotated[int, Field(ge=1, le=MAX_ID)]


def id_field(**kwargs):
    return Field(..., ge=1, le=MAX_ID, **kwargs)


def optional_id(default=None, **kwargs):
    return Field(default, ge=1, le=MAX_ID, **kwargs)


def _ids(obj, role: str, attr: str) -> list[int]:
    """Ids of the people (attr `person_id`) or departments (`department_id`) holding `role`."""
    return [getattr(row, attr) for row in obj.raci.all() if row.role == role and getattr(row, attr)]


# --- items ---------------------------------------------------------------------------------


class ItemOut(Schema):
    id: int
    goal_id: int | None
    measure_id: int | None = Field(None, description="The goal's measure the actual quantity counts toward")
    department_id: int
    title: str
    description: str = Field(..., description="How (markdown)")
    responsible_ids: list[int] = Field([], description="The Rs (people)")
    accountable_id: int | None = Field(None, description="The A (exactly one person)")
    consulted_ids: list[int] = Field([], description="The Cs that are people")
    consulted_department_ids: list[int] = Field([], description="The Cs that are whole departments")
    informed_ids: list[int] = Field([], description="The Is that are people")
    informed_department_ids: list[int] = Field([], description="The Is that are whole departments")
    start: dt.date | None
    due: dt.date | None
    is_milestone: bool
    done_standard: str = Field(..., description="Standard of done (验收标准)")
    deliverable: str
    people_needed: str
    materials: str
    priority: str = Field(..., description="P0, P1 or P2")
    status: str = Field(..., description="todo, doing, blocked, done or cancelled")
    planned_quantity: str | None = Field(None, description="Decimal string")
    actual_quantity: str | None = Field(None, description="Decimal string")
    unit: str
    budget: str | None = Field(None, description="Budget in yuan, decimal string")
    predecessor_ids: list[int] = Field([], description="Finish-to-start predecessors")
    phase_id: int | None
    phase: str | None = Field(None, description="The phase's name")
    requested_department_id: int | None = Field(
        None, description="The department this item is asked of (cross-department request)"
    )
    request_state: str = Field(..., description='"" (not a request), pending, accepted or declined')
    position: float = Field(..., description="Order inside its kanban column")
    done_override_reason: str = Field(..., description="Why it was marked done with a predecessor open")
    completed_at: dt.datetime | None
    created_by_id: int | None
    version: int
    completion_rate: str | None = Field(
        None, description='Read-only: actual / planned quantity, 4 places ("0.7143")'
    )
    is_overdue: bool = Field(..., description="Read-only: open and past its due date")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_responsible_ids(obj):
        return _ids(obj, "R", "person_id")

    @staticmethod
    def resolve_consulted_ids(obj):
        return _ids(obj, "C", "person_id")

    @staticmethod
    def resolve_consulted_department_ids(obj):
        return _ids(obj, "C", "department_id")

    @staticmethod
    def resolve_informed_ids(obj):
        return _ids(obj, "I", "person_id")

    @staticmethod
    def resolve_informed_department_ids(obj):
        return _ids(obj, "I", "department_id")

    @staticmethod
    def resolve_predecessor_ids(obj):
        return sorted(link.predecessor_id for link in obj.predecessor_links.all())

    @staticmethod
    def resolve_phase(obj):
        return obj.phase.name if obj.phase_id else None

    @staticmethod
    def resolve_planned_quantity(obj):
        return amount_str(obj.planned_quantity)

    @staticmethod
    def resolve_actual_quantity(obj):
        return amount_str(obj.actual_quantity)

    @staticmethod
    def resolve_budget(obj):
        return amount_str(obj.budget)

    @staticmethod
    def resolve_completion_rate(obj):
        return rate_str(domain.completion_rate(obj.planned_quantity, obj.actual_quantity))

    @staticmethod
    def resolve_is_overdue(obj):
        return domain.is_overdue(obj.due, obj.status, timezone.localdate())


class ItemPage(Schema):
    items: list[ItemOut]
    count: int
    page: int
    page_size: int


class ItemsOut(Schema):
    items: list[ItemOut]


class ItemFilterIn(FilterSchema):
    department_id: int | None = optional_id(description="This department and its sub-departments")
    goal_id: int | None = optional_id()
    phase_id: int | None = optional_id()
    status: list[ItemStatus] | None = Field(None, description="One or more statuses (repeat the parameter)")
    priority: Priority | None = None
    responsible_id: int | None = optional_id(description="Items where this person is an R")
    accountable_id: int | None = optional_id()
    due_before: dt.date | None = Field(None, description="Due on or before")
    due_after: dt.date | None = Field(None, description="Due on or after")
    is_milestone: bool | None = None
    request_state: RequestState | None = None
    q: str | None = Field(None, max_length=100, description="Search the title and description")
    ordering: str | None = Field(
        None,
        pattern=rf"^-?({ORDERING_FIELDS})(,-?({ORDERING_FIELDS}))*$",
        description="Sort fields, `-` for descending, e.g. `-updated_at`; by default phase, start, due",
    )
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


class RaciFields(InputSchema):
    responsible_ids: list[IdItem] = Field([], max_length=50, description="The Rs (at least one)")
    accountable_id: int | None = optional_id(description="The A (exactly one person)")
    consulted_ids: list[IdItem] = Field([], max_length=100)
    consulted_department_ids: list[IdItem] = Field([], max_length=100)
    informed_ids: list[IdItem] = Field([], max_length=100)
    informed_department_ids: list[IdItem] = Field([], max_length=100)


class ItemIn(RaciFields):
    title: str = Field(..., max_length=200, examples=["小红书种草笔记发布"])
    department_id: int | None = optional_id(
        description="The plan the item belongs to; defaults to the goal's department, else the caller's"
    )
    goal_id: int | None = optional_id()
    measure_id: int | None = optional_id(
        description="A measure of the goal the actual quantity counts toward"
    )
    phase_id: int | None = optional_id()
    description: str = Field("", max_length=20000)
    start: dt.date | None = None
    due: dt.date | None = None
    is_milestone: bool = False
    done_standard: str = Field("", max_length=300, examples=["点赞≥500, 评论≥100"])
    deliverable: str = Field("", max_length=300)
    people_needed: str = Field("", max_length=200)
    materials: str = Field("", max_length=300, examples=["素材库, KOL名单"])
    budget: Decimal | None = Field(None, description="Yuan")
    priority: Priority = Priority.P1
    status: ItemStatus = Field(ItemStatus.TODO, description="todo, doing or blocked")
    planned_quantity: Decimal | None = None
    actual_quantity: Decimal | None = None
    unit: str = Field("", max_length=20, examples=["篇"])
    predecessor_ids: list[IdItem] = Field([], max_length=50)
    requested_department_id: int | None = optional_id(
        description="Ask another department: its manager accepts and names the R"
    )
    responsible_ids: list[IdItem] = Field([], max_length=50, description="The Rs; defaults to the caller")
    accountable_id: int | None = optional_id(description="The A; defaults to the caller")


class ItemPatch(InputSchema):
    version: int = Field(..., ge=1)
    title: str | None = Field(None, max_length=200)
    goal_id: int | None = optional_id()
    measure_id: int | None = optional_id()
    phase_id: int | None = optional_id()
    description: str | None = Field(None, max_length=20000)
    start: dt.date | None = None
    due: dt.date | None = None
    is_milestone: bool | None = None
    done_standard: str | None = Field(None, max_length=300)
    deliverable: str | None = Field(None, max_length=300)
    people_needed: str | None = Field(None, max_length=200)
    materials: str | None = Field(None, max_length=300)
    budget: Decimal | None = None
    priority: Priority | None = None
    status: ItemStatus | None = None
    planned_quantity: Decimal | None = None
    actual_quantity: Decimal | None = Field(None, description="The Rs may report it")
    unit: str | None = Field(None, max_length=20)
    override_reason: str = Field(
        "", max_length=300, description="Required to mark the item done while a predecessor is open"
    )


class RaciIn(RaciFields):
    version: int = Field(..., ge=1)


class MoveIn(InputSchema):
    status: ItemStatus
    version: int = Field(..., ge=1)
    before_id: int | None = optional_id(description="Place above this item of the column; else at the end")
    override_reason: str = Field("", max_length=300)


class RescheduleIn(InputSchema):
    start: dt.date | None = None
    due: dt.date | None = None
    version: int = Field(..., ge=1)


class BulkIn(InputSchema):
    item_ids: list[IdItem] = Field(..., min_length=1, max_length=500)
    responsible_id: int | None = optional_id(description="The new single R of every item")
    due: dt.date | None = None
    status: ItemStatus | None = None


# --- dependencies --------------------------------------------------------------------------


class ItemRefOut(Schema):
    id: int
    title: str
    status: str
    start: dt.date | None
    due: dt.date | None
    department_id: int
    is_open: bool

    @staticmethod
    def resolve_is_open(obj):
        return obj.status in domain.OPEN_STATUSES


class DependenciesOut(Schema):
    item_id: int
    predecessors: list[ItemRefOut] = Field([], description="Items this one waits for (that the caller sees)")
    successors: list[ItemRefOut] = Field([], description="Items waiting for this one (that the caller sees)")


class DependencyIn(InputSchema):
    predecessor_id: int = id_field()


# --- comments ------------------------------------------------------------------------------


class CommentOut(Schema):
    id: int
    item_id: int
    author_id: int
    author_name: str
    body: str
    mention_ids: list[int] = Field([], description="People mentioned with @username or @显示名")
    created_at: dt.datetime

    @staticmethod
    def resolve_author_name(obj):
        return obj.author.display_name

    @staticmethod
    def resolve_mention_ids(obj):
        return sorted(person.pk for person in obj.mentions.all())


class CommentPage(Schema):
    items: list[CommentOut]
    count: int
    page: int
    page_size: int


class CommentIn(InputSchema):
    body: str = Field(..., max_length=4000, examples=["@林晓 素材已上传，请审核"])


# --- cross-department requests -------------------------------------------------------------


class RequestAnswerIn(InputSchema):
    accept: bool
    responsible_id: int | None = optional_id(description="Required to accept: who will do it")
    comment: str = Field("", max_length=4000, description="Kept as a comment when declining")


# --- phases --------------------------------------------------------------------------------


class PhaseOut(Schema):
    id: int
    department_id: int
    goal_id: int | None
    name: str
    start: dt.date | None
    end: dt.date | None
    sort_order: int
    version: int = Field(..., description="Send it back to PATCH the phase (a stale one gets 409)")


class PhasePage(Schema):
    items: list[PhaseOut]
    count: int
    page: int
    page_size: int


class PhaseFilterIn(FilterSchema):
    department_id: int | None = optional_id()
    goal_id: int | None = optional_id()
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(100, ge=1, le=500)


class PhaseIn(InputSchema):
    department_id: int = id_field()
    goal_id: int | None = optional_id()
    name: str = Field(..., max_length=60, examples=["预热期"])
    start: dt.date | None = None
    end: dt.date | None = None


class PhasePatch(InputSchema):
    version: int = Field(..., ge=1)
    name: str | None = Field(None, max_length=60, examples=["爆发期"])
    start: dt.date | None = None
    end: dt.date | None = None


class PhaseMoveIn(InputSchema):
    position: int = Field(..., ge=0, le=1000, description="0 = first among the plan's phases")


class PhasesOut(Schema):
    items: list[PhaseOut]


# --- history -------------------------------------------------------------------------------


class ChangeOut(Schema):
    field: str
    old: str | None
    new: str | None


class HistoryOut(Schema):
    id: int
    when: dt.datetime
    who_id: int | None = Field(None, description="The person who made the change")
    who: str | None = Field(None, description="Their display name")
    change_type: str = Field(..., description="created, changed or deleted")
    changed_fields: list[str]
    changes: list[ChangeOut]


class HistoryPage(Schema):
    items: list[HistoryOut]
    count: int
    page: int
    page_size: int
