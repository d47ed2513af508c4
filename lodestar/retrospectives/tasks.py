"""Background work of retrospectives, run by the task worker.

- open_due_retrospectives: queued when a period (or one department's goals in it) is closed
  (`goals.signals.period_closed`, sent after the close commits): opens the retrospectives due
  (`services.open_due_for_closing`, rule in `domain.due_reviews`) and notifies their owners
  through the notification channels. Idempotent: a retrospective that exists is left alone.

Overdue retrospectives raise an alert through the alerts engine (condition `retrospective_overdue`,
lodestar/alerts/conditions.py), evaluated hourly with the other rules.
"""

from __future__ import annotations

from django.db import transaction
from django.tasks import task


@task
def open_due_retrospectives(closing_id: int) -> int:
    """Open the retrospectives a period close calls for; returns how many were opened."""
    from lodestar.retrospectives.services import open_due_for_closing

    with transaction.atomic():
        return len(open_due_for_closing(closing_id))


def on_period_closed(sender, *, closing_id: int, **kwargs) -> None:
    """Receiver of `goals.signals.period_closed` (already after commit): queue the worker's run."""
    open_due_retrospectives.enqueue(closing_id)
