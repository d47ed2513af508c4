"""Figures from outside Lodestar (DOMAIN.md §3 数据真实性, §6 channels): the platforms, CRM and finance
systems they come from, the metrics each source reports, and the daily or weekly points of each series."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lodestar.core.models import EditableChoice, TimeStampedModel, VersionedModel

VALUE = {"max_digits": 20, "decimal_places": 4}


class Channel(EditableChoice):
    """A marketing channel (抖音, 天猫, 小红书, 微信/私域社群, 直播, LinkedIn, EDM, 行业峰会 …).

    Source series and budget lines are kept per channel; the list is admin-editable."""

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["sort_order", "id"]


class DataSource(VersionedModel):
    """A named origin of figures: a platform back-end, the CRM, finance, a third-party panel."""

    class Kind(models.TextChoices):
        PLATFORM = "platform", _("Platform back-end")
        CRM = "crm", _("CRM")
        FINANCE = "finance", _("Finance")
        PANEL = "panel", _("Third-party panel")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PLATFORM)
    description = models.TextField(_("description"), blank=True, default="")
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="data_sources",
        help_text=_("The department that owns this source's figures; empty for the whole company."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("data source")
        verbose_name_plural = _("data sources")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SourceMetric(VersionedModel):
    """One figure a source reports (成交金额, 曝光量, 线索数 …), optionally bound to a goal's measure.

    Bound with use=feed, the source's points become the measure's actuals; with use=verify they only
    check what people report (数据交叉验证), flagged beyond the tolerance."""

    class Aggregation(models.TextChoices):
        SUM = "sum", _("Sum of the days")
        MEAN = "mean", _("Mean of the days")

    class Use(models.TextChoices):
        FEED = "feed", _("Feeds the measure")
        VERIFY = "verify", _("Verifies reported figures")

    source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(_("metric"), max_length=80)
    unit = models.CharField(_("unit"), max_length=20, blank=True, default="")
    aggregation = models.CharField(
        _("aggregation"), max_length=4, choices=Aggregation.choices, default=Aggregation.SUM
    )
    measure = models.ForeignKey(
        "goals.Measure",
        verbose_name=_("measure"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="source_metrics",
    )
    use = models.CharField(_("use"), max_length=6, choices=Use.choices, default=Use.VERIFY)
    tolerance = models.DecimalField(
        _("tolerance"),
        max_digits=6,
        decimal_places=4,
        default="0.0500",
        help_text=_("A reported figure further than this from the source's is a discrepancy (0.05 = 5%)."),
    )

    class Meta:
        verbose_name = _("source metric")
        verbose_name_plural = _("source metrics")
        ordering = ["source__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "name"], name="metrics_metric_unique_name"),
            models.CheckConstraint(condition=Q(tolerance__gte=0), name="metrics_metric_tolerance_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.source.name} · {self.name}"


class MetricPoint(TimeStampedModel):
    """One value of a series: a metric's figure for a channel (or for all channels) on one day.

    Unique by metric, channel and date, so re-importing a file updates instead of duplicating.

    `metric` and `channel` are foreign keys without a database FOREIGN KEY constraint (issue 16: a
    million-row import spent 31 of its 74 s in PostgreSQL's per-row checks, one `SELECT … FOR KEY SHARE`
    on the parent per point and per key). Integrity is kept in three places instead:

    - deleting goes through Django, which cascades (metric, source) and protects (channel) in Python
      whether or not the database has the constraint — as before;
    - the parents refuse to be deleted while points still name them: a BEFORE DELETE trigger on
      `metrics_sourcemetric` and on `metrics_channel` (migration 0005, PostgreSQL only: on SQLite a
      trigger stopped Django's flush) raises an integrity error, as the constraint did for a raw DELETE
      or a delete racing an import;
    - the only bulk writer, `point_writer.write_points`, proves set-based that the metrics and every
      channel of the rows exist and locks them (`FOR KEY SHARE`, as the constraint's check did) before
      inserting, so a concurrent delete waits for the import and then meets the trigger.

    What is no longer checked by the database: a point saved through the ORM with a made-up metric or
    channel id. Points are only written by the import, the demo and tests, always from fetched objects."""

    metric = models.ForeignKey(
        SourceMetric,
        on_delete=models.CASCADE,
        related_name="points",
        db_constraint=False,
        db_index=False,  # the (metric, date) index below serves every lookup by metric
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_constraint=False
    )
    date = models.DateField(_("date"))
    value = models.DecimalField(_("value"), **VALUE)

    class Meta:
        verbose_name = _("metric point")
        verbose_name_plural = _("metric points")
        ordering = ["metric_id", "date", "channel_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "channel", "date"],
                condition=Q(channel__isnull=False),
                name="metrics_point_unique_channel_day",
            ),
            models.UniqueConstraint(
                fields=["metric", "date"],
                condition=Q(channel__isnull=True),
                name="metrics_point_unique_day",
            ),
        ]
        indexes = [models.Index(fields=["metric", "date"], name="metrics_point_metric_date")]


# --- imports of platform exports (issue 16 "Metric data from the platforms") ------------------------


class ImportMapping(TimeStampedModel):
    """How a source's export file maps onto its metrics, saved per source and header shape.

    `headers` is the file's header row; `signature` a digest of it, so the next file with the same
    columns finds its mapping again. `columns` is a list of {"column", "metric", "measure_id"}: the
    header of a value column, the name of the source's metric it fills, and optionally the measure the
    metric is bound to."""

    source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="mappings")
    signature = models.CharField(max_length=64)
    headers = models.JSONField(default=list)
    date_column = models.CharField(_("date column"), max_length=200)
    channel_column = models.CharField(_("channel column"), max_length=200, blank=True, default="")
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("channel of every row"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    columns = models.JSONField(default=list)

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [
            models.UniqueConstraint(fields=["source", "signature"], name="metrics_mapping_unique_shape")
        ]


class MetricImport(TimeStampedModel):
    """One uploaded export file and its way through mapping, validation and the atomic import.

    `errors` keeps the first MAX_STORED_ERRORS row errors ({"row", "field", "code", "message"}; row 1 is
    the header); `errors_total` counts them all."""

    MAX_STORED_ERRORS = 1000

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        MAPPED = "mapped", _("Mapped")
        VALIDATING = "validating", _("Validating")
        INVALID = "invalid", _("Has bad rows")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    source = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="imports")
    file = models.FileField(_("file"), upload_to="metric-imports/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=200)
    encoding = models.CharField(max_length=20, blank=True, default="")
    headers = models.JSONField(default=list)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    mapping = models.JSONField(default=dict, blank=True)
    skip_bad_rows = models.BooleanField(_("skip bad rows"), default=False)
    rows_total = models.PositiveIntegerField(default=0)
    rows_ok = models.PositiveIntegerField(default=0)
    rows_bad = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)
    points_created = models.PositiveIntegerField(default=0)
    points_updated = models.PositiveIntegerField(default=0)
    points_unchanged = models.PositiveIntegerField(default=0)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)
    errors_total = models.PositiveIntegerField(default=0)
    failure = models.CharField(max_length=300, blank=True, default="")
    created_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("metric import")
        verbose_name_plural = _("metric imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="metrics_import_progress_max")
        ]

    def __str__(self) -> str:
        return self.filename


class MetricPointChange(models.Model):
    """A value changed by a later import: the point, its old and new value, the import and when."""

    point = models.ForeignKey(MetricPoint, on_delete=models.CASCADE, related_name="changes")
    old_value = models.DecimalField(_("old value"), **VALUE)
    new_value = models.DecimalField(_("new value"), **VALUE)
    metric_import = models.ForeignKey(
        MetricImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("metric point change")
        verbose_name_plural = _("metric point changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.old_value} → {self.new_value}"


class Discrepancy(VersionedModel):
    """A reported figure that differs from the source's beyond the metric's tolerance (数据交叉验证):
    one per measure, source metric and check-in period, kept up to date by
    `lodestar.metrics.verification` when either side changes.

    Open until a person explains it (the difference has a reason: a refund the platform books later)
    or resolves it (the figure was corrected); it resolves itself when the pair agrees again."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("discrepancy", "Open")
        EXPLAINED = "explained", _("Explained")
        RESOLVED = "resolved", pgettext_lazy("discrepancy", "Resolved")

    measure = models.ForeignKey(
        "goals.Measure", verbose_name=_("measure"), on_delete=models.CASCADE, related_name="discrepancies"
    )
    metric = models.ForeignKey(
        SourceMetric, verbose_name=_("source metric"), on_delete=models.CASCADE, related_name="discrepancies"
    )
    checkin = models.ForeignKey(
        "tracking.CheckIn", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    reported = models.DecimalField(_("reported"), **VALUE)
    source = models.DecimalField(_("source"), **VALUE)
    difference_rate = models.DecimalField(
        _("difference rate"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    tolerance = models.DecimalField(_("tolerance"), max_digits=6, decimal_places=4)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    note = models.TextField(_("note"), blank=True, default="")
    resolved_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("discrepancy")
        verbose_name_plural = _("discrepancies")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "metric", "period_start", "period_end"],
                name="metrics_discrepancy_once_per_period",
            ),
        ]
        indexes = [models.Index(fields=["status", "period_start"], name="metrics_discrepancy_status")]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.period_start}–{self.period_end}"

    @property
    def difference_text(self) -> str:
        return percent_text(self.difference_rate)


class Comparison(models.Model):
    """A reported figure beside the source's figure for the same period (数据交叉验证), flagged or not:
    one per reported check-in and the source metric verifying its measure, wherever a day of the
    check-in's period has source data. The pairs `Discrepancy` keeps are the flagged ones with a
    person's story; these are every pair, so the dashboards count and add them up per week without
    reading daily points. One writer: `lodestar.metrics.verification.verify_measures`."""

    checkin = models.ForeignKey("tracking.CheckIn", on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey("goals.Measure", on_delete=models.CASCADE, related_name="+")
    metric = models.ForeignKey(SourceMetric, on_delete=models.CASCADE, related_name="comparisons")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    reported = models.DecimalField(_("reported"), **VALUE)
    source = models.DecimalField(_("source"), **VALUE)
    flagged = models.BooleanField(_("beyond tolerance"))

    class Meta:
        verbose_name = _("comparison")
        verbose_name_plural = _("comparisons")
        constraints = [
            models.UniqueConstraint(fields=["checkin", "metric"], name="metrics_comparison_once"),
        ]
        indexes = [
            models.Index(fields=["measure", "period_start"], name="metrics_comparison_measure"),
            # A dashboard's weeks, summed from the index alone.
            models.Index(
                fields=["period_start", "measure", "flagged", "reported", "source", "id"],
                name="metrics_comparison_week",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.period_start}: {self.reported} / {self.source}"


def percent_text(rate) -> str:
    """A difference rate for people: +8.0%, −3.2%; ∞ when something was reported against a source of 0."""
    if rate is None:
        return "∞"
    return f"{rate * 100:+.1f}%".replace("-", "−")


class SpotCheck(TimeStampedModel):
    """A person's check of a source against its origin (抽查): who checked which source, or which
    measure's figures, for which period, when, and whether they matched."""

    class Result(models.TextChoices):
        OK = "ok", _("Matches")
        MISMATCH = "mismatch", _("Mismatch")

    source = models.ForeignKey(
        DataSource, verbose_name=_("data source"), on_delete=models.CASCADE, related_name="spot_checks"
    )
    metric = models.ForeignKey(
        SourceMetric,
        verbose_name=_("source metric"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="spot_checks",
    )
    measure = models.ForeignKey(
        "goals.Measure",
        verbose_name=_("measure"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="spot_checks",
    )
    checked_by = models.ForeignKey(
        "org.Person", verbose_name=_("checked by"), on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(_("checked at"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    note = models.TextField(_("note"), blank=True, default="")

    class Meta:
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")
        ordering = ["-checked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="metrics_spotcheck_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.checked_at:%Y-%m-%d}"
