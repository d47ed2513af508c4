"""Background work of the exchange app (inline with the ImmediateBackend in tests).

- run_table_import: checks an uploaded table or, once confirmed, imports it
  (`lodestar.exchange.imports.table_import_run`). Idempotent: a retried task finds the import no longer
  `checking`/`applying` and does nothing.
"""

from __future__ import annotations

from django.tasks import task


@task
def run_table_import(import_id: int) -> str:
    from lodestar.exchange.imports import table_import_run

    return table_import_run(import_id=import_id).status
