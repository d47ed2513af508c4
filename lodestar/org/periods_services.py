"""Writes for company settings and fiscal periods (admins only)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from lodestar.core.domain import periods as calendar
from lodestar.core.errors import ApplicationError, ConflictError
from lodestar.core.models import CompanySettings, Period, PeriodKind
from lodestar.core.services import Actor, bump_version, check_version
from lodestar.core.signals import period_closed_changed
from lodestar.org.permissions import require_admin


@transaction.atomic
def company_settings_update(
    *, actor: Actor, company_name: str, fiscal_year_start_month: int, version: int | None = None
) -> CompanySettings:
    require_admin(actor)
    if not 1 <= fiscal_year_start_month <= 12:
        raise ApplicationError(
            _("The start month must be between 1 and 12."), field="fiscal_year_start_month"
        )
    CompanySettings.load()  # the single row exists before it can be locked
    settings_row = CompanySettings.objects.select_for_update().get(pk=1)
    check_version(settings_row, version)
    settings_row.company_name = company_name.strip()
    settings_row.fiscal_year_start_month = fiscal_year_start_month
    bump_version(settings_row)
    settings_row.save()
    return settings_row


@transaction.atomic
def period_generate_fiscal_year(*, actor: Actor, year: int) -> Period:
    """Create (or complete) a fiscal year with its quarters, months and ISO weeks.

    Idempotent: periods that already exist (same kind and key) are kept as they are,
    so a closed month stays closed when the year is generated again.
    """
    require_admin(actor)
    if not 1990 <= year <= 2100:
        raise ApplicationError(_("Enter a year between 1990 and 2100."), field="year")
    start_month = CompanySettings.load().fiscal_year_start_month
    year_span = calendar.fiscal_year_span(year, start_month)
    # A year generated under another start month (or overlapping this one) cannot be completed.
    clash = (
        Period.objects.filter(kind=PeriodKind.YEAR, start__lte=year_span.end, end__gte=year_span.start)
        .exclude(key=year_span.key, start=year_span.start, end=year_span.end)
        .first()
    )
    if clash is not None:
        raise ConflictError(
            _(
                "Fiscal year %(year)s would overlap %(other)s (%(start)s – %(end)s), which was generated with "
                "another fiscal year start month."
            )
            % {"year": year, "other": clash.key, "start": clash.start, "end": clash.end},
            code="calendar_changed",
            field="year",
        )

    def ensure(span: calendar.PeriodSpan, parent: Period | None) -> Period:
        existing = Period.objects.filter(kind=span.kind, key=span.key).first()
        if existing is not None:
            return existing
        period = Period(
            kind=span.kind, key=span.key, start=span.start, end=span.end, parent=parent, fiscal_year=year
        )
        # Stored language-neutral; `Period.label` shows it in the reader's language.
        period.name = period.auto_name()
        period.save()
        return period

    year_period = ensure(year_span, None)
    quarters = [ensure(q, year_period) for q in calendar.fiscal_quarters(year, start_month)]
    months = []
    for m in calendar.fiscal_months(year, start_month):
        quarter = next(q for q in quarters if q.start <= m.start <= q.end)
        months.append(ensure(m, quarter))
    for w in calendar.iso_weeks_of_fiscal_year(year, start_month):
        thursday = w.start + dt.timedelta(days=3)
        month = next(mo for mo in months if mo.start <= thursday <= mo.end)
        ensure(w, month)
    return year_period


@transaction.atomic
def period_create_custom(
    *, actor: Actor, name: str, start: dt.date, end: dt.date, parent: Period | None = None
) -> Period:
    require_admin(actor)
    name = name.strip()
    if not name:
        raise ApplicationError(_("Give the period a name."), field="name")
    if end < start:
        raise ApplicationError(_("The end date must not be before the start date."), field="end")
    if parent is not None and not calendar.span_contains(parent.start, parent.end, start, end):
        raise ApplicationError(_("A period must lie inside its parent period."), field="parent_id")
    return Period.objects.create(
        kind=PeriodKind.CUSTOM,
        name=name,
        start=start,
        end=end,
        parent=parent,
        fiscal_year=parent.fiscal_year if parent else None,
    )


@transaction.atomic
def period_set_closed(*, actor: Actor, period: Period, is_closed: bool, version: int | None = None) -> Period:
    """The whole-period flag. Only goals.services.closing calls it: a close takes snapshots and keeps
    its history (PeriodClosing), which org, below goals, cannot do."""
    require_admin(actor)
    period = Period.objects.select_for_update().get(pk=period.pk)
    check_version(period, version)
    changed = period.is_closed != is_closed
    period.is_closed = is_closed
    bump_version(period)
    period.save(update_fields=["is_closed", "version", "updated_at"])
    if changed:
        _announce_closing(period)
    return period


def _announce_closing(period: Period) -> None:
    pk, is_closed = period.pk, period.is_closed
    transaction.on_commit(
        lambda: period_closed_changed.send(sender=Period, period_id=pk, is_closed=is_closed)
    )


@transaction.atomic
def period_update(
    *,
    actor: Actor,
    period: Period,
    version: int | None,
    name: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    is_closed: bool | None = None,
) -> Period:
    """Rename a period or move the dates of a custom one. `None`: unchanged. `is_closed` may only be
    repeated as it is: closing and reopening go through goals.services.closing (snapshots, history)."""
    require_admin(actor)
    period = Period.objects.select_for_update().get(pk=period.pk)
    check_version(period, version)
    if name is not None:
        name = name.strip()
        if not name:
            raise ApplicationError(_("Give the period a name."), field="name")
        period.name = name
    if is_closed is not None and period.is_closed != is_closed:
        # Closing takes the goals' snapshots and keeps a history: it goes through the period close.
        raise ApplicationError(
            _("Close or reopen a period with POST /periods/{id}/close or /reopen (its close page)."),
            code="use_period_close",
            field="is_closed",
        )
    new_start = start or period.start
    new_end = end or period.end
    if (new_start, new_end) != (period.start, period.end):
        if period.kind != PeriodKind.CUSTOM:
            raise ApplicationError(_("Only custom periods can change their dates."), field="start")
        if new_end < new_start:
            raise ApplicationError(_("The end date must not be before the start date."), field="end")
        parent = period.parent
        if parent is not None and not calendar.span_contains(parent.start, parent.end, new_start, new_end):
            raise ApplicationError(_("A period must lie inside its parent period."), field="parent_id")
        period.start, period.end = new_start, new_end
    bump_version(period)
    period.save()
    return period
