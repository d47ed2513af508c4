"""Helpers of the alert tests: the evaluation day, activating a goal, a check-in and a rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lodestar.alerts import rules as alert_rules
from lodestar.alerts.models import AlertCondition, AlertRule
from lodestar.execution.tests.conftest import user_of
from lodestar.testing import steps
from lodestar.tracking.services import checkin_submit

TODAY = dt.date(2026, 11, 25)


activate = steps.activate


def report(org, measure, cumulative, start=dt.date(2026, 11, 16), days=6, **fields):
    return checkin_submit(
        actor=user_of(org.member),
        measure=measure,
        period_start=start,
        period_end=start + dt.timedelta(days=days),
        cumulative=Decimal(cumulative),
        **fields,
    )


def make_rule(org, **fields):
    fields.setdefault("name", "销售额达成率<80%时自动提醒")
    fields.setdefault("scope", AlertRule.Scope.COMPANY)
    fields.setdefault("condition", AlertCondition.ACHIEVEMENT_BELOW)
    fields.setdefault("threshold", Decimal("0.8"))
    fields.setdefault("recipients", ["owner", "manager"])
    fields.setdefault("channels", ["inbox", "webhook"])
    return alert_rules.rule_create(actor=user_of(org.admin), **fields)
