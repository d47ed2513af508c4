"""Cross-verification of reported figures (数据交叉验证, DOMAIN.md §3 "Data authenticity").

Where a measure has reported check-ins (`origin` "reported") and a bound source metric (use
"verify", or "feed" for the weeks a person reported anyway), each reported check-in's `actual` is
compared with the source's figure for the same period (the metric's aggregation of its days,
`domain.aggregate`). Beyond the metric's tolerance (`domain.is_discrepancy`) the pair is a
`Discrepancy`, kept up to date whenever either side changes:

- flagged and new → opened; flagged and its figures changed → updated, and opened again if a
  person had explained or resolved the old figures;
- back within tolerance, no source data for the period any more, or the check-in deleted → it
  resolves itself (`resolved_by` empty).

`verify_measures` runs after a check-in is recorded (tracking's `checkin_recorded`), after points
are imported (`points_imported`) and when a metric is bound; what changed is announced with
`signals.discrepancies_changed` so the alert rules ("data discrepancy") are evaluated.

People's actions: `discrepancy_update` (explain or resolve with a note), `spot_check_record`.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.core.bulk import insert_rows
from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.services import Actor, bump_version, check_version, validated_save
from lodestar.goals.models import Measure
from lodestar.metrics import domain
from lodestar.metrics.models import Comparison, DataSource, Discrepancy, MetricPoint, SourceMetric, SpotCheck
from lodestar.metrics.signals import discrepancies_changed
from lodestar.metrics.verification_access import can_record_spot_check, can_settle_discrepancy
from lodestar.org.permissions import person_of
from lodestar.tracking.models import CheckIn, CheckInOrigin

VERIFYING_USES = (SourceMetric.Use.VERIFY, SourceMetric.Use.FEED)
NOTE_LIMIT = 4000


def source_figure(
    days: dict[dt.date, Decimal], ordered: list[dt.date], start: dt.date, end: dt.date, aggregation: str
) -> Decimal | None:
    """The source's figure for a reported period [start, end]: the metric's aggregation of the
    figures of its days (`domain.day_totals`) in it; None when no day of it has data. `ordered`: the
    days sorted, so a year of check-ins finds theirs by bisection."""
    within = ordered[bisect_left(ordered, start) : bisect_right(ordered, end)]
    return domain.aggregate([days[day] for day in within], aggregation)


def compared(
    checkins: Iterable, days: dict[dt.date, Decimal], aggregation: str, tolerance: Decimal
) -> Iterator[tuple[Any, Decimal, Decimal | None, bool]]:
    """(check-in, source figure as stored, difference rate, flagged) for each reported check-in with a
    figure whose period has source data: the pairing rule of the discrepancies and the comparisons."""
    ordered = sorted(days)
    for checkin in checkins:
        if checkin.actual is None:
            continue
        source = source_figure(days, ordered, checkin.period_start, checkin.period_end, aggregation)
        if source is None:
            continue
        rate = domain.difference_rate(checkin.actual, source)
        yield checkin, domain.value_4(source), rate, domain.is_discrepancy(rate, tolerance)


COMPARISON_COLUMNS = [
    "checkin_id",
    "measure_id",
    "metric_id",
    "period_start",
    "period_end",
    "reported",
    "source",
    "flagged",
]


def comparison_of(checkin, metric, source: Decimal, flagged: bool) -> Comparison:
    """The stored pair of a check-in and the metric verifying its measure."""
    return Comparison(
        checkin_id=checkin.pk,
        measure_id=metric.measure_id,
        metric_id=metric.pk,
        period_start=checkin.period_start,
        period_end=checkin.period_end,
        reported=checkin.actual,
        source=source,
        flagged=flagged,
    )


def _compare(metric: SourceMetric, checkins: list[CheckIn], now) -> tuple[bool, set[int]]:
    """Compare the measure's reported check-ins with one metric; returns (changed, goal ids)."""
    measure = metric.measure
    assert measure is not None
    existing = {
        (d.period_start, d.period_end): d for d in Discrepancy.objects.filter(measure=measure, metric=metric)
    }
    days: dict[dt.date, Decimal] = {}
    if checkins:
        first = min(c.period_start for c in checkins)
        last = max(c.period_end for c in checkins)
        days = domain.day_totals(
            MetricPoint.objects.filter(metric=metric, date__gte=first, date__lte=last).values_list(
                "date", "channel_id", "value"
            )
        )
    changed = False
    seen = set()
    pairs: dict[int, Comparison] = {}
    for checkin, source, rate, flagged in compared(checkins, days, metric.aggregation, metric.tolerance):
        key = (checkin.period_start, checkin.period_end)
        seen.add(key)
        reported = checkin.actual
        pairs[checkin.pk] = comparison_of(checkin, metric, source, flagged)
        found = existing.get(key)
        if found is None and not flagged:
            continue
        if found is None:
            Discrepancy.objects.create(
                measure=measure,
                metric=metric,
                checkin=checkin,
                period_start=key[0],
                period_end=key[1],
                reported=reported,
                source=source,
                difference_rate=domain.rate_4(rate),
                tolerance=metric.tolerance,
            )
            changed = True
            continue
        # The source as stored (four places): a mean's unrounded figure would always look moved.
        figures_moved = (found.reported, found.source, found.tolerance) != (
            reported,
            source,
            metric.tolerance,
        )
        status = found.status
        if not flagged:
            status = Discrepancy.Status.RESOLVED
        elif figures_moved and found.status != Discrepancy.Status.OPEN:
            status = Discrepancy.Status.OPEN  # the explanation was about other figures
        if not figures_moved and status == found.status and found.checkin_id == checkin.pk:
            continue
        _set(
            found, now, status=status, reported=reported, source=source, rate=rate, tolerance=metric.tolerance
        )
        found.checkin = checkin
        found.save()
        changed = True
    for key, found in existing.items():
        if key not in seen and found.status != Discrepancy.Status.RESOLVED:
            # No reported figure or no source data for the period any more: nothing left to differ.
            _set(found, now, status=Discrepancy.Status.RESOLVED)
            found.save()
            changed = True
    _store_comparisons(measure, metric, pairs)
    return changed, {measure.goal_id}


COMPARED = ("period_start", "period_end", "reported", "source", "flagged")


def _store_comparisons(measure: Measure, metric: SourceMetric, pairs: dict[int, Comparison]) -> None:
    """Make the measure's stored comparisons with `metric` exactly `pairs` (by check-in): create the
    new ones, update those whose figures moved, delete those whose pair is gone. One query when
    nothing changed."""
    stored = {c.checkin_id: c for c in Comparison.objects.filter(measure=measure, metric=metric)}
    moved = []
    for checkin_id, pair in pairs.items():
        old = stored.get(checkin_id)
        if old is not None and any(getattr(old, f) != getattr(pair, f) for f in COMPARED):
            pair.pk = old.pk
            moved.append(pair)
    if moved:
        Comparison.objects.bulk_update(moved, COMPARED)
    new = [pair for checkin_id, pair in pairs.items() if checkin_id not in stored]
    if new:
        Comparison.objects.bulk_create(new)
    gone = [c.pk for checkin_id, c in stored.items() if checkin_id not in pairs]
    if gone:
        Comparison.objects.filter(pk__in=gone).delete()


def _set(found: Discrepancy, now, *, status, reported=None, source=None, rate=None, tolerance=None) -> None:
    if reported is not None and source is not None:
        found.reported, found.source = reported, source
        found.difference_rate = domain.rate_4(rate)
        found.tolerance = tolerance
    if status != found.status:
        found.status = status
        if status == Discrepancy.Status.OPEN:
            found.resolved_by, found.resolved_at = None, None
        else:
            found.resolved_by, found.resolved_at = None, now  # resolved by itself
    bump_version(found)


@transaction.atomic
def verify_measures(measure_ids: Iterable[int]) -> set[int]:
    """Bring the discrepancies of these measures up to date; returns the goals whose discrepancies
    changed (announced on commit with `discrepancies_changed`)."""
    ids = set(measure_ids)
    if not ids:
        return set()
    metrics = list(
        SourceMetric.objects.filter(measure_id__in=ids, use__in=VERIFYING_USES).select_related("measure")
    )
    by_measure: dict[int | None, list[CheckIn]] = {}
    if metrics:
        reported = CheckIn.objects.filter(
            measure_id__in={m.measure_id for m in metrics}, origin=CheckInOrigin.REPORTED
        ).order_by("period_start", "id")
        for checkin in reported:
            by_measure.setdefault(checkin.measure_id, []).append(checkin)
    # A measure no longer bound keeps no open discrepancy of the metric it left.
    now = timezone.now()
    goals: set[int] = set()
    for metric in metrics:
        changed, goal_ids = _compare(metric, by_measure.get(metric.measure_id, []), now)
        if changed:
            goals |= goal_ids
    # Comparisons with metrics that no longer verify these measures go (a metric unbound or re-bound).
    Comparison.objects.filter(measure_id__in=ids).exclude(metric__in=[m.pk for m in metrics]).delete()
    stale = (
        Discrepancy.objects.filter(measure_id__in=ids)
        .exclude(status=Discrepancy.Status.RESOLVED)
        .exclude(metric__in=[m.pk for m in metrics])
        .select_related("measure")
    )
    for found in stale:
        _set(found, now, status=Discrepancy.Status.RESOLVED)
        found.save()
        goals.add(found.measure.goal_id)
    if goals:
        transaction.on_commit(
            lambda: discrepancies_changed.send(sender=Discrepancy, goal_ids=sorted(goals)), robust=True
        )
    return goals


def rebuild_comparisons(models=None, batch: int = 200) -> int:
    """Every stored comparison from scratch (a migration's backfill, `lodestar rebuild`, the bench's
    generated organisation): the same pairing as `verify_measures`, metric by metric, without touching
    the discrepancies. `models`: (SourceMetric, CheckIn, MetricPoint, Comparison) of a migration.
    Returns the pairs written."""
    metric_model, checkin_model, point_model, comparison_model = models or (
        SourceMetric,
        CheckIn,
        MetricPoint,
        Comparison,
    )
    comparison_model.objects.all().delete()
    metrics = list(
        metric_model.objects.filter(measure__isnull=False, use__in=VERIFYING_USES).order_by(
            "measure_id", "pk"
        )
    )
    written = 0
    for start in range(0, len(metrics), batch):
        chunk = metrics[start : start + batch]
        checkins: dict[Any, list] = {}
        for checkin in (
            checkin_model.objects.filter(
                measure_id__in={m.measure_id for m in chunk},
                origin=CheckInOrigin.REPORTED,
                actual__isnull=False,
                deleted_at__isnull=True,
            )
            .only("pk", "measure_id", "period_start", "period_end", "actual")
            .order_by("period_start", "pk")
        ):
            checkins.setdefault(checkin.measure_id, []).append(checkin)
        points: dict[int, list] = {}
        for metric_id, day, channel_id, value in point_model.objects.filter(
            metric_id__in=[m.pk for m in chunk]
        ).values_list("metric_id", "date", "channel_id", "value"):
            points.setdefault(metric_id, []).append((day, channel_id, value))
        pairs = [
            (
                checkin.pk,
                metric.measure_id,
                metric.pk,
                checkin.period_start,
                checkin.period_end,
                checkin.actual,
                source,
                flagged,
            )
            for metric in chunk
            for checkin, source, _rate, flagged in compared(
                checkins.get(metric.measure_id, []),
                domain.day_totals(points.get(metric.pk, [])),
                metric.aggregation,
                metric.tolerance,
            )
        ]
        insert_rows(comparison_model, COMPARISON_COLUMNS, pairs)
        written += len(pairs)
    return written


def verify_metrics(metric_ids: Iterable[int]) -> set[int]:
    """Re-check the measures bound to these metrics (after an import or a new binding)."""
    measure_ids = SourceMetric.objects.filter(pk__in=list(metric_ids), measure__isnull=False).values_list(
        "measure_id", flat=True
    )
    # The measures these metrics were bound to before (a binding moved) are re-checked too.
    before = Discrepancy.objects.filter(metric_id__in=list(metric_ids)).values_list("measure_id", flat=True)
    compared = Comparison.objects.filter(metric_id__in=list(metric_ids)).values_list("measure_id", flat=True)
    return verify_measures({*measure_ids, *before, *compared})


# --- people's actions ----------------------------------------------------------------------------


@transaction.atomic
def discrepancy_update(
    *,
    actor: Actor,
    discrepancy: Discrepancy,
    status: str | None = None,
    note: str | None = None,
    version: int | None,
) -> Discrepancy:
    """Explain (a reason for the difference) or resolve (the figure was corrected) a discrepancy, or
    open it again, with a note; only with the version read (409 otherwise)."""
    found = (
        Discrepancy.objects.select_for_update(of=("self",))
        .select_related("measure__goal__department")
        .get(pk=discrepancy.pk)
    )
    if not can_settle_discrepancy(actor, found):
        raise PermissionDeniedError(
            _("Only the goal's owner, a manager or an admin can settle a discrepancy.")
        )
    check_version(found, version)
    if status is not None and status not in Discrepancy.Status.values:
        raise ApplicationError(_("Choose open, explained or resolved."), field="status")
    if note is not None:
        note = note.strip()
        if len(note) > NOTE_LIMIT:
            raise ApplicationError(_("This text is too long."), field="note")
        found.note = note
    if status == Discrepancy.Status.EXPLAINED and not (found.note or "").strip():
        raise ApplicationError(_("Say why the figures differ."), field="note", code="required")
    if status is not None and status != found.status:
        found.status = status
        if status == Discrepancy.Status.OPEN:
            found.resolved_by, found.resolved_at = None, None
        else:
            found.resolved_by, found.resolved_at = person_of(actor), timezone.now()
    bump_version(found)
    found.save()
    goal_id = found.measure.goal_id
    transaction.on_commit(
        lambda: discrepancies_changed.send(sender=Discrepancy, goal_ids=[goal_id]), robust=True
    )
    return found


@transaction.atomic
def spot_check_record(
    *,
    actor: Actor,
    source: DataSource,
    period_start: dt.date,
    period_end: dt.date,
    result: str,
    metric: SourceMetric | None = None,
    measure: Measure | None = None,
    note: str = "",
    checked_at: dt.datetime | None = None,
) -> SpotCheck:
    """Record who checked which source (or which measure's figures) for which period, and the result."""
    person = person_of(actor)
    if person is None or not can_record_spot_check(actor):
        raise PermissionDeniedError(_("Only managers and admins record spot checks."))
    if metric is not None and metric.source_id != source.pk:
        raise ApplicationError(_("This metric belongs to another source."), field="metric_id")
    if result not in SpotCheck.Result.values:
        raise ApplicationError(_("Choose ok or mismatch."), field="result")
    if period_end < period_start:
        raise ApplicationError(_("The period ends before it starts."), field="period_end")
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise ApplicationError(_("This text is too long."), field="note")
    return validated_save(
        SpotCheck(
            source=source,
            metric=metric,
            measure=measure,
            checked_by=person,
            checked_at=checked_at or timezone.now(),
            period_start=period_start,
            period_end=period_end,
            result=result,
            note=note,
        )
    )
