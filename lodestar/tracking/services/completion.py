"""The stored roll-up of check-in completion (`CheckInCompletion`): its one writer.

Every path that adds, removes or re-dates a measure's check-in calls `completion_refresh` with
the measure (record, correct, delete, restore, source feeding, the demo's entry dates);
`completion_rebuild_all` recomputes every row in SQL (after `rebuild_all()` of the goal figures, and from
the migration that adds the table). Both count through `domain.completion_rows` with the on-time
rule of `domain.late_from`, so the panel that reads the rows and a count of the check-ins agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
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


def _week_periods(
    starts: Iterable[dt.date], periods: Iterable[tuple[int, dt.date, dt.date]]
) -> list[tuple[dt.date, int, dt.date, dt.datetime]]:
    """(period start, covered period holding its week wholly, its Monday, the moment it becomes late)
    per distinct week start and period: what `domain.completion_rows` matches and the deadline
    `late_from_moment` gives `completion_refresh`, worked out once per week in Python (a few hundred
    rows at L) so the SQL joins on equality and time zones stay out of it."""
    periods = list(periods)
    out = []
    for start in sorted(set(starts)):
        monday = domain.week_monday(start)
        sunday = monday + dt.timedelta(days=6)
        deadline = late_from_moment(start)
        out += [
            (start, pk, monday, deadline) for pk, first, last in periods if first <= monday and sunday <= last
        ]
    return out


def insert_completion_rows(
    connection: BaseDatabaseWrapper, weekly: QuerySet, periods: QuerySet, table: str
) -> int:
    """Write every completion row in one `INSERT … SELECT … GROUP BY` (SQLite and PostgreSQL); returns
    the rows written. The same rows as `domain.completion_rows` over `_entries` (tested against
    `completion_refresh`): `weekly` are the live weekly check-ins as (measure_id, period_start,
    created_at), `periods` the covered periods as (pk, start, end), `table` the roll-up's table
    (empty). Also the backfill of migration tracking/0010, with that migration's models.

    The week → period pairs and deadlines come as parameters (`_week_periods`); check-ins are counted
    per measure, period and Monday, then ranked newest week first so the latest week's counts and
    the week before it are read off in the same grouping."""
    weekly = weekly.order_by()
    weeks = _week_periods(
        weekly.values_list("period_start", flat=True).distinct(),
        periods.order_by().values_list("pk", "start", "end"),
    )
    if not weeks:
        return 0
    ops = connection.ops
    # PostgreSQL types VALUES from its literals; SQLite must not CAST a date (NUMERIC affinity).
    date, moment, pk = (
        ("CAST(%s AS date)", "CAST(%s AS timestamptz)", "CAST(%s AS bigint)")
        if connection.vendor == "postgresql"
        else ("%s", "%s", "%s")
    )
    values = ", ".join([f"({date}, {pk}, {date}, {moment})"] * len(weeks))
    week_params: list[Any] = []
    for start, period_id, monday, deadline in weeks:
        week_params += [
            ops.adapt_datefield_value(start),
            period_id,
            ops.adapt_datefield_value(monday),
            ops.adapt_datetimefield_value(deadline),
        ]
    weekly_sql, weekly_params = weekly.values_list(
        "measure_id", "period_start", "created_at"
    ).query.sql_with_params()
    sql = f"""
        INSERT INTO {ops.quote_name(table)} (measure_id, period_id, reported, on_time, last_week,
                                             last_reported, last_on_time, earlier_week)
        WITH weeks (period_start, period_id, monday, deadline) AS (VALUES {values}),
        checkins AS ({weekly_sql}),
        by_week AS (
            SELECT c.measure_id AS measure_id, w.period_id AS period_id, w.monday AS monday, COUNT(*) AS n,
                   SUM(CASE WHEN c.created_at < w.deadline THEN 1 ELSE 0 END) AS o
            FROM checkins c
            JOIN weeks w ON w.period_start = c.period_start
            GROUP BY c.measure_id, w.period_id, w.monday
        ),
        ranked AS (
            SELECT measure_id, period_id, monday, n, o,
                   ROW_NUMBER() OVER (PARTITION BY measure_id, period_id ORDER BY monday DESC) AS rn
            FROM by_week
        )
        SELECT measure_id, period_id, SUM(n), SUM(o),
               MAX(CASE WHEN rn = 1 THEN monday END), MAX(CASE WHEN rn = 1 THEN n END),
               MAX(CASE WHEN rn = 1 THEN o END), MAX(CASE WHEN rn = 2 THEN monday END)
        FROM ranked
        GROUP BY measure_id, period_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*week_params, *weekly_params])
        return cursor.rowcount  # the INSERT comes first: sqlite3 counts only statements it sees as DML


@transaction.atomic
def completion_rebuild_all() -> int:
    """Recompute every completion row from the check-ins in one statement (`insert_completion_rows`);
    returns the rows written. `completion_refresh` counts the same rows in Python, a measure at a time."""
    CheckInCompletion.objects.all().delete()
    return insert_completion_rows(
        connections[CheckInCompletion.objects.db],
        _weekly(),
        Period.objects.filter(kind__in=COVERED_KINDS),
        CheckInCompletion._meta.db_table,
    )


def rebuild_on_figures_rebuilt(**_kwargs: object) -> None:
    """Receiver of goals' `figures_rebuilt`: a full rebuild includes this roll-up."""
    completion_rebuild_all()
