"""Recurring items: the worker creates each rule's items as they fall due."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from lodestar.core.services import validated, validated_save
from lodestar.execution.models import ActionItem, RaciAssignment, RaciRole, RecurringItem
from lodestar.goals.closing_rules import goal_is_frozen


def _next_due(rule: RecurringItem, after: dt.date) -> dt.date:
    if rule.frequency == RecurringItem.Frequency.WEEKLY:
        return after + dt.timedelta(days=7)
    month = after.month % 12 + 1
    year = after.year + (1 if after.month == 12 else 0)
    day = min(rule.day_of_month, 28)
    return dt.date(year, month, day)


@transaction.atomic
def generate_recurring_items(*, today: dt.date | None = None) -> int:
    """Create the items of every active recurring rule that is due by `today` (run by the worker).

    Each rule is locked while it is advanced, so two workers never create the same item twice.
    """
    today = today or timezone.localdate()
    created = 0
    for rule in RecurringItem.objects.select_for_update(skip_locked=True).filter(
        is_active=True, next_due__lte=today
    ):
        # A goal frozen by a period close takes no new items: the rule's items go on without it.
        goal = rule.goal if rule.goal is not None and not goal_is_frozen(rule.goal) else None
        while rule.next_due <= today:
            item = ActionItem(
                department=rule.department,
                goal=goal,
                title=rule.title,
                due=rule.next_due,
                start=rule.next_due,
                priority=rule.priority,
                recurrence=rule,
                created_by=rule.created_by,
                accountable=rule.accountable,
                status_changed_at=timezone.now(),
            )
            validated_save(item)
            # One R and one A, each once: the rule's RACI, checked when the rule was saved.
            RaciAssignment.objects.bulk_create(
                [
                    validated(row, validate_constraints=False)
                    for row in (
                        RaciAssignment(item=item, role=RaciRole.RESPONSIBLE, person=rule.responsible),
                        RaciAssignment(item=item, role=RaciRole.ACCOUNTABLE, person=rule.accountable),
                    )
                ]
            )
            created += 1
            rule.next_due = _next_due(rule, rule.next_due)
        rule.save(update_fields=["next_due", "updated_at"])
    return created
