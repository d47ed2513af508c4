"""The in-app inbox: what happened that a person should know (mentions, requests, assignments)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(_("what happened"), max_length=30)  # mentioned | assigned | requested | ...
    title = models.CharField(_("title"), max_length=300)
    url = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class WebhookEvent(models.TextChoices):
    """What an event webhook can subscribe to (payloads: docs/api.md, "Webhooks")."""

    GOAL_CREATED = "goal.created", _("Goal created")
    GOAL_CHANGED = "goal.changed", _("Goal changed")
    CHECKIN_RECORDED = "checkin.recorded", _("Check-in recorded")
    ALERT_RAISED = "alert.raised", _("Alert raised")
    RETROSPECTIVE_COMPLETED = "retrospective.completed", _("Retrospective completed")
    APPRAISAL_PUBLISHED = "appraisal.published", _("Appraisal published")


# The test button's event: sent to an event endpoint only by an admin, never subscribed to.
PING_EVENT = "ping"


class WebhookEndpoint(models.Model):
    """A group-chat robot or a generic JSON endpoint that alerts are posted to.

    A generic endpoint may instead subscribe to `events` (lodestar/notifications/events.py): it then
    receives the signed event envelopes of those events, an alert as `alert.raised`, and no longer
    the plain alert messages. A robot always gets the alert messages and may subscribe to the other
    events too: it then posts a short text per event about the records its whole group may see.
    """

    class Kind(models.TextChoices):
        FEISHU = "feishu", _("Feishu custom bot")
        DINGTALK = "dingtalk", _("DingTalk robot")
        WECOM = "wecom", _("WeCom group robot")
        SLACK = "slack", _("Slack incoming webhook")
        GENERIC = "generic", _("Generic JSON webhook")

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True, default="")
    department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="webhooks"
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Event names (WebhookEvent) this endpoint subscribes to; a robot's never include alert.raised.
    events = models.JSONField(_("events"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One attempt series to deliver a message on a channel: the delivery log, with retries."""

    class Channel(models.TextChoices):
        INBOX = "inbox", _("In-app inbox")
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.CharField(max_length=8, choices=Channel.choices)
    endpoint = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    alert = models.ForeignKey(
        "alerts.Alert", null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True, default="")
    # An event delivery: the event's name and its JSON envelope, sent byte for byte on every attempt
    # (only the timestamp and signature headers change), so a receiver can de-duplicate by its `id`.
    event = models.CharField(_("event"), max_length=40, blank=True, default="")
    payload = models.TextField(blank=True, default="")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A resend (`delivery.delivery_resend`): the first delivery of the message, which every resend of it
    # (or of one of its resends) points to; null for a first delivery.
    resent_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resends",
        verbose_name=_("resent from"),
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["event", "created_at"]),
        ]
        constraints = [
            # One resend of a message on its way at a time: two admins pressing "Resend" together
            # (or twice in a row) start one new delivery, not two.
            models.UniqueConstraint(
                fields=["resent_from"],
                condition=models.Q(status="pending"),
                name="delivery_one_pending_resend",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.title}"


class NotificationPreference(models.Model):
    """A person's channels, quiet hours and check-in reminder time."""

    person = models.OneToOneField(
        "org.Person", on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("email"), default=True)
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    reminder_weekday = models.PositiveSmallIntegerField(_("weekly reminder day (1 = Monday)"), default=5)
    reminder_time = models.TimeField(_("weekly reminder time"), default="16:00")
    # The language of alerts and reminders sent to this person; empty = the site's language.
    language = models.CharField(
        _("language of notifications"),
        max_length=10,
        blank=True,
        default="",
        choices=[("", _("The site's language")), *settings.LANGUAGES],
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.person)
