"""Evaluating the alert rules (DOMAIN.md §3): raising alerts and resolving those whose condition
no longer holds.

- `evaluate_rules(today)` runs every active rule (hourly, from the task worker);
  `evaluate_after_checkin(checkin_id)` runs the rules that touch the checked-in goal and the goals
  above it, right after the check-in commits (on `tracking.signals.checkin_recorded`).
- A rule's scope picks its subjects (`subjects`), its condition judges them (`conditions`), its
  recipients come from `recipients`; the messages go out through `messages`.
- An alert is raised at most once per rule and subject (`dedupe_key`) while it is unresolved: the
  partial unique constraint `alert_one_unresolved_per_subject` guarantees it even when two
  workers evaluate at once (the insert runs in a savepoint; the loser's IntegrityError is ignored).
- When the condition no longer holds for a subject, its unresolved alert resolves itself on the same
  evaluation paths, with a note saying why ("条件已不成立：达成率恢复至 85.0%"); `resolved_by` stays empty.
- Texts are rendered in every site language and stored on the alert (`Alert.translations`).

The rest of the app: `escalation` (up the reporting line), `access` (who sees and acts),
`services` (acknowledge, comment, resolve), `rules` (rule CRUD), `reminders` (weekly check-ins).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lodestar.alerts.conditions import ITEM_CONDITIONS, judge
from lodestar.alerts.messages import deliver, in_each_language
from lodestar.alerts.models import Alert, AlertCondition, AlertRule
from lodestar.alerts.recipients import recipients_for
from lodestar.alerts.subjects import Hit
from lodestar.alerts.webhooks import emit_alert
from lodestar.goals.models import Goal
from lodestar.goals.rollup import ancestor_ids
from lodestar.tracking.models import CheckIn


def _raise(rule: AlertRule, hit: Hit, *, checked: bool = False) -> Alert | None:
    """Create the alert unless an unresolved one exists for the rule and subject; queue its delivery.
    `checked`: the caller has just looked for an unresolved one (the partial unique constraint
    still refuses a duplicate that a concurrent evaluation raised in between)."""
    if not checked and (
        Alert.objects.filter(rule=rule, dedupe_key=hit.dedupe_key)
        .exclude(status=Alert.Status.RESOLVED)
        .exists()
    ):
        return None
    people = recipients_for(rule, hit)
    texts = in_each_language(lambda: dict(zip(("subject", "detail"), hit.text(), strict=True)))
    with translation.override(settings.LANGUAGE_CODE):
        subject, detail = hit.text()
    try:
        with transaction.atomic():  # a savepoint: losing the race to another worker is not an error
            alert = Alert.objects.create(
                rule=rule,
                dedupe_key=hit.dedupe_key,
                goal=hit.goal,
                measure=hit.measure,
                item=hit.item,
                retrospective=hit.extra.get("retrospective"),
                subject=subject[:300],
                detail=detail,
                translations={lang: {**t, "subject": t["subject"][:300]} for lang, t in texts.items()},
            )
    except IntegrityError:
        return None
    # A new alert has no recipients yet: insert them without `set()`'s read of the current ones.
    Alert.recipients.through.objects.bulk_create(
        [Alert.recipients.through(alert=alert, person=person) for person in people]
    )
    deliver(
        people=people,
        channels=rule.channels or ["inbox"],
        render=lambda: (alert.local_subject, alert.local_detail),
        alert=alert,
        department=hit.department,
    )
    emit_alert(alert, hit.department)
    return alert


def _fallback_note(condition: str) -> str:
    """Why an alert resolved itself when its subject is no longer judged at all."""
    if condition == AlertCondition.ITEM_OVERDUE:
        return _("The condition no longer holds: the item is done, cancelled or no longer overdue.")
    if condition == AlertCondition.ITEM_BLOCKED:
        return _("The condition no longer holds: the item is no longer blocked.")
    return _(
        "The condition no longer holds: the subject is no longer watched by this rule "
        "(not active, no data, or outside the rule's limits)."
    )


def _resolve_by_itself(alert: Alert, cleared: Hit | None, now: dt.datetime, *, condition: str) -> bool:
    """Resolve an alert whose condition no longer holds, with a note saying why (no person)."""

    def note() -> dict[str, str]:
        return {"resolution_note": cleared.note() if cleared and cleared.note else _fallback_note(condition)}

    notes = in_each_language(note)
    translations = {
        lang: {**(alert.translations or {}).get(lang, {}), **notes.get(lang, {})}
        for lang in {*notes, *(alert.translations or {})}
    }
    site = notes.get(settings.LANGUAGE_CODE) or next(iter(notes.values()))
    # Conditional: a person who resolved it meanwhile keeps their resolution.
    return bool(
        Alert.objects.filter(pk=alert.pk)
        .exclude(status=Alert.Status.RESOLVED)
        .update(
            status=Alert.Status.RESOLVED,
            resolved_at=now,
            resolved_by=None,
            resolution_note=site["resolution_note"],
            translations=translations,
            updated_at=now,
        )
    )


def evaluate_rule(
    rule: AlertRule, *, today: dt.date, now: dt.datetime, only_goals: set[int] | None = None
) -> list[Alert]:
    """Raise the alerts the rule calls for, and resolve (with a note) its unresolved alerts whose
    condition no longer holds; returns the alerts raised."""
    judged = judge(rule, today=today, now=now, only_goals=only_goals)
    if judged is None:
        return []
    unresolved = _unresolved(rule, only_goals)
    raised = []
    hits = [hit for hit in judged if hit.met]
    for hit in hits:
        if hit.dedupe_key in unresolved:
            continue
        alert = _raise(rule, hit, checked=True)
        if alert is not None:
            raised.append(alert)
    still = {hit.dedupe_key for hit in hits}
    cleared = {hit.dedupe_key: hit for hit in judged if not hit.met}
    for key, alert in unresolved.items():
        if key not in still:
            _resolve_by_itself(alert, cleared.get(key), now, condition=rule.condition)
    return raised


def _unresolved(rule: AlertRule, only_goals: set[int] | None) -> dict[str, Alert]:
    """The rule's unresolved alerts by subject (one query); after a check-in, only those of its goals."""
    alerts = Alert.objects.filter(rule=rule).exclude(status=Alert.Status.RESOLVED)
    if only_goals is not None:
        alerts = alerts.filter(goal_id__in=only_goals)
    return {
        alert.dedupe_key: alert
        for alert in alerts.only("pk", "rule_id", "dedupe_key", "status", "translations")
    }


def _active_rules():
    return AlertRule.objects.filter(is_active=True).select_related("department", "goal")


@transaction.atomic
def evaluate_rules(today: dt.date | None = None) -> list[Alert]:
    """Evaluate every active rule; returns the alerts raised."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    raised: list[Alert] = []
    with translation.override(settings.LANGUAGE_CODE):
        for rule in _active_rules():
            raised += evaluate_rule(rule, today=today, now=now)
    return raised


@transaction.atomic
def evaluate_after_checkin(checkin_id: int, *, chain: list[int] | None = None) -> list[Alert]:
    """Evaluate the rules touching the checked-in goal (and the goals its figures roll up to).

    `chain` is the goal and its ancestors when the caller has just rolled them up (saves reading
    them again); otherwise they are found from the check-in.
    """
    if chain is None:
        checkin = CheckIn.objects.select_related("measure__goal", "item__goal").filter(pk=checkin_id).first()
        if checkin is None:
            return []
        goal = checkin.measure.goal if checkin.measure_id else (checkin.item.goal if checkin.item else None)
        if goal is None:
            return []
        chain = ancestor_ids(goal.pk)
    return evaluate_for_chain(chain)


@transaction.atomic
def evaluate_for_goals(goal_ids: list[int]) -> list[Alert]:
    """Evaluate the rules touching these goals and the goals above them (after the cross-verification
    of reported figures changed their discrepancies: `metrics.signals.discrepancies_changed`)."""
    chain: list[int] = []
    for goal_id in goal_ids:
        chain += [pk for pk in ancestor_ids(goal_id) if pk not in chain]
    return evaluate_for_chain(chain) if chain else []


def evaluate_for_chain(chain: list[int]) -> list[Alert]:
    """The rules that touch the goals of `chain`, judged on those goals only."""
    rules = list(_active_rules().exclude(condition__in=ITEM_CONDITIONS))
    paths: list[str] = []
    if any(rule.scope == AlertRule.Scope.DEPARTMENT for rule in rules):
        paths = list(Goal.objects.filter(pk__in=chain).values_list("department__path", flat=True))
    now = timezone.now()
    today = timezone.localdate(now)
    raised: list[Alert] = []
    with translation.override(settings.LANGUAGE_CODE):
        for rule in rules:
            if rule.scope == AlertRule.Scope.DEPARTMENT and not (
                rule.department and any(p.startswith(rule.department.path) for p in paths)
            ):
                continue
            if rule.scope == AlertRule.Scope.GOAL and rule.goal_id not in chain:
                continue
            raised += evaluate_rule(rule, today=today, now=now, only_goals=set(chain))
    return raised
