"""Events of the ground floor that higher apps listen to (core imports no app above it)."""

from django.dispatch import Signal

# Sent on commit when a period is closed or reopened, with `period_id` and `is_closed`: the goals of
# that period turn to (or back from) their final status (达成 / 未达成) at once, not at the nightly run.
period_closed_changed = Signal()
