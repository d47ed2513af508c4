"""Reads for goals: lists, the alignment tree and a goal's detail, with a constant number of queries."""

from __future__ import annotations

import django_filters
from django.db.models import Count, Prefetch, Q, QuerySet

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
        from lodestar.org.models import Department

        department = Department.objects.filter(pk=value).first()
        if department is None:
            return queryset.none()
        return queryset.filter(department__path__startswith=department.path)

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))


def goal_list(user, params=None) -> QuerySet[Goal]:
    """Visible goals, filtered; rows carry what list pages and the API show (no per-row queries)."""
    qs = (
        visible_goals(user)
        .select_related("owner", "department", "period", "goal_type", "parent")
        .prefetch_related(
            Prefetch("measures", queryset=Measure.objects.order_by("sort_order", "id")),
            "collaborating_departments",
        )
    )
    if params is not None:
        qs = GoalFilter(params, queryset=qs).qs
    return qs.order_by("sort_order", "id") if not (params and params.get("ordering")) else qs


def goal_children(user, parent_id: int | None, *, department=None, period=None) -> list[Goal]:
    """One level of the alignment tree (stored roll-ups only): children of a goal, or the roots."""
    qs = visible_goals(user).select_related("owner", "department", "period", "goal_type")
    if parent_id is None:
        qs = qs.filter(parent__isnull=True)
        if department is not None:
            qs = qs.filter(department__path__startswith=department.path)
        if period is not None:
            qs = qs.filter(period__start__lte=period.end, period__end__gte=period.start)
    else:
        qs = qs.filter(parent_id=parent_id)
    return list(qs.order_by("period__start", "sort_order", "id"))


def goal_detail(goal_id: int) -> Goal:
    """A goal with its measures, children, consensus records, adjustments (the caller checked access)."""
    return (
        Goal.objects.select_related(
            "owner__user", "department", "period", "goal_type", "parent", "created_by"
        )
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
                queryset=Goal.objects.select_related("owner", "department", "period").order_by(
                    "sort_order", "id"
                ),
            ),
            Prefetch(
                "consensus_records",
                queryset=ConsensusRecord.objects.select_related("started_by").prefetch_related(
                    Prefetch("participants", queryset=ConsensusParticipant.objects.select_related("person"))
                ),
            ),
            Prefetch(
                "adjustments",
                queryset=TargetAdjustment.objects.select_related("measure", "approved_by", "created_by"),
            ),
        )
        .get(pk=goal_id)
    )


def latest_consensus(goal: Goal) -> ConsensusRecord | None:
    records = sorted(goal.consensus_records.all(), key=lambda r: (r.created_at, r.pk), reverse=True)
    return records[0] if records else None
