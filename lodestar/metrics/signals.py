"""What the metrics app announces (receivers connect in their AppConfig.ready).

`points_imported` is sent once per finished import, after its transaction commits (never per row), with:

- ``sender``: the MetricImport class;
- ``import_id``: the import's id;
- ``source_id``: its data source;
- ``metric_ids``: the ids of the SourceMetrics whose points were created or changed (a sorted list);
- ``date_from``, ``date_to``: the first and last date of those points (datetime.date).

The metrics app feeds the bound measures and re-checks the reported figures on it
(`verification_receivers`); an import that changed nothing does not send it.

`discrepancies_changed`: the cross-verification (数据交叉验证) opened, updated or closed discrepancies;
argument ``goal_ids`` (the goals of the measures concerned). The alerts app evaluates its rules on those
goals (metrics never imports alerts).
"""

from django.dispatch import Signal

points_imported = Signal()
discrepancies_changed = Signal()
