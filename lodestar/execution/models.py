"""Action plans (DOMAIN.md §2): items with 5W1H, RACI, phases, dependencies, comments and files."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lodestar.core.models import SoftDeletableModel, TimeStampedModel, VersionedModel

if TYPE_CHECKING:
    from lodestar.org.models import Person

AMOUNT = {"max_digits": 18, "decimal_places": 4}


class Phase(VersionedModel):
    """A stage of a campaign (预热期 → 爆发期 → 返场期, or custom) that groups items on the timeline."""

    goal = models.ForeignKey(
        "goals.Goal", null=True, blank=True, on_delete=models.CASCADE, related_name="phases"
    )
    department = models.ForeignKey("org.Department", on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(_("name"), max_length=60)
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("end"), null=True, blank=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["sort_order", "start", "id"]

    def __str__(self) -> str:
        return self.name


class Priority(models.TextChoices):
    P0 = "P0", _("P0 · highest")
    P1 = "P1", _("P1 · normal")
    P2 = "P2", _("P2 · low")


class ItemStatus(models.TextChoices):
    TODO = "todo", _("To do")
    DOING = "doing", _("In progress")
    BLOCKED = "blocked", _("Blocked")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class RequestState(models.TextChoices):
    NONE = "", _("Not a request")
    PENDING = "pending", _("Waiting for acceptance")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class ActionItem(SoftDeletableModel, VersionedModel):
    """One task of an action plan (任务), described by 5W1H.

    What = title, How = description (markdown), Who = RACI, When = start/due (+ milestone),
    standard of done (验收标准), Which resources = budget, people, materials; deliverable.
    An item may be asked of another department (`requested_department`): its manager accepts
    it and names the R. Planned and actual quantities can count toward a measure of its goal.
    """

    goal = models.ForeignKey(
        "goals.Goal",
        verbose_name=_("goal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="items"
    )
    phase = models.ForeignKey(
        Phase, verbose_name=_("phase"), null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    title = models.CharField(_("task"), max_length=200)
    description = models.TextField(_("how (description)"), blank=True, default="")
    start = models.DateField(_("start"), null=True, blank=True)
    due = models.DateField(_("due"), null=True, blank=True)
    is_milestone = models.BooleanField(_("milestone"), default=False)
    done_standard = models.CharField(_("standard of done"), max_length=300, blank=True, default="")
    deliverable = models.CharField(_("deliverable"), max_length=300, blank=True, default="")
    budget = models.DecimalField(_("budget (yuan)"), null=True, blank=True, **AMOUNT)
    people_needed = models.CharField(_("people needed"), max_length=200, blank=True, default="")
    materials = models.CharField(_("materials"), max_length=300, blank=True, default="")
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices, default=Priority.P1)
    status = models.CharField(_("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.TODO)
    planned_quantity = models.DecimalField(_("planned quantity"), null=True, blank=True, **AMOUNT)
    actual_quantity = models.DecimalField(_("actual quantity"), null=True, blank=True, **AMOUNT)
    unit = models.CharField(_("unit"), max_length=20, blank=True, default="")
    measure = models.ForeignKey(
        "goals.Measure",
        verbose_name=_("counts toward"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )
    requested_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("requested of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requested_items",
    )
    request_state = models.CharField(
        _("request"), max_length=10, choices=RequestState.choices, blank=True, default=RequestState.NONE
    )
    position = models.FloatField(default=0)  # order inside a kanban column
    done_override_reason = models.CharField(max_length=300, blank=True, default="")
    completed_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    recurrence = models.ForeignKey(
        "RecurringItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    created_by = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Denormalised for fast pages: the A and the Rs, kept by the RACI service.
    accountable = models.ForeignKey(
        "org.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accountable_items",
        editable=False,
    )

    history = HistoricalRecords(excluded_fields=["position", "updated_at"])

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due", "priority", "id"]
        indexes = [
            models.Index(fields=["department", "status"]),
            models.Index(fields=["goal", "status"]),
            # Items due in a range by status, counted by department (the dashboards' overdue work) from the
            # index alone, and listed in due order walking it.
            models.Index(fields=["due", "status", "department", "deleted_at"], name="item_due_status"),
            models.Index(fields=["requested_department", "request_state"]),
            models.Index(
                fields=["deleted_at"], condition=Q(deleted_at__isnull=False), name="item_deleted_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due__isnull=True) | Q(start__isnull=True) | Q(due__gte=F("start")),
                name="item_due_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RaciRole(models.TextChoices):
    RESPONSIBLE = "R", _("Responsible")
    ACCOUNTABLE = "A", _("Accountable")
    CONSULTED = "C", _("Consulted")
    INFORMED = "I", _("Informed")


class RaciAssignment(models.Model):
    """One letter of an item's RACI: a person, or (for C and I) a whole department."""

    item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="raci")
    role = models.CharField(_("role"), max_length=1, choices=RaciRole.choices)
    person = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="raci_assignments"
    )
    department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="raci_assignments"
    )

    class Meta:
        verbose_name = _("RACI assignment")
        verbose_name_plural = _("RACI assignments")
        ordering = ["role", "id"]
        indexes = [models.Index(fields=["person", "role"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(department__isnull=True))
                | (Q(person__isnull=True) & Q(department__isnull=False)),
                name="raci_person_or_department",
            ),
            models.UniqueConstraint(
                fields=["item", "role", "person"],
                condition=Q(person__isnull=False),
                name="raci_person_once_per_role",
            ),
            models.UniqueConstraint(
                fields=["item", "role", "department"],
                condition=Q(department__isnull=False),
                name="raci_department_once_per_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.person_id or self.department_id}"


class Dependency(models.Model):
    """Finish-to-start: `successor` cannot be done while `predecessor` is open."""

    predecessor = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="successor_links")
    successor = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="predecessor_links")

    class Meta:
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="dependency_once"),
            models.CheckConstraint(condition=~Q(predecessor=F("successor")), name="dependency_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor_id} → {self.successor_id}"


class Comment(TimeStampedModel):
    item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="item_comments")
    body = models.TextField(_("comment"))
    mentions = models.ManyToManyField("org.Person", blank=True, related_name="mentioned_in")
    # Set by `comment_add` on the comment it returns: the people named who may not see the item.
    not_notified: list[Person]

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]


class Attachment(TimeStampedModel):
    item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="items/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True, default="")
    uploaded_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]


class RecurringItem(VersionedModel):
    """A template the task worker turns into an item each week or month (周报, 周例会)."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Every week")
        MONTHLY = "monthly", _("Every month")

    department = models.ForeignKey("org.Department", on_delete=models.CASCADE, related_name="recurring_items")
    goal = models.ForeignKey("goals.Goal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("task"), max_length=200)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    weekday = models.PositiveSmallIntegerField(_("weekday (1 = Monday)"), default=5)
    day_of_month = models.PositiveSmallIntegerField(_("day of month"), default=1)
    responsible = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="+")
    accountable = models.ForeignKey("org.Person", on_delete=models.CASCADE, related_name="+")
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P1)
    is_active = models.BooleanField(_("active"), default=True)
    next_due = models.DateField(_("next due"))
    created_by = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("recurring item")
        verbose_name_plural = _("recurring items")
        ordering = ["next_due", "id"]

    def __str__(self) -> str:
        return self.title
