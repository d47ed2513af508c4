"""Escalation: an alert still open (not acknowledged) after `rule.escalate_after_days` goes one level
further up the reporting line each time, starting from the highest-ranking of its recipients."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lodestar.alerts.messages import deliver
from lodestar.alerts.models import Alert
from lodestar.alerts.recipients import one_level_up, recipients_for
from lodestar.alerts.subjects import Hit
from lodestar.org.models import Person


def _anchor(alert: Alert) -> Person | None:
    """Where the reporting line starts: the highest-ranking of the rule's recipients."""
    hit = Hit(alert.dedupe_key, goal=alert.goal, item=alert.item, measure=alert.measure)
    people = recipients_for(alert.rule, hit)
    return people[-1] if people else None


def top_recipient(alert: Alert) -> Person | None:
    """The person the alert has reached furthest up the reporting line."""
    person = _anchor(alert)
    for _level in range(alert.escalation_level):
        if person is None:
            return None
        person = one_level_up(person)
    return person


@transaction.atomic
def escalate_alerts(now: dt.datetime | None = None) -> list[Alert]:
    """Escalate every alert still open `rule.escalate_after_days` after it was raised (or last escalated)."""
    now = now or timezone.now()
    escalated = []
    candidates = (
        Alert.objects.filter(
            status=Alert.Status.OPEN, rule__escalate_after_days__isnull=False, rule__is_active=True
        )
        .select_related(
            "rule",
            "goal__department",
            "goal__owner",
            "item__department",
            "item__accountable",
            "item__goal__owner",
        )
        .prefetch_related("item__raci__person")
        .select_for_update(of=("self",))
    )
    with translation.override(settings.LANGUAGE_CODE):
        for alert in candidates:
            since = alert.escalated_at or alert.created_at
            if now - since < dt.timedelta(days=alert.rule.escalate_after_days):
                continue
            top = top_recipient(alert)
            above = one_level_up(top) if top is not None else None
            alert.escalated_at = now
            if above is None:
                alert.save(update_fields=["escalated_at", "updated_at"])
                continue  # nobody further up: the alert waits at the top
            alert.escalation_level += 1
            alert.save(update_fields=["escalation_level", "escalated_at", "updated_at"])
            alert.recipients.add(above)
            department = (
                alert.item.department if alert.item_id else (alert.goal.department if alert.goal_id else None)
            )

            def render(alert=alert):
                return (
                    _("Escalated: %(subject)s") % {"subject": alert.local_subject},
                    _("Not acknowledged for %(days)s days.") % {"days": alert.rule.escalate_after_days}
                    + ("\n" + alert.local_detail if alert.local_detail else ""),
                )

            deliver(
                people=[above],
                channels=alert.rule.channels or ["inbox"],
                render=render,
                alert=alert,
                department=department,
                verb="escalated",
            )
            escalated.append(alert)
    return escalated
