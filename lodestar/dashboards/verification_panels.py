"""The dashboards' cross-verification panel (看板, issue 16; DOMAIN.md §3 "Data authenticity"): per week,
the reported figures of the measures that a source verifies against the source's figures for the same
periods, and the open discrepancies, each linked to its page under /data/verification/.

The pairing is verification's (`lodestar.metrics.verification`): a reported check-in (origin "reported")
of a measure bound to a source metric with a verifying use (`VERIFYING_USES`) is paired with the
metric's figure for the check-in's own period (`source_figure` over `domain.day_totals`), and the pair is
flagged beyond the metric's tolerance (`domain.difference_rate`, `domain.is_discrepancy`). Here the
days' figures are summed in the database per metric and day (a day's all-channel point wins over its
channels' points, as `day_totals` says), so the panel reads a constant number of queries.

Who sees what: the measures of the goals of the scope the reader may see (`Scope.goals`, the goals'
visibility), and their discrepancies through `metrics.verification_access.visible_discrepancies` — the
rule of the verification pages.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from lodestar.core.numbers import amount_str, rate_str
from lodestar.metrics import domain as metrics_domain
from lodestar.metrics.models import Discrepancy, MetricPoint, SourceMetric
from lodestar.metrics.verification import VERIFYING_USES, source_figure
from lodestar.metrics.verification_access import visible_discrepancies
from lodestar.tracking.models import CheckIn, CheckInOrigin

if TYPE_CHECKING:
    from lodestar.dashboards.selectors import Panel, Scope

LIST_LIMIT = 10  # open discrepancies listed under the weeks
ZERO = Decimal(0)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _day_figures(metric_ids: list[int], first: dt.date, last: dt.date) -> dict[int, dict[dt.date, Decimal]]:
    """Each metric's figure per day between `first` and `last` (`domain.day_totals` of the day's sums:
    the all-channel point when there is one, else the channels' points added up). One query."""
    by_metric: dict[int, list[tuple[dt.date, int | None, Decimal]]] = {}
    for metric_id, day, overall, channels in (
        MetricPoint.objects.filter(metric_id__in=metric_ids, date__gte=first, date__lte=last)
        .order_by()
        .values("metric_id", "date")
        .annotate(
            overall=Sum("value", filter=Q(channel__isnull=True)),
            channels=Sum("value", filter=Q(channel__isnull=False)),
        )
        .values_list("metric_id", "date", "overall", "channels")
    ):
        point = (day, None, overall) if overall is not None else (day, 0, channels)
        by_metric.setdefault(metric_id, []).append(point)
    return {metric_id: metrics_domain.day_totals(points) for metric_id, points in by_metric.items()}


def verification_panel(scope: Scope) -> Panel:
    """Per week of the period up to today: how many reported figures have a source figure to compare
    with, their totals on both sides, the difference rate of the totals, the pairs beyond their metric's
    tolerance and the open discrepancies (by the week their period starts); the newest open
    discrepancies listed. Five queries (bound metrics, reported check-ins, the days' sums, the open
    discrepancies counted by week, the newest of them); one when no measure of the scope is verified."""
    from lodestar.dashboards.selectors import Column, Panel  # selectors lists this panel

    weeks = metrics_domain.week_periods(scope.period.start, scope.as_of)
    first, last = (weeks[0][0], weeks[-1][1]) if weeks else (scope.period.start, scope.period.start)
    bound = SourceMetric.objects.filter(
        measure__goal__in=scope.goals().values("pk"), use__in=VERIFYING_USES, measure__isnull=False
    )
    metrics = list(bound.order_by("pk").values_list("pk", "measure_id", "aggregation", "tolerance"))
    by_week: dict[dt.date, dict] = {
        monday: {"pairs": 0, "reported": ZERO, "source": ZERO, "flagged": 0, "open": 0}
        for monday, _s in weeks
    }
    listed: list[dict] = []
    total_open = 0
    if metrics and weeks:
        checkins = list(
            CheckIn.objects.filter(
                measure_id__in={measure_id for _m, measure_id, _a, _t in metrics},
                origin=CheckInOrigin.REPORTED,
                actual__isnull=False,
                period_start__gte=first,
                period_start__lte=last,
            )
            .order_by()
            .values_list("measure_id", "period_start", "period_end", "actual")
        )
        days = (
            _day_figures(
                [pk for pk, *_rest in metrics],
                min(c[1] for c in checkins),
                max(c[2] for c in checkins),
            )
            if checkins
            else {}
        )
        metrics_of: dict[int, list[tuple[int, str, Decimal]]] = {}
        for pk, measure_id, aggregation, tolerance in metrics:
            metrics_of.setdefault(measure_id, []).append((pk, aggregation, tolerance))
        for measure_id, start, end, reported in checkins:
            week = by_week.get(_monday(start))
            if week is None:
                continue
            for metric_id, aggregation, tolerance in metrics_of.get(measure_id, []):
                source = source_figure(days.get(metric_id, {}), start, end, aggregation)
                if source is None:
                    continue
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
