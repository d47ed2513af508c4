"""What goals announce to the apps above them (they connect in their AppConfig.ready).

- `period_closed`: a period — or one department's goals in it — was closed and its snapshots taken,
  and the transaction committed. Arguments: `closing_id` (a `PeriodClosing`). Sent from
  `transaction.on_commit(..., robust=True)`. The retrospectives app opens the reviews due on it.
- `figures_rebuilt`: `rollup.rebuild_all()` has recomputed every stored figure (sent at its end, in
  its transaction if any). Tracking rebuilds its check-in completion roll-up on it.
"""

from django.dispatch import Signal

period_closed = Signal()

# `rollup.rebuild_all()` recomputed every goal's and measure's stored figures. Apps above that keep
# stored roll-ups of their own (tracking's check-in completion) rebuild them on it. No arguments.
figures_rebuilt = Signal()
