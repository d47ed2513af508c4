"""Goals (objectives, key results, KPIs), their measures, consensus, target adjustments,
decompositions and templates (DOMAIN.md §1–2)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from lodestar.core.models import EditableChoice, SoftDeletableModel, TimeStampedModel, VersionedModel
from lodestar.goals.domain import unit_display

AMOUNT = {"max_digits": 18, "decimal_places": 4}
RATE = {"max_digits": 12, "decimal_places": 6}


class GoalType(EditableChoice):
    """An admin-editable category: 销售额, 用户增长, 品牌曝光, 用户运营, 转化, 内容, 其他."""

    class Meta:
        verbose_name = _("goal type")
        verbose_name_plural = _("goal types")
        ordering = ["sort_order", "id"]


class GoalKind(models.TextChoices):
    OBJECTIVE = "objective", _("Objective")
    KEY_RESULT = "key_result", _("Key result")
    KPI = "kpi", _("KPI")


class GoalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONSENSUS = "consensus", _("In consensus")
    ACTIVE = "active", pgettext_lazy("goal status", "Active")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public to the company")
    DEPARTMENT = "department", _("Department only")


class HealthChoice(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    ACHIEVED = "achieved", _("Achieved")
    MISSED = "missed", _("Missed")


class Goal(SoftDeletableModel, VersionedModel):
    """A goal in the alignment tree. `achievement_rate` (each part capped, LODESTAR_ROLLUP_CAP),
    `achievement_rate_uncapped`, `progress` and `health` (pace against the plan to date; achieved
    or missed once the period is over) are stored read fields, recomputed by `goals.rollup` along
    the path to the root on every change and nightly for what depends on the date."""

    kind = models.CharField(_("kind"), max_length=12, choices=GoalKind.choices, default=GoalKind.KPI)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("SMART description"), blank=True, default="")
    goal_type = models.ForeignKey(
        GoalType,
        verbose_name=_("type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="goals",
    )
    owner = models.ForeignKey(
        "org.Person",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_goals",
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="goals"
    )
    collaborating_departments = models.ManyToManyField(
        "org.Department",
        verbose_name=_("collaborating departments"),
        blank=True,
        related_name="collaborating_goals",
    )
    period = models.ForeignKey(
        "core.Period", verbose_name=_("period"), on_delete=models.PROTECT, related_name="goals"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("aligned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    weight = models.DecimalField(_("weight (%)"), max_digits=6, decimal_places=2, null=True, blank=True)
    notes = models.TextField(_("notes and risks"), blank=True, default="")
    context = models.TextField(_("inputs (strategy, market, history, resources)"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=12, choices=GoalStatus.choices, default=GoalStatus.DRAFT
    )
    visibility = models.CharField(
        _("visibility"), max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    sort_order = models.IntegerField(_("sort order"), default=0)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    # Stored read fields (see goals/rollup.py).
    achievement_rate = models.DecimalField(
        _("achievement rate"), null=True, blank=True, editable=False, **RATE
    )
    achievement_rate_uncapped = models.DecimalField(
        _("achievement rate (uncapped)"), null=True, blank=True, editable=False, **RATE
    )
    progress = models.DecimalField(_("progress"), null=True, blank=True, editable=False, **RATE)
    health = models.CharField(
        _("health"),
        max_length=12,
        choices=HealthChoice.choices,
        default=HealthChoice.NOT_STARTED,
        editable=False,
    )
    child_count = models.PositiveIntegerField(default=0, editable=False)
    rollup_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    history = HistoricalRecords(excluded_fields=["rollup_at", "child_count", "updated_at"])
    # Read by simple-history when the row is saved: why this version was written (its history note).
    _change_reason: str

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["sort_order", "id"]
        indexes = [
            models.Index(fields=["owner", "period"]),
            models.Index(fields=["parent", "sort_order"]),
            models.Index(fields=["period", "status"]),
            models.Index(
                fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="goal_deleted_idx"
            ),
            # Lists are in this order within a period: a page of 50 walks the index and stops,
            # instead of sorting every goal of a division (bench/README.md, API goal list).
            models.Index(
                fields=["period", "sort_order", "id"],
                condition=Q(deleted_at__isnull=True),
                name="goal_period_order_live",
            ),
            # The dashboards' first goals (and the goals of their first measures) in tree order: walked
            # until 25 are found, instead of sorting the company's 15,000 (bench/README.md, issue 16).
            # The walk passes every goal above the first leaves with a measure (both years' at L); the
            # period, status and the reader's visibility columns let it pass them in the index alone.
            models.Index(
                fields=["depth", "sort_order", "id", "period", "status", "department", "owner", "visibility"],
                condition=Q(deleted_at__isnull=True),
                name="goal_depth_order_live",
            ),
            # A department's live goals of a period (lists), and the dashboards' counts of a period's goals
            # by department, type and health (and their measures by department or owner) for any reader
            # (owner and visibility), read from the index alone, not from 15,000 table rows
            # (bench/README.md, issue 16). It replaces a plain (department, period) index, which SQLite
            # preferred for the same queries and then read every goal's row.
            models.Index(
                fields=["department", "period", "status", "goal_type", "health", "owner", "visibility", "id"],
                condition=Q(deleted_at__isnull=True),
                name="goal_dashboard_live",
            ),
            # The same columns led by the period, for PostgreSQL: it reads the company's goals of the
            # dashboard's periods (`period IN (…)`) as ranges of this index, where it took the plain
            # period index and every goal's row over a whole scan of the one above (heatmap 16 → 10 ms at
            # L). SQLite keeps using the one above (without it: heatmap 17–28 → 41 ms, check-ins ×1.6).
            models.Index(
                fields=["period", "status", "department", "goal_type", "health", "owner", "visibility", "id"],
                condition=Q(deleted_at__isnull=True),
                name="goal_dashboard_period_live",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | (Q(weight__gte=0) & Q(weight__lte=100)),
                name="goal_weight_0_100",
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="goal_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class MeasureUnit(models.TextChoices):
    YUAN = "yuan", _("yuan (元)")
    WAN_YUAN = "wan_yuan", _("10k yuan (万元)")
    COUNT = "count", _("count")
    PERCENT = "percent", _("percent (%)")
    PEOPLE = "people", _("people")
    CUSTOM = "custom", _("custom")


class DirectionChoice(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")
    RANGE = "range", _("Stay within a range")


class Measure(VersionedModel):
    """A metric condition of a goal (衡量标准): 销售额 ≥ 500万, 新客占比 ≥ 40%, 复购率 15% → 20%.

    `original_target` is the target when the goal became active; after that the target changes
    only through a `TargetAdjustment`. `source` links a decomposed child's measure to the
    parent's: the parent's current value is the sum of its parts.
    """

    # Indexed with the measure's id (Meta.indexes): a goal's measures read from the index alone.
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="measures", db_index=False)
    name = models.CharField(_("metric"), max_length=100)
    unit = models.CharField(_("unit"), max_length=12, choices=MeasureUnit.choices, default=MeasureUnit.COUNT)
    unit_label = models.CharField(_("custom unit"), max_length=20, blank=True, default="")
    direction = models.CharField(
        _("direction"), max_length=8, choices=DirectionChoice.choices, default=DirectionChoice.HIGHER
    )
    baseline = models.DecimalField(_("baseline"), null=True, blank=True, **AMOUNT)
    target = models.DecimalField(_("base target"), **AMOUNT)
    challenge = models.DecimalField(_("challenge target"), null=True, blank=True, **AMOUNT)
    range_max = models.DecimalField(_("upper bound"), null=True, blank=True, **AMOUNT)
    current = models.DecimalField(_("current value"), null=True, blank=True, **AMOUNT)
    accumulates = models.BooleanField(
        _("adds up over time"),
        default=True,
        help_text=_(
            "On for counts and amounts (篇, 元, 次); off for rates, averages and other levels (复购率, 互动率)."
        ),
    )
    original_target = models.DecimalField(
        _("original target"), null=True, blank=True, editable=False, **AMOUNT
    )
    # What `current` is made of (goals/figures.py is its only writer; see domain.combined_current).
    current_source = models.CharField(
        _("source of the current value"), max_length=16, blank=True, default="", editable=False
    )
    current_source_ref = models.PositiveIntegerField(null=True, blank=True, editable=False)
    current_entered_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    opening_value = models.DecimalField(_("opening value"), null=True, blank=True, editable=False, **AMOUNT)
    stock_take_value = models.DecimalField(null=True, blank=True, editable=False, **AMOUNT)
    stock_take_end = models.DateField(null=True, blank=True, editable=False)
    stock_take_items = models.DecimalField(default=0, editable=False, **AMOUNT)
    items_total = models.DecimalField(null=True, blank=True, editable=False, **AMOUNT)
    source = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parts",
        verbose_name=_("part of"),
        db_index=False,  # see Meta: most measures are not parts, so the index covers only those that are
    )
    weight = models.DecimalField(
        _("weight (%)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Share of the goal's achievement; empty shares equally what the others leave."),
    )
    sort_order = models.IntegerField(default=0)
    achievement_rate = models.DecimalField(null=True, blank=True, editable=False, **RATE)
    progress = models.DecimalField(null=True, blank=True, editable=False, **RATE)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    # Read by simple-history when the row is saved: why this version was written (its history note).
    _change_reason: str

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["sort_order", "id"]
        indexes = [
            # A full index on a column that is almost always NULL looks useless to SQLite's planner
            # after ANALYZE, which then scans every measure to find a source's parts.
            models.Index(fields=["source"], condition=Q(source__isnull=False), name="measure_source_idx"),
            # The measures of many goals (a dashboard's 15,000) joined from this index alone on PostgreSQL,
            # which does not keep a row's id in an index on another column.
            models.Index(fields=["goal", "id"], name="measure_goal"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | (Q(weight__gte=0) & Q(weight__lte=100)),
                name="measure_weight_0_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def original_achievement_rate(self):
        """Achievement against the target agreed at activation, for reports after adjustments."""
        from lodestar.goals import domain

        if self.current is None or self.original_target is None:
            return None
        return domain.achievement_rate(
            self.current,
            self.original_target,
            domain.Direction(self.direction),
            self.range_max,
            self.baseline,
        )

    @property
    def current_source_label(self) -> str:
        """Where the current value came from, for people: "check-in #12 + items reported since"."""
        ref = self.current_source_ref
        labels = {
            "entered": _("entered on the goal"),
            "checkin": _("check-in #%(id)s") % {"id": ref},
            "checkin_items": _("check-in #%(id)s + items reported since") % {"id": ref},
            "items": _("opening value + action items"),
            "parts": _("sum of parts"),
        }
        return str(labels.get(self.current_source, ""))

    @property
    def unit_display(self) -> str:
        return unit_display(self.unit, self.unit_label)


def live_parts(of) -> models.QuerySet[Measure]:
    """The parts that make measure `of` (a measure, its id or an `OuterRef`) a sum: decomposed measures on goals
    that are not deleted — a deleted goal's parts stop counting (`goals.rollup._sum_parts_into`)."""
    return Measure.objects.filter(source=of, goal__deleted_at__isnull=True)


def sums_its_parts_q(prefix: str = "") -> Q:
    """Q on measures (or on rows reaching one through `prefix`, e.g. "measure__") that add up their
    live parts and so take no check-ins (DOMAIN.md §2–3: a decomposed measure is the sum of its parts, which are what
    people report on).

    The one home of that rule for lists. An `IN` of the few measures that have parts rather than an
    `EXISTS` per row: PostgreSQL then reads a dashboard's 15,000 measures from the goal index instead
    of walking every measure in id order to anti-join them (check-in panel 53 → 35 ms at L)."""
    sources = Measure.objects.filter(source__isnull=False, goal__deleted_at__isnull=True).values("source_id")
    return Q(**{f"{prefix}id__in": sources})


class ConsensusRecord(TimeStampedModel):
    """A goal consensus meeting (目标共识会议) and its minutes (目标共识纪要), for one or more goals."""

    class State(models.TextChoices):
        OPEN = "open", _("Collecting sign-offs")
        AGREED = "agreed", _("Consensus reached")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    goals = models.ManyToManyField(Goal, related_name="consensus_records")
    minutes = models.TextField(_("minutes"), blank=True, default="")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    started_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consensus record")
        verbose_name_plural = _("consensus records")
        ordering = ["-created_at"]


class ConsensusParticipant(TimeStampedModel):
    """One participant's sign-off (签字确认) or objection."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        AGREED = "agreed", _("Agreed")
        OBJECTED = "objected", _("Objected")

    record = models.ForeignKey(ConsensusRecord, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="consensus_participations"
    )
    role_note = models.CharField(_("role in the meeting"), max_length=60, blank=True, default="")
    required = models.BooleanField(_("sign-off required"), default=True)
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    comment = models.TextField(_("comment"), blank=True, default="")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consensus participant")
        verbose_name_plural = _("consensus participants")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["record", "person"], name="consensus_person_once")]


class TargetAdjustment(TimeStampedModel):
    """A request to change an active goal's target (目标调整, DOMAIN.md §3 and "A target adjustment is a
    request"): it is pending until an approver (an admin, or a manager of the goal's department or of one
    above it) approves or rejects it, or the requester withdraws it. Only approval changes the target;
    the original stays visible. Both steps are kept: who asked and when (`created_by`, `created_at`,
    `reason`), who decided and when (`decided_by`, `decided_at`, `decision_comment`). An admin may
    apply a change directly (`applied_directly`, decided by the admin at once)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="adjustments")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="adjustments")
    # The target when the request was made; on approval, the target it replaced.
    old_target = models.DecimalField(_("old target"), **AMOUNT)
    new_target = models.DecimalField(_("new target"), **AMOUNT)
    reason = models.TextField(_("reason"))
    trigger = models.CharField(_("trigger"), max_length=200, blank=True, default="")
    # The approver the requester asked (notified); any approver of the goal may decide.
    approved_by = models.ForeignKey(
        "org.Person", verbose_name=_("approver"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        "org.Person",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True, default="")
    applied_directly = models.BooleanField(_("applied directly by an admin"), default=False)

    class Meta:
        verbose_name = _("target adjustment")
        verbose_name_plural = _("target adjustments")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure"],
                condition=Q(status="pending"),
                name="adjustment_one_pending_per_measure",
            )
        ]


class Decomposition(TimeStampedModel):
    """A split of a goal's target (目标拆解), kept so it can be shown and reused (e.g. on a budget line)."""

    class Dimension(models.TextChoices):
        DEPARTMENT = "department", _("Departments")
        PERSON = "person", _("People")
        BUSINESS_LINE = "business_line", _("Business lines / products")
        CHANNEL = "channel", _("Channels")
        TIME = "time", _("Time")

    class Mode(models.TextChoices):
        PERCENT = "percent", _("Percentages")
        AMOUNT = "amount", _("Amounts")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="decompositions")
    measure = models.ForeignKey(Measure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices)
    parts = models.JSONField(_("parts"), default=list)  # [{"label", "share", "amount", "goal_id"}]
    # A revision of an earlier split (re-decomposition) says why; the rows of a goal are its split's history.
    reason = models.CharField(_("reason"), max_length=300, blank=True, default="")
    created_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("decomposition")
        verbose_name_plural = _("decompositions")
        ordering = ["-created_at"]


class GoalTemplate(VersionedModel):
    """A reusable goal set, e.g. the three KPIs every channel specialist gets."""

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True, default="")
    department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="goal_templates"
    )
    items = models.JSONField(_("goals"), default=list)
    created_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("goal template")
        verbose_name_plural = _("goal templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PeriodClosing(models.Model):
    """One close of a period — the whole period (admin) or one department's goals in it (its manager) —
    and, once reopened, who reopened it and why (DOMAIN.md §4: results are frozen at the close)."""

    period = models.ForeignKey("core.Period", on_delete=models.CASCADE, related_name="closings")
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="period_closings",
        help_text=_("Empty when the whole period was closed."),
    )
    closed_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed at"))
    note = models.TextField(_("note"), blank=True, default="")
    reopened_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    reopen_reason = models.TextField(_("reason for reopening"), blank=True, default="")

    class Meta:
        verbose_name = _("period close")
        verbose_name_plural = _("period closes")
        ordering = ["-closed_at", "-id"]
        indexes = [models.Index(fields=["period", "reopened_at"])]

    def __str__(self) -> str:
        return f"{self.period} · {self.department or '*'}"

    @property
    def is_active(self) -> bool:
        return self.reopened_at is None


class SnapshotKind(models.TextChoices):
    CLOSE = "close", _("Period close")
    WEEKLY = "weekly", _("Weekly")


class Snapshot(models.Model):
    """A goal's figures frozen at one moment: one row per measure, or one row for a goal without measures.

    Retrospectives, cases, reports and appraisal read these rows and never recompute a closed period from
    data that may have changed since (DOMAIN.md §4). Names and units are copied for the same reason.
    """

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="snapshots")
    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.CASCADE, related_name="snapshots"
    )
    period = models.ForeignKey("core.Period", on_delete=models.CASCADE, related_name="snapshots")
    kind = models.CharField(_("kind"), max_length=8, choices=SnapshotKind.choices)
    closing = models.ForeignKey(
        PeriodClosing, null=True, blank=True, on_delete=models.SET_NULL, related_name="snapshots"
    )
    taken_at = models.DateTimeField(_("taken at"))
    week = models.DateField(
        _("week"), null=True, blank=True, help_text=_("Monday of a weekly snapshot's week.")
    )
    goal_name = models.CharField(_("goal"), max_length=200)
    measure_name = models.CharField(_("metric"), max_length=100, blank=True, default="")
    unit = models.CharField(_("unit"), max_length=12, blank=True, default="")
    unit_label = models.CharField(_("custom unit"), max_length=20, blank=True, default="")
    direction = models.CharField(_("direction"), max_length=8, blank=True, default="")
    weight = models.DecimalField(_("weight (%)"), max_digits=6, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(_("target"), null=True, blank=True, **AMOUNT)
    original_target = models.DecimalField(_("original target"), null=True, blank=True, **AMOUNT)
    challenge = models.DecimalField(_("challenge target"), null=True, blank=True, **AMOUNT)
    baseline = models.DecimalField(_("baseline"), null=True, blank=True, **AMOUNT)
    actual = models.DecimalField(_("actual"), null=True, blank=True, **AMOUNT)
    achievement_rate = models.DecimalField(_("achievement"), null=True, blank=True, **RATE)
    original_achievement_rate = models.DecimalField(
        _("achievement against the original target"), null=True, blank=True, **RATE
    )
    goal_achievement_rate = models.DecimalField(_("goal achievement"), null=True, blank=True, **RATE)
    # The roll-up caps each measure at 100% (DOMAIN.md §3); an appraisal indicator applies its own cap
    # (120% by default) to the goal's uncapped figure, so the close keeps both.
    goal_achievement_rate_uncapped = models.DecimalField(
        _("goal achievement (uncapped)"), null=True, blank=True, **RATE
    )
    progress = models.DecimalField(_("progress"), null=True, blank=True, **RATE)
    health = models.CharField(
        _("health"), max_length=12, choices=HealthChoice.choices, blank=True, default=""
    )
    forecast = models.DecimalField(_("forecast at period end"), null=True, blank=True, **AMOUNT)
    forecast_p_base = models.DecimalField(
        _("probability of reaching the target"), null=True, blank=True, **RATE
    )

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["-taken_at", "goal_id", "measure_id"]
        indexes = [
            models.Index(fields=["period", "kind", "taken_at"]),
            models.Index(fields=["goal", "kind", "taken_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["goal", "measure", "week"],
                condition=Q(kind="weekly", measure__isnull=False),
                name="snapshot_weekly_once_per_measure",
            ),
            models.UniqueConstraint(
                fields=["goal", "week"],
                condition=Q(kind="weekly", measure__isnull=True),
                name="snapshot_weekly_once_per_goal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.goal_name} · {self.measure_name} · {self.taken_at:%Y-%m-%d}"
