"""Reads for goals: lists, the alignment tree and a goal's detail, with a constant number of queries."""

from __future__ import annotations

import django_filters
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext as _

from lodestar.core.errors import NotFound
from lodestar.core.models import Period
from lodestar.goals import tree
from lodestar.goals.access import visible_goals
from lodestar.goals.models import (
    ConsensusParticipant,
    ConsensusRecord,
    Goal,
    GoalKind,
    GoalStatus,
    HealthChoice,
    Measure,
    TargetAdjustment,
    Visibility,
)
from lodestar.org.models import Department
from lodestar.org.permissions import can_write, is_admin, managed_paths, subtree_q


class GoalFilter(django_filters.FilterSet):
    """One filter for the goal pages and GET /api/v1/goals."""

    department_id = django_filters.NumberFilter(
        method="filter_department", label="department (with sub-departments)"
    )
    period_id = django_filters.NumberFilter(field_name="period_id")
    owner_id = django_filters.NumberFilter(field_name="owner_id")
    parent_id = django_filters.NumberFilter(field_name="parent_id")
    root = django_filters.BooleanFilter(
        field_name="parent", lookup_expr="isnull", label="top-level goals only"
    )
    kind = django_filters.ChoiceFilter(choices=GoalKind.choices)
    status = django_filters.ChoiceFilter(choices=GoalStatus.choices)
    health = django_filters.ChoiceFilter(choices=HealthChoice.choices)
    visibility = django_filters.ChoiceFilter(choices=Visibility.choices)
    goal_type_id = django_filters.NumberFilter(field_name="goal_type_id")
    q = django_filters.CharFilter(method="filter_q")
    ordering = django_filters.OrderingFilter(
        fields=("updated_at", "created_at", "name", "progress", "achievement_rate", "sort_order", "id")
    )

    class Meta:
        model = Goal
        fields: list[str] = []

    def filter_department(self, queryset, name, value):
        department = Department.objects.filter(pk=value).first()
        if department is None:
            return queryset.none()
        return _in_scope(queryset, department, None)

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))


PAGE_RELATED = ("owner", "department", "period", "goal_type", "parent")
API_RELATED = ("period", "goal_type")  # GoalOut shows ids, the type's code and the SMART check's dates


def goal_list(
    user,
    params=None,
    *,
    related: tuple[str, ...] = PAGE_RELATED,
    department: Department | None = None,
    subdepartments: bool = True,
) -> QuerySet[Goal]:
    """Visible goals, filtered; rows carry what list pages (or, with API_RELATED, the API) show
    without per-row queries. Joining only what is shown keeps a page of 50 cheap to build.
    `department`: its subtree only (instead of a `department` param naming it by id), or with
    `subdepartments=False` its own goals only (the goal-setting table, template 1, is one
    department's sheet)."""
    qs = (
        visible_goals(user)
        .select_related(*related)
        .prefetch_related(
            Prefetch("measures", queryset=Measure.objects.order_by("sort_order", "id")),
            # Lists show the names (pages) or the ids (API), never the rest of the department; a
            # plain list (`goal.collaborating`) spares building a related manager per goal.
            Prefetch(
                "collaborating_departments",
                queryset=Department.objects.only("id", "name"),
                to_attr="collaborating",
            ),
        )
    )
    if department is not None:  # already read (and access-checked) by the caller
        qs = _in_scope(qs, department, None) if subdepartments else qs.filter(department=department)
    if params is not None:
        qs = GoalFilter(params, queryset=qs).qs
    return qs.order_by("sort_order", "id") if not (params and params.get("ordering")) else qs


def with_consensus(qs: QuerySet[Goal]) -> QuerySet[Goal]:
    """Goals with their latest consensus record's state and sign-offs, for the goal table's 共识 column,
    in the same query (no query per row): `consensus_state` (open / agreed / withdrawn, None when no
    meeting was held), `consensus_required`, `consensus_agreed` and `consensus_objected` (the
    participants whose sign-off is required, those who signed and those who objected)."""
    latest = ConsensusRecord.objects.filter(goals=OuterRef("pk")).order_by("-created_at", "-id")

    def participants(**decision) -> Subquery:
        rows = (
            ConsensusParticipant.objects.filter(
                record_id=OuterRef("consensus_record"), required=True, **decision
            )
            .order_by()
            .values("record_id")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        )
        return Subquery(rows, output_field=IntegerField())

    return qs.annotate(
        consensus_record=Subquery(latest.values("pk")[:1]),
        consensus_state=Subquery(latest.values("state")[:1]),
    ).annotate(
        consensus_required=participants(),
        consensus_agreed=participants(decision=ConsensusParticipant.Decision.AGREED),
        consensus_objected=participants(decision=ConsensusParticipant.Decision.OBJECTED),
    )


def tree_rows(user, parent_id: int | None, *, department=None, period=None, expand_all=False):
    """One level of the alignment tree (children of a goal, or the top of a scope), or with
    `expand_all` the whole tree of the scope depth-first — as plain rows of stored figures."""
    qs = visible_goals(user)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    else:
        qs = _in_scope(qs, department, period)
        # With expand_all, every goal of the scope: depth_first() hangs each under its parent.
        if expand_all:
            return tree.depth_first(tree.rows_of(qs.order_by("period__start", "sort_order", "id")))
        if department is not None:
            # A department's tree starts at its own top goals, which usually align to goals upstream.
            qs = qs.filter(Q(parent__isnull=True) | ~Q(parent__department__path__startswith=department.path))
        else:
            qs = qs.filter(parent__isnull=True)
    return tree.rows_of(qs.order_by("period__start", "sort_order", "id"))


def _in_scope(qs, department, period):
    """Goals of a department subtree and of periods overlapping `period`, by id lists the
    database can look up in the (department, period) index."""
    if department is not None:
        qs = qs.filter(
            department__in=Department.objects.filter(path__startswith=department.path).values("pk")
        )
    if period is not None:
        overlapping = Period.objects.filter(start__lte=period.end, end__gte=period.start).values("pk")
        qs = qs.filter(period__in=overlapping)
    return qs


def goal_detail(goal_id: int, *, visible_to=None) -> Goal:
    """A goal with its measures, children, consensus records, adjustments. With `visible_to`
    (a user), only if they may see it (404 otherwise) and with only the children they may see;
    without it the caller has checked access."""

    def goals() -> QuerySet[Goal]:
        return visible_goals(visible_to) if visible_to is not None else Goal.objects.all()

    goal = (
        # What the page shows: on PostgreSQL, planning a join costs more than running it (each
        # relation more multiplies the join orders it weighs), so nothing else is joined.
        goals()
        .select_related("owner", "department", "period", "goal_type", "parent")
        .prefetch_related(
            Prefetch(
                "measures",
                queryset=Measure.objects.order_by("sort_order", "id")
                .select_related("source")
                .annotate(part_count=Count("parts", filter=Q(parts__goal__deleted_at__isnull=True))),
            ),
            "collaborating_departments",
            Prefetch(
                "children",
                queryset=goals().select_related("owner", "department", "period").order_by("sort_order", "id"),
            ),
            Prefetch(
                "consensus_records",
                queryset=ConsensusRecord.objects.select_related("started_by").prefetch_related(
                    Prefetch("participants", queryset=ConsensusParticipant.objects.select_related("person")),
                    Prefetch("goals", queryset=Goal.objects.order_by("id")),
                ),
            ),
            Prefetch(
                "adjustments",
                queryset=TargetAdjustment.objects.select_related(
                    "measure", "approved_by", "created_by", "decided_by"
                ),
            ),
        )
        .filter(pk=goal_id)
        .first()
    )
    if goal is None:
        raise NotFound(_("Goal not found."), field="goal_id")
    return goal


def latest_consensus(goal: Goal) -> ConsensusRecord | None:
    records = sorted(goal.consensus_records.all(), key=lambda r: (r.created_at, r.pk), reverse=True)
    return records[0] if records else None


# --- the home page: what needs me now (dashboards.views.home) --------------------------------


def _now_q(today, prefix: str = "") -> Q:
    """Goals of a period that covers `today`."""
    return Q(**{f"{prefix}period__start__lte": today, f"{prefix}period__end__gte": today})


def team_goals_off_track(user, today, *, limit: int = 8) -> list[Goal]:
    """Active goals of today's periods in the departments the user manages (an admin: all) that are
    off track or at risk, off track first, then the lowest achievement. One query."""
    goals = Goal.objects.filter(
        _now_q(today),
        status=GoalStatus.ACTIVE,
        health__in=[HealthChoice.OFF_TRACK, HealthChoice.AT_RISK],
    )
    if not is_admin(user):
        goals = goals.filter(subtree_q(managed_paths(user), "department__path"))
    order = Case(
        When(health=HealthChoice.OFF_TRACK, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return list(
        goals.select_related("department", "owner", "period").order_by(order, "achievement_rate", "pk")[
            :limit
        ]
    )


def adjustments_to_decide(user, *, limit: int = 10) -> list[TargetAdjustment]:
    """Pending target adjustment requests the user may approve (an admin: all; a manager: those on
    goals of their departments' subtrees, as `adjustment_approve` allows). One query."""
    if not can_write(user):
        return []
    pending = TargetAdjustment.objects.filter(
        status=TargetAdjustment.Status.PENDING, goal__deleted_at__isnull=True
    )
    if not is_admin(user):
        pending = pending.filter(subtree_q(managed_paths(user), "goal__department__path"))
    return list(pending.select_related("goal", "measure", "created_by").order_by("created_at", "pk")[:limit])


def consensus_waiting_for(person, *, limit: int = 10) -> list[ConsensusRecord]:
    """Open consensus records where `person` has not decided yet, with their goals. Two queries."""
    if person is None:
        return []
    return list(
        ConsensusRecord.objects.filter(
            state=ConsensusRecord.State.OPEN,
            participants__person=person,
            participants__decision=ConsensusParticipant.Decision.PENDING,
        )
        .prefetch_related("goals")
        .distinct()
        .order_by("pk")[:limit]
    )


def health_summary(user, today) -> list[tuple[str, str, int]]:
    """How the goals the user may see stand today: (health, label, count) for each health that
    occurs among the active goals of today's periods. One query (a read-only summary for HR
    partners and guests)."""
    counts = dict(
        visible_goals(user)
        .filter(_now_q(today), status=GoalStatus.ACTIVE)
        .values_list("health")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [(value, label, counts[value]) for value, label in HealthChoice.choices if counts.get(value)]
