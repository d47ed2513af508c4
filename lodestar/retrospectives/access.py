"""Who may see, write, complete and sign off retrospectives — the one set of rules for pages and API.

- See: admin and HR everything; everyone else a retrospective they own, one about a goal they may see
  (goals.access.visible_goals), or one about a department (or campaign phase) in their own department or
  under a department they manage.
- Edit (write the table, the 5 whys, the improvement plan; complete): while it is open, its owner, the
  goal's owner, a manager of its department (or above), or an admin. Viewers never.
- Reopen: a manager of its department (or above) or an admin; a signed-off one not by its owner.
- Sign off: once completed, the goal's accountable manager — a manager of the retrospective's
  department or of a department above (goals.access `can_manage_goal` rule), but not its owner — or an
  admin.
- Comment: whoever may see it and writes (viewers never).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from lodestar.core.errors import NotFound, PermissionDeniedError
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
)
from lodestar.retrospectives.models import Retrospective, Status


def visible_retrospectives(user):
    qs = Retrospective.objects.all()
    if is_admin(user) or is_hr(user):
        return qs
    person = person_of(user)
    if person is None:
        return qs.none()
    q = Q(owner=person) | Q(goal__in=visible_goals(user).values("pk"))
    own_departments = subtree_q(managed_paths(user), "department__path")
    if person.department_id:
        own_departments |= Q(department_id=person.department_id)
    q |= Q(goal__isnull=True) & own_departments
    return qs.filter(q)


def _is_responsible(user, retrospective: Retrospective) -> bool:
    """Its owner or its goal's owner — among those who write at all (a viewer owns nothing here)."""
    if not can_write(user):
        return False
    person = person_of(user)
    if person is None:
        return False
    if retrospective.owner_id == person.pk:
        return True
    goal = retrospective.goal if retrospective.goal_id is not None else None
    return goal is not None and goal.owner_id == person.pk


def can_manage_retrospective(user, retrospective: Retrospective) -> bool:
    """Admin or a manager of the retrospective's department (subtree): reopen, change the owner."""
    if not can_write(user):
        return False
    return is_admin(user) or manages_department(user, retrospective.department)


def can_work_on_plan(user, retrospective: Retrospective) -> bool:
    """Promote improvement actions and attach files — also after completion: its managers (or an admin),
    its owner and its goal's owner."""
    return can_manage_retrospective(user, retrospective) or _is_responsible(user, retrospective)


def can_open_department_reviews(user) -> bool:
    """Open a department's (or a campaign phase's) retrospective: admins and department managers."""
    return can_write(user) and (is_admin(user) or bool(managed_paths(user)))


def can_follow_up_action(user, action) -> bool:
    """Mark an improvement action done: whoever works on the plan and the action's own owner — the
    person doing the work."""
    if not can_write(user):
        return False
    if can_work_on_plan(user, action.retrospective):
        return True
    person = person_of(user)
    return person is not None and person.pk == action.owner_id


def can_edit_retrospective(user, retrospective: Retrospective) -> bool:
    if retrospective.status != Status.OPEN or not can_write(user):
        return False
    return can_manage_retrospective(user, retrospective) or _is_responsible(user, retrospective)


def can_sign_off_retrospective(user, retrospective: Retrospective) -> bool:
    """A manager of the department (or above) or an admin — never the owner signing off their own
    review (a department's review is owned by its manager: the manager above signs it off)."""
    if retrospective.status != Status.COMPLETED or retrospective.signed_off_at is not None:
        return False
    if not can_manage_retrospective(user, retrospective):
        return False
    if is_admin(user):
        return True
    person = person_of(user)
    return person is not None and person.pk != retrospective.owner_id


def can_reopen_retrospective(user, retrospective: Retrospective) -> bool:
    """A manager of the department (or above) or an admin; once signed off, not its owner: reopening
    clears the sign-off, which only those who may sign off can undo."""
    if retrospective.status != Status.COMPLETED or not can_manage_retrospective(user, retrospective):
        return False
    if retrospective.signed_off_at is None or is_admin(user):
        return True
    person = person_of(user)
    return person is not None and person.pk != retrospective.owner_id


def can_comment_on_retrospective(user, retrospective: Retrospective) -> bool:
    return can_write(user) and person_of(user) is not None


def can_open_for_goal(user, goal) -> bool:
    """Open a goal's retrospective: its owner, a manager of its department, an admin."""
    if not can_write(user):
        return False
    if is_admin(user) or manages_department(user, goal.department):
        return True
    person = person_of(user)
    return person is not None and goal.owner_id == person.pk


def can_open_for_department(user, department) -> bool:
    return can_write(user) and (is_admin(user) or manages_department(user, department))


def access_retrospective(user, retrospective_id: int, *, write: bool = False) -> Retrospective:
    """Fetch a retrospective the user may see (404 otherwise) and, with `write`, edit (403)."""
    require_person(user)
    retrospective = (
        visible_retrospectives(user)
        .select_related("goal__owner", "goal__department", "department__manager", "period", "owner", "phase")
        .filter(pk=retrospective_id)
        .first()
    )
    if retrospective is None:
        raise NotFound(_("Retrospective not found."), field="retrospective_id")
    if write and not can_edit_retrospective(user, retrospective):
        if retrospective.status != Status.OPEN and can_write(user):
            raise PermissionDeniedError(_("This retrospective is completed: reopen it to change it."))
        raise PermissionDeniedError(_("You may view this retrospective but not change it."))
    return retrospective


def register_template_checks() -> None:
    from lodestar.core.permission_checks import register

    register("retrospectives.edit", can_edit_retrospective)
    register("retrospectives.manage", can_manage_retrospective)
    register("retrospectives.sign_off", can_sign_off_retrospective)
    register("retrospectives.reopen", can_reopen_retrospective)
    register("retrospectives.comment", can_comment_on_retrospective)
    register("retrospectives.open_for_goal", can_open_for_goal)
    # The list shows "Import from Excel" to those the exchange import lets write (org.permissions.can_write).
    register("retrospectives.import", lambda user, _obj=None: can_write(user))
