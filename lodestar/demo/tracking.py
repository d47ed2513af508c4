"""Demo tracking: weekly check-ins with deviation reasons on the content goals, and the alert
rules of DOMAIN.md §3 ("销售额达成率<80%时自动提醒", no check-in for a week) with the alerts they raise."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from lodestar.alerts import evaluation
from lodestar.alerts import rules as alert_rules
from lodestar.goals.models import Goal, GoalType
from lodestar.org.models import Department, Person
from lodestar.tracking.models import DeviationCategory
from lodestar.tracking.services import checkin_submit


def _weeks_back(today: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
    last_sunday = today - dt.timedelta(days=today.weekday() + 1)
    return [
        (last_sunday - dt.timedelta(days=7 * n + 6), last_sunday - dt.timedelta(days=7 * n))
        for n in reversed(range(count))
    ]


def seed_demo_tracking(admin) -> None:
    today = timezone.localdate()
    people = {p.user.username: p for p in Person.objects.select_related("user")}
    categories = {c.code: c for c in DeviationCategory.objects.all()}
    notes = (
        Goal.objects.get(name="小红书笔记50篇").measures.select_related("goal__period").get(name="笔记篇数")
    )
    # The six weeks before today, kept inside the goals' quarter (a check-in outside its goal's
    # period is refused): seeded before the quarter starts, they are its first six weeks.
    period = notes.goal.period
    anchor = min(max(today, period.start + dt.timedelta(weeks=7)), period.end + dt.timedelta(days=1))
    weeks = _weeks_back(anchor, 6)
    # (planned, actual, cumulative, category, reason, improvement, budget) — template 2 of DOMAIN.md.
    rows = [
        (4, 5, 8, None, "", "", None),
        (4, 5, 13, None, "", "", None),
        (7, 5, 18, "partner_delay", "KOL排期延迟,2位博主推迟发布", "增加1位素人博主", Decimal("2000")),
        (4, 4, 22, None, "", "", None),
        (5, 5, 27, None, "", "", None),
        (4, 5, 32, None, "", "3篇笔记爆文,复用选题", None),
    ]
    for (start, end), (planned, actual, cumulative, category, reason, improvement, budget) in zip(
        weeks, rows, strict=True
    ):
        checkin_submit(
            actor=people["chenjing"].user,
            measure=notes,
            period_start=start,
            period_end=end,
            planned=planned,
            actual=actual,
            cumulative=cumulative,
            deviation_category=categories.get(category) if category else None,
            deviation_reason=reason,
            improvement=improvement,
            resource_budget=budget,
            confidence=7,
            comment="",
        )
    views = Goal.objects.get(name="抖音短视频播放量800万").measures.get()
    cumulative = Decimal(0)
    for (start, end), (planned, actual) in zip(
        weeks[-4:],
        [(800000, 1500000), (800000, 1200000), (1000000, 1300000), (1000000, 1200000)],
        strict=True,
    ):
        cumulative += actual
        checkin_submit(
            actor=people["zhoutao"].user,
            measure=views,
            period_start=start,
            period_end=end,
            planned=planned,
            actual=actual,
            cumulative=cumulative,
            confidence=6,
        )

    alert_rules.rule_create(
        actor=admin,
        name="销售额达成率<80%时自动提醒",
        scope="company",
        condition="achievement_below",
        threshold=Decimal("0.8"),
        goal_type=GoalType.objects.get(
            code="sales"
        ),  # against the plan to date (the default), sales goals only
        recipients=["owner", "manager"],
        escalate_after_days=3,
        channels=["inbox"],
    )
    # The 销售额 rule above watches sales only; this one any measure that falls behind its plan.
    alert_rules.rule_create(
        actor=admin,
        name="进度落后计划20%以上时提醒",
        scope="company",
        condition="pace_below",
        threshold=Decimal("0.8"),
        recipients=["owner", "manager"],
        channels=["inbox"],
    )
    alert_rules.rule_create(
        actor=admin,
        name="内容营销部:一周未填报进展",
        scope="department",
        department=Department.objects.get(code="MKT-CONTENT"),
        condition="no_checkin",
        days=7,
        recipients=["owner"],
        channels=["inbox"],
    )
    alert_rules.rule_create(
        actor=admin,
        name="任务逾期3天提醒负责人",
        scope="company",
        condition="item_overdue",
        days=3,
        recipients=["responsible", "accountable"],
        channels=["inbox"],
    )
    evaluation.evaluate_rules(today=today)
