"""The conditions of alert rules (DOMAIN.md §3): each judges a rule's subjects now, as `Hit`s that
meet it (an alert is due) or no longer do (with the note that says why), in the active language.

Achievement rules judge each measure against its plan to date (DOMAIN.md "Alerts on achievement",
`domain.achievement_against_plan`), or against the full target when the rule says so."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.alerts.models import AlertCondition, AlertRule
from lodestar.alerts.subjects import Hit, Text, leaf_measures, named_measures, rule_goals, rule_items
from lodestar.execution.models import ItemStatus
from lodestar.goals.domain import planned_as_level
from lodestar.goals.models import Measure
from lodestar.metrics.models import Discrepancy
from lodestar.retrospectives.models import Retrospective
from lodestar.retrospectives.models import Status as RetrospectiveStatus
from lodestar.tracking import domain
from lodestar.tracking.models import CheckIn
from lodestar.tracking.services import measure_forecast, measure_plan

NEEDS_THRESHOLD = {
    AlertCondition.ACHIEVEMENT_BELOW,
    AlertCondition.PACE_BELOW,
    AlertCondition.FORECAST_BELOW_TARGET,
    AlertCondition.DEVIATION_STREAK,
}


ITEM_CONDITIONS = {AlertCondition.ITEM_OVERDUE, AlertCondition.ITEM_BLOCKED}


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


def plan_to_date(measure: Measure, today: dt.date) -> Decimal:
    """What the measure's plan expects by today: its time-phased plan (`measure_plan`) when one
    is set, else a straight line from the baseline (or 0) at the period start to the target at
    its end, counted in whole days (DOMAIN.md: day 4 of 31 → 4/31). A lower-is-better measure
    without a baseline is a level to stay under, and a level without a baseline (转化率, 客单价:
    `planned_as_level`) a level to hold: their plan is the target all along."""
    if measure.plan_points.all():
        return domain.expected_at(measure_plan(measure), today)
    if measure.baseline is None and (
        measure.direction == "lower" or planned_as_level(measure.accumulates, measure.baseline)
    ):
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
        named_measures(rule, Measure.objects.filter(goal__in=goals, current__isnull=False))
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
    judged = []
    for measure in leaf_measures(goals, rule).prefetch_related("plan_points"):
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
    measures = [m for m in leaf_measures(goals, rule) if m.direction != "range"]
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
    measures = list(leaf_measures(goals, rule))
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
    measures = list(leaf_measures(goals, rule))
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


def _retrospective_overdue(rule, today) -> list[Hit]:
    """Open retrospectives past their due date (by more than `days` when the rule sets it), in the rule's
    scope; the alert goes to the retrospective's owner (recipient "owner") and the department's manager."""
    retrospectives = Retrospective.objects.filter(status=RetrospectiveStatus.OPEN).select_related(
        "owner__user", "department__manager", "department__parent__manager", "goal", "period"
    )
    if rule.scope == AlertRule.Scope.DEPARTMENT:
        if rule.department is None:
            return []
        retrospectives = retrospectives.filter(department__path__startswith=rule.department.path)
    elif rule.scope == AlertRule.Scope.GOAL:
        if rule.goal_id is None:
            return []
        retrospectives = retrospectives.filter(goal__in=_goal_subtree([rule.goal_id]))
    grace = dt.timedelta(days=rule.days or 0)
    hits = []
    for retro in retrospectives.filter(due__lt=today - grace):

        def text(retro=retro):
            return (
                _("Retrospective “%(title)s” is overdue (due %(due)s)")
                % {"title": retro.title, "due": retro.due},
                _("Owner %(owner)s; complete it: write the highlights or problems and the 5 whys.")
                % {"owner": retro.owner.display_name},
            )

        hits.append(
            Hit(
                f"retrospective:{retro.pk}",
                text=text,
                goal=retro.goal,
                extra={"owner": retro.owner, "department": retro.department, "retrospective": retro},
            )
        )
    return hits


def _data_discrepancy(rule, goals) -> list[Hit]:
    """The open discrepancies (数据交叉验证, `lodestar.metrics.verification`) on measures of the
    rule's goals: a reported figure further from the source's than its metric's tolerance. One
    alert per discrepancy; it resolves itself once the discrepancy is explained or resolved (or the
    figures agree again)."""
    found = (
        Discrepancy.objects.filter(measure__in=named_measures(rule, Measure.objects.filter(goal__in=goals)))
        .select_related("measure__goal__department", "measure__goal__owner__user", "metric__source")
        .order_by("period_start", "id")
    )
    judged = []
    for item in found:
        key = f"discrepancy:{item.pk}"
        if item.status != Discrepancy.Status.OPEN:
            judged.append(
                _cleared(
                    key,
                    lambda item=item: (
                        _("The condition no longer holds: the discrepancy is %(status)s.")
                        % {"status": item.get_status_display()}
                    ),
                )
            )
            continue

        def text(item=item):
            names = {
                "goal": item.measure.goal.name,
                "measure": item.measure.name,
                "start": item.period_start.isoformat(),
                "end": item.period_end.isoformat(),
            }
            return (
                _(
                    "%(goal)s · %(measure)s: reported figure differs from the source data (%(start)s – %(end)s)"
                )
                % names,
                _(
                    "Reported %(reported)s, %(source)s says %(value)s: a difference of %(rate)s (tolerance %(tolerance)s)."
                )
                % {
                    "reported": num(item.reported),
                    "source": f"{item.metric.source.name} · {item.metric.name}",
                    "value": num(item.source),
                    "rate": pct(item.difference_rate) if item.difference_rate is not None else "∞",
                    "tolerance": pct(item.tolerance),
                },
            )

        judged.append(Hit(key, text, goal=item.measure.goal, measure=item.measure))
    return judged


def _goal_subtree(root_ids: list[int]) -> set[int]:
    from lodestar.alerts.subjects import _descendant_ids

    return _descendant_ids(root_ids)


def judge(
    rule: AlertRule, *, today: dt.date, now: dt.datetime, only_goals: set[int] | None = None
) -> list[Hit] | None:
    """The subjects the rule judges now: those meeting its condition (`met`) and those it no longer
    holds for. None when the rule judges nothing on this path (so no alert of it may resolve itself).

    `data_discrepancy` judges the open discrepancies the cross-verification keeps
    (`lodestar.metrics.verification`), on the hourly run and when they change.
    """
    condition = rule.condition
    if condition in NEEDS_THRESHOLD and rule.threshold is None:
        return None
    if condition in ITEM_CONDITIONS:
        if only_goals is not None:
            return None  # item conditions do not change with a check-in
        items = rule_items(rule)
        return (
            _item_overdue(rule, items, today)
            if condition == AlertCondition.ITEM_OVERDUE
            else _item_blocked(rule, items, now)
        )
    if condition == AlertCondition.RETROSPECTIVE_OVERDUE:
        # Not a figure: a check-in changes nothing; judged on the hourly run only.
        return None if only_goals is not None else _retrospective_overdue(rule, today)
    goals = rule_goals(rule, only_goals)
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
    if condition == AlertCondition.DATA_DISCREPANCY:
        return _data_discrepancy(rule, goals)
    return None


def hits_for(
    rule: AlertRule, *, today: dt.date, now: dt.datetime, only_goals: set[int] | None = None
) -> list[Hit]:
    """The subjects that meet the rule's condition now."""
    return [hit for hit in judge(rule, today=today, now=now, only_goals=only_goals) or [] if hit.met]
