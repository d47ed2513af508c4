"""The people's actions on an alert: acknowledge, comment, resolve."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.alerts.access import can_act_on_alert
from lodestar.alerts.models import Alert, AlertComment
from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.services import Actor
from lodestar.org.permissions import (
    person_of,
)


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


@transaction.atomic
def alert_acknowledge(*, actor: Actor, alert: Alert) -> Alert:
    if not can_act_on_alert(actor, alert):
        raise PermissionDeniedError(
            _("Only a recipient, a manager of the department or an admin can act on this alert.")
        )
    alert = _locked(alert)
    if alert.status == Alert.Status.RESOLVED:
        raise ConflictError(_("This alert is already resolved."), field="status")
    if alert.status == Alert.Status.OPEN:
        alert.status = Alert.Status.ACKNOWLEDGED
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = person_of(actor)
        alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
    return alert


@transaction.atomic
def alert_comment(*, actor: Actor, alert: Alert, body: str) -> AlertComment:
    if not can_act_on_alert(actor, alert):
        raise PermissionDeniedError(
            _("Only a recipient, a manager of the department or an admin can act on this alert.")
        )
    body = (body or "").strip()
    if not body:
        raise ApplicationError(_("Write a comment."), field="body", code="required")
    if len(body) > 4000:
        raise ApplicationError(_("This text is too long."), field="body")
    person = person_of(actor)
    if person is None:
        raise PermissionDeniedError(_("Your account is not linked to a person in the organisation."))
    return AlertComment.objects.create(alert=alert, author=person, body=body)


@transaction.atomic
def alert_resolve(*, actor: Actor, alert: Alert, comment: str = "") -> Alert:
    if not can_act_on_alert(actor, alert):
        raise PermissionDeniedError(
            _("Only a recipient, a manager of the department or an admin can act on this alert.")
        )
    alert = _locked(alert)
    if alert.status == Alert.Status.RESOLVED:
        return alert
    if comment.strip():
        alert_comment(actor=actor, alert=alert, body=comment)
    person = person_of(actor)
    now = timezone.now()
    alert.status = Alert.Status.RESOLVED
    alert.resolved_at = now
    alert.resolved_by = person
    fields = ["status", "resolved_at", "resolved_by", "updated_at"]
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, person
        fields += ["acknowledged_at", "acknowledged_by"]
    alert.save(update_fields=fields)
    return alert
