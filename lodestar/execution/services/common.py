"""Shared by the action-item services: the actor, dates, notifications, feeding the goal's measure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.services import Actor
from lodestar.execution import domain
from lodestar.execution.models import ActionItem, ItemStatus
from lodestar.goals.closing_rules import check_goal_period_open
from lodestar.goals.figures import measure_refresh_current
from lodestar.goals.models import Goal, Measure, live_parts
from lodestar.notifications.services import notify
from lodestar.org.models import Person
from lodestar.org.permissions import require_person


def actor_person(actor: Actor) -> Person:
    person = require_person(actor)
    if person is None:
        raise PermissionDeniedError(_("Your account is not linked to a person in the organisation."))
    return person


def item_goal(item: ActionItem) -> Goal | None:
    """The goal whose period an item belongs to: its own, or its measure's."""
    if item.goal is not None:
        return item.goal
    return item.measure.goal if item.measure is not None else None


def check_item_open(item: ActionItem, field: str = "item_id") -> None:
    """The freeze rule (goals/closing_rules.py) for an item: 422 `period_closed` when its goal is frozen."""
    check_goal_period_open(item_goal(item), field=field)


def check_dates(start: dt.date | None, due: dt.date | None) -> None:
    if domain.dates_problem(start, due):
        raise ApplicationError(
            _("The due date is before the start date."), field="due", code="due_before_start"
        )


def notify_on_commit(
    recipients: Iterable[Person | None], actor: Person | None, verb: str, title: str, item: ActionItem
) -> None:
    recipients = list(recipients)
    if recipients:
        url = f"/execution/items/{item.pk}/"
        transaction.on_commit(
            lambda: notify(recipients=recipients, actor=actor, verb=verb, title=title, url=url)
        )


# --- feeding the goal ---------------------------------------------------------------------


def feed_measure(
    measure_id: int | None, *, change: Decimal = Decimal(0), reported_for: dt.date | None = None
) -> list[int] | None:
    """Hand the linked items' quantities to the measure (goals.figures combines them with its
    own check-ins: see `domain.combined_current`); returns the goal chain rolled up, if any.

    "小红书笔记50篇": every note an item reports as done counts toward the measure, on top of the
    measure's latest own check-in unless that check-in's period already covers it: `change` is
    the item's change reported by a check-in for the period ending `reported_for`; a quantity
    typed on the item itself (no period) counts as reported after any stock-take.
    """
    if not measure_id:
        return None
    measure = (
        Measure.objects.select_for_update(of=("self",)).select_related("goal").filter(pk=measure_id).first()
    )
    if measure is None or live_parts(measure).exists():
        return None
    total = (
        ActionItem.objects.filter(measure_id=measure_id)
        .exclude(status=ItemStatus.CANCELLED)
        .aggregate(total=Sum("actual_quantity"))["total"]
    )
    covered = (
        reported_for is not None
        and measure.stock_take_end is not None
        and reported_for <= measure.stock_take_end
    )
    return measure_refresh_current(
        measure=measure,
        items_total=total if total is not None else Decimal(0),
        items_included_change=change if covered else Decimal(0),
    )
