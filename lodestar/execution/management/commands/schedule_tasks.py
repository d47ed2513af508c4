from django.core.management.base import BaseCommand

from lodestar.execution.tasks import ensure_scheduled


class Command(BaseCommand):
    help = "Queue the recurring background jobs (idempotent); the worker then keeps them rescheduled."

    def handle(self, *args, **options):
        queued = ensure_scheduled()
        self.stdout.write("Recurring jobs queued." if queued else "Recurring jobs already queued.")
