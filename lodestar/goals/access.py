"""Who may see and change goals (the goal-level `access_*` helpers; rules in org/permissions.py).

- See: admin and HR partner everything; a manager the goals of their departments' subtrees;
  everyone their own goals, their department's goals and every public goal.
- Change: admin; a manager of the goal's department (subtree); the goal's owner while the goal
  is a draft. Viewers never change anything.
- Consensus: a round is known to whoever sees one of its goals; its participants may always open
  it to sign off or object, even when its goals lie outside what they otherwise see (a
  collaborating department's manager). Pages and API both go through `access_consensus_record`.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from lodestar.core.errors import NotFound, PermissionDeniedError
from lodestar.goals.models import ConsensusRecord, Goal, GoalStatus, GoalTemplate, Measure
from lodestar.org.permissions import (
    can_write,
    is_admin,
    is_hr,
    manages_department,
    person_of,
    require_person,
    visible_q,
)


def visible_goals(user):
    return Goal.objects.filter(visible_q(user))


def visible_templates(user):
    """Admins and HR see every template; others the company-wide ones, their departments', their own."""
    templates = GoalTemplate.objects.all()
    if is_admin(user) or is_hr(user):
        return templates
    return templates.filter(
        Q(department__isnull=True) | visible_q(user, owner_field="created_by", public_field=None)
    )


def can_create_goal(user) -> bool:
    """Who may open the new-goal form and save goals as a template: everyone who writes (viewers never)."""
    return can_write(user)


def can_manage_goal(user, goal: Goal) -> bool:
    """Admin or a manager of the goal's department: may change anything, approve, decompose."""
    if not can_write(user):
        return False
    return is_admin(user) or manages_department(user, goal.department)


def can_edit_goal(user, goal: Goal) -> bool:
    """Managers always; the owner while the goal is still a draft."""
    if can_manage_goal(user, goal):
        return True
    person = person_of(user)
    return (
        can_write(user)
        and person is not None
        and goal.owner_id == person.pk
        and goal.status == GoalStatus.DRAFT
    )


def can_report_on_goal(user, goal: Goal) -> bool:
    """Who may record the current value of an active goal's measures: managers and the owner."""
    if can_manage_goal(user, goal):
        return True
    person = person_of(user)
    return can_write(user) and person is not None and goal.owner_id == person.pk


def access_goal(user, goal_id: int, *, write: bool = False, manage: bool = False) -> Goal:
    """Fetch a goal the user may see (404 otherwise) and, with `write`/`manage`, change (403)."""
    require_person(user)
    goal = (
        visible_goals(user)
        .select_related("department", "period", "owner", "goal_type", "parent")
        .filter(pk=goal_id)
        .first()
    )
    if goal is None:
        raise NotFound(_("Goal not found."), field="goal_id")
    if manage and not can_manage_goal(user, goal):
        raise PermissionDeniedError(_("Only an admin or a manager of the goal's department can do this."))
    if write and not can_edit_goal(user, goal):
        if goal.status != GoalStatus.DRAFT and person_of(user) and goal.owner_id == person_of(user).pk:
            raise PermissionDeniedError(
                _("The goal is no longer a draft: ask your manager, or request a target adjustment.")
            )
        raise PermissionDeniedError(_("You may view this goal but not change it."))
    return goal


def access_measure(user, measure_id: int, *, field: str = "measure_id") -> Measure:
    """Fetch a measure of a goal the user may see (404 naming `field` otherwise), with that goal
    attached as read by `access_goal` — the one rule for pages and API alike."""
    measure = Measure.objects.filter(pk=measure_id).first()
    if measure is None:
        raise NotFound(_("Measure not found."), field=field)
    try:
        measure.goal = access_goal(user, measure.goal_id)
    except NotFound as exc:
        raise NotFound(_("Measure not found."), field=field) from exc
    return measure


def access_consensus_record(user, record_id: int, *, to_decide: bool = False) -> ConsensusRecord:
    """A consensus round the caller may know of: one of its goals is visible to them or, when
    they come `to_decide`, they are one of its participants. 404 otherwise (never reveals that a
    round exists). Whether they may decide or withdraw is the service's rule."""
    record = ConsensusRecord.objects.filter(pk=record_id).first()
    if record is not None:
        if visible_goals(user).filter(consensus_records=record).exists():
            return record
        person = person_of(user)
        if to_decide and person is not None and record.participants.filter(person=person).exists():
            return record
    raise NotFound(_("Consensus record not found."), field="record_id")


def register_template_checks() -> None:
    """The goal rules templates may ask with `{% may %}` (lodestar/core/permission_checks.py)."""
    from lodestar.core.permission_checks import register
    from lodestar.goals.closing_rules import goal_is_frozen

    def unless_frozen(check):
        # A goal of a closed period shows no control that its write services would refuse (422 period_closed).
        return lambda user, goal: check(user, goal) and not goal_is_frozen(goal)

    register("goals.create", can_create_goal)
    register("goals.save_template", can_create_goal)
    register("goals.manage", unless_frozen(can_manage_goal))
    register("goals.edit", unless_frozen(can_edit_goal))
    register("goals.report", unless_frozen(can_report_on_goal))
