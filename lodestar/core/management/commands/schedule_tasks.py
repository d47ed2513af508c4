"""`manage.py schedule_tasks`: queue the first run of every recurring job (idempotent).

Each app registers its own `ensure_scheduled` in its AppConfig.ready() (`core.worker.register_recurring`),
so this command knows no app: the worker then keeps each job rescheduled."""

from django.core.management.base import BaseCommand

from lodestar.core.worker import schedule_recurring


class Command(BaseCommand):
    help = "Queue the recurring background jobs (idempotent); the worker then keeps them rescheduled."

    def handle(self, *args, **options):
        queued = schedule_recurring()
        self.stdout.write("Recurring jobs queued." if queued else "Recurring jobs already queued.")
