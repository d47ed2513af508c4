"""The alerts' answers to other apps' signals (connected in `AlertsConfig.ready`)."""

from __future__ import annotations

from lodestar.alerts import evaluation


def evaluate_on_checkin(sender, *, checkin_id: int, chain: list[int] | None = None, **kwargs) -> None:
    """A check-in was recorded (`tracking.signals.checkin_recorded`): evaluate the rules touching
    its goal and the goals its figures roll up to."""
    evaluation.evaluate_after_checkin(checkin_id, chain=chain)


def evaluate_on_discrepancies(sender, *, goal_ids: list[int], **kwargs) -> None:
    """The cross-verification opened, changed or closed discrepancies
    (`metrics.signals.discrepancies_changed`): evaluate the rules touching those goals."""
    evaluation.evaluate_for_goals(list(goal_ids))
