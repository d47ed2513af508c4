"""Target adjustments (目标调整, DOMAIN.md §3): after activation a target changes only with a
recorded new value, reason, trigger and approver; the original target stays visible."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.permissions import is_admin, managed_paths, person_of
from lodestar.goals.access import can_manage_goal, can_report_on_goal
from lodestar.goals.models import Goal, GoalStatus, Measure, TargetAdjustment
from lodestar.goals.rollup import rollup_from
from lodestar.goals.services import to_decimal, validate_measure
from lodestar.org.models import Person


def can_approve(person: Person, goal: Goal) -> bool:
    """An approver is an admin or a manager of the goal's department (or above it)."""
    if person.role == "admin" or is_admin(person.user):
        return True
    return any(goal.department.path.startswith(path) for path in managed_paths(person.user))


def approvers_of(goal: Goal):
    """The people `can_approve` accepts for `goal`: admins and the managers of its department and
    of every department above it (the path lists their ids). A handful, even at 2,000 people."""
    chain = [int(pk) for pk in goal.department.path.strip("/").split("/") if pk]
    return (
        Person.objects.filter(is_active=True)
        .filter(
            Q(role="admin")
            | Q(user__is_superuser=True)
            | Q(managed_departments__in=chain, managed_departments__is_active=True)
        )
        .distinct()
        .order_by("department__path", "display_name")
    )


@transaction.atomic
def adjustment_create(
    *,
    actor,
    goal: Goal,
    measure: Measure,
    new_target,
    reason: str,
    trigger: str = "",
    approved_by: Person | None = None,
) -> TargetAdjustment:
    person = person_of(actor)
    goal = Goal.objects.select_for_update().select_related("period", "department").get(pk=goal.pk)
    if person is None or not can_report_on_goal(actor, goal):
        raise PermissionDeniedError(_("Only the goal's owner or a manager can request a target adjustment."))
    if goal.period.is_closed:
        raise ApplicationError(
            _("The period %(name)s is closed.") % {"name": goal.period.label},
            code="period_closed",
            field="period_id",
        )
    if goal.status != GoalStatus.ACTIVE:
        raise ConflictError(
            _("Only an active goal's target is adjusted; edit a draft goal directly."),
            code="not_active",
            field="goal_id",
        )
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if measure.goal_id != goal.pk:
        raise ApplicationError(_("This measure belongs to another goal."), field="measure_id")
    new_value = to_decimal(new_target, "new_target", required=True)
    if new_value == measure.target:
        raise ApplicationError(_("The new target is the same as the current one."), field="new_target")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give the reason for the change."), field="reason", code="required")
    if len(reason) > 4000:
        raise ApplicationError(_("The reason can be at most 4,000 characters."), field="reason")
    approver = approved_by or (person if can_manage_goal(actor, goal) else None)
    if approver is None:
        raise ApplicationError(
            _("Name the manager who approved the change."), field="approved_by_id", code="required"
        )
    if not can_approve(approver, goal):
        raise ApplicationError(
            _("%(name)s cannot approve changes to this goal: choose a manager of its department or an admin.")
            % {"name": approver.display_name},
            field="approved_by_id",
            code="not_an_approver",
        )
    merged = {
        f: getattr(measure, f)
        for f in (
            "name",
            "unit",
            "unit_label",
            "direction",
            "baseline",
            "challenge",
            "range_max",
            "current",
            "accumulates",
        )
    }
    merged["target"] = new_value
    if merged["challenge"] is not None and (
        (measure.direction == "higher" and merged["challenge"] <= new_value)
        or (measure.direction == "lower" and merged["challenge"] >= new_value)
    ):
        merged["challenge"] = None  # a challenge the new target overtakes no longer means anything
    try:
        validate_measure(merged)
    except ApplicationError as exc:
        exc.field = "new_target"
        raise
    adjustment = TargetAdjustment.objects.create(
        goal=goal,
        measure=measure,
        old_target=measure.target,
        new_target=new_value,
        reason=reason,
        trigger=(trigger or "").strip()[:200],
        approved_by=approver,
        created_by=person,
    )
    if measure.original_target is None:
        measure.original_target = measure.target
    measure.target = new_value
    measure.challenge = merged["challenge"]
    measure.version += 1
    measure._change_reason = reason[:100]
    measure.save()
    rollup_from(goal)
    return adjustment
