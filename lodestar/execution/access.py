"""Who may see and change action items (rules in org/permissions.py).

- See: admin and HR partner everything; managers their departments' subtree; everyone the
  items of their own department, items they hold a RACI letter on, requests addressed
  to their department (managers: to any department of their subtrees), and the items of every
  goal they may see (the goal's visibility rule, `visible_q` on the goal).
- Plan (create) in a department: admin, its managers, and its members.
- Change an item: admin, a manager of its department, its A, its Rs. Rs and the A may move
  and report on it; only the A and managers re-plan RACI and dependencies.
- Accept a cross-department request: admin or a manager of the requested department.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from lodestar.core.errors import NotFound, PermissionDeniedError
from lodestar.execution.models import ActionItem, Phase, RaciAssignment
from lodestar.goals.access import visible_goals
from lodestar.org.permissions import (
    can_write,
    is_admin,
    is_hr,
    managed_paths,
    manages_department,
    person_of,
    require_person,
    subtree_q,
    visible_q,
)


def visible_items(user):
    if is_admin(user) or is_hr(user):
        # visible_q gives an empty Q here; OR-ing the RACI clause onto it would narrow it.
        return ActionItem.objects.all()
    person = person_of(user)
    q = visible_q(user, department_field="department", owner_field=None, public_field=None)
    # One rule with the goals: whoever sees a goal sees its action plan (goals.access.visible_goals
    # is visible_q on the goal), so a company-visible goal's tasks are no 404 for a guest elsewhere.
    q |= Q(goal__isnull=False) & visible_q(
        user,
        department_field="goal__department",
        owner_field="goal__owner",
        public_field="goal__visibility",
    )
    if person is not None:
        q |= Q(Exists(RaciAssignment.objects.filter(item=OuterRef("pk"), person=person)))
        if person.department_id:
            q |= Q(requested_department_id=person.department_id)
        # Requests addressed to a department they manage (they answer them), at any depth.
        q |= subtree_q(managed_paths(user), "requested_department__path")
    return ActionItem.objects.filter(q)


def can_plan_in(user, department) -> bool:
    if not can_write(user) or department is None:
        return False
    if is_admin(user) or manages_department(user, department):
        return True
    person = person_of(user)
    return person is not None and person.department_id == department.pk


def _letters(user, item: ActionItem) -> set[str]:
    person = person_of(user)
    if person is None:
        return set()
    # Use prefetched RACI rows when a list page loaded them; otherwise one query, cached per person.
    if "raci" in getattr(item, "_prefetched_objects_cache", {}):
        return {row.role for row in item.raci.all() if row.person_id == person.pk}
    cached = getattr(item, "_letters_cache", None)
    if cached is None or cached[0] != person.pk:
        cached = (person.pk, set(item.raci.filter(person=person).values_list("role", flat=True)))
        item._letters_cache = cached
    return cached[1]


def can_manage_item(user, item: ActionItem) -> bool:
    """Re-plan: RACI, dependencies, dates, delete. Admin, department manager, or the A."""
    if not can_write(user):
        return False
    if is_admin(user) or manages_department(user, item.department):
        return True
    return "A" in _letters(user, item) or (
        item.created_by_id is not None
        and person_of(user) is not None
        and item.created_by_id == person_of(user).pk
    )


def can_work_on_item(user, item: ActionItem) -> bool:
    """Move on the kanban, report quantities, change status: the Rs too."""
    return can_manage_item(user, item) or (can_write(user) and "R" in _letters(user, item))


def can_comment_on_item(user, item: ActionItem) -> bool:
    """Comment on an item the user can see: everyone who writes (viewers never)."""
    return can_write(user) and visible_items(user).filter(pk=item.pk).exists()


def register_template_checks() -> None:
    """The item rules templates may ask with `{% may %}` (lodestar/core/permission_checks.py)."""
    from lodestar.core.permission_checks import register
    from lodestar.goals.closing_rules import goal_is_frozen

    def unless_frozen(check):
        # An item of a goal in a closed period shows no control its services would refuse (422 period_closed).
        def allowed(user, item):
            goal = item.goal if item.goal_id else (item.measure.goal if item.measure_id else None)
            return check(user, item) and not goal_is_frozen(goal)

        return allowed

    register("execution.plan_in", can_plan_in)
    register("execution.plan", can_write)
    register("execution.manage", unless_frozen(can_manage_item))
    register("execution.work", unless_frozen(can_work_on_item))
    register("execution.comment", unless_frozen(can_comment_on_item))


def access_item(user, item_id: int, *, write: bool = False, manage: bool = False) -> ActionItem:
    require_person(user)
    item = (
        visible_items(user)
        .select_related("department", "goal", "phase", "requested_department", "measure", "accountable")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound(_("Action item not found."), field="item_id")
    if manage and not can_manage_item(user, item):
        raise PermissionDeniedError(
            _("Only the item's A, its department's manager or an admin can re-plan it.")
        )
    if write and not can_work_on_item(user, item):
        raise PermissionDeniedError(_("You may view this item but not change it."))
    return item


def visible_phases(user):
    """Phases of departments whose items the caller sees, or of goals they see."""
    if is_admin(user) or is_hr(user):
        return Phase.objects.all()
    department_q = visible_q(user, department_field="department", owner_field=None, public_field=None)
    return Phase.objects.filter(department_q | Q(goal__in=visible_goals(user)))


def access_phase(user, phase_id: int) -> Phase:
    require_person(user)
    phase = visible_phases(user).select_related("department", "goal").filter(pk=phase_id).first()
    if phase is None:
        raise NotFound(_("Phase not found."), field="phase_id")
    return phase
