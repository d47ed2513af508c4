"""Retrospectives (复盘, DOMAIN.md §4 and the seeds' template 3 营销目标复盘分析表): the frozen figures of a
goal, a department's goal set or a campaign phase for a month, quarter or year; what the team writes
about them (亮点, 问题, the 5-why chain); and the improvement plan that becomes next period's work."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lodestar.core.models import TimeStampedModel, VersionedModel

AMOUNT = {"max_digits": 18, "decimal_places": 4}
RATE = {"max_digits": 12, "decimal_places": 6}


class Scope(models.TextChoices):
    GOAL = "goal", _("Goal")
    DEPARTMENT = "department", _("Department's goals")
    PHASE = "phase", _("Campaign phase")


class Cadence(models.TextChoices):
    MONTH = "month", _("Monthly review")
    QUARTER = "quarter", _("Quarterly review")
    YEAR = "year", _("Annual review")


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")


class Retrospective(VersionedModel):
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices, default=Scope.GOAL)
    goal = models.ForeignKey(
        "goals.Goal",
        verbose_name=_("goal"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="retrospectives",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="retrospectives",
        help_text=_("The goal's department, the department reviewed, or the campaign's department."),
    )
    phase = models.ForeignKey(
        "execution.Phase",
        verbose_name=_("campaign phase"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="retrospectives",
    )
    period = models.ForeignKey(
        "core.Period", verbose_name=_("period"), on_delete=models.PROTECT, related_name="retrospectives"
    )
    cadence = models.CharField(_("cadence"), max_length=8, choices=Cadence.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        "org.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="retrospectives"
    )
    due = models.DateField(_("due"))
    # The seeds' table, written by the team.
    highlights = models.TextField(_("key highlights"), blank=True, default="")
    problems = models.TextField(_("main problems"), blank=True, default="")
    root_cause = models.TextField(_("root cause (summary)"), blank=True, default="")
    # Frozen at opening from the period's snapshot (never recomputed): the figures the table shows.
    target = models.DecimalField(_("target"), null=True, blank=True, **AMOUNT)
    original_target = models.DecimalField(_("original target"), null=True, blank=True, **AMOUNT)
    actual = models.DecimalField(_("actual"), null=True, blank=True, **AMOUNT)
    achievement_rate = models.DecimalField(_("achievement"), null=True, blank=True, **RATE)
    original_achievement_rate = models.DecimalField(
        _("achievement against the original target"), null=True, blank=True, **RATE
    )
    figures = models.JSONField(_("figures from the snapshot"), default=dict, blank=True, editable=False)
    snapshot_taken_at = models.DateTimeField(_("snapshot taken at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("retrospective")
        verbose_name_plural = _("retrospectives")
        ordering = ["status", "due", "id"]
        indexes = [models.Index(fields=["period", "status"]), models.Index(fields=["owner", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["goal", "period", "cadence"],
                condition=Q(scope="goal"),
                name="retrospective_once_per_goal_period",
            ),
            models.UniqueConstraint(
                fields=["department", "period", "cadence"],
                condition=Q(scope="department"),
                name="retrospective_once_per_department_period",
            ),
            models.UniqueConstraint(
                fields=["phase", "period", "cadence"],
                condition=Q(scope="phase"),
                name="retrospective_once_per_phase_period",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def unit(self) -> str:
        """The unit of the headline figures (the first measure's, as frozen at opening)."""
        rows = (self.figures or {}).get("rows") or [{}]
        return rows[0].get("unit", "") or ""


class Why(models.Model):
    """One step of the 5-why chain (转化率低 → 话术无差异化 → 未做客户分层)."""

    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="whys")
    position = models.PositiveSmallIntegerField(_("step"))
    question = models.CharField(_("why?"), max_length=300)
    answer = models.CharField(_("because"), max_length=300)

    class Meta:
        verbose_name = _("why")
        verbose_name_plural = _("5-why chain")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["retrospective", "position"], name="why_position_once")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.question}"


class ImprovementAction(VersionedModel):
    """A line of the improvement plan (改进计划 · 责任人 · 完成时限); promoted, it becomes an action item or a
    goal of the next period, linked both ways (the item or goal reaches it as `improvement_actions`)."""

    class PromoteAs(models.TextChoices):
        ITEM = "item", _("Action item")
        GOAL = "goal", _("Goal")

    class ActionStatus(models.TextChoices):
        PLANNED = "planned", _("Planned")
        PROMOTED = "promoted", _("In next period's work")
        DONE = "done", _("Done")

    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("improvement action"), max_length=200)
    owner = models.ForeignKey(
        "org.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due = models.DateField(_("deadline"))
    promote_as = models.CharField(
        _("becomes"), max_length=4, choices=PromoteAs.choices, blank=True, default=""
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    item = models.ForeignKey(
        "execution.ActionItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="improvement_actions",
    )
    goal = models.ForeignKey(
        "goals.Goal", null=True, blank=True, on_delete=models.SET_NULL, related_name="improvement_actions"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement plan")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class RetrospectiveComment(TimeStampedModel):
    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))
    mentions = models.ManyToManyField("org.Person", blank=True, related_name="+")
    # Set by `services.comment_add`: the people named who cannot see the retrospective (not notified).
    not_notified: list

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]


class RetrospectiveAttachment(TimeStampedModel):
    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="retrospectives/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True, default="")
    uploaded_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]
