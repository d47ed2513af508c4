"""Alerts (DOMAIN.md §3): evaluating the alert rules, raising alerts, escalating them, and the
people's actions on them (acknowledge, comment, resolve).

- `evaluate_rules(today)` runs every active rule (hourly, from the task worker);
  `evaluate_after_checkin(checkin_id)` runs the rules that touch the checked-in goal and the goals
  above it, right after the check-in commits.
- A rule's scope picks its subjects: company (all), department (its subtree), goal (that goal and
  its descendants). Only active goals, and open action items, are judged.
- An alert is raised at most once per rule and subject (`dedupe_key`) while it is unresolved: the
  partial unique constraint `alert_one_unresolved_per_subject` guarantees it even when two
  workers evaluate at once (the insert runs in a savepoint; the loser's IntegrityError is ignored).
- When the condition no longer holds for a subject, its unresolved alert resolves itself on the same
  evaluation paths, with a note saying why ("条件已不成立：达成率恢复至 85.0%"); `resolved_by` stays empty.
- Achievement rules judge each measure against its plan to date (DOMAIN.md "Alerts on achievement",
  `domain.achievement_against_plan`), or against the full target when the rule says so; a rule may
  be limited to a goal type and/or a measure name (销售额).
- Texts are rendered in every site language and stored on the alert (`Alert.translations`); each
  recipient's inbox and e-mail use their own language (`NotificationPreference.language`), group
  chats the site's.
- Recipients come from the rule: `owner` (the goal's owner), `responsible` / `accountable` (the
  item's R and A), `manager` (the manager of the subject's department, or of the nearest
  department above that has one). An alert still open (not acknowledged) after
  `rule.escalate_after_days` goes one level further up the reporting line each time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, NotFound, PermissionDeniedError
from lodestar.core.services import bump_version, check_version
from lodestar.execution.models import ActionItem, ItemStatus, RaciRole
from lodestar.goals.models import Goal, GoalStatus, GoalType, Measure
from lodestar.goals.rollup import ancestor_ids
from lodestar.notifications import delivery
from lodestar.org.models import Department, Person
from lodestar.org.permissions import (
    can_write,
    is_admin,
    managed_paths,
    manages_department,
    person_of,
    require_person,
    subtree_q,
)
from lodestar.tracking import domain
from lodestar.tracking.models import (
    Alert,
    AlertComment,
    AlertCondition,
    AlertRule,
    CheckIn,
    CheckInReminder,
)
from lodestar.tracking.services import measure_forecast

RECIPIENTS = ("owner", "responsible", "accountable", "manager")
CHANNELS = ("inbox", "email", "webhook")
NEEDS_THRESHOLD = {
    AlertCondition.ACHIEVEMENT_BELOW,
    AlertCondition.PACE_BELOW,
    AlertCondition.FORECAST_BELOW_TARGET,
    AlertCondition.DEVIATION_STREAK,
}
NEEDS_DAYS = {AlertCondition.NO_CHECKIN, AlertCondition.ITEM_BLOCKED}
ITEM_CONDITIONS = {AlertCondition.ITEM_OVERDUE, AlertCondition.ITEM_BLOCKED}
OPEN_ITEM_STATUSES = (ItemStatus.TODO, ItemStatus.DOING, ItemStatus.BLOCKED)


Text = Callable[[], tuple[str, str]]


def _no_text() -> tuple[str, str]:
    return "", ""


@dataclass
class Hit:
    """A subject a rule has judged: `met` when it meets the rule's condition (an alert is due),
    otherwise a subject the condition no longer holds for, with the `note` that says why.

    `text` and `note` render in the active language, so every recipient gets their own."""

    dedupe_key: str
    text: Text = _no_text  # → (subject, detail)
    goal: Goal | None = None
    measure: Measure | None = None
    item: ActionItem | None = None
    extra: dict = field(default_factory=dict)
    met: bool = True
    note: Callable[[], str] | None = None

    @property
    def subject(self) -> str:
        return self.text()[0]

    @property
    def detail(self) -> str:
        return self.text()[1]

    @property
    def department(self) -> Department | None:
        if self.item is not None:
            return self.item.department
        return self.goal.department if self.goal is not None else None


def _cleared(dedupe_key: str, note: Callable[[], str]) -> Hit:
    return Hit(dedupe_key, met=False, note=note)


def pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{(value * 100):.1f}%"


def num(value: Decimal | None) -> str:
    """A figure without trailing zeros (150000.0000 → 150000)."""
    if value is None:
        return "—"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- subjects of a rule ---------------------------------------------------------------------


def _descendant_ids(root_ids: list[int]) -> set[int]:
    """The goals and all their descendants (one query per level of the tree)."""
    seen = set(root_ids)
    frontier = list(root_ids)
    while frontier:
        frontier = [
            pk
            for pk in Goal.objects.filter(parent__in=frontier).values_list("pk", flat=True)
            if pk not in seen
        ]
        seen.update(frontier)
    return seen


def _rule_goals(rule: AlertRule, only: set[int] | None = None):
    goals = Goal.objects.filter(status=GoalStatus.ACTIVE)
    if rule.scope == AlertRule.Scope.DEPARTMENT:
        if rule.department is None:
            return goals.none()
        goals = goals.filter(department__path__startswith=rule.department.path)
    elif rule.scope == AlertRule.Scope.GOAL:
        if rule.goal_id is None:
            return goals.none()
        goals = goals.filter(pk__in=_descendant_ids([rule.goal_id]))
    if rule.goal_type_id is not None:
        goals = goals.filter(goal_type_id=rule.goal_type_id)
    if only is not None:
        goals = goals.filter(pk__in=only)
    return goals.select_related("department", "owner__user", "period")


def _rule_items(rule: AlertRule):
    items = ActionItem.objects.filter(status__in=OPEN_ITEM_STATUSES)
    if rule.scope == AlertRule.Scope.DEPARTMENT:
        if rule.department is None:
            return items.none()
        items = items.filter(department__path__startswith=rule.department.path)
    elif rule.scope == AlertRule.Scope.GOAL:
        if rule.goal_id is None:
            return items.none()
        items = items.filter(goal__in=_descendant_ids([rule.goal_id]))
    if rule.goal_type_id is not None:
        items = items.filter(goal__goal_type_id=rule.goal_type_id)
    return items.select_related("department", "goal__owner__user", "accountable__user").prefetch_related(
        "raci__person__user"
    )


def _named(rule: AlertRule | None, measures):
    """Only the measures of the rule's measure name (销售额), when it names one."""
    if rule is not None and rule.measure_name:
        measures = measures.filter(name__iexact=rule.measure_name)
    return measures


def _leaf_measures(goals, rule: AlertRule | None = None):
    """The measures people report on (not those that add up their parts)."""
    return (
        _named(rule, Measure.objects.filter(goal__in=goals))
        # Parts on a deleted goal no longer make their source a sum.
        .exclude(Exists(Measure.objects.filter(source=OuterRef("pk"), goal__deleted_at__isnull=True)))
        .select_related("goal__department", "goal__owner__user", "goal__period")
        .distinct()
    )


# --- conditions ----------------------------------------------------------------------------


def plan_to_date(measure: Measure, today: dt.date) -> Decimal:
    """What the measure's plan expects by today: its time-phased plan (`measure_plan`) when one
    is set, else a straight line from the baseline (or 0) at the period start to the target at
    its end, counted in whole days (DOMAIN.md: day 4 of 31 → 4/31). A lower-is-better measure
    without a baseline is a level to stay under: its plan is the target all along."""
    from lodestar.tracking.services import measure_plan

    if measure.plan_points.all():
        return domain.expected_at(measure_plan(measure), today)
    if measure.direction == "lower" and measure.baseline is None:
        return measure.target
    baseline = measure.baseline if measure.baseline is not None else Decimal(0)
    period = measure.goal.period
    share = domain.linear_share_to_date(period.start, period.end, today)
    return baseline + (measure.target - baseline) * share


def measure_achievement_for_rule(rule: AlertRule, measure: Measure, today: dt.date):
    """(rate, expected by today) as an achievement rule judges a measure: against the plan to date,
    or against the full target when the rule says so (a range measure is always judged on its range)."""
    if measure.current is None:
        return None, None
    if rule.against_full_target or measure.direction == "range":
        return measure.achievement_rate, None
    expected = plan_to_date(measure, today)
    rate = domain.achievement_against_plan(
        measure.current, expected, lower_is_better=measure.direction == "lower", baseline=measure.baseline
    )
    return rate, expected


def _measure_achievement_text(rule, measure, rate, expected) -> Text:
    threshold = rule.threshold

    def text():
        names = {"goal": measure.goal.name, "measure": measure.name, "rate": pct(rate)}
        if expected is None:
            return (
                _("%(goal)s · %(measure)s: achievement %(rate)s is below %(threshold)s")
                % {**names, "threshold": pct(threshold)},
                _("Current %(current)s, target %(target)s.")
                % {"current": num(measure.current), "target": num(measure.target)},
            )
        return (
            _("%(goal)s · %(measure)s: achievement %(rate)s of the plan to date is below %(threshold)s")
            % {**names, "threshold": pct(threshold)},
            _(
                "Current %(current)s against %(expected)s planned by today; %(full)s of the full target %(target)s."
            )
            % {
                "current": num(measure.current),
                "expected": num(expected.quantize(Decimal("0.01"))),
                "full": pct(measure.achievement_rate),
                "target": num(measure.target),
            },
        )

    return text


def _recovered_note(rate, against_plan: bool) -> Callable[[], str]:
    def note():
        if against_plan:
            return _(
                "The condition no longer holds: achievement against the plan to date is back at %(rate)s."
            ) % {"rate": pct(rate)}
        return _("The condition no longer holds: achievement is back at %(rate)s.") % {"rate": pct(rate)}

    return note


def _goal_achievement_text(rule, goal, rate, share) -> Text:
    threshold = rule.threshold

    def text():
        if share is None:
            return (
                _("%(goal)s: achievement %(rate)s is below %(threshold)s")
                % {"goal": goal.name, "rate": pct(rate), "threshold": pct(threshold)},
                _("Achievement rate %(rate)s, progress %(progress)s.")
                % {"rate": pct(goal.achievement_rate), "progress": pct(goal.progress)},
            )
        return (
            _("%(goal)s: achievement %(rate)s of the plan to date is below %(threshold)s")
            % {"goal": goal.name, "rate": pct(rate), "threshold": pct(threshold)},
            _("Achievement rate %(full)s with %(share)s of the period planned by today.")
            % {"full": pct(goal.achievement_rate), "share": pct(share)},
        )

    return text


def _achievement_below(rule, goals, today) -> list[Hit]:
    """Each measure with data against its plan to date (or the full target); a goal without
    measures of its own (an objective over its key results) on its rolled-up achievement
    against the straight-line share of its period."""
    threshold = rule.threshold
    judged: list[Hit] = []
    measures = (
        _named(rule, Measure.objects.filter(goal__in=goals, current__isnull=False))
        .select_related("goal__department", "goal__owner__user", "goal__period")
        .prefetch_related("plan_points")
    )
    for measure in measures:
        rate, expected = measure_achievement_for_rule(rule, measure, today)
        if rate is None:
            continue  # the plan expects nothing yet: nothing can be behind it
        key = f"measure:{measure.pk}"
        if rate >= threshold:
            judged.append(_cleared(key, _recovered_note(rate, expected is not None)))
        else:
            text = _measure_achievement_text(rule, measure, rate, expected)
            judged.append(Hit(key, text, goal=measure.goal, measure=measure))
    if rule.measure_name:
        return judged
    bare = goals.filter(achievement_rate__isnull=False).exclude(
        Exists(Measure.objects.filter(goal=OuterRef("pk")))
    )
    for goal in bare:
        share = None
        rate = goal.achievement_rate
        if not rule.against_full_target:
            share = domain.linear_share_to_date(goal.period.start, goal.period.end, today)
            rate = domain.achievement_against_plan(goal.achievement_rate, share)
        if rate is None:
            continue
        key = f"goal:{goal.pk}"
        if rate >= threshold:
            judged.append(_cleared(key, _recovered_note(rate, share is not None)))
        else:
            judged.append(Hit(key, _goal_achievement_text(rule, goal, rate, share), goal=goal))
    return judged


def _pace_below(rule, goals, today) -> list[Hit]:
    from lodestar.tracking.services import measure_plan

    judged = []
    for measure in _leaf_measures(goals, rule).prefetch_related("plan_points"):
        if measure.current is None or measure.direction == "range":
            continue
        expected = domain.expected_at(measure_plan(measure), today)
        baseline = measure.baseline if measure.baseline is not None else Decimal(0)
        pace = domain.pace(measure.current, expected, baseline)
        if pace is None:
            continue
        key = f"measure:{measure.pk}"
        if pace >= rule.threshold:
            judged.append(
                _cleared(
                    key,
                    lambda pace=pace: (
                        _("The condition no longer holds: pace is back at %(pace)s.") % {"pace": pct(pace)}
                    ),
                )
            )
            continue

        def text(measure=measure, pace=pace, expected=expected):
            return (
                _("%(goal)s · %(measure)s: pace %(pace)s is below %(threshold)s")
                % {
                    "goal": measure.goal.name,
                    "measure": measure.name,
                    "pace": pct(pace),
                    "threshold": pct(rule.threshold),
                },
                _("Current %(current)s, expected by today %(expected)s.")
                % {"current": f"{measure.current:f}", "expected": f"{expected:.2f}"},
            )

        judged.append(Hit(key, text, goal=measure.goal, measure=measure))
    return judged


def _measure_series(measures) -> dict[int, list[CheckIn]]:
    series: dict[int, list[CheckIn]] = {}
    for checkin in CheckIn.objects.filter(measure__in=measures).order_by("period_end", "id"):
        series.setdefault(checkin.measure_id, []).append(checkin)
    return series


def _forecast_below_target(rule, goals, today) -> list[Hit]:
    measures = [m for m in _leaf_measures(goals, rule) if m.direction != "range"]
    series = _measure_series(measures)
    judged = []
    for measure in measures:
        observations = [
            (c.period_end, c.cumulative) for c in series.get(measure.pk, []) if c.cumulative is not None
        ]
        if len(observations) < 2:
            continue
        result = measure_forecast(measure, observations)
        if result is None or result.p_base is None:
            continue
        key = f"measure:{measure.pk}"
        if result.p_base >= rule.threshold:
            judged.append(
                _cleared(
                    key,
                    lambda p=result.p_base: (
                        _("The condition no longer holds: now %(probability)s likely to reach the target.")
                        % {"probability": pct(p)}
                    ),
                )
            )
            continue

        def text(measure=measure, result=result):
            return (
                _("%(goal)s · %(measure)s: %(probability)s likely to reach the target")
                % {"goal": measure.goal.name, "measure": measure.name, "probability": pct(result.p_base)},
                _("Forecast at period end %(expected)s (80%% range %(low)s–%(high)s), target %(target)s.")
                % {
                    "expected": f"{result.expected:.2f}",
                    "low": f"{result.low:.2f}",
                    "high": f"{result.high:.2f}",
                    "target": f"{measure.target:f}",
                },
            )

        judged.append(Hit(key, text, goal=measure.goal, measure=measure))
    return judged


def _no_checkin(rule, goals, today) -> list[Hit]:
    measures = list(_leaf_measures(goals, rule))
    latest = dict(
        CheckIn.objects.filter(measure__in=measures)
        .values("measure")
        .annotate(last=Max("created_at"))
        .values_list("measure", "last")
    )
    judged = []
    for measure in measures:
        last = latest.get(measure.pk)
        since = timezone.localdate(last) if last else measure.goal.period.start
        key = f"measure:{measure.pk}"
        if since > today or (today - since).days < rule.days:
            if last:
                judged.append(
                    _cleared(
                        key,
                        lambda since=since: (
                            _("The condition no longer holds: a check-in on %(date)s.")
                            % {"date": since.isoformat()}
                        ),
                    )
                )
            continue

        def text(measure=measure, since=since, last=last):
            return (
                _("%(goal)s · %(measure)s: no check-in for %(days)s days")
                % {"goal": measure.goal.name, "measure": measure.name, "days": (today - since).days},
                _("Last check-in: %(date)s.") % {"date": since.isoformat() if last else _("none")},
            )

        judged.append(Hit(key, text, goal=measure.goal, measure=measure))
    return judged


def _item_overdue(rule, items, today) -> list[Hit]:
    days = rule.days or 0
    cutoff = today - dt.timedelta(days=days)

    def text(item):
        return lambda: (
            _("%(item)s is overdue (due %(due)s)") % {"item": item.title, "due": item.due.isoformat()},
            _("%(days)s days past the due date.") % {"days": (today - item.due).days},
        )

    return [
        Hit(f"item:{item.pk}", text(item), goal=item.goal, item=item)
        for item in items.filter(due__isnull=False, due__lt=cutoff)
    ]


def _item_blocked(rule, items, now) -> list[Hit]:
    cutoff = now - dt.timedelta(days=rule.days or 0)
    hits = []
    for item in items.filter(status=ItemStatus.BLOCKED).filter(
        Q(status_changed_at__lte=cutoff) | Q(status_changed_at__isnull=True, updated_at__lte=cutoff)
    ):
        since = item.status_changed_at or item.updated_at

        def text(item=item, since=since):
            return (
                _("%(item)s has been blocked for %(days)s days")
                % {"item": item.title, "days": (now - since).days},
                "",
            )

        hits.append(Hit(f"item:{item.pk}", text, goal=item.goal, item=item))
    return hits


def _deviation_streak(rule, goals, today) -> list[Hit]:
    measures = list(_leaf_measures(goals, rule))
    series = _measure_series(measures)
    judged = []
    for measure in measures:
        rows = series.get(measure.pk, [])[-2:]
        rates = [domain.deviation_rate(c.planned, c.actual) for c in rows]
        key = f"measure:{measure.pk}"
        if not domain.consecutive_deviation(rates, rule.threshold):
            if rows:
                judged.append(
                    _cleared(
                        key,
                        lambda rates=rates: (
                            _("The condition no longer holds: deviation %(rates)s.")
                            % {"rates": ", ".join(pct(r) for r in rates)}
                        ),
                    )
                )
            continue

        def text(measure=measure, rates=rates):
            return (
                _("%(goal)s · %(measure)s: behind plan by more than %(threshold)s two periods running")
                % {"goal": measure.goal.name, "measure": measure.name, "threshold": pct(rule.threshold)},
                _("Deviation: %(rates)s.") % {"rates": ", ".join(pct(r) for r in rates)},
            )

        judged.append(Hit(key, text, goal=measure.goal, measure=measure))
    return judged


def judge(
    rule: AlertRule, *, today: dt.date, now: dt.datetime, only_goals: set[int] | None = None
) -> list[Hit] | None:
    """The subjects the rule judges now: those meeting its condition (`met`) and those it no longer
    holds for. None when the rule judges nothing on this path (so no alert of it may resolve itself).

    `data_discrepancy` raises nothing here: the Dashboards issue (data sources and cross-checks)
    fills it in when reported figures are compared with the source data.
    """
    condition = rule.condition
    if condition in NEEDS_THRESHOLD and rule.threshold is None:
        return None
    if condition in ITEM_CONDITIONS:
        if only_goals is not None:
            return None  # item conditions do not change with a check-in
        items = _rule_items(rule)
        return (
            _item_overdue(rule, items, today)
            if condition == AlertCondition.ITEM_OVERDUE
            else _item_blocked(rule, items, now)
        )
    goals = _rule_goals(rule, only_goals)
    if condition == AlertCondition.ACHIEVEMENT_BELOW:
        return _achievement_below(rule, goals, today)
    if condition == AlertCondition.PACE_BELOW:
        return _pace_below(rule, goals, today)
    if condition == AlertCondition.FORECAST_BELOW_TARGET:
        return _forecast_below_target(rule, goals, today)
    if condition == AlertCondition.NO_CHECKIN:
        return _no_checkin(rule, goals, today) if rule.days is not None else None
    if condition == AlertCondition.DEVIATION_STREAK:
        return _deviation_streak(rule, goals, today)
    return None  # DATA_DISCREPANCY: see the docstring


def hits_for(
    rule: AlertRule, *, today: dt.date, now: dt.datetime, only_goals: set[int] | None = None
) -> list[Hit]:
    """The subjects that meet the rule's condition now."""
    return [hit for hit in judge(rule, today=today, now=now, only_goals=only_goals) or [] if hit.met]


# --- recipients and the reporting line ----------------------------------------------------


def department_manager(department: Department | None, *, besides: Person | None = None) -> Person | None:
    """The manager of the department, or of the nearest department above that has one (other than `besides`)."""
    while department is not None:
        manager = department.manager
        if manager is not None and manager.is_active and (besides is None or manager.pk != besides.pk):
            return manager
        department = department.parent
    return None


def one_level_up(person: Person) -> Person | None:
    """The person's direct manager, or else the manager of their department (or the one above)."""
    manager = person.manager
    if manager is not None and manager.is_active and manager.pk != person.pk:
        return manager
    return department_manager(person.department, besides=person)


def _responsible(item: ActionItem) -> list[Person]:
    return [r.person for r in item.raci.all() if r.role == RaciRole.RESPONSIBLE and r.person is not None]


def recipients_for(rule: AlertRule, hit: Hit) -> list[Person]:
    """The rule's recipients for this subject, in rank order (lowest first); the manager when none resolve."""
    wanted = set(rule.recipients or [])
    people: list[Person] = []
    owner = hit.goal.owner if hit.goal is not None else None
    if "responsible" in wanted and hit.item is not None:
        people += _responsible(hit.item)
    if "owner" in wanted and owner is not None:
        people.append(owner)
    if "accountable" in wanted and hit.item is not None and hit.item.accountable is not None:
        people.append(hit.item.accountable)
    manager = department_manager(hit.department)
    if "manager" in wanted and manager is not None:
        people.append(manager)
    if not people and manager is not None:
        people.append(manager)
    unique = {}
    for person in people:
        if person.is_active:
            unique.setdefault(person.pk, person)
    return list(unique.values())


# --- raising -------------------------------------------------------------------------------


def _alert_url(alert: Alert) -> str:
    return reverse("alerts:detail", args=[alert.pk])


def _site_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _in_each_language(render: Callable[[], dict[str, str]]) -> dict[str, dict[str, str]]:
    """`render()` in every language of the site: {"zh-hans": {...}, "en": {...}}."""
    texts = {}
    for language in _site_languages():
        with translation.override(language):
            texts[language] = render()
    return texts


def _deliver(
    *,
    people: list[Person],
    channels: list[str],
    render: Callable[[], tuple[str, str]],
    alert: Alert,
    department: Department | None,
    verb: str = "alert",
) -> None:
    """Queue the alert's messages: each person's inbox and email in their own language (their
    notification preference, else the site's), the group chats in the site's language."""
    pending = []
    personal = [c for c in channels if c != "webhook"]
    if personal:
        by_language: dict[str, list[Person]] = {}
        languages = delivery.languages_of(people)
        for person in people:
            by_language.setdefault(languages[person.pk], []).append(person)
        for language, group in by_language.items():
            with translation.override(language):
                title, body = render()
            pending += delivery.queue(
                recipients=group,
                channels=personal,
                title=title,
                body=body,
                url=_alert_url(alert),
                alert=alert,
                department=department,
                verb=verb,
            )
    if "webhook" in channels:
        with translation.override(settings.LANGUAGE_CODE):
            title, body = render()
        pending += delivery.queue(
            recipients=[],
            channels=["webhook"],
            title=title,
            body=body,
            url=_alert_url(alert),
            alert=alert,
            department=department,
            verb=verb,
        )
    delivery.send_later(pending)


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
    texts = _in_each_language(lambda: dict(zip(("subject", "detail"), hit.text(), strict=True)))
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
    _deliver(
        people=people,
        channels=rule.channels or ["inbox"],
        render=lambda: (alert.local_subject, alert.local_detail),
        alert=alert,
        department=hit.department,
    )
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

    notes = _in_each_language(note)
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


# --- escalation ----------------------------------------------------------------------------


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

            _deliver(
                people=[above],
                channels=alert.rule.channels or ["inbox"],
                render=render,
                alert=alert,
                department=department,
                verb="escalated",
            )
            escalated.append(alert)
    return escalated


# --- who sees and acts on alerts -----------------------------------------------------------


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
        q |= subtree_q(roots, "goal__department__path") | subtree_q(roots, "item__department__path")
    return qs.filter(q)


def alert_department(alert: Alert) -> Department | None:
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
            "rule", "goal__department", "measure", "item__department", "acknowledged_by", "resolved_by"
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


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


@transaction.atomic
def alert_acknowledge(*, actor, alert: Alert) -> Alert:
    if not can_act_on_alert(actor, alert):
        raise PermissionDeniedError(
            _("Only a recipient, a manager of the department or an admin can act on this alert.")
        )
    alert = _locked(alert)
    if alert.status == Alert.Status.RESOLVED:
        from lodestar.core.errors import ConflictError

        raise ConflictError(_("This alert is already resolved."), field="status")
    if alert.status == Alert.Status.OPEN:
        alert.status = Alert.Status.ACKNOWLEDGED
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = person_of(actor)
        alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
    return alert


@transaction.atomic
def alert_comment(*, actor, alert: Alert, body: str) -> AlertComment:
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
def alert_resolve(*, actor, alert: Alert, comment: str = "") -> Alert:
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


# --- rules ---------------------------------------------------------------------------------


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


RULE_FIELDS = (
    "name",
    "scope",
    "department",
    "goal",
    "condition",
    "threshold",
    "days",
    "recipients",
    "escalate_after_days",
    "channels",
    "is_active",
    "against_full_target",
    "goal_type",
    "measure_name",
)


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
def rule_create(*, actor, **fields) -> AlertRule:
    require_person(actor)
    rule = AlertRule(**{k: v for k, v in fields.items() if k in RULE_FIELDS})
    if not rule.channels:
        rule.channels = ["inbox"]
    _clean_rule(rule)
    _check_rule_permission(actor, rule)
    rule.created_by = person_of(actor)
    rule.save()
    return rule


@transaction.atomic
def rule_update(*, actor, rule: AlertRule, version: int | None = None, **fields) -> AlertRule:
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


# --- weekly check-in reminders -------------------------------------------------------------

REMINDER_VERB = "checkin_reminder"


def _week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.isoweekday() - 1)
    return monday, monday + dt.timedelta(days=6)


def people_due_checkin(today: dt.date) -> dict[int, list[Measure]]:
    """Owners of active goals' measures with no check-in for the ISO week of `today` → those measures."""
    monday, sunday = _week_bounds(today)
    reported = CheckIn.objects.filter(period_end__gte=monday, period_start__lte=sunday, measure__isnull=False)
    measures = (
        _leaf_measures(
            Goal.objects.filter(status=GoalStatus.ACTIVE, owner__isnull=False, owner__is_active=True)
        )
        .filter(goal__period__start__lte=sunday, goal__period__end__gte=monday)
        .exclude(pk__in=reported.values("measure"))
    )
    due: dict[int, list[Measure]] = {}
    for measure in measures:
        due.setdefault(measure.goal.owner_id, []).append(measure)
    return due


def send_checkin_reminders(now: dt.datetime | None = None) -> int:
    """Remind each person with due check-ins once a week, at their reminder day and time (Friday
    16:00 by default) or later that week, never inside their quiet hours; returns how many.

    Safe to run twice at once: each reminder first claims its (person, week) row, whose unique
    constraint lets exactly one run through; the other run's insert fails in its savepoint (on
    PostgreSQL it waits for the first run's commit) and it skips that person. Each reminder is
    written in the person's own language (their notification preference, else the site's).
    """
    from lodestar.notifications.models import Notification, NotificationPreference

    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    monday, _sunday = _week_bounds(today)
    week_start = timezone.make_aware(dt.datetime.combine(monday, dt.time.min))
    due = people_due_checkin(today)
    if not due:
        return 0
    preferences = {p.person_id: p for p in NotificationPreference.objects.filter(person__in=due)}
    already = set(
        CheckInReminder.objects.filter(person__in=due, week_start=monday).values_list("person", flat=True)
    ) | set(  # reminders sent before the claims existed
        Notification.objects.filter(
            recipient__in=due, verb=REMINDER_VERB, created_at__gte=week_start
        ).values_list("recipient", flat=True)
    )
    people = {p.pk: p for p in Person.objects.filter(pk__in=due).select_related("user")}
    sent = 0
    for person_id, measures in due.items():
        if person_id in already or person_id not in people:
            continue
        preference = preferences.get(person_id) or NotificationPreference(person_id=person_id)
        reminder_time = preference.reminder_time
        if isinstance(reminder_time, str):
            reminder_time = dt.time.fromisoformat(reminder_time)
        moment = (preference.reminder_weekday, reminder_time)
        if (today.isoweekday(), local.time().replace(tzinfo=None)) < moment:
            continue
        if delivery.quiet_until(preference, now) is not None:
            continue
        if _send_reminder(people[person_id], measures, monday, preference.language or settings.LANGUAGE_CODE):
            sent += 1
    return sent


def _send_reminder(person: Person, measures: list[Measure], monday: dt.date, language: str) -> bool:
    """Claim this week's reminder for the person and queue it; False when another run has it."""
    try:
        with transaction.atomic():
            CheckInReminder.objects.create(person=person, week_start=monday)
            with translation.override(language):
                names = "、".join(f"{m.goal.name} · {m.name}" for m in measures[:5])
                title = _("Weekly check-in due: %(names)s") % {"names": names}
                if len(measures) > 5:
                    title += " " + _("and %(count)s more") % {"count": len(measures) - 5}
                pending = delivery.queue(
                    recipients=[person],
                    channels=["inbox", "email"],
                    title=title,
                    body=_("Please record this week's figures before the weekly meeting."),
                    url=reverse("goals:detail", args=[measures[0].goal_id]),
                    verb=REMINDER_VERB,
                )
    except IntegrityError:
        return False
    delivery.send_later(pending)
    return True
