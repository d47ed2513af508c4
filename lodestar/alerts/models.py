"""Alerts (DOMAIN.md §3): alert rules, the alerts they raise, comments on them, and the claims of
the weekly check-in reminders.

The models moved here from `tracking`; their tables keep their old names (`tracking_*`), so an
existing install moves them without copying a row (migration 0001 only moves the state).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from lodestar.core.models import TimeStampedModel, VersionedModel


class AlertCondition(models.TextChoices):
    ACHIEVEMENT_BELOW = "achievement_below", _("Achievement below a threshold")
    PACE_BELOW = "pace_below", _("Pace below a threshold")
    FORECAST_BELOW_TARGET = "forecast_below_target", _("Forecast unlikely to reach the target")
    NO_CHECKIN = "no_checkin", _("No check-in for N days")
    ITEM_OVERDUE = "item_overdue", _("Action item overdue for N days")
    ITEM_BLOCKED = "item_blocked", _("Action item blocked for N days")
    DEVIATION_STREAK = "deviation_streak", _("Deviation above a threshold two periods running")
    DATA_DISCREPANCY = "data_discrepancy", _("Reported figures differ from the source data")
    RETROSPECTIVE_OVERDUE = "retrospective_overdue", _("Retrospective not completed by its due date")


class AlertRule(VersionedModel):
    """When to alert whom: "销售额达成率<80%时自动提醒", at company, department or goal level."""

    class Scope(models.TextChoices):
        COMPANY = "company", _("Company")
        DEPARTMENT = "department", _("Department")
        GOAL = "goal", _("Goal")

    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices, default=Scope.COMPANY)
    department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="alert_rules"
    )
    goal = models.ForeignKey(
        "goals.Goal", null=True, blank=True, on_delete=models.CASCADE, related_name="alert_rules"
    )
    condition = models.CharField(_("condition"), max_length=24, choices=AlertCondition.choices)
    threshold = models.DecimalField(_("threshold"), null=True, blank=True, max_digits=9, decimal_places=4)
    # Achievement rules compare the actual with the plan to date unless this is set (DOMAIN.md).
    against_full_target = models.BooleanField(_("against the full target"), default=False)
    # Limits: only goals of this type, only measures of this name (e.g. 销售额); empty = all.
    goal_type = models.ForeignKey(
        "goals.GoalType",
        verbose_name=_("goal type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alert_rules",
    )
    measure_name = models.CharField(_("measure name"), max_length=100, blank=True, default="")
    days = models.PositiveIntegerField(_("days"), null=True, blank=True)
    recipients = models.JSONField(
        _("recipients"), default=list
    )  # ["owner", "responsible", "accountable", "manager"]
    escalate_after_days = models.PositiveIntegerField(_("escalate after (days)"), null=True, blank=True)
    channels = models.JSONField(_("channels"), default=list)  # ["inbox", "email", "webhook"]
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "tracking_alertrule"
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["scope", "name"]

    def __str__(self) -> str:
        return self.name


class Alert(TimeStampedModel):
    """A raised alert; one open alert per rule and subject (`dedupe_key`) at a time."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("alert status", "Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    dedupe_key = models.CharField(max_length=120)
    goal = models.ForeignKey(
        "goals.Goal", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    measure = models.ForeignKey(
        "goals.Measure", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    item = models.ForeignKey(
        "execution.ActionItem", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    retrospective = models.ForeignKey(
        "retrospectives.Retrospective", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    subject = models.CharField(_("subject"), max_length=300)
    detail = models.TextField(_("detail"), blank=True, default="")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    recipients = models.ManyToManyField(
        "org.Person", blank=True, related_name="alerts", db_table="tracking_alert_recipients"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Why it resolved itself ("条件已不成立：达成率恢复至 85%"); empty when a person resolved it.
    resolution_note = models.TextField(_("resolution note"), blank=True, default="")
    # The subject, detail and resolution note in every language of the site, so each reader and
    # recipient gets their own: {"en": {"subject": …, "detail": …, "resolution_note": …}, …}.
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "tracking_alert"
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "dedupe_key"],
                condition=~Q(status="resolved"),
                name="alert_one_unresolved_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    def text_in(self, language: str | None, name: str) -> str:
        """`subject`, `detail` or `resolution_note` in `language` (the stored one when not rendered in it)."""
        texts = (self.translations or {}).get((language or "").lower()) or {}
        return texts.get(name) or getattr(self, name)

    @property
    def local_subject(self) -> str:
        return self.text_in(get_language(), "subject")

    @property
    def local_detail(self) -> str:
        return self.text_in(get_language(), "detail")

    @property
    def local_resolution_note(self) -> str:
        return self.text_in(get_language(), "resolution_note")


class AlertComment(TimeStampedModel):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))

    class Meta:
        db_table = "tracking_alertcomment"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


class CheckInReminder(models.Model):
    """A weekly check-in reminder sent to a person: one per person and ISO week (`week_start`, a
    Monday). The unique constraint makes two reminder runs at the same moment send it once."""

    person = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "tracking_checkinreminder"
        verbose_name = _("check-in reminder")
        verbose_name_plural = _("check-in reminders")
        constraints = [
            models.UniqueConstraint(fields=["person", "week_start"], name="checkin_reminder_once_a_week")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.week_start}"
