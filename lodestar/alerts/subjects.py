"""The subjects a rule watches: the active goals and open action items of its scope (company,
department subtree, or a goal and its descendants), limited to its goal type and measure name; and
`Hit`, one subject as a rule has judged it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lodestar.alerts.models import AlertRule
from lodestar.execution.models import ActionItem, ItemStatus
from lodestar.goals.closing_rules import frozen_goal_q
from lodestar.goals.models import Goal, GoalStatus, Measure, sums_its_parts_q
from lodestar.org.models import Department

OPEN_ITEM_STATUSES = (ItemStatus.TODO, ItemStatus.DOING, ItemStatus.BLOCKED)


Text = Callable[[], tuple[str, str]]


def _no_text() -> tuple[str, str]:
    return "", ""


@dataclass
class Hit:
    """A subject a rule has judged: `met` when it meets the rule's condition (an alert is due),
    otherwise a subject the condition no longer holds for, with the `note` that says why.

    `text` and `note` render in the active language, so every recipient gets their own."""

    dedupe_key: str
    text: Text = _no_text  # → (subject, detail)
    goal: Goal | None = None
    measure: Measure | None = None
    item: ActionItem | None = None
    extra: dict = field(default_factory=dict)
    met: bool = True
    note: Callable[[], str] | None = None

    @property
    def subject(self) -> str:
        return self.text()[0]

    @property
    def detail(self) -> str:
        return self.text()[1]

    @property
    def department(self) -> Department | None:
        if "department" in self.extra:  # a subject that is neither a goal nor an item (a retrospective)
            return self.extra["department"]
        if self.item is not None:
            return self.item.department
        return self.goal.department if self.goal is not None else None


def _descendant_ids(root_ids: list[int]) -> set[int]:
    """The goals and all their descendants (one query per level of the tree)."""
    seen = set(root_ids)
    frontier = list(root_ids)
    while frontier:
        frontier = [
            pk
            for pk in Goal.objects.filter(parent__in=frontier).values_list("pk", flat=True)
            if pk not in seen
        ]
        seen.update(frontier)
    return seen


def rule_goals(rule: AlertRule, only: set[int] | None = None):
    # A closed period's results are final (DOMAIN.md §4): its goals are reviewed, no longer alerted on.
    goals = Goal.objects.filter(status=GoalStatus.ACTIVE).exclude(frozen_goal_q())
    if rule.scope == AlertRule.Scope.DEPARTMENT:
        if rule.department is None:
            return goals.none()
        goals = goals.filter(department__path__startswith=rule.department.path)
    elif rule.scope == AlertRule.Scope.GOAL:
        if rule.goal_id is None:
            return goals.none()
        goals = goals.filter(pk__in=_descendant_ids([rule.goal_id]))
    if rule.goal_type_id is not None:
        goals = goals.filter(goal_type_id=rule.goal_type_id)
    if only is not None:
        # After a check-in: the handful of goals of its chain, read here by id. Left as a subquery (with the
        # freeze test's joins) under a condition's measures and their goal, owner, department and period,
        # it made PostgreSQL join all 30,000 measures before keeping the chain's (74 ms a check-in at L).
        goals = Goal.objects.filter(pk__in=list(goals.filter(pk__in=only).values_list("pk", flat=True)))
    return goals.select_related("department", "owner__user", "period")


def rule_items(rule: AlertRule):
    items = ActionItem.objects.filter(status__in=OPEN_ITEM_STATUSES).exclude(frozen_goal_q("goal__"))
    if rule.scope == AlertRule.Scope.DEPARTMENT:
        if rule.department is None:
            return items.none()
        items = items.filter(department__path__startswith=rule.department.path)
    elif rule.scope == AlertRule.Scope.GOAL:
        if rule.goal_id is None:
            return items.none()
        items = items.filter(goal__in=_descendant_ids([rule.goal_id]))
    if rule.goal_type_id is not None:
        items = items.filter(goal__goal_type_id=rule.goal_type_id)
    return items.select_related("department", "goal__owner__user", "accountable__user").prefetch_related(
        "raci__person__user"
    )


def named_measures(rule: AlertRule | None, measures):
    """Only the measures of the rule's measure name (销售额), when it names one."""
    if rule is not None and rule.measure_name:
        measures = measures.filter(name__iexact=rule.measure_name)
    return measures


def leaf_measures(goals, rule: AlertRule | None = None):
    """The measures people report on (not those that add up their parts)."""
    return (
        named_measures(rule, Measure.objects.filter(goal__in=goals))
        .exclude(sums_its_parts_q())
        .select_related("goal__department", "goal__owner__user", "goal__period")
        .distinct()
    )
