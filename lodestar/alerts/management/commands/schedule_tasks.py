"""`manage.py schedule_tasks`: queue the first run of every recurring job (idempotent).

It lives in the highest app that has recurring jobs, so it may ask each app below for its own; the
knowledge app sits beside alerts (neither imports the other), so its tasks are found by name."""

from importlib import import_module

from django.core.management.base import BaseCommand

from lodestar.alerts import tasks as alert_tasks
from lodestar.core import tasks as core_tasks
from lodestar.core.worker import enqueue_once
from lodestar.execution import tasks as execution_tasks
from lodestar.goals import tasks as goal_tasks
from lodestar.notifications import tasks as notification_tasks


class Command(BaseCommand):
    help = "Queue the recurring background jobs (idempotent); the worker then keeps them rescheduled."

    def handle(self, *args, **options):
        queued = execution_tasks.ensure_scheduled()
        queued = bool(alert_tasks.ensure_scheduled()) or queued
        queued = bool(notification_tasks.ensure_scheduled()) or queued
        queued = enqueue_once(core_tasks.requeue_stale_tasks, reschedule=True) or queued
        queued = goal_tasks.ensure_scheduled() or queued
        queued = import_module("lodestar.knowledge.tasks").ensure_scheduled() or queued
        self.stdout.write("Recurring jobs queued." if queued else "Recurring jobs already queued.")
