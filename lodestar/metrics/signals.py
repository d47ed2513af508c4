"""Signals of the metrics app.

`points_imported` is sent once per finished import, after its transaction commits (never per row), with:

- ``sender``: the MetricImport class;
- ``import_id``: the import's id;
- ``source_id``: its data source;
- ``metric_ids``: the ids of the SourceMetrics whose points were created or changed (a sorted list);
- ``date_from``, ``date_to``: the first and last date of those points (datetime.date).

The feeding of measures and the cross-verification listen to it to roll the new points up into check-in
periods; an import that changed nothing does not send it.
"""

from django.dispatch import Signal

points_imported = Signal()
