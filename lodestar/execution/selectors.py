"""Reads for action items, shaped so a page's query count does not grow with its items."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from lodestar.execution.access import visible_items
from lodestar.execution.models import (
    ActionItem,
    Dependency,
    ItemStatus,
    Priority,
    RaciAssignment,
    RequestState,
)
from lodestar.goals.access import visible_goals
from lodestar.goals.models import GoalStatus
from lodestar.org.models import Department, Person
from lodestar.org.permissions import managed_paths, person_of, subtree_q


class ItemFilter(django_filters.FilterSet):
    """One filter for the item pages and GET /api/v1/items."""

    department_id = django_filters.NumberFilter(method="filter_department")
    goal_id = django_filters.NumberFilter(field_name="goal_id")
    phase_id = django_filters.NumberFilter(field_name="phase_id")
    status = django_filters.MultipleChoiceFilter(choices=ItemStatus.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    responsible_id = django_filters.NumberFilter(method="filter_responsible")
    accountable_id = django_filters.NumberFilter(field_name="accountable_id")
    due_before = django_filters.DateFilter(field_name="due", lookup_expr="lte")
    due_after = django_filters.DateFilter(field_name="due", lookup_expr="gte")
    is_milestone = django_filters.BooleanFilter(field_name="is_milestone")
    request_state = django_filters.ChoiceFilter(choices=RequestState.choices)
    q = django_filters.CharFilter(method="filter_q")
    ordering = django_filters.OrderingFilter(
        fields=("due", "start", "priority", "updated_at", "created_at", "id", "position")
    )

    class Meta:
        model = ActionItem
        fields: list[str] = []

    def filter_department(self, queryset, name, value):
        """The department's subtree, its path read in the same query (none if there is no such department)."""
        path = Department.objects.filter(pk=value).values("path")[:1]
        return queryset.filter(department__path__startswith=Subquery(path))

    def filter_responsible(self, queryset, name, value):
        return queryset.filter(raci__role="R", raci__person_id=value).distinct()

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))


RACI_PREFETCH = Prefetch(
    "raci", queryset=RaciAssignment.objects.select_related("person", "department").order_by("role", "id")
)


def live_links():
    """Dependency rows whose both ends are live: links to a deleted item are kept for its restore
    but are not shown, and do not block anything (the related manager does not filter them)."""
    return Dependency.objects.filter(predecessor__deleted_at__isnull=True, successor__deleted_at__isnull=True)


def item_list(user, params=None) -> QuerySet[ActionItem]:
    qs = (
        visible_items(user)
        .select_related("department", "goal", "phase", "accountable", "requested_department", "measure")
        .prefetch_related(
            RACI_PREFETCH,
            Prefetch(
                "predecessor_links",
                queryset=live_links().select_related("predecessor", "predecessor__department"),
            ),
        )
    )
    if params is not None:
        qs = ItemFilter(params, queryset=qs).qs
    if not (params and params.get("ordering")):
        qs = qs.order_by("phase__sort_order", "start", "due", "priority", "id")
    return qs


def hidden_item_count(user, *, department=None, goal=None) -> int:
    """How many open items of a plan's scope (department subtree, goal) the user may not see: an
    empty plan page says "nothing visible to you" rather than "nothing exists" when this is > 0."""
    params = {"department_id": department.pk if department else None, "goal_id": goal.pk if goal else None}
    scope = ItemFilter(
        {k: v for k, v in params.items() if v is not None},
        queryset=ActionItem.objects.exclude(status=ItemStatus.CANCELLED),
    ).qs
    return scope.exclude(pk__in=visible_items(user).values("pk")).count()


def _listed_items(user) -> QuerySet[ActionItem]:
    """Visible items with what a short list of them shows (execution/_item_list.html): the
    department, the goal's name and the RACI. Fewer joins than item_list: on PostgreSQL,
    planning a six-way join cost more than running it."""
    return visible_items(user).select_related("department", "goal").prefetch_related(RACI_PREFETCH)


def my_work(user, today: dt.date) -> dict[str, list[ActionItem]]:
    """Everything where I am R or A: due this week, overdue, blocked, and the rest that is open."""
    person = person_of(user)
    if person is None:
        return {"overdue": [], "this_week": [], "blocked": [], "later": [], "requests": []}
    # An id subquery, not a join + DISTINCT: the database reads my few RACI rows by index and
    # never de-duplicates wide item rows.
    my_item_ids = RaciAssignment.objects.filter(person=person, role__in=["R", "A"]).values("item_id")
    mine = (
        _listed_items(user)
        .filter(pk__in=my_item_ids, status__in=["todo", "doing", "blocked"])
        .order_by("due", "priority", "id")
    )
    week_end = today + dt.timedelta(days=6 - today.weekday())
    groups: dict[str, list[ActionItem]] = {"overdue": [], "this_week": [], "blocked": [], "later": []}
    for item in mine:
        if item.status == "blocked":
            groups["blocked"].append(item)
        elif item.due and item.due < today:
            groups["overdue"].append(item)
        elif item.due and item.due <= week_end:
            groups["this_week"].append(item)
        else:
            groups["later"].append(item)
    # Requests to any department I manage, or below it (as the request service allows).
    groups["requests"] = list(
        _listed_items(user)
        .filter(
            subtree_q(managed_paths(user), "requested_department__path"), request_state=RequestState.PENDING
        )
        .order_by("due", "id")
    )

    return groups


def letters_by_role(item: ActionItem) -> dict[str, list]:
    """{"R": [...], "A": [...], "C": [...], "I": [...]} from the prefetched RACI rows."""
    result: dict[str, list] = {"R": [], "A": [], "C": [], "I": []}
    for row in item.raci.all():
        result[row.role].append(row.person or row.department)
    return result


def scope_filter_choices(user, department=None) -> dict:
    """The department and goal choices of the plan pages' scope filter (table, kanban, timeline)."""
    return {
        "departments": list(Department.objects.filter(is_active=True).only("pk", "name", "depth", "path")),
        "goals": goal_filter_choices(user, department),
    }


def goal_filter_choices(user, department=None) -> list:
    """Goals for the plan pages' goal filter: those of the chosen department (and below), else
    the newest visible ones; at most 300, with only what the option shows."""
    goals = visible_goals(user).exclude(status=GoalStatus.CANCELLED)
    if department is not None:
        goals = goals.filter(
            department__in=Department.objects.filter(path__startswith=department.path).values("pk")
        )
    return list(
        goals.select_related("period")
        .only(
            "pk",
            "name",
            "period__kind",
            "period__key",
            "period__name",
            "period__start",
            "period__fiscal_year",
        )
        .order_by("-period__start", "depth", "name")[:300]
    )


def raci_people(letter: str) -> QuerySet[Person]:
    """Active people who can hold a RACI letter (`domain.can_hold_letter` as a query), with their
    department, in the org's order."""
    manages = Exists(Department.objects.filter(manager=OuterRef("pk"), is_active=True))
    people = Person.objects.filter(is_active=True).select_related("department")
    people = people.exclude(Q(role="admin") & ~Q(manages))
    if letter != "I":
        people = people.exclude(role="viewer")
    return people.order_by("department__path", "display_name")
