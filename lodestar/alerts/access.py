"""Who sees and acts on alerts, and who manages alert rules: the fetch-and-check helpers
(`access_alert`, `access_rule`) that pages and API alike go through."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from lodestar.alerts.models import Alert, AlertRule
from lodestar.core.errors import NotFound, PermissionDeniedError
from lodestar.goals.models import Goal, GoalType
from lodestar.org.models import Department
from lodestar.org.permissions import (
    can_write,
    is_admin,
    managed_paths,
    manages_department,
    person_of,
    require_person,
    subtree_q,
)


def visible_alerts(user):
    """Alerts the user may see: sent to them, about their managed departments' subtrees, or all (admin)."""
    qs = Alert.objects.all()
    if is_admin(user):
        return qs
    person = person_of(user)
    if person is None:
        return qs.none()
    roots = managed_paths(user)
    q = Q(pk__in=Alert.recipients.through.objects.filter(person=person).values("alert"))
    if roots:
        q |= (
            subtree_q(roots, "goal__department__path")
            | subtree_q(roots, "item__department__path")
            | subtree_q(roots, "retrospective__department__path")
        )
    return qs.filter(q)


def alert_department(alert: Alert) -> Department | None:
    if alert.retrospective_id:
        return alert.retrospective.department
    if alert.item_id:
        return alert.item.department
    return alert.goal.department if alert.goal_id else None


def can_act_on_alert(user, alert: Alert) -> bool:
    """A recipient, a manager of the subject's department, or an admin (never a viewer)."""
    if is_admin(user):
        return True
    if not can_write(user):
        return False
    person = person_of(user)
    if person is None:
        return False
    if alert.recipients.filter(pk=person.pk).exists():
        return True
    return manages_department(user, alert_department(alert))


def access_alert(user, alert_id: int, *, act: bool = False) -> Alert:
    require_person(user)
    alert = (
        visible_alerts(user)
        .select_related(
            "rule",
            "goal__department",
            "measure",
            "item__department",
            "retrospective__department",
            "acknowledged_by",
            "resolved_by",
        )
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFound(_("Alert not found."), field="alert_id")
    if act and not can_act_on_alert(user, alert):
        raise PermissionDeniedError(
            _("Only a recipient, a manager of the department or an admin can act on this alert.")
        )
    return alert


def can_manage_rule(user, *, scope: str, department: Department | None, goal: Goal | None) -> bool:
    """Admins any rule; department managers rules for their subtree and for its goals."""
    if is_admin(user):
        return True
    if not can_write(user):
        return False
    if scope == AlertRule.Scope.DEPARTMENT:
        return manages_department(user, department)
    if scope == AlertRule.Scope.GOAL:
        return goal is not None and manages_department(user, goal.department)
    return False


def manageable_rules(user):
    rules = AlertRule.objects.select_related("department", "goal__department", "created_by", "goal_type")
    if is_admin(user):
        return rules
    roots = managed_paths(user)
    if not roots or not can_write(user):
        return rules.none()
    return rules.filter(
        Q(scope=AlertRule.Scope.DEPARTMENT) & subtree_q(roots, "department__path")
        | Q(scope=AlertRule.Scope.GOAL) & subtree_q(roots, "goal__department__path")
    )


def access_rule(user, rule_id: int) -> AlertRule:
    require_person(user)
    rule = manageable_rules(user).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("Alert rule not found."), field="rule_id")
    return rule


def goal_type_for_rule(goal_type_id: int) -> GoalType:
    goal_type = GoalType.objects.filter(pk=goal_type_id, is_active=True).first()
    if goal_type is None:
        raise NotFound(_("Goal type not found."), field="goal_type_id")
    return goal_type
