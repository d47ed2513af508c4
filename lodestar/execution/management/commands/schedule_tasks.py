from django.core.management.base import BaseCommand

from lodestar.execution.tasks import ensure_scheduled
from lodestar.goals.tasks import ensure_scheduled as ensure_goal_tasks_scheduled
from lodestar.tracking.tasks import ensure_scheduled as ensure_alert_tasks_scheduled


class Command(BaseCommand):
    help = "Queue the recurring background jobs (idempotent); the worker then keeps them rescheduled."

    def handle(self, *args, **options):
        queued = ensure_scheduled()
        queued = bool(ensure_alert_tasks_scheduled()) or queued
        queued = ensure_goal_tasks_scheduled() or queued
        self.stdout.write("Recurring jobs queued." if queued else "Recurring jobs already queued.")
