"""Writing budgets (DOMAIN.md §6): budget lines and their monthly split, spend (typed or imported),
attribution, and the acceptance of a channel-ROI reallocation into the next period's lines.

Every service is keyword-only, runs in one transaction, checks the caller's right (budget/access.py;
`actor=None` is the system: the demo seed and commands) and raises the project's ApplicationError types.
Money changes keep who and why in the lines' and spend's history (simple-history).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from lodestar.budget import access, domain, selectors
from lodestar.budget.models import (
    Attribution,
    BudgetAllocation,
    BudgetCategory,
    BudgetLine,
    Reallocation,
    Spend,
    SpendSource,
)
from lodestar.core.errors import ApplicationError, ConflictError, ErrorItem, PermissionDeniedError
from lodestar.core.models import Period
from lodestar.core.services import Actor, bump_version, check_version, validated, validated_save
from lodestar.exchange.readers import read_table
from lodestar.goals.closing_rules import period_frozen_for
from lodestar.metrics.models import Channel
from lodestar.org.models import Department, Person
from lodestar.org.permissions import person_of

MAX_AMOUNT = Decimal("99999999999999.99")


def _require_manager(actor: Actor, department: Department) -> None:
    if actor is None:
        return
    if not access.can_manage_department_budget(actor, department):
        raise PermissionDeniedError(_("Only an admin or a manager of this department can change its budget."))


def _person(actor: Actor) -> Person | None:
    return person_of(actor) if actor is not None else None


def _money(value: object, field: str, *, required: bool = True) -> Decimal:
    """A money amount: a non-negative number with at most two decimals."""
    if value is None or value == "":
        if required:
            raise ApplicationError(_("Enter an amount."), code="required", field=field)
        return Decimal(0)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ApplicationError(_("Enter a number."), code="invalid", field=field) from None
    if not amount.is_finite():
        raise ApplicationError(_("Enter a number."), code="invalid", field=field)
    if amount < 0:
        raise ApplicationError(_("An amount cannot be negative."), code="negative", field=field)
    if amount > MAX_AMOUNT:
        raise ApplicationError(_("The amount is too large."), code="too_large", field=field)
    if amount != amount.quantize(domain.CENT):
        raise ApplicationError(_("Amounts are kept to the cent (two decimals)."), code="places", field=field)
    return amount.quantize(domain.CENT)


def _split(
    planned: Decimal,
    months: list[dt.date],
    *,
    shares: Sequence[Decimal] | None,
    amounts: Sequence[Decimal] | None,
) -> list[tuple[dt.date, Decimal, Decimal]]:
    """(month, share %, amount) per month, by the decomposition wizard's rules (budget/domain.py)."""
    try:
        if amounts is not None:
            parts = [_money(a, "amounts") for a in amounts]
            if len(parts) != len(months):
                raise domain.SplitError("count", Decimal(len(parts)))
            domain.check_amounts(planned, parts)
            return list(zip(months, domain.shares_of(planned, parts), parts, strict=True))
        chosen = [Decimal(str(s)) for s in shares] if shares is not None else None
        parts = domain.split_by_shares(planned, chosen, len(months))
        stored = (
            [c.quantize(Decimal("0.0001")) for c in chosen] if chosen else domain.shares_of(planned, parts)
        )
        return list(zip(months, stored, parts, strict=True))
    except domain.SplitError as exc:
        if exc.kind == "count":
            message = _("Give one value per month of the period (%(count)s).") % {"count": len(months)}
            code = "parts_count"
        elif exc.kind == "negative":
            message, code = _("A month's part cannot be negative."), "negative"
        elif exc.kind == "shares":
            message = _("The shares add up to %(total)s%%; they must add up to 100%%.") % {
                "total": f"{exc.total.normalize():f}"
            }
            code = "parts_not_100"
        else:
            message = _("The amounts add up to %(total)s, not to the planned amount %(planned)s.") % {
                "total": f"{exc.total:f}",
                "planned": f"{planned:f}",
            }
            code = "parts_not_target"
        raise ApplicationError(message, code=code, field="shares" if amounts is None else "amounts") from exc
    except InvalidOperation:
        raise ApplicationError(_("Enter a number."), code="invalid", field="shares") from None


def _write_split(line: BudgetLine, parts: list[tuple[dt.date, Decimal, Decimal]]) -> None:
    line.allocations.all().delete()
    BudgetAllocation.objects.bulk_create(
        [
            BudgetAllocation(line=line, month=month, share=share, amount=amount)
            for month, share, amount in parts
        ]
    )


def _check_open(period: Period, department: Department, field: str = "period_id") -> None:
    """Refuse (422 `period_closed`) a budget write into a closed period, or into the closed part of it
    that covers `department`: the close freezes a period's money as it freezes its goals (DOMAIN.md §4),
    so the figures a retrospective or an appraisal read stay the ones it read."""
    if period_frozen_for(period, department):
        raise ApplicationError(
            _("The period %(name)s is closed: its budget can no longer be changed.") % {"name": period.label},
            code="period_closed",
            field=field,
        )


def _months(period: Period) -> list[dt.date]:
    return domain.month_starts(period.start, period.end)


@transaction.atomic
def budget_line_create(
    *,
    actor: Actor,
    period: Period,
    department: Department,
    category: BudgetCategory,
    planned: object,
    channel: Channel | None = None,
    note: str = "",
    shares: Sequence[Decimal] | None = None,
    amounts: Sequence[Decimal] | None = None,
    reallocation: Reallocation | None = None,
) -> BudgetLine:
    """Plan an amount for a department, category (and channel) in a period, split over its months:
    even shares unless `shares` (percent, summing to 100) or `amounts` (summing to the planned amount)
    are given — the decomposition wizard's time split."""
    _require_manager(actor, department)
    _check_open(period, department)
    amount = _money(planned, "planned")
    if not category.is_active:
        raise ApplicationError(_("This category is no longer in use."), code="inactive", field="category_id")
    if channel is not None and not channel.is_active:
        raise ApplicationError(_("This channel is no longer in use."), code="inactive", field="channel_id")
    parts = _split(amount, _months(period), shares=shares, amounts=amounts)
    line = BudgetLine(
        period=period,
        department=department,
        category=category,
        channel=channel,
        planned=amount,
        note=note.strip(),
        reallocation=reallocation,
        created_by=_person(actor),
    )
    line._change_reason = _("created")
    validated_save(line)
    _write_split(line, parts)
    return line


@transaction.atomic
def budget_line_update(
    *,
    actor: Actor,
    line: BudgetLine,
    version: int | None,
    planned: object = None,
    category: BudgetCategory | None = None,
    channel: Channel | bool | None = False,
    note: str | None = None,
    shares: Sequence[Decimal] | None = None,
    amounts: Sequence[Decimal] | None = None,
    reason: str = "",
) -> BudgetLine:
    """Change a line (stale `version` → 409). A new planned amount keeps the months' shares unless new
    `shares` or `amounts` are given; `channel=False` leaves the channel as it is, None clears it.
    `reason` is kept in the line's history."""
    locked = (
        BudgetLine.objects.select_for_update(of=("self",))
        .select_related("period", "department")
        .get(pk=line.pk)
    )
    check_version(locked, version)
    _require_manager(actor, locked.department)
    _check_open(locked.period, locked.department)
    new_planned = _money(planned, "planned") if planned is not None else locked.planned
    if category is not None:
        if not category.is_active and category.pk != locked.category_id:
            raise ApplicationError(
                _("This category is no longer in use."), code="inactive", field="category_id"
            )
        locked.category = category
    if channel is not False:
        if isinstance(channel, Channel) and not channel.is_active and channel.pk != locked.channel_id:
            raise ApplicationError(
                _("This channel is no longer in use."), code="inactive", field="channel_id"
            )
        locked.channel = channel if isinstance(channel, Channel) else None
    if note is not None:
        locked.note = note.strip()
    resplit = shares is not None or amounts is not None or new_planned != locked.planned
    if resplit:
        if shares is None and amounts is None:
            shares = list(locked.allocations.order_by("month").values_list("share", flat=True)) or None
            if shares is not None and domain.shares_sum_error(shares) is not None:
                shares = None
        parts = _split(new_planned, _months(locked.period), shares=shares, amounts=amounts)
        _write_split(locked, parts)
    locked.planned = new_planned
    bump_version(locked)
    locked._change_reason = (reason.strip() or _("edited"))[:100]
    validated(locked)
    locked.save()
    return locked


@transaction.atomic
def budget_line_delete(*, actor: Actor, line: BudgetLine) -> None:
    """Delete a line without spend (its split and attribution go with it); a line with spend stays."""
    _require_manager(actor, line.department)
    _check_open(line.period, line.department)
    if line.spend.exists():
        raise ConflictError(
            _("This line has spend entries: delete them first, or set its planned amount to 0."),
            code="has_spend",
            field="line_id",
        )
    line._change_reason = _("deleted")
    line.delete()


def _check_spend_date(line: BudgetLine, date: dt.date, field: str = "date") -> None:
    if not line.period.start <= date <= line.period.end:
        raise ApplicationError(
            _("The date lies outside the line's period %(period)s.") % {"period": line.period.label},
            code="outside_period",
            field=field,
        )


@transaction.atomic
def spend_record(
    *,
    actor: Actor,
    line: BudgetLine,
    date: dt.date,
    amount: object,
    note: str = "",
    source: str = SpendSource.TYPED,
) -> Spend:
    """Record money paid against a line on a day within its period."""
    _require_manager(actor, line.department)
    _check_open(line.period, line.department, "line_id")
    value = _money(amount, "amount")
    if value <= 0:
        raise ApplicationError(_("A spend entry must be above 0."), code="not_positive", field="amount")
    _check_spend_date(line, date)
    spend = Spend(
        line=line, date=date, amount=value, note=note.strip()[:200], source=source, created_by=_person(actor)
    )
    spend._change_reason = note.strip()[:100] or _("recorded")
    validated_save(spend)
    return spend


@transaction.atomic
def spend_delete(*, actor: Actor, spend: Spend, reason: str = "") -> None:
    _require_manager(actor, spend.line.department)
    _check_open(spend.line.period, spend.line.department, "line_id")
    spend._change_reason = (reason.strip() or _("deleted"))[:100]
    spend.delete()


# Headers a spend file may use (zh and en), by the field they fill.
SPEND_COLUMNS = {
    "date": ("日期", "date"),
    "amount": ("金额", "花费", "amount", "spend"),
    "channel": ("渠道", "channel"),
    "category": ("类别", "预算类别", "category"),
    "note": ("备注", "note"),
}


def _columns(headers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = header.strip().lower()
        for field, names in SPEND_COLUMNS.items():
            if key in names and field not in found:
                found[field] = index
    return found


def _by_name[C: (Channel, BudgetCategory)](items: Iterable[C]) -> dict[str, C]:
    names: dict[str, C] = {}
    for item in items:
        for label in (item.code, item.name, item.name_en):
            if label:
                names.setdefault(label.strip().lower(), item)
    return names


@transaction.atomic
def spend_import(
    *, actor: Actor, data: bytes, filename: str, department: Department, period: Period
) -> list[Spend]:
    """Import spend entries from a csv or xlsx file into the lines of a department and period.

    Columns (Chinese or English headers): 日期/date and 金额/amount, with 渠道/channel and/or
    类别/category naming the line, 备注/note optional. Each row goes to the one line of the department
    in the period with that channel and category whose period holds the date. Every bad row is
    reported (line number with the header as line 1, column, reason) and nothing is written until the
    file is clean: `ApplicationError(code="invalid_rows", errors=[...])`."""
    _require_manager(actor, department)
    table = read_table(data, filename)
    columns = _columns(table.headers)
    missing = [name for name in ("date", "amount") if name not in columns]
    if missing or ("channel" not in columns and "category" not in columns):
        raise ApplicationError(
            _(
                "The file needs the columns 日期 (date) and 金额 (amount), and 渠道 (channel) or 类别 (category)."
            ),
            code="missing_columns",
            field="file",
        )
    lines = list(
        BudgetLine.objects.filter(
            department=department, period__start__gte=period.start, period__end__lte=period.end
        ).select_related("period", "category", "channel")
    )
    channels = _by_name(Channel.objects.all())
    categories = _by_name(BudgetCategory.objects.all())
    errors: list[ErrorItem] = []
    entries: list[Spend] = []
    person = _person(actor)

    frozen: dict[int, bool] = {}

    def is_frozen(line: BudgetLine) -> bool:  # one query per period of the file's lines, not per row
        if line.period_id not in frozen:
            frozen[line.period_id] = period_frozen_for(line.period, department)
        return frozen[line.period_id]

    def cell(row: list[str], field: str) -> str:
        index = columns.get(field)
        return row[index].strip() if index is not None and index < len(row) else ""

    for number, row in enumerate(table.rows, start=2):
        if not any(c.strip() for c in row):
            continue
        row_errors = len(errors)
        date = domain.parse_date(cell(row, "date"))
        if date is None:
            errors.append(ErrorItem("invalid_date", _("Not a date."), field="日期", row=number))
        amount = domain.parse_amount(cell(row, "amount"))
        if amount is None:
            errors.append(
                ErrorItem(
                    "invalid_amount", _("Not an amount in yuan (two decimals at most)."), "金额", number
                )
            )
        elif amount <= 0:
            errors.append(ErrorItem("not_positive", _("A spend entry must be above 0."), "金额", number))
        channel = category = None
        channel_text, category_text = cell(row, "channel"), cell(row, "category")
        if channel_text:
            channel = channels.get(channel_text.lower())
            if channel is None:
                errors.append(
                    ErrorItem(
                        "unknown_channel",
                        _("Unknown channel “%(name)s”.") % {"name": channel_text},
                        "渠道",
                        number,
                    )
                )
        if category_text:
            category = categories.get(category_text.lower())
            if category is None:
                errors.append(
                    ErrorItem(
                        "unknown_category",
                        _("Unknown category “%(name)s”.") % {"name": category_text},
                        "类别",
                        number,
                    )
                )
        if not channel_text and not category_text:
            errors.append(
                ErrorItem(
                    "no_line", _("Name the channel or the category of the budget line."), "渠道", number
                )
            )
        if len(errors) > row_errors or date is None or amount is None:
            continue
        matches = [
            line
            for line in lines
            if line.period.start <= date <= line.period.end
            and (channel is None or line.channel_id == channel.pk)
            and (category is None or line.category_id == category.pk)
        ]
        if not matches:
            errors.append(
                ErrorItem(
                    "no_line",
                    _("No budget line of this department matches this channel, category and date."),
                    "渠道",
                    number,
                )
            )
            continue
        if len(matches) > 1:
            errors.append(
                ErrorItem(
                    "several_lines",
                    _("Several budget lines match: add the category column to tell them apart."),
                    "类别",
                    number,
                )
            )
            continue
        if is_frozen(matches[0]):
            errors.append(
                ErrorItem(
                    "period_closed",
                    _("The budget line's period %(name)s is closed.") % {"name": matches[0].period.label},
                    "日期",
                    number,
                )
            )
            continue
        entries.append(
            Spend(
                line=matches[0],
                date=date,
                amount=amount,
                note=cell(row, "note")[:200],
                source=SpendSource.IMPORTED,
                created_by=person,
            )
        )
    if errors:
        raise ApplicationError(
            _("%(count)s rows of the file have problems; nothing was imported.")
            % {"count": len({e.row for e in errors})},
            code="invalid_rows",
            field="file",
            errors=errors,
        )
    if not entries:
        raise ApplicationError(_("The file has no data rows."), code="empty", field="file")
    for entry in entries:
        entry._change_reason = _("imported from %(file)s") % {"file": filename[:60]}
    return bulk_create_with_history(entries, Spend, default_change_reason=_("imported"))


@transaction.atomic
def attribution_set(
    *, actor: Actor, line: BudgetLine, month: dt.date, revenue: object, leads: int
) -> Attribution:
    """Set the revenue and leads credited to a line for a month of its period (replaces that month's)."""
    _require_manager(actor, line.department)
    _check_open(line.period, line.department, "line_id")
    first = month.replace(day=1)
    if first not in _months(line.period):
        raise ApplicationError(
            _("The month lies outside the line's period %(period)s.") % {"period": line.period.label},
            code="outside_period",
            field="month",
        )
    value = _money(revenue, "revenue")
    if leads < 0:
        raise ApplicationError(_("Leads cannot be negative."), code="negative", field="leads")
    attribution, _created = Attribution.objects.select_for_update().get_or_create(
        line=line, month=first, defaults={"revenue": value, "leads": leads, "updated_by": _person(actor)}
    )
    if not _created:
        attribution.revenue, attribution.leads, attribution.updated_by = value, leads, _person(actor)
        attribution.save()
    return attribution


def _category_for(lines: list[BudgetLine], channel_id: int) -> BudgetCategory | None:
    own = sorted((line for line in lines if line.channel_id == channel_id), key=lambda line: -line.planned)
    return own[0].category if own else None


@transaction.atomic
def reallocation_accept(
    *,
    actor: Actor,
    department: Department,
    period: Period,
    test_share: Decimal = domain.DEFAULT_TEST_SHARE,
    note: str = "",
) -> Reallocation:
    """Accept the channel-ROI proposal of a department for a period (DOMAIN.md §6) into new budget lines
    of the next period: a kept channel gets its planned amount plus its share of the freed budget, a
    test channel its test amount, a channel without spend its planned amount again; a cut channel gets
    no line. The proposal is recomputed here from the stored figures (never taken from the caller);
    refused when nothing is flagged, when the next period does not exist, or when the department already
    has channel lines in it. Records who accepted what (Reallocation)."""
    _require_manager(actor, department)
    if not domain.ZERO <= test_share <= domain.ONE:
        raise ApplicationError(_("The test share lies between 0 and 1."), code="invalid", field="test_share")
    test_share = test_share.quantize(Decimal("0.0001"))
    target = selectors.next_period(period)
    if target is None:
        raise ApplicationError(
            _("The period after %(period)s is not set up yet: create it in the fiscal calendar first.")
            % {"period": period.label},
            code="no_next_period",
            field="period_id",
        )
    _check_open(target, department)
    Department.objects.select_for_update().filter(pk=department.pk).first()  # one acceptance at a time
    proposal = selectors.channel_roi(actor, period, department, test_share=test_share)
    if not proposal.has_moves:
        raise ApplicationError(
            _("No channel has an ROI below 1: there is nothing to reallocate."),
            code="nothing_to_reallocate",
            field=None,
        )
    if BudgetLine.objects.filter(department=department, period=target, channel__isnull=False).exists():
        raise ConflictError(
            _("%(department)s already has channel budget lines in %(period)s.")
            % {"department": department.name, "period": target.label},
            code="already_planned",
            field="period_id",
        )
    reallocation = validated_save(
        Reallocation(
            department=department,
            from_period=period,
            to_period=target,
            test_share=test_share,
            freed=proposal.freed,
            to_tests=proposal.to_tests,
            to_kept=proposal.to_kept,
            unallocated=proposal.unallocated,
            note=note.strip(),
            accepted_by=_person(actor),
        )
    )
    lines = list(selectors.scoped_lines(actor, period, department).select_related("category"))
    fallback = (
        BudgetCategory.objects.filter(code="channel").first()
        or BudgetCategory.objects.filter(is_active=True).first()
    )
    channels = {c.pk: c for c in Channel.objects.filter(pk__in=[r.figures.channel_id for r in proposal.rows])}
    text = _("Channel ROI reallocation from %(period)s") % {"period": period.label}
    for row in proposal.rows:
        if row.proposed <= 0:
            continue
        category = _category_for(lines, row.figures.channel_id) or fallback
        if category is None:
            raise ApplicationError(_("Set up a budget category first."), code="no_category", field=None)
        budget_line_create(
            actor=actor,
            period=target,
            department=department,
            category=category,
            channel=channels[row.figures.channel_id],
            planned=row.proposed,
            note=f"{text} ({row.recommendation})",
            reallocation=reallocation,
        )
    return reallocation
