"""Alert rules: their validation and create / update / delete (admins any rule; department
managers rules for their subtree and its goals)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from django.db import transaction
from django.utils.translation import gettext as _

from lodestar.alerts.access import can_manage_rule
from lodestar.alerts.conditions import ITEM_CONDITIONS, NEEDS_THRESHOLD
from lodestar.alerts.models import AlertCondition, AlertRule
from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.services import Actor, bump_version, check_version
from lodestar.org.permissions import (
    person_of,
    require_person,
)

if TYPE_CHECKING:
    from lodestar.goals.models import Goal, GoalType
    from lodestar.org.models import Department

RECIPIENTS = ("owner", "responsible", "accountable", "manager")


CHANNELS = ("inbox", "email", "webhook")


NEEDS_DAYS = {AlertCondition.NO_CHECKIN, AlertCondition.ITEM_BLOCKED}


class RuleFields(TypedDict, total=False):
    """What a rule's form or API payload may set (an update sets only what it names)."""

    name: str
    scope: str
    department: Department | None
    goal: Goal | None
    condition: str
    threshold: Decimal | str | None
    days: int | None
    recipients: list[str]
    escalate_after_days: int | None
    channels: list[str]
    is_active: bool
    against_full_target: bool
    goal_type: GoalType | None
    measure_name: str


RULE_FIELDS = tuple(RuleFields.__annotations__)


def _decimal(value, field_name: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(_("Enter a number."), field=field_name) from exc
    if not number.is_finite():
        raise ApplicationError(_("Enter a number."), field=field_name)
    return number


def _clean_rule(rule: AlertRule) -> None:
    rule.name = (rule.name or "").strip()
    if not rule.name:
        raise ApplicationError(_("Enter a name."), field="name", code="required")
    if len(rule.name) > 100:
        raise ApplicationError(_("This text is too long."), field="name")
    if rule.scope not in AlertRule.Scope.values:
        raise ApplicationError(_("Choose company, department or goal."), field="scope")
    if rule.condition not in AlertCondition.values:
        raise ApplicationError(_("Choose a condition."), field="condition")
    if rule.scope == AlertRule.Scope.COMPANY:
        rule.department, rule.goal = None, None
    elif rule.scope == AlertRule.Scope.DEPARTMENT:
        rule.goal = None
        if rule.department is None:
            raise ApplicationError(_("Choose the department."), field="department_id", code="required")
    else:
        rule.department = None
        if rule.goal is None:
            raise ApplicationError(_("Choose the goal."), field="goal_id", code="required")
    rule.threshold = _decimal(rule.threshold, "threshold")
    if rule.condition in NEEDS_THRESHOLD:
        if rule.threshold is None:
            raise ApplicationError(_("Enter the threshold."), field="threshold", code="required")
        if not Decimal(0) <= rule.threshold <= Decimal(10):
            raise ApplicationError(
                _("The threshold is a fraction: 0.8 means 80%."), field="threshold", code="out_of_range"
            )
    # Only an achievement rule chooses between the plan to date and the full target.
    rule.against_full_target = bool(rule.against_full_target) and (
        rule.condition == AlertCondition.ACHIEVEMENT_BELOW
    )
    rule.measure_name = " ".join((rule.measure_name or "").split())
    if len(rule.measure_name) > 100:
        raise ApplicationError(_("This text is too long."), field="measure_name")
    if rule.measure_name and rule.condition in ITEM_CONDITIONS:
        raise ApplicationError(
            _("A measure name limits only the conditions on measures and goals; leave it empty here."),
            field="measure_name",
            code="not_applicable",
        )
    if rule.condition in NEEDS_DAYS and rule.days is None:
        raise ApplicationError(_("Enter the number of days."), field="days", code="required")
    for name in ("days", "escalate_after_days"):
        value = getattr(rule, name)
        if value in ("", None):
            setattr(rule, name, None)
            continue
        try:
            value = int(value)
        except (TypeError, ValueError) as exc:
            raise ApplicationError(_("Enter a whole number of days."), field=name) from exc
        if not 0 <= value <= 3650 or (name == "escalate_after_days" and value < 1):
            raise ApplicationError(_("Enter a whole number of days."), field=name, code="out_of_range")
        setattr(rule, name, value)
    recipients = list(dict.fromkeys(rule.recipients or []))
    if not recipients or any(r not in RECIPIENTS for r in recipients):
        raise ApplicationError(_("Choose who receives the alert."), field="recipients")
    rule.recipients = recipients
    channels = list(dict.fromkeys(rule.channels or []))
    if not channels or any(c not in CHANNELS for c in channels):
        raise ApplicationError(_("Choose at least one channel."), field="channels")
    rule.channels = channels


def _check_rule_permission(actor, rule: AlertRule) -> None:
    if not can_manage_rule(actor, scope=rule.scope, department=rule.department, goal=rule.goal):
        if rule.scope == AlertRule.Scope.COMPANY:
            raise PermissionDeniedError(_("Only an admin can set company-wide alert rules."))
        raise PermissionDeniedError(
            _("Only an admin or a manager of the department can set this alert rule.")
        )


@transaction.atomic
def rule_create(*, actor: Actor, **fields: Unpack[RuleFields]) -> AlertRule:
    require_person(actor)
    values: dict[str, Any] = {k: v for k, v in fields.items() if k in RULE_FIELDS}
    rule = AlertRule(**values)
    if not rule.channels:
        rule.channels = ["inbox"]
    _clean_rule(rule)
    _check_rule_permission(actor, rule)
    rule.created_by = person_of(actor)
    rule.save()
    return rule


@transaction.atomic
def rule_update(
    *, actor: Actor, rule: AlertRule, version: int | None = None, **fields: Unpack[RuleFields]
) -> AlertRule:
    # of=self: PostgreSQL cannot lock the nullable sides (department, goal) of the outer joins.
    rule = (
        AlertRule.objects.select_for_update(of=("self",)).select_related("department", "goal").get(pk=rule.pk)
    )
    _check_rule_permission(actor, rule)
    check_version(rule, version)
    for key, value in fields.items():
        if key in RULE_FIELDS:
            setattr(rule, key, value)
    _clean_rule(rule)
    _check_rule_permission(actor, rule)  # and for where it now points
    bump_version(rule)
    rule.save()
    return rule


@transaction.atomic
def rule_delete(*, actor, rule: AlertRule) -> None:
    _check_rule_permission(actor, rule)
    rule.delete()
