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
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.services import Actor, bump_version, check_version, validated_save
from lodestar.goals.models import Measure
from lodestar.metrics import domain
from lodestar.metrics.models import DataSource, Discrepancy, MetricPoint, SourceMetric, SpotCheck
from lodestar.metrics.signals import discrepancies_changed
from lodestar.metrics.verification_access import can_record_spot_check, can_settle_discrepancy
from lodestar.org.permissions import person_of
from lodestar.tracking.models import CheckIn, CheckInOrigin

VERIFYING_USES = (SourceMetric.Use.VERIFY, SourceMetric.Use.FEED)
NOTE_LIMIT = 4000


def source_figure(
    days: dict[dt.date, Decimal], start: dt.date, end: dt.date, aggregation: str
) -> Decimal | None:
    """The source's figure for a reported period [start, end]: the metric's aggregation of the
    figures of its days (`domain.day_totals`) in it; None when no day of it has data."""
    return domain.aggregate([v for d, v in days.items() if start <= d <= end], aggregation)


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
    for checkin in checkins:
        key = (checkin.period_start, checkin.period_end)
        source = source_figure(days, *key, metric.aggregation)
        if source is None or checkin.actual is None:
            continue
        seen.add(key)
        reported = checkin.actual
        rate = domain.difference_rate(reported, source)
        flagged = domain.is_discrepancy(rate, metric.tolerance)
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
    return changed, {measure.goal_id}


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


def verify_metrics(metric_ids: Iterable[int]) -> set[int]:
    """Re-check the measures bound to these metrics (after an import or a new binding)."""
    measure_ids = SourceMetric.objects.filter(pk__in=list(metric_ids), measure__isnull=False).values_list(
        "measure_id", flat=True
    )
    # The measures these metrics were bound to before (a binding moved) are re-checked too.
    before = Discrepancy.objects.filter(metric_id__in=list(metric_ids)).values_list("measure_id", flat=True)
    return verify_measures({*measure_ids, *before})


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
