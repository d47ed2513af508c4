"""Background work of the metrics app, run by the task worker (inline with the ImmediateBackend in tests).

- run_metric_import: validates an uploaded export and, when clean (or told to skip its bad rows), imports
  it in one transaction (`lodestar.metrics.import_services.metric_import_run`). Idempotent: a retried
  task finds the import no longer `validating` and does nothing.
"""

from __future__ import annotations

from django.tasks import task


@task
def run_metric_import(import_id: int) -> str:
    from lodestar.metrics.import_services import metric_import_run

    return metric_import_run(import_id=import_id).status
