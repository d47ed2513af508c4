"""The stored roll-up of check-in completion (`CheckInCompletion`): its one writer.

Every path that adds, removes or re-dates a measure's check-in calls `completion_refresh` with
the measure (record, correct, delete, restore, source feeding, the demo's entry dates);
`completion_rebuild_all` recomputes every row (after `rebuild_all()` of the goal figures, and from
the migration that adds the table). Both count through `domain.completion_rows` with the on-time
rule of `domain.late_from`, so the panel that reads the rows and a count of the check-ins agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from lodestar.core.models import Period, PeriodKind
from lodestar.tracking import domain
from lodestar.tracking.models import CheckIn, CheckInCompletion, CheckInPeriod

# The periods the dashboards offer (`dashboards.selectors.period_choices`); other kinds are counted
# from the check-ins themselves.
COVERED_KINDS = (PeriodKind.YEAR, PeriodKind.QUARTER, PeriodKind.MONTH)
BATCH = 5000


def late_from_moment(period_start: dt.date) -> dt.datetime:
    """The moment a weekly check-in of `period_start` becomes late: the start of `domain.late_from`
    in the site's time zone (what the panel compares `created_at` with)."""
    return timezone.make_aware(dt.datetime.combine(domain.late_from(period_start), dt.time.min))


def _covered_periods() -> list[tuple[int, dt.date, dt.date]]:
    return list(Period.objects.filter(kind__in=COVERED_KINDS).values_list("pk", "start", "end"))


def _entries(rows: Iterable[tuple[int, dt.date, dt.datetime]]) -> list[tuple[int, dt.date, bool]]:
    """(measure, period start, created at) → (measure, period start, on time); one deadline per
    distinct week start."""
    deadlines: dict[dt.date, dt.datetime] = {}
    out = []
    for measure_id, period_start, created_at in rows:
        deadline = deadlines.get(period_start)
        if deadline is None:
            deadline = deadlines[period_start] = late_from_moment(period_start)
        out.append((measure_id, period_start, created_at < deadline))
    return out


def _write(rows: list[domain.CompletionRow]) -> None:
    CheckInCompletion.objects.bulk_create(
        [
            CheckInCompletion(
                measure_id=r.measure_id,
                period_id=r.period_id,
                reported=r.reported,
                on_time=r.on_time,
                last_week=r.last_week,
                last_reported=r.last_reported,
                last_on_time=r.last_on_time,
                earlier_week=r.earlier_week,
            )
            for r in rows
        ],
        batch_size=BATCH,
    )


def _weekly(measure_ids: list[int] | None = None) -> QuerySet:
    """Live weekly check-ins on measures as (measure, period start, created at)."""
    checkins = CheckIn.objects.filter(measure__isnull=False, period_kind=CheckInPeriod.WEEK)
    if measure_ids is not None:
        checkins = checkins.filter(measure_id__in=measure_ids)
    return checkins.values_list("measure_id", "period_start", "created_at")


def completion_refresh(*, measure_ids: Iterable[int | None]) -> None:
    """Recompute the completion rows of these measures from their live weekly check-ins (None ids,
    e.g. an item's check-in, are skipped). Four queries for one measure or a few hundred: the
    periods, the check-ins, delete, insert. Inside the caller's transaction (no savepoint: two
    statements fewer per check-in write), or one of its own."""
    ids = sorted({pk for pk in measure_ids if pk is not None})
    if not ids:
        return
    with transaction.atomic(savepoint=False):
        periods = _covered_periods()
        for start in range(0, len(ids), 500):  # bounded IN lists (SQLite's variable limit)
            chunk = ids[start : start + 500]
            rows = domain.completion_rows(_entries(_weekly(chunk)), periods)
            CheckInCompletion.objects.filter(measure_id__in=chunk).delete()
            _write(rows)


@transaction.atomic
def completion_rebuild_all() -> int:
    """Recompute every completion row from the check-ins; returns the rows written. Reads the
    check-ins in measure order, a batch of measures at a time, so memory stays bounded."""
    periods = _covered_periods()
    CheckInCompletion.objects.all().delete()
    written = 0
    batch: list[tuple[int, dt.date, dt.datetime]] = []
    current = None
    for row in _weekly().order_by("measure_id").iterator(chunk_size=BATCH):
        if row[0] != current and len(batch) >= BATCH:
            rows = domain.completion_rows(_entries(batch), periods)
            _write(rows)
            written += len(rows)
            batch = []
        current = row[0]
        batch.append(row)
    rows = domain.completion_rows(_entries(batch), periods)
    _write(rows)
    return written + len(rows)


def rebuild_on_figures_rebuilt(**_kwargs: object) -> None:
    """Receiver of goals' `figures_rebuilt`: a full rebuild includes this roll-up."""
    completion_rebuild_all()
