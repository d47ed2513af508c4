"""What tracking announces to the apps above it (they connect in their AppConfig.ready).

- `checkin_recorded`: a check-in was entered or corrected and the transaction committed.
  Arguments: `checkin_id`, and `chain` (the checked-in goal and its ancestors, just rolled up).
  Sent from `transaction.on_commit(..., robust=True)`: a failing receiver is logged, never turns a
  saved check-in into an error. The alerts app evaluates the rules touching the chain on it.
"""

from django.dispatch import Signal

checkin_recorded = Signal()
