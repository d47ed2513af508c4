"""The dashboards' cross-verification panel (看板, issue 16; DOMAIN.md §3 "Data authenticity"): per week,
the reported figures of the measures that a source verifies against the source's figures for the same
periods, and the open discrepancies, each linked to its page under /data/verification/.

The pairing is verification's (`lodestar.metrics.verification`): a reported check-in (origin "reported")
of a measure bound to a source metric with a verifying use (`VERIFYING_USES`) is paired with the
metric's figure for the check-in's own period (`source_figure` over `domain.day_totals`), and the pair is
flagged beyond the metric's tolerance (`domain.difference_rate`, `domain.is_discrepancy`). Here the
days' figures are summed in the database per metric and day (a day's all-channel point wins over its
channels' points, as `day_totals` says) and then over each check-in's days, so one query returns a row
per pair (not every daily point) and the panel reads a constant number of queries.

Who sees what: the measures of the goals of the scope the reader may see (`Scope.goals`, the goals'
visibility), and their discrepancies through `metrics.verification_access.visible_discrepancies` — the
rule of the verification pages.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connections, models
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from lodestar.core.numbers import amount_str, rate_str
from lodestar.metrics import domain as metrics_domain
from lodestar.metrics.models import Discrepancy, MetricPoint, SourceMetric
from lodestar.metrics.verification import VERIFYING_USES
from lodestar.metrics.verification_access import visible_discrepancies
from lodestar.tracking.models import CheckIn, CheckInOrigin

if TYPE_CHECKING:
    from lodestar.dashboards.selectors import Panel, Scope

LIST_LIMIT = 10  # open discrepancies listed under the weeks
ZERO = Decimal(0)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _decimal(connection, field: models.DecimalField) -> Callable[[Any], Decimal]:
    """A raw value or `SUM` of `field` (never NULL here) as Django reads it: PostgreSQL's numeric as it
    is; SQLite's float rounded to 15 digits and to the field's places (as its `Sum` converter does)."""
    if connection.vendor != "sqlite":
        return lambda value: value
    context = decimal.Context(prec=15)
    places = Decimal(1).scaleb(-field.decimal_places)
    return lambda value: context.create_decimal_from_float(float(value)).quantize(places)


def _date(value: dt.date | str) -> dt.date:
    """A date column of a raw row (SQLite gives the text of one inside a CTE)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _pairs(
    bound: QuerySet, first: dt.date, last: dt.date
) -> list[tuple[dt.date, Decimal, str, Decimal, Decimal, int]]:
    """(period start, reported, aggregation, tolerance, sum of the source's days, days with data) per
    reported check-in of a verified measure starting `first`..`last` and metric verifying it, where a
    day of the check-in's own period has data. One query: the days' figures (`domain.day_totals`: a
    day's all-channel point wins over its channels' points added up) are summed per metric and day and
    then over the check-in's days in the database, over the metric's (metric, date) index; the
    source figure is the sum or the mean of them (`source_figure`)."""
    connection = connections[MetricPoint.objects.db]
    checkins = CheckIn.objects.filter(
        measure_id__in=bound.values("measure_id"),
        origin=CheckInOrigin.REPORTED,
        actual__isnull=False,
        period_start__gte=first,
        period_start__lte=last,
    ).order_by()
    checkins_sql, checkins_params = checkins.values_list(
        "pk", "measure_id", "period_start", "period_end", "actual"
    ).query.sql_with_params()
    bound_sql, bound_params = (
        bound.order_by().values_list("pk", "measure_id", "aggregation", "tolerance").query.sql_with_params()
    )
    qn = connection.ops.quote_name
    point = qn(MetricPoint._meta.db_table)
    sql = f"""
        WITH bound (metric_id, measure_id, aggregation, tolerance) AS ({bound_sql}),
        checkins (id, measure_id, period_start, period_end, actual) AS ({checkins_sql}),
        days AS (
            SELECT p.metric_id AS metric_id, p.{qn("date")} AS day,
                   CASE WHEN COUNT(CASE WHEN p.channel_id IS NULL THEN 1 END) > 0
                        THEN SUM(CASE WHEN p.channel_id IS NULL THEN p.value END)
                        ELSE SUM(p.value) END AS total
            FROM {point} p
            WHERE p.metric_id IN (SELECT metric_id FROM bound)
              AND p.{qn("date")} >= %s
              AND p.{qn("date")} <= (SELECT MAX(period_end) FROM checkins)
            GROUP BY p.metric_id, p.{qn("date")}
        )
        SELECT MAX(c.period_start), MAX(c.actual), MAX(b.aggregation), MAX(b.tolerance), SUM(d.total), COUNT(*)
        FROM checkins c
        JOIN bound b ON b.measure_id = c.measure_id
        JOIN days d ON d.metric_id = b.metric_id AND d.day >= c.period_start AND d.day <= c.period_end
        GROUP BY c.id, b.metric_id  -- one check-in and metric: the MAX()es are its own columns
    """
    actual = _decimal(connection, CheckIn._meta.get_field("actual"))
    tolerance = _decimal(connection, SourceMetric._meta.get_field("tolerance"))
    total = _decimal(connection, MetricPoint._meta.get_field("value"))
    date = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [*bound_params, *checkins_params, date(first)])
        rows = cursor.fetchall()
    return [
        (_date(start), actual(reported), aggregation, tolerance(tol), total(days_total), days)
        for start, reported, aggregation, tol, days_total, days in rows
    ]


def verification_panel(scope: Scope) -> Panel:
    """Per week of the period up to today: how many reported figures have a source figure to compare
    with, their totals on both sides, the difference rate of the totals, the pairs beyond their metric's
    tolerance and the open discrepancies (by the week their period starts); the newest open
    discrepancies listed. Four queries (whether a measure is verified, the pairs with their source sums,
    the open discrepancies counted by week, the newest of them); one when no measure of the scope is
    verified."""
    from lodestar.dashboards.selectors import Column, Panel  # selectors lists this panel

    weeks = metrics_domain.week_periods(scope.period.start, scope.as_of)
    first, last = (weeks[0][0], weeks[-1][1]) if weeks else (scope.period.start, scope.period.start)
    bound = SourceMetric.objects.filter(
        measure__goal__in=scope.goals().values("pk"), use__in=VERIFYING_USES, measure__isnull=False
    )
    by_week: dict[dt.date, dict] = {
        monday: {"pairs": 0, "reported": ZERO, "source": ZERO, "flagged": 0, "open": 0}
        for monday, _s in weeks
    }
    listed: list[dict] = []
    total_open = 0
    if bound.exists() and weeks:
        for start, reported, aggregation, tolerance, days_total, days in _pairs(bound, first, last):
            week = by_week.get(_monday(start))
            if week is None:
                continue
            source = days_total / days if aggregation == metrics_domain.MEAN else days_total
            week["pairs"] += 1
            week["reported"] += reported
            week["source"] += source
            rate = metrics_domain.difference_rate(reported, source)
            week["flagged"] += int(metrics_domain.is_discrepancy(rate, tolerance))
        discrepancies = visible_discrepancies(scope.user).filter(
            measure_id__in=bound.values("measure_id"),
            status=Discrepancy.Status.OPEN,
            period_start__gte=first,
            period_start__lte=last,
        )
        for start, n in discrepancies.order_by().values_list("period_start").annotate(n=Count("pk")):
            by_week[_monday(start)]["open"] += n
            total_open += n
        for found in discrepancies.select_related("measure__goal", "metric__source").order_by(
            "-period_start", "-id"
        )[:LIST_LIMIT]:
            listed.append(
                {
                    "discrepancy_id": found.pk,
                    "measure": found.measure.name,
                    "goal_id": found.measure.goal_id,
                    "goal": found.measure.goal.name,
                    "metric": f"{found.metric.source.name} · {found.metric.name}",
                    "period_start": found.period_start.isoformat(),
                    "period_end": found.period_end.isoformat(),
                    "reported": amount_str(found.reported),
                    "source": amount_str(found.source),
                    "difference_rate": rate_str(found.difference_rate),
                }
            )
    rows = []
    if any(w["pairs"] or w["open"] for w in by_week.values()):
        for monday, sunday in weeks:
            week = by_week[monday]
            paired = week["pairs"] > 0
            rows.append(
                {
                    "week": monday.isoformat(),
                    "week_label": f"{monday:%m-%d} – {sunday:%m-%d}",
                    "pairs": week["pairs"],
                    "reported": amount_str(week["reported"]) if paired else None,
                    "source": amount_str(week["source"]) if paired else None,
                    "difference_rate": rate_str(
                        metrics_domain.difference_rate(week["reported"], week["source"])
                    )
                    if paired
                    else None,
                    "flagged": week["flagged"],
                    "open_discrepancies": week["open"],
                }
            )
    return Panel(
        key="verification",
        title=_("Reported vs source"),
        columns=[
            Column("week_label", _("Week")),
            Column("pairs", _("Figures compared"), "int"),
            Column("reported", _("Reported"), "amount"),
            Column("source", _("Source"), "amount"),
            Column("difference_rate", _("Difference rate"), "rate"),
            Column("flagged", _("Beyond tolerance"), "int"),
            Column("open_discrepancies", _("Open discrepancies"), "int"),
        ],
        rows=rows,
        items=listed,
        item_columns=[
            Column("measure", _("Metric"), link="discrepancy"),
            Column("goal", _("Goal"), link="goal"),
            Column("metric", _("Source metric")),
            Column("period_start", _("Period start"), "date"),
            Column("reported", _("Reported"), "amount"),
            Column("source", _("Source"), "amount"),
            Column("difference_rate", _("Difference rate"), "rate"),
        ],
        item_total=total_open,
        note=_(
            "Each reported figure of a measure a data source verifies is compared with the source's figure for "
            "the same period; the week is the one its period starts in. Totals add up the measures' figures "
            "as reported. Open discrepancies link to their pages."
        ),
    )
