"""API schemas for goals, measures, adjustments, consensus, decomposition, templates and copy.

Numbers go out as decimal strings (lodestar.core.numbers): amounts with at least two places,
rates and progress with exactly four. Derived figures are read-only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.utils.translation import gettext
from ninja import Field, Schema

from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.schemas import MAX_ID, FilterSchema, InputSchema
from lodestar.goals.models import (
    ConsensusParticipant,
    Decomposition,
    DirectionChoice,
    GoalKind,
    GoalStatus,
    HealthChoice,
    MeasureUnit,
    TargetAdjustment,
    Visibility,
)
from lodestar.goals.smart import check_goal

ORDERING_FIELDS = "updated_at|created_at|name|progress|achievement_rate|sort_order|id"


def id_field(**kwargs):
    """A required reference: a positive id a database column can hold."""
    return Field(..., ge=1, le=MAX_ID, **kwargs)


def optional_id(default=None, **kwargs):
    return Field(default, ge=1, le=MAX_ID, **kwargs)


IdItem = Annotated[int, Field(ge=1, le=MAX_ID)]


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


# --- goals -------------------------------------------------------------------------------


class SmartWarningOut(Schema):
    code: str
    message: str
    suggestion: str


class GoalOut(Schema):
    id: int
    kind: str
    name: str
    description: str
    goal_type_id: int | None
    goal_type: str | None = Field(None, description="The goal type's code, e.g. `sales`")
    owner_id: int | None
    department_id: int
    period_id: int
    parent_id: int | None
    weight: str | None = Field(None, description='Percent among its siblings with 2 places ("60.00")')
    status: str
    visibility: str
    version: int
    collaborating_department_ids: list[int] = []
    notes: str
    context: str
    sort_order: int
    depth: int
    achievement_rate: str | None = Field(
        None,
        description="Read-only fraction with 4 places: the weighted mean of the measures' (or children's) "
        "achievement, each capped at the roll-up cap (100% by default)",
    )
    achievement_rate_uncapped: str | None = Field(
        None, description="Read-only: the same weighted mean without the cap (e.g. 1.0050 beside 0.9800)"
    )
    progress: str | None = Field(None, description="Read-only fraction with 4 places")
    health: HealthChoice = Field(
        ...,
        description="Read-only: pace against the plan to date (on_track, at_risk, off_track, not_started) "
        "while the period runs; achieved or missed once it has ended or been closed",
    )
    smart_warnings: list[SmartWarningOut] = Field([], description="Read-only SMART check (warnings only)")
    child_count: int
    measures: list[MeasureOut] = []
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_goal_type(obj):
        return obj.goal_type.code if obj.goal_type_id else None

    @staticmethod
    def resolve_weight(obj):
        return amount_str(obj.weight)

    @staticmethod
    def resolve_collaborating_department_ids(obj):
        listed = getattr(obj, "collaborating", None)  # prefetched as a list by selectors.goal_list
        departments = listed if listed is not None else obj.collaborating_departments.all()
        return [department.pk for department in departments]

    @staticmethod
    def resolve_achievement_rate(obj):
        return rate_str(obj.achievement_rate)

    @staticmethod
    def resolve_achievement_rate_uncapped(obj):
        return rate_str(obj.achievement_rate_uncapped)

    @staticmethod
    def resolve_progress(obj):
        return rate_str(obj.progress)

    @staticmethod
    def resolve_measures(obj):
        return list(obj.measures.all())

    @staticmethod
    def resolve_smart_warnings(obj):
        # Only prefetched data: the measures, the period (select_related) and owner_id.
        warnings = check_goal(
            name=obj.name,
            description=obj.description,
            has_measures=bool(obj.measures.all()),
            has_owner=obj.owner_id is not None,
            period_start=obj.period.start,
            period_end=obj.period.end,
            gettext=gettext,
        )
        return [{"code": w.code, "message": w.message, "suggestion": w.suggestion} for w in warnings]


class GoalPage(Schema):
    items: list[GoalOut]
    count: int
    page: int
    page_size: int


class GoalsOut(Schema):
    goals: list[GoalOut]


class GoalFilterIn(FilterSchema):
    department_id: int | None = optional_id(description="This department and its sub-departments")
    period_id: int | None = optional_id()
    owner_id: int | None = optional_id()
    parent_id: int | None = optional_id()
    root: bool | None = Field(None, description="Only top-level goals (true) or only sub-goals (false)")
    kind: GoalKind | None = None
    status: GoalStatus | None = None
    health: HealthChoice | None = None
    visibility: Visibility | None = None
    goal_type_id: int | None = optional_id()
    q: str | None = Field(None, max_length=100, description="Search the name and description")
    ordering: str | None = Field(
        None,
        pattern=rf"^-?({ORDERING_FIELDS})(,-?({ORDERING_FIELDS}))*$",
        description="Sort fields, `-` for descending, e.g. `-updated_at`",
    )
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)


class GoalIn(InputSchema):
    kind: GoalKind = GoalKind.KPI
    name: str = Field(..., max_length=200)
    description: str = Field("", max_length=10000, description="The SMART description")
    goal_type_id: int | None = optional_id()
    owner_id: int | None = optional_id(description="Defaults to the caller")
    department_id: int = id_field()
    period_id: int = id_field()
    parent_id: int | None = optional_id(description="The goal this one aligns to")
    weight: Decimal | None = Field(None, description="Percent among its siblings")
    notes: str = Field("", max_length=10000)
    context: str = Field("", max_length=10000)
    visibility: Visibility = Visibility.PUBLIC
    sort_order: int = Field(0, ge=-100000, le=100000)
    collaborating_department_ids: list[IdItem] = Field([], max_length=100)
    measures: list[MeasureIn] = Field([], max_length=20)


class GoalPatch(InputSchema):
    version: int = Field(..., ge=1)
    kind: GoalKind | None = None
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=10000)
    goal_type_id: int | None = optional_id()
    owner_id: int | None = optional_id()
    department_id: int | None = optional_id()
    period_id: int | None = optional_id()
    parent_id: int | None = optional_id()
    weight: Decimal | None = None
    notes: str | None = Field(None, max_length=10000)
    context: str | None = Field(None, max_length=10000)
    visibility: Visibility | None = None
    sort_order: int | None = Field(None, ge=-100000, le=100000)
    collaborating_department_ids: list[IdItem] | None = Field(None, max_length=100)


class GoalStatusIn(InputSchema):
    status: GoalStatus = Field(..., description="closed, cancelled, or active to reopen a closed goal")
    version: int = Field(..., ge=1)


class WeightIn(InputSchema):
    goal_id: int = id_field()
    weight: Decimal | None = None
    version: int | None = Field(
        None, ge=1, description="The goal's version you read; a stale one gets 409 `version_conflict`"
    )


class WeightsIn(InputSchema):
    weights: list[WeightIn] = Field(..., min_length=1, max_length=200)


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


# --- templates and copy ------------------------------------------------------------------


class TemplateMeasureOut(Schema):
    name: str
    unit: str
    unit_label: str = ""
    direction: str
    baseline: str | None = None
    target: str | None = None
    challenge: str | None = None
    range_max: str | None = None


class TemplateItemOut(Schema):
    kind: str
    name: str
    description: str = ""
    goal_type_id: int | None = None
    weight: str | None = None
    visibility: str
    measures: list[TemplateMeasureOut] = []


class TemplateOut(Schema):
    id: int
    name: str
    description: str
    department_id: int | None
    created_by_id: int
    items: list[TemplateItemOut]
    created_at: dt.datetime

    @staticmethod
    def resolve_items(obj):
        items = []
        for item in obj.items:
            measures = [
                {
                    **measure,
                    **{
                        f: amount_str(measure.get(f))
                        for f in ("baseline", "target", "challenge", "range_max")
                    },
                }
                for measure in item.get("measures", [])
            ]
            items.append({**item, "weight": amount_str(item.get("weight")), "measures": measures})
        return items


class TemplatePage(Schema):
    items: list[TemplateOut]
    count: int
    page: int
    page_size: int


class TemplateIn(InputSchema):
    name: str = Field(..., max_length=100)
    description: str = Field("", max_length=4000)
    department_id: int | None = optional_id()
    goal_ids: list[IdItem] = Field(..., max_length=50)


class AssignmentIn(InputSchema):
    owner_id: int | None = optional_id()
    department_id: int | None = optional_id(description="Defaults to the owner's department")
    targets: dict[str, Decimal] = Field(
        {}, description='Targets by "<goal index>.<measure index>" of the template, e.g. {"0.0": "123"}'
    )


class TemplateApplyIn(InputSchema):
    period_id: int = id_field()
    parent_id: int | None = optional_id()
    assignments: list[AssignmentIn] = Field(..., max_length=200)


class GoalCopyIn(InputSchema):
    department_id: int = id_field()
    source_period_id: int = id_field()
    target_period_id: int = id_field()


class GoalTypeOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    label: str = Field(..., description="The name in the request's language")
    sort_order: int
    is_active: bool

    @staticmethod
    def resolve_label(obj):
        return str(obj)


class GoalTypePage(Schema):
    items: list[GoalTypeOut]
    count: int
    page: int
    page_size: int


class GoalTypeFilter(FilterSchema):
    is_active: bool | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(100, ge=1, le=500)


class PageIn(FilterSchema):
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=500)
