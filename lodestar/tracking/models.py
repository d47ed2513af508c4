"""Tracking (DOMAIN.md §3): check-ins (日报/周报 entries), time-phased plans and deviation
categories. Alert rules and alerts live in `lodestar.alerts`."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from lodestar.core.models import EditableChoice, SoftDeletableModel, TimeStampedModel, VersionedModel

AMOUNT = {"max_digits": 18, "decimal_places": 4}


class DeviationCategory(EditableChoice):
    """An admin-editable reason category: 资源不足, 外部/市场变化, 合作方延期, 内容质量, 执行问题, 数据问题, 其他."""

    class Meta:
        verbose_name = _("deviation category")
        verbose_name_plural = _("deviation categories")
        ordering = ["sort_order", "id"]


class CheckInPeriod(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class CheckInOrigin(models.TextChoices):
    """Who wrote a check-in's figures: a person reporting, or a source metric feeding the measure
    (`lodestar.metrics.feeding`: platform, CRM or finance figures, shown as 来源数据)."""

    REPORTED = "reported", _("Reported")
    SOURCE = "source", _("Source data")


class CheckIn(SoftDeletableModel, VersionedModel):
    """One row of the execution tracking table (template 2) for a measure or an action item."""

    measure = models.ForeignKey(
        "goals.Measure", null=True, blank=True, on_delete=models.CASCADE, related_name="check_ins"
    )
    item = models.ForeignKey(
        "execution.ActionItem", null=True, blank=True, on_delete=models.CASCADE, related_name="check_ins"
    )
    period_kind = models.CharField(
        _("period"), max_length=6, choices=CheckInPeriod.choices, default=CheckInPeriod.WEEK
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    planned = models.DecimalField(_("planned"), null=True, blank=True, **AMOUNT)
    actual = models.DecimalField(_("actual"), null=True, blank=True, **AMOUNT)
    cumulative = models.DecimalField(_("cumulative"), null=True, blank=True, **AMOUNT)
    deviation_category = models.ForeignKey(
        DeviationCategory,
        verbose_name=_("deviation category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="check_ins",
    )
    deviation_reason = models.TextField(_("deviation reason"), blank=True, default="")
    improvement = models.TextField(_("improvement"), blank=True, default="")
    resource_budget = models.DecimalField(_("budget needed (yuan)"), null=True, blank=True, **AMOUNT)
    resource_people = models.CharField(_("people needed"), max_length=200, blank=True, default="")
    resource_other = models.CharField(_("other resources"), max_length=300, blank=True, default="")
    confidence = models.PositiveSmallIntegerField(_("confidence (0–10)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, default="")
    author = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="check_ins")
    origin = models.CharField(
        _("origin"), max_length=8, choices=CheckInOrigin.choices, default=CheckInOrigin.REPORTED
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-period_start", "-id"]
        indexes = [
            models.Index(fields=["measure", "period_start"]),
            models.Index(fields=["item", "period_start"]),
            models.Index(fields=["author", "period_start"]),
            models.Index(
                fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="checkin_deleted_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(measure__isnull=False) & Q(item__isnull=True))
                | (Q(measure__isnull=True) & Q(item__isnull=False)),
                name="checkin_measure_or_item",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="checkin_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__lte=10), name="checkin_confidence_0_10"
            ),
            models.UniqueConstraint(
                fields=["measure", "period_start", "period_end"],
                condition=Q(measure__isnull=False, deleted_at__isnull=True),
                name="checkin_measure_period_once",
            ),
            models.UniqueConstraint(
                fields=["item", "period_start", "period_end"],
                condition=Q(item__isnull=False, deleted_at__isnull=True),
                name="checkin_item_period_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end}"


class CheckInCompletion(models.Model):
    """The stored roll-up of check-in completion (the dashboards' 填报完成率): per measure and fiscal
    year, quarter or month, its weekly check-ins whose week lies wholly inside the period, how many
    and how many entered on time (`domain.completion_rows`), and its latest week so a reader can
    leave out the week that has not ended. Written only by `services.completion.completion_refresh`
    (every check-in write calls it) and `completion_rebuild_all`; read by the check-in panel, which
    joins the measure's goal for visibility as it would for the check-ins themselves."""

    # "completions": the dashboards join a measure's row of one period to the measures due.
    measure = models.ForeignKey("goals.Measure", on_delete=models.CASCADE, related_name="completions")
    period = models.ForeignKey("core.Period", on_delete=models.CASCADE, related_name="+", db_index=False)
    reported = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    last_week = models.DateField()  # Monday of the latest week counted
    last_reported = models.PositiveIntegerField(default=0)  # check-ins of that week
    last_on_time = models.PositiveIntegerField(default=0)
    earlier_week = models.DateField(null=True, blank=True)  # Monday of the latest week before it

    class Meta:
        verbose_name = _("check-in completion")
        verbose_name_plural = _("check-in completion")
        constraints = [
            # (period, measure): the panel reads one period's rows; a refresh deletes by measure
            # through the index Django adds on the measure foreign key.
            models.UniqueConstraint(fields=["period", "measure"], name="checkin_completion_once"),
        ]
        # The check-in panel reads one period's rows with their counts from this index alone.
        indexes = [
            models.Index(
                fields=[
                    "period",
                    "measure",
                    "reported",
                    "on_time",
                    "last_week",
                    "earlier_week",
                    "last_reported",
                    "last_on_time",
                ],
                name="checkin_completion_counts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} · {self.period_id}: {self.on_time}/{self.reported}"


class PlanPoint(models.Model):
    """A measure's time-phased plan: the cumulative value expected by a date."""

    class Source(models.TextChoices):
        EVEN = "even", _("Even split")
        CURVE = "curve", _("Decomposition curve")
        MANUAL = "manual", _("Entered by hand")

    measure = models.ForeignKey("goals.Measure", on_delete=models.CASCADE, related_name="plan_points")
    date = models.DateField(_("date"))
    expected_cumulative = models.DecimalField(_("expected cumulative"), **AMOUNT)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.EVEN)

    class Meta:
        verbose_name = _("plan point")
        verbose_name_plural = _("plan points")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["measure", "date"], name="plan_point_once_per_day")]

    def __str__(self) -> str:
        return f"{self.date}: {self.expected_cumulative}"


class MeetingDecision(TimeStampedModel):
    """A decision or follow-up of a department's weekly meeting (周例会决议): what, who, by when,
    open or done. It stays on that week's meeting page and opens the next week's meeting, where it
    is ticked off. A follow-up captured as an action item keeps the item (`item`)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("meeting decision", "Open")
        DONE = "done", pgettext_lazy("meeting decision", "Done")

    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="meeting_decisions",
    )
    week_start = models.DateField(_("meeting week (Monday)"))
    text = models.CharField(_("decision"), max_length=200)
    owner = models.ForeignKey(
        "org.Person",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meeting_decisions",
    )
    due = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=4, choices=Status.choices, default=Status.OPEN)
    item = models.ForeignKey(
        "execution.ActionItem",
        verbose_name=_("action item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meeting_decisions",
    )
    created_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")
        ordering = ["week_start", "id"]
        indexes = [models.Index(fields=["department", "week_start"])]

    def __str__(self) -> str:
        return self.text
