"""What goals announce to the apps above them (they connect in their AppConfig.ready).

- `period_closed`: a period — or one department's goals in it — was closed and its snapshots taken,
  and the transaction committed. Arguments: `closing_id` (a `PeriodClosing`). Sent from
  `transaction.on_commit(..., robust=True)`. The retrospectives app opens the reviews due on it.
"""

from django.dispatch import Signal

period_closed = Signal()
