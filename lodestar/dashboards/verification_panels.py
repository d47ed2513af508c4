"""The dashboards' cross-verification panel (看板, issue 16; DOMAIN.md §3 "Data authenticity"): per week,
the reported figures of the measures that a source verifies against the source's figures for the same
periods, and the open discrepancies, each linked to its page under /data/verification/.

The pairing is verification's (`lodestar.metrics.verification`), which stores every pair as it compares
them — a reported check-in of a measure bound to a source metric with a verifying use, the metric's
figure for the check-in's own period, flagged or not (`metrics.Comparison`). The panel adds those up per
week in one query, so it reads neither the check-ins nor the daily points.

Who sees what: the pairs and discrepancies of the measures of the scope's goals the reader may see
(`Scope.visible_goal_q_through`: the goals' visibility, as `Scope.goals` and the verification pages'
`visible_discrepancies`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum, Value
from django.utils.translation import gettext as _

from lodestar.core.numbers import amount_str, rate_str
from lodestar.dashboards.read_model import Column, Panel, Scope
from lodestar.metrics import domain as metrics_domain
from lodestar.metrics.models import Comparison, Discrepancy
from lodestar.metrics.verification import VERIFYING_USES

LIST_LIMIT = 10  # open discrepancies listed under the weeks
ZERO = Decimal(0)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def verification_panel(scope: Scope) -> Panel:
    """Per week of the period up to today: how many reported figures have a source figure to compare
    with, their totals on both sides, the difference rate of the totals, the pairs beyond their metric's
    tolerance and the open discrepancies (by the week their period starts); the newest open
    discrepancies listed. Two queries (the stored pairs added up per week with the open discrepancies
    counted by week, the newest of them); one when nothing is open."""
    weeks = metrics_domain.week_periods(scope.period.start, scope.as_of)
    by_week: dict[dt.date, dict] = {
        monday: {"pairs": 0, "reported": ZERO, "source": ZERO, "flagged": 0, "open": 0}
        for monday, _s in weeks
    }
    listed: list[dict] = []
    total_open = 0
    if weeks:
        first, last = weeks[0][0], weeks[-1][1]
        in_scope = scope.visible_goal_q_through("measure__goal__")  # the goals' visibility, as `Scope.goals`
        # Open only while a verifying metric is bound: verification resolves the rest itself.
        discrepancies = Discrepancy.objects.filter(
            in_scope,
            metric__use__in=VERIFYING_USES,
            status=Discrepancy.Status.OPEN,
            period_start__gte=first,
            period_start__lte=last,
        )
        # One query for both counts by week: the stored pairs (kind 0) and the open discrepancies (kind 1).
        pairs = (
            Comparison.objects.filter(in_scope, period_start__gte=first, period_start__lte=last)
            .order_by()
            .values("period_start")
            .annotate(
                kind=Value(0),
                n=Count("pk"),
                reported=Sum("reported"),
                source=Sum("source"),
                flagged=Count("pk", filter=Q(flagged=True)),
            )
        )
        still_open = (
            discrepancies.order_by()
            .values("period_start")
            .annotate(
                kind=Value(1),
                n=Count("pk"),
                reported=Sum("reported"),
                source=Sum("source"),
                flagged=Count("pk"),
            )
        )
        for row in pairs.union(still_open, all=True):
            week = by_week.get(_monday(row["period_start"]))
            if week is None:
                continue
            if row["kind"] == 1:
                week["open"] += row["n"]
                total_open += row["n"]
                continue
            week["pairs"] += row["n"]
            week["flagged"] += row["flagged"]
            # Stored with four places, so their sum has four: SQLite's float SUM is brought back to them.
            week["reported"] += metrics_domain.value_4(row["reported"])
            week["source"] += metrics_domain.value_4(row["source"])
        newest = discrepancies.select_related("measure__goal", "metric__source").order_by(
            "-period_start", "-id"
        )
        for found in newest[:LIST_LIMIT] if total_open else []:
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
