"""`manage.py run_worker`: django-tasks-db's `db_worker`, plus the recovery of tasks left RUNNING by a
worker that died (lodestar/core/worker.py). Same options as `db_worker`; queues default to all."""

from django_tasks_db.management.commands import db_worker

from lodestar.core import worker


class Command(db_worker.Command):
    help = "Run the background task worker; first re-queue the tasks of workers that died."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # host:pid ids let the sweep tell a dead worker of this machine without waiting for the lease.
        parser.set_defaults(worker_id=worker.new_worker_id(), queue_name="*")

    def handle(self, *args, **options):
        counts = worker.requeue_stale()
        if options["verbosity"] and any(counts.values()):
            self.stdout.write(
                f"Re-queued {counts['requeued']} task(s) of dead workers; "
                f"failed {counts['failed']} claimed too often."
            )
        return super().handle(*args, **options)
