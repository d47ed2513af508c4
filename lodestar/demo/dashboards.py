"""Demo data for the dashboards (看板): when the demo's check-ins were entered.

The demo's check-ins are all written at seed time, so every one of them would look entered weeks
late, and the dashboards' check-in completion (on time = entered by the end of the Monday after the
week) would read 0%. People enter their weekly report on the Monday after the week: this dates each
demo check-in to 10:00 that Monday, except the week whose KOL schedule slipped, reported on the
Wednesday (late), so the panel shows both.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lodestar.tracking.models import CheckIn
from lodestar.tracking.services import completion_refresh

LATE_REASON = "KOL排期延迟"


def seed_demo_checkin_times(*, since: dt.datetime) -> int:
    """Date the check-ins the seed wrote (entered at or after `since`) as they would have been entered;
    returns how many were dated. Check-ins entered before the seed ran are never touched."""
    dated = 0
    seeded = CheckIn.objects.filter(measure__isnull=False, created_at__gte=since)
    measure_ids = set()
    for checkin in seeded.only("pk", "measure_id", "period_end", "deviation_reason"):
        measure_ids.add(checkin.measure_id)
        days = 3 if checkin.deviation_reason.startswith(LATE_REASON) else 1
        entered = timezone.make_aware(
            dt.datetime.combine(checkin.period_end + dt.timedelta(days=days), dt.time(10, 0))
        )
        dated += CheckIn.objects.filter(pk=checkin.pk).update(created_at=min(entered, timezone.now()))
    completion_refresh(measure_ids=measure_ids)  # on time or late is part of the stored roll-up
    return dated
