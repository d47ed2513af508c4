from django.core.management.base import BaseCommand

from lodestar.goals.rollup import rebuild_all


class Command(BaseCommand):
    help = "Recompute every goal's stored achievement, progress and health from scratch."

    def handle(self, *args, **options):
        count = rebuild_all()
        self.stdout.write(self.style.SUCCESS(f"Rebuilt roll-ups of {count} goals."))
