"""Performance appraisal (绩效考核, DOMAIN.md §5 and "Appraisal scoring"; seeds 003 and 004).

A template per position holds weighted indicators; a cycle appraises the people in its scope for one
period; each appraisal collects self, manager and peer reviews and is scored from the period's frozen
snapshots (`goals.Snapshot`) by `appraisal.domain.scoring`, written only by `appraisal.services.scoring`.
Calibration moves, PIPs, feedback meetings, appeals and competency ratings follow from a scored cycle.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lodestar.core.models import TimeStampedModel, VersionedModel

PERCENT: dict[str, Any] = {"max_digits": 6, "decimal_places": 2}
FRACTION: dict[str, Any] = {"max_digits": 12, "decimal_places": 6}
SCORE: dict[str, Any] = {"max_digits": 9, "decimal_places": 4}
MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class MarketStage(models.TextChoices):
    GENERAL = "", _("Any market")
    NEW = "new", _("New market")
    MATURE = "mature", _("Mature market")


class Template(VersionedModel):
    """考核模板: the indicators one position is appraised on (weights sum to 100%)."""

    name = models.CharField(_("name"), max_length=100)
    position = models.ForeignKey(
        "org.Position",
        verbose_name=_("position"),
        on_delete=models.PROTECT,
        related_name="appraisal_templates",
    )
    market_stage = models.CharField(
        _("market stage"), max_length=8, choices=MarketStage.choices, blank=True, default=MarketStage.GENERAL
    )
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("appraisal template")
        verbose_name_plural = _("appraisal templates")
        ordering = ["position__sort_order", "position__name", "market_stage", "name"]

    def __str__(self) -> str:
        return self.name


class IndicatorKind(models.TextChoices):
    QUANTITATIVE = "quantitative", _("Quantitative")
    QUALITATIVE = "qualitative", _("Qualitative")


class ScoringRule(models.TextChoices):
    LINEAR = "linear", _("Linear (achievement × 100)")
    STEPS = "steps", _("Step table")


class Indicator(VersionedModel):
    """One line of a template. Quantitative ones are bound to a goal type, a goal or a measure and scored
    from the snapshot; qualitative ones are rated 1–5 by reviewers against the rubric."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=12, choices=IndicatorKind.choices)
    weight = models.DecimalField(_("weight (%)"), **PERCENT)
    goal_type = models.ForeignKey(
        "goals.GoalType",
        verbose_name=_("goal type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    goal = models.ForeignKey(
        "goals.Goal",
        verbose_name=_("goal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    measure = models.ForeignKey(
        "goals.Measure",
        verbose_name=_("metric"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rule = models.CharField(
        _("scoring rule"), max_length=8, choices=ScoringRule.choices, default=ScoringRule.LINEAR
    )
    floor = models.DecimalField(
        _("floor"), null=True, blank=True, help_text=_("Below this achievement the score is 0."), **FRACTION
    )
    cap = models.DecimalField(
        _("cap"),
        null=True,
        blank=True,
        help_text=_("Above this achievement the score stays at the cap."),
        **FRACTION,
    )
    # [["0.6", "60"], ["0.8", "80"], ["1", "100"]]: from each achievement threshold up, that score.
    steps = models.JSONField(_("step table"), default=list, blank=True)
    # {"1": "…", …, "5": "…"}: what each rating means for this indicator.
    rubric = models.JSONField(_("rubric"), default=dict, blank=True)
    sort_order = models.IntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Stage(models.TextChoices):
    """The seeds' order: 设定 → 自评 → 上级评 → 跨部门评 → 校准 → 发布 → 面谈."""

    SETUP = "setup", _("Setup")
    SELF = "self", _("Self review")
    MANAGER = "manager", _("Manager review")
    PEER = "peer", _("Cross-department review")
    CALIBRATION = "calibration", _("Calibration")
    PUBLISHED = "published", _("Published")
    FEEDBACK = "feedback", _("Feedback meetings")


STAGE_ORDER = [s.value for s in Stage]


class StartStatus(models.TextChoices):
    NOT_STARTED = "", _("Not started")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Creating appraisals")
    DONE = "done", _("Started")
    FAILED = "failed", _("Failed")


class Cycle(VersionedModel):
    """考核周期: who is appraised for which period, by which weights, formula and grade table."""

    name = models.CharField(_("name"), max_length=100)
    period = models.ForeignKey(
        "core.Period", verbose_name=_("period"), on_delete=models.PROTECT, related_name="appraisal_cycles"
    )
    departments = models.ManyToManyField(
        "org.Department",
        verbose_name=_("departments"),
        blank=True,
        related_name="appraisal_cycles",
        help_text=_("Everyone in these departments and below; none means the whole organisation."),
    )
    positions = models.ManyToManyField(
        "org.Position",
        verbose_name=_("positions"),
        blank=True,
        related_name="appraisal_cycles",
        help_text=_("Only people in these positions; none means every position that has a template."),
    )
    templates = models.ManyToManyField(
        Template,
        verbose_name=_("templates"),
        blank=True,
        related_name="cycles",
        help_text=_(
            "The template to use for a position (e.g. its mature-market variant); otherwise the "
            "position's general template."
        ),
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.SETUP)
    start_status = models.CharField(
        _("start"), max_length=8, choices=StartStatus.choices, blank=True, default=StartStatus.NOT_STARTED
    )
    start_total = models.PositiveIntegerField(default=0, editable=False)
    start_done = models.PositiveIntegerField(default=0, editable=False)
    start_error = models.TextField(blank=True, default="", editable=False)
    weight_manager = models.DecimalField(_("manager weight (%)"), default=60, **PERCENT)
    weight_peer = models.DecimalField(_("peer weight (%)"), default=20, **PERCENT)
    weight_self = models.DecimalField(_("self weight (%)"), default=20, **PERCENT)
    formula = models.TextField(
        _("final score formula"),
        blank=True,
        default="",
        help_text=_("Empty: the weighted sum of the indicators."),
    )
    # {"S": "95", "A": "85", "B": "70"} (and "C" when D is used): the lowest final score of each grade.
    grade_thresholds = models.JSONField(_("grade thresholds"), default=dict, blank=True)
    # {"S": "1.50", "A": "1.20", "B": "1.00", "C": "0.80"}
    bonus_coefficients = models.JSONField(_("bonus coefficients"), default=dict, blank=True)
    guideline_s_max = models.DecimalField(_("S at most (%)"), default=10, **PERCENT)
    guideline_c_min = models.DecimalField(_("C at least (%)"), default=5, **PERCENT)
    pip_on_c = models.BooleanField(_("C opens an improvement plan"), default=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("appraisal cycle")
        verbose_name_plural = _("appraisal cycles")
        ordering = ["-period__start", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.stage in (Stage.PUBLISHED, Stage.FEEDBACK)


class CycleStage(models.Model):
    """The dates of one stage of a cycle; reminders and overdue notices read them."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="stage_dates")
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    starts = models.DateField(_("starts"))
    ends = models.DateField(_("ends"))
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("stage dates")
        verbose_name_plural = _("stage dates")
        ordering = ["starts", "id"]
        constraints = [models.UniqueConstraint(fields=["cycle", "stage"], name="cycle_stage_once")]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.starts}–{self.ends}"


class PayBase(VersionedModel):
    """绩效工资基数: a person's performance-pay base. Only HR partners and admins see or change it."""

    person = models.OneToOneField(
        "org.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="pay_base"
    )
    amount = models.DecimalField(_("performance-pay base (元)"), **MONEY)

    class Meta:
        verbose_name = _("performance-pay base")
        verbose_name_plural = _("performance-pay bases")


class Grade(models.TextChoices):
    S = "S", _("S (outstanding)")
    A = "A", _("A")
    B = "B", _("B")
    C = "C", _("C (needs improvement)")
    D = "D", _("D")


class Appraisal(VersionedModel):
    """One person in one cycle. Scores are written by `services.scoring` only; `calibrated_grade` by a
    calibration move; everything is frozen when the cycle is published."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="appraisals")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="appraisals")
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="appraisals")
    # Copied at start: where the person stood when the cycle began (moves later do not move the appraisal).
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, related_name="appraisals")
    position = models.ForeignKey("org.Position", on_delete=models.PROTECT, related_name="appraisals")
    manager = models.ForeignKey(
        "org.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appraisals_to_review",
        verbose_name=_("reviewing manager"),
    )
    pay_base = models.DecimalField(_("performance-pay base (元)"), null=True, blank=True, **MONEY)
    # Written by services.scoring: [{"indicator_id", "name", "kind", "weight", "achievement", "score",
    # "source": {...}}, …] and the named components the formula reads.
    components = models.JSONField(default=list, blank=True, editable=False)
    named = models.JSONField(default=dict, blank=True, editable=False)
    final_score = models.DecimalField(_("final score"), null=True, blank=True, max_digits=7, decimal_places=2)
    missing = models.JSONField(default=list, blank=True, editable=False)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True, default="")
    calibrated_grade = models.CharField(
        _("calibrated grade"), max_length=1, choices=Grade.choices, blank=True, default=""
    )
    bonus_coefficient = models.DecimalField(
        _("bonus coefficient"), null=True, blank=True, max_digits=5, decimal_places=2
    )
    bonus_amount = models.DecimalField(_("bonus (元)"), null=True, blank=True, **MONEY)
    scored_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")
        ordering = ["department__path", "person__display_name"]
        constraints = [models.UniqueConstraint(fields=["cycle", "person"], name="one_appraisal_per_cycle")]

    def __str__(self) -> str:
        return f"{self.person} · {self.cycle}"

    @property
    def effective_grade(self) -> str:
        return self.calibrated_grade or self.grade


class ReviewRole(models.TextChoices):
    SELF = "self", pgettext_lazy("appraisal", "Self")
    MANAGER = "manager", pgettext_lazy("appraisal", "Manager")
    PEER = "peer", pgettext_lazy("appraisal", "Cross-department")


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUBMITTED = "submitted", pgettext_lazy("appraisal", "Submitted")


class Review(VersionedModel):
    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        "org.Person", verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="appraisal_reviews"
    )
    role = models.CharField(_("role"), max_length=8, choices=ReviewRole.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    anonymous = models.BooleanField(
        _("anonymous toward the reviewee"),
        default=False,
        help_text=_("The person appraised sees the comments but not who wrote them."),
    )
    summary = models.TextField(_("overall comment"), blank=True, default="")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["appraisal_id", "role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "reviewer", "role"], name="one_review_per_reviewer"),
        ]


class Rating(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="ratings")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="ratings")
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True, default="")

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["indicator__sort_order", "indicator_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "indicator"], name="one_rating_per_indicator"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.rating}"


class EvidenceKind(models.TextChoices):
    FILE = "file", _("Attachment")
    LINK = "link", _("Link")
    GOAL = "goal", _("Goal")
    ITEM = "item", _("Action item")
    CHECKIN = "checkin", _("Check-in")
    CASE = "case", _("Case")


class Evidence(TimeStampedModel):
    """A piece of the self review's evidence pack (合同, 活动报告, a goal, an item, a check-in, a case)."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=8, choices=EvidenceKind.choices)
    note = models.CharField(_("note"), max_length=300, blank=True, default="")
    file = models.FileField(upload_to="appraisal/%Y/%m/", blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True, default="")
    url = models.URLField(_("link"), max_length=500, blank=True, default="")
    goal = models.ForeignKey("goals.Goal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    item = models.ForeignKey(
        "execution.ActionItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checkin = models.ForeignKey(
        "tracking.CheckIn", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(
        "knowledge.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["created_at", "id"]


class CalibrationMove(TimeStampedModel):
    """A grade changed in calibration (or by an appeal's decision): who, when, why."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="calibration_moves")
    from_grade = models.CharField(_("from"), max_length=1, choices=Grade.choices)
    to_grade = models.CharField(_("to"), max_length=1, choices=Grade.choices)
    reason = models.TextField(_("reason"))
    moved_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    appeal = models.ForeignKey("Appeal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("calibration move")
        verbose_name_plural = _("calibration moves")
        ordering = ["created_at", "id"]


class PipOutcome(models.TextChoices):
    OPEN = "", _("In progress")
    IMPROVED = "improved", _("Improved")
    EXTENDED = "extended", _("Extended")
    NOT_IMPROVED = "not_improved", _("Not improved")


class Pip(VersionedModel):
    """绩效改进计划: opened for a C (or by HR), with goals, a mentor and check dates, tracked to its end."""

    person = models.ForeignKey(
        "org.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="pips"
    )
    appraisal = models.ForeignKey(
        Appraisal, null=True, blank=True, on_delete=models.SET_NULL, related_name="pips"
    )
    mentor = models.ForeignKey(
        "org.Person",
        verbose_name=_("mentor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    goals = models.TextField(_("improvement goals"), blank=True, default="")
    check_dates = models.JSONField(_("check dates"), default=list, blank=True)
    starts = models.DateField(_("starts"))
    ends = models.DateField(_("ends"))
    outcome = models.CharField(
        _("outcome"), max_length=14, choices=PipOutcome.choices, blank=True, default=""
    )
    outcome_note = models.TextField(_("outcome note"), blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("improvement plan")
        verbose_name_plural = _("improvement plans")
        ordering = ["-starts", "-id"]


class FeedbackMeeting(VersionedModel):
    """绩效面谈: the conversation about a published result, acknowledged by both sides."""

    appraisal = models.OneToOneField(Appraisal, on_delete=models.CASCADE, related_name="feedback")
    held_on = models.DateField(_("held on"))
    notes = models.TextField(_("notes"))
    data_and_examples = models.TextField(_("data and examples discussed"), blank=True, default="")
    next_steps = models.TextField(_("agreed next steps"), blank=True, default="")
    written_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    manager_ack_at = models.DateTimeField(_("acknowledged by the manager"), null=True, blank=True)
    person_ack_at = models.DateTimeField(_("acknowledged by the person"), null=True, blank=True)

    class Meta:
        verbose_name = _("feedback meeting")
        verbose_name_plural = _("feedback meetings")


class CommitteeArea(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    HR = "hr", _("HR")
    FINANCE = "finance", _("Finance")


class CommitteeMember(TimeStampedModel):
    """A member of the appeals committee (marketing, HR, finance)."""

    person = models.OneToOneField("org.Person", on_delete=models.CASCADE, related_name="committee_seat")
    area = models.CharField(_("area"), max_length=10, choices=CommitteeArea.choices)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["area", "id"]


class AppealStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("appraisal appeal status", "Open")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


class Appeal(VersionedModel):
    """申诉: the person contests a published result; the committee decides and the decision is recorded."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="appeals")
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.OPEN
    )
    decision = models.TextField(_("decision"), blank=True, default="")
    new_grade = models.CharField(_("new grade"), max_length=1, choices=Grade.choices, blank=True, default="")
    decided_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-id"]


class CompetencyGroup(models.TextChoices):
    PROFESSIONAL = "professional", _("Professional")
    GENERAL = "general", _("General")


class Competency(TimeStampedModel):
    """营销能力: 专业 (产品知识, 数据分析, 内容策划 …) and 通用 (客户沟通, 跨部门协作 …)."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    group = models.CharField(_("group"), max_length=14, choices=CompetencyGroup.choices)
    sort_order = models.IntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        ordering = ["group", "sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class CompetencyRating(models.Model):
    """The manager's 1–5 rating of one competency in one appraisal (the radar's points)."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="competency_ratings")
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="ratings")
    rating = models.PositiveSmallIntegerField(_("rating"))
    rated_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("competency rating")
        verbose_name_plural = _("competency ratings")
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "competency"], name="one_rating_per_competency"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="competency_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competency_id}: {self.rating}"


class Composite(VersionedModel):
    """年度综合: a person's annual result from the year's monthly, quarterly and annual finals."""

    person = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="composites")
    year_period = models.ForeignKey("core.Period", on_delete=models.PROTECT, related_name="composites")
    weight_month = models.DecimalField(_("monthly weight (%)"), default=30, **PERCENT)
    weight_quarter = models.DecimalField(_("quarterly weight (%)"), default=40, **PERCENT)
    weight_year = models.DecimalField(_("annual weight (%)"), default=30, **PERCENT)
    # Written by services.composites: [{"part", "weight", "effective_weight", "finals", "mean"}, …]
    parts = models.JSONField(default=list, blank=True, editable=False)
    final_score = models.DecimalField(_("final score"), null=True, blank=True, max_digits=7, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True, default="")
    computed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("annual composite")
        verbose_name_plural = _("annual composites")
        ordering = ["year_period_id", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year_period"], name="one_composite_per_year")
        ]


class PipCheck(TimeStampedModel):
    """The result of one check date of an improvement plan: on track or not, with a note."""

    pip = models.ForeignKey(Pip, on_delete=models.CASCADE, related_name="checks")
    date = models.DateField(_("check date"))
    note = models.TextField(_("note"), blank=True, default="")
    on_track = models.BooleanField(_("on track"), default=True)
    recorded_by = models.ForeignKey(
        "org.Person", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("improvement plan check")
        verbose_name_plural = _("improvement plan checks")
        ordering = ["date", "id"]
        constraints = [models.UniqueConstraint(fields=["pip", "date"], name="one_check_per_pip_date")]

    def __str__(self) -> str:
        return f"{self.pip_id} {self.date}"
