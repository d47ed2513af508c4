"""Budget lines, their monthly split, spend and attributed results (DOMAIN.md §6, §2 resources split).

A budget line is what a department plans to spend in a period on one category (渠道投放, 内容生产 …),
optionally on one channel. Its planned amount is split over the months of its period; spend entries
record what was actually paid; attribution records the revenue and leads credited to the line per
month. ROI and cost per lead are computed from these (budget/domain.py), never stored."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lodestar.core.models import EditableChoice, TimeStampedModel, VersionedModel

MONEY = {"max_digits": 16, "decimal_places": 2}


class BudgetCategory(EditableChoice):
    """What a budget line pays for (渠道投放, 内容生产, 活动运营, 人力成本, 其他); admin-editable."""

    class Meta:
        verbose_name = _("budget category")
        verbose_name_plural = _("budget categories")
        ordering = ["sort_order", "id"]


class Reallocation(TimeStampedModel):
    """An accepted channel-ROI proposal (DOMAIN.md §6): who accepted it, for which scope, and the
    figures it moved. The budget lines it created point back at it."""

    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    from_period = models.ForeignKey(
        "core.Period", verbose_name=_("analysed period"), on_delete=models.PROTECT, related_name="+"
    )
    to_period = models.ForeignKey(
        "core.Period", verbose_name=_("next period"), on_delete=models.PROTECT, related_name="+"
    )
    test_share = models.DecimalField(_("test share"), max_digits=5, decimal_places=4)
    freed = models.DecimalField(_("freed budget"), **MONEY)
    to_tests = models.DecimalField(_("to test channels"), **MONEY)
    to_kept = models.DecimalField(_("to kept channels"), **MONEY)
    unallocated = models.DecimalField(_("unallocated"), **MONEY)
    note = models.TextField(_("note"), blank=True, default="")
    accepted_by = models.ForeignKey(
        "org.Person", verbose_name=_("accepted by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("reallocation")
        verbose_name_plural = _("reallocations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(freed__gte=0) & Q(to_tests__gte=0) & Q(to_kept__gte=0) & Q(unallocated__gte=0),
                name="budget_reallocation_amounts_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.from_period} → {self.to_period}"


class BudgetLine(VersionedModel):
    """A department's planned amount for one category (and channel) in one period."""

    period = models.ForeignKey(
        "core.Period", verbose_name=_("period"), on_delete=models.PROTECT, related_name="budget_lines"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="budget_lines"
    )
    category = models.ForeignKey(
        BudgetCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="lines"
    )
    channel = models.ForeignKey(
        "metrics.Channel",
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="budget_lines",
    )
    planned = models.DecimalField(_("planned amount"), **MONEY)
    note = models.TextField(_("note"), blank=True, default="")
    reallocation = models.ForeignKey(
        Reallocation,
        verbose_name=_("from reallocation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lines",
        editable=False,
    )
    created_by = models.ForeignKey(
        "org.Person",
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])
    _change_reason: str

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["period__start", "department_id", "category__sort_order", "channel__sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(planned__gte=0), name="budget_line_planned_positive"),
        ]
        indexes = [models.Index(fields=["department", "period"], name="budget_line_dept_period")]

    def __str__(self) -> str:
        label = f"{self.category}" + (f" · {self.channel}" if self.channel_id else "")
        return f"{label} ({self.period})"


class BudgetAllocation(models.Model):
    """One month's part of a line's planned amount (the time split, DOMAIN.md §2); the parts of a
    line sum to its planned amount to the cent."""

    line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="allocations")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    share = models.DecimalField(_("share (%)"), max_digits=7, decimal_places=4)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("monthly allocation")
        verbose_name_plural = _("monthly allocations")
        ordering = ["line_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["line", "month"], name="budget_allocation_unique_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_allocation_amount_positive"),
            models.CheckConstraint(condition=Q(share__gte=0), name="budget_allocation_share_positive"),
        ]
        # The dashboards sum the months of a period over every line a reader may see: from this index
        # alone, instead of a search per line (6,000 lines at scale L).
        indexes = [models.Index(fields=["month", "line", "amount"], name="budget_allocation_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.amount}"


class SpendSource(models.TextChoices):
    TYPED = "typed", _("Typed")
    IMPORTED = "imported", _("Imported")


class Spend(TimeStampedModel):
    """Money actually paid against a budget line on a day (typed on a page or imported from a file)."""

    line = models.ForeignKey(
        BudgetLine, verbose_name=_("budget line"), on_delete=models.PROTECT, related_name="spend"
    )
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    source = models.CharField(
        _("source"), max_length=10, choices=SpendSource.choices, default=SpendSource.TYPED
    )
    created_by = models.ForeignKey(
        "org.Person",
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])
    _change_reason: str

    class Meta:
        verbose_name = _("spend")
        verbose_name_plural = _("spend")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_spend_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["line", "date"], name="budget_spend_line_date"),
            # The dashboards' spend of a period over every line a reader may see (as the allocations').
            models.Index(fields=["date", "line", "amount"], name="budget_spend_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.amount}"


class Attribution(TimeStampedModel):
    """Revenue and leads credited to a budget line for one month (from the CRM or finance)."""

    line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="attributions")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    revenue = models.DecimalField(_("attributed revenue"), default=0, **MONEY)
    leads = models.PositiveIntegerField(_("leads"), default=0)
    updated_by = models.ForeignKey(
        "org.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        ordering = ["line_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["line", "month"], name="budget_attribution_unique_month"),
            models.CheckConstraint(condition=Q(revenue__gte=0), name="budget_attribution_revenue_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.revenue} / {self.leads}"
