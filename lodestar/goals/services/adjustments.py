"""Target adjustments (目标调整, DOMAIN.md §3): after activation a target changes only with a
recorded new value, reason, trigger and approver; the original target stays visible.

An adjustment is a request (DOMAIN.md "A target adjustment is a request"): `adjustment_create`
records it as pending and notifies the approver; the target changes only in `adjustment_approve`
(re-validated then, since the measure may have changed). `adjustment_reject` (with a reason) and
`adjustment_withdraw` (the requester) close it without a change. One pending request per measure.
An admin may apply a change directly: recorded as approved by the admin, `applied_directly`.
Every step notifies the other side after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import cast

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.services import Actor, validated_save
from lodestar.goals.access import can_report_on_goal
from lodestar.goals.closing_rules import check_goal_period_open
from lodestar.goals.models import Goal, GoalStatus, Measure, TargetAdjustment
from lodestar.goals.rollup import rollup_from
from lodestar.goals.services.common import Number, to_decimal
from lodestar.goals.services.measures import MeasureFields, validate_measure
from lodestar.goals.templatetags.goal_tags import amount
from lodestar.notifications.services import notify
from lodestar.org.models import Department, Person
from lodestar.org.permissions import is_admin, managed_paths, person_of

Status = TargetAdjustment.Status


def can_approve(person: Person, goal: Goal) -> bool:
    """An approver is an admin or a manager of the goal's department (or above it)."""
    if person.role == "admin" or is_admin(person.user):
        return True
    return any(goal.department.path.startswith(path) for path in managed_paths(person.user))


def approvers_of(goal: Goal) -> QuerySet[Person]:
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


def default_approver(goal: Goal, requester: Person | None) -> Person | None:
    """Whom a request goes to when the requester names nobody: the nearest active manager of the
    goal's department or of a department above it, above any of those departments the requester
    manages (a manager's request goes up, not to someone they lead); failing that an admin."""
    chain = [int(pk) for pk in goal.department.path.strip("/").split("/") if pk]
    exclude = requester.pk if requester is not None else None
    departments = {
        d.pk: d for d in Department.objects.filter(pk__in=chain, is_active=True).select_related("manager")
    }
    own = [
        index for index, pk in enumerate(chain) if pk in departments and departments[pk].manager_id == exclude
    ]
    above = chain[: min(own)] if own and exclude is not None else chain
    for department_pk in reversed(above):  # nearest first
        manager = departments[department_pk].manager if department_pk in departments else None
        if manager is not None and manager.is_active and manager.pk != exclude:
            return manager
    admins = Person.objects.filter(is_active=True).filter(Q(role="admin") | Q(user__is_superuser=True))
    if exclude is not None:
        admins = admins.exclude(pk=exclude)
    return admins.order_by("pk").first()


def may_decide(actor: Actor, adjustment: TargetAdjustment) -> bool:
    """Whether the caller may approve or reject `adjustment`: an approver of its goal, and not the
    requester themself unless an admin."""
    person = person_of(actor)
    if person is None:
        return False
    admin = is_admin(actor)
    if person.pk == adjustment.created_by_id and not admin:
        return False
    return admin or any(adjustment.goal.department.path.startswith(p) for p in managed_paths(actor))


def _check_goal_open(goal: Goal) -> None:
    check_goal_period_open(goal)
    if goal.status != GoalStatus.ACTIVE:
        raise ConflictError(
            _("Only an active goal's target is adjusted; edit a draft goal directly."),
            code="not_active",
            field="goal_id",
        )


def _checked_challenge(measure: Measure, new_value: Decimal) -> Decimal | None:
    """Validate `measure` with `new_value` as its target; return the challenge it keeps (None when
    the new target overtakes it)."""
    if new_value == measure.target:
        raise ApplicationError(_("The new target is the same as the current one."), field="new_target")
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
        validate_measure(cast(MeasureFields, merged))
    except ApplicationError as exc:
        exc.field = "new_target"
        raise
    return merged["challenge"]


def _url(adjustment: TargetAdjustment) -> str:
    return f"{reverse('goals:detail', args=[adjustment.goal_id])}#adjustment-{adjustment.pk}"


def _notify_later(
    recipients: Iterable[Person | None],
    actor: Person | None,
    verb: str,
    title: str,
    adjustment: TargetAdjustment,
) -> None:
    recipients = [p for p in recipients if p is not None]
    url = _url(adjustment)
    if recipients:
        transaction.on_commit(
            lambda: notify(recipients=recipients, actor=actor, verb=verb, title=title, url=url)
        )


def _change_text(adjustment: TargetAdjustment, measure: Measure) -> dict:
    return {
        "goal": adjustment.goal.name,
        "measure": measure.name,
        "old": amount(adjustment.old_target),
        "new": amount(adjustment.new_target),
    }


@transaction.atomic
def adjustment_create(
    *,
    actor: Actor,
    goal: Goal,
    measure: Measure,
    new_target: Number | float | None,
    reason: str,
    trigger: str = "",
    approved_by: Person | None = None,
    apply_directly: bool | None = None,
) -> TargetAdjustment:
    """Request a target change (pending, the approver is notified). `approved_by` defaults to
    `default_approver`. An admin's change applies at once (`apply_directly`, by default when the
    admin names no one else); for anyone else `apply_directly=True` is refused."""
    person = person_of(actor)
    goal = Goal.objects.select_for_update().select_related("period", "department").get(pk=goal.pk)
    if person is None or not can_report_on_goal(actor, goal):
        raise PermissionDeniedError(_("Only the goal's owner or a manager can request a target adjustment."))
    admin = is_admin(actor)
    if apply_directly and not admin:
        raise PermissionDeniedError(
            _("Only an admin may change a target without approval; request the change instead."),
            code="not_admin",
            field="apply_directly",
        )
    _check_goal_open(goal)
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if measure.goal_id != goal.pk:
        raise ApplicationError(_("This measure belongs to another goal."), field="measure_id")
    new_value = to_decimal(new_target, "new_target", required=True)
    challenge = _checked_challenge(measure, new_value)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give the reason for the change."), field="reason", code="required")
    if len(reason) > 4000:
        raise ApplicationError(_("The reason can be at most 4,000 characters."), field="reason")
    if apply_directly is None:
        apply_directly = admin and (approved_by is None or approved_by.pk == person.pk)
    approver: Person | None
    if apply_directly:
        approver = person
    else:
        approver = approved_by or default_approver(goal, person)
        if approver is None:
            raise ApplicationError(
                _("Name the manager who approves the change."), field="approved_by_id", code="required"
            )
        if not approver.is_active or not can_approve(approver, goal):
            raise ApplicationError(
                _(
                    "%(name)s cannot approve changes to this goal: choose a manager of its department or "
                    "above, or an admin."
                )
                % {"name": approver.display_name},
                field="approved_by_id",
                code="not_an_approver",
            )
        if approver.pk == person.pk:
            raise ApplicationError(
                _("You cannot approve your own request: choose a manager above you or an admin."),
                field="approved_by_id",
                code="own_request",
            )
        if TargetAdjustment.objects.filter(measure=measure, status=Status.PENDING).exists():
            raise _pending_conflict(measure)
    try:
        with transaction.atomic():
            adjustment = TargetAdjustment(
                goal=goal,
                measure=measure,
                old_target=measure.target,
                new_target=new_value,
                reason=reason,
                trigger=(trigger or "").strip()[:200],
                approved_by=approver,
                created_by=person,
                # An admin's direct change is decided as it is made (never pending, even for a moment).
                status=Status.APPROVED if apply_directly else Status.PENDING,
                applied_directly=bool(apply_directly),
                decided_by=person if apply_directly else None,
                decided_at=timezone.now() if apply_directly else None,
            )
            # One pending request per measure was checked above; its constraint is the backstop.
            validated_save(adjustment, validate_constraints=False)
    except IntegrityError as exc:  # a concurrent request for the same measure won the race
        raise _pending_conflict(measure) from exc
    if apply_directly:
        _apply(adjustment, measure, challenge)
        _notify_later(
            [goal.owner],
            person,
            "adjusted",
            _("%(who)s changed the target of “%(goal)s”: %(measure)s %(old)s → %(new)s")
            % {"who": person.display_name, **_change_text(adjustment, measure)},
            adjustment,
        )
    else:
        _notify_later(
            [approver],
            person,
            "approval",
            _("%(who)s asks you to approve a target change of “%(goal)s”: %(measure)s %(old)s → %(new)s")
            % {"who": person.display_name, **_change_text(adjustment, measure)},
            adjustment,
        )
    return adjustment


def _pending_conflict(measure: Measure) -> ConflictError:
    return ConflictError(
        _("A change of %(measure)s is already waiting for approval: wait for the decision or withdraw it.")
        % {"measure": measure.name},
        code="adjustment_pending",
        field="measure_id",
    )


def _decide(adjustment: TargetAdjustment, person: Person, status: str, comment: str) -> None:
    adjustment.status = status
    adjustment.decided_by = person
    adjustment.decided_at = timezone.now()
    adjustment.decision_comment = comment
    adjustment.save()


def _apply(adjustment: TargetAdjustment, measure: Measure, challenge: Decimal | None) -> None:
    """Change the target: the original target kept, an overtaken challenge cleared, the version bumped,
    the goal and its parents recalculated."""
    if measure.original_target is None:
        measure.original_target = measure.target
    measure.target = adjustment.new_target
    measure.challenge = challenge
    measure.version += 1
    measure._change_reason = adjustment.reason[:100]
    measure.save()
    rollup_from(adjustment.goal)


def _locked(adjustment: TargetAdjustment) -> TargetAdjustment:
    return (
        TargetAdjustment.objects.select_for_update(of=("self",))
        .select_related("goal__department", "goal__period", "goal__owner", "created_by", "approved_by")
        .get(pk=adjustment.pk)
    )


def _check_decider(actor: Actor, adjustment: TargetAdjustment) -> Person:
    person = person_of(actor)
    if person is None:
        raise PermissionDeniedError(_("Your account is not linked to a person in the organisation."))
    if person.pk == adjustment.created_by_id and not is_admin(actor):
        raise PermissionDeniedError(
            _("You cannot decide on your own request: a manager above you or an admin does."),
            code="own_request",
        )
    if not may_decide(actor, adjustment):
        raise PermissionDeniedError(
            _("Only a manager of the goal's department or above, or an admin, decides on target changes."),
            code="not_an_approver",
        )
    if adjustment.status != Status.PENDING:
        raise ConflictError(
            _("This request is already %(status)s.") % {"status": adjustment.get_status_display()},
            code="not_pending",
        )
    return person


@transaction.atomic
def adjustment_approve(*, actor: Actor, adjustment: TargetAdjustment, comment: str = "") -> TargetAdjustment:
    """Approve a pending request: re-validated against the measure as it is now, then the target changes
    and the requester (and the goal's owner) are notified."""
    adjustment = _locked(adjustment)
    person = _check_decider(actor, adjustment)
    comment = (comment or "").strip()
    if len(comment) > 4000:
        raise ApplicationError(_("The comment can be at most 4,000 characters."), field="comment")
    goal = Goal.objects.select_for_update().select_related("period", "department").get(pk=adjustment.goal_id)
    adjustment.goal = goal
    _check_goal_open(goal)
    measure = Measure.objects.select_for_update().get(pk=adjustment.measure_id)
    challenge = _checked_challenge(measure, adjustment.new_target)
    adjustment.old_target = measure.target  # what the approval replaces (may differ from the request's)
    _decide(adjustment, person, Status.APPROVED, comment)
    _apply(adjustment, measure, challenge)
    _notify_later(
        [adjustment.created_by, goal.owner],
        person,
        "approved",
        _("%(who)s approved the target change of “%(goal)s”: %(measure)s %(old)s → %(new)s")
        % {"who": person.display_name, **_change_text(adjustment, measure)},
        adjustment,
    )
    return adjustment


@transaction.atomic
def adjustment_reject(*, actor: Actor, adjustment: TargetAdjustment, comment: str) -> TargetAdjustment:
    """Reject a pending request with a reason; the target stays and the requester is notified."""
    adjustment = _locked(adjustment)
    person = _check_decider(actor, adjustment)
    check_goal_period_open(adjustment.goal)
    comment = (comment or "").strip()
    if not comment:
        raise ApplicationError(
            _("Say why the change is rejected, so the requester knows."), field="comment", code="required"
        )
    if len(comment) > 4000:
        raise ApplicationError(_("The comment can be at most 4,000 characters."), field="comment")
    _decide(adjustment, person, Status.REJECTED, comment)
    _notify_later(
        [adjustment.created_by],
        person,
        "rejected",
        _("%(who)s rejected the target change of “%(goal)s” (%(measure)s %(old)s → %(new)s): %(comment)s")
        % {"who": person.display_name, "comment": comment, **_change_text(adjustment, adjustment.measure)},
        adjustment,
    )
    return adjustment


@transaction.atomic
def adjustment_withdraw(*, actor: Actor, adjustment: TargetAdjustment) -> TargetAdjustment:
    """The requester withdraws a pending request; the approver is told."""
    adjustment = _locked(adjustment)
    person = person_of(actor)
    if person is None or person.pk != adjustment.created_by_id:
        raise PermissionDeniedError(_("Only the requester can withdraw a request."), code="not_requester")
    if adjustment.status != Status.PENDING:
        raise ConflictError(
            _("This request is already %(status)s.") % {"status": adjustment.get_status_display()},
            code="not_pending",
        )
    check_goal_period_open(adjustment.goal)
    adjustment.status = Status.WITHDRAWN
    adjustment.decided_by = person
    adjustment.decided_at = timezone.now()
    adjustment.save()
    _notify_later(
        [adjustment.approved_by],
        person,
        "withdrawn",
        _("%(who)s withdrew the request to change the target of “%(goal)s”: %(measure)s %(old)s → %(new)s")
        % {"who": person.display_name, **_change_text(adjustment, adjustment.measure)},
        adjustment,
    )
    return adjustment
