"""What the metrics app announces (receivers connect in their AppConfig.ready).

- `points_imported`: source points were written and the transaction committed (the import
  pipeline sends it from `transaction.on_commit`). Arguments: `metric_ids` (the SourceMetric ids
  whose points changed), `start` and `end` (the first and last date written, `datetime.date`).
  The metrics app feeds the bound measures and re-checks the reported figures on it.
- `discrepancies_changed`: the cross-verification (数据交叉验证) opened, updated or closed
  discrepancies; argument `goal_ids` (the goals of the measures concerned). The alerts app
  evaluates its rules on those goals (metrics never imports alerts).
"""

from django.dispatch import Signal

points_imported = Signal()
discrepancies_changed = Signal()
