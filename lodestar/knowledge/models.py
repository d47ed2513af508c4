"""What a team learns, kept where the next campaign finds it (DOMAIN.md §4): the case library
(营销目标执行案例库), SOPs with their versions, and the tags that say where a lesson applies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lodestar.core.models import SoftDeletableModel, TimeStampedModel, VersionedModel


class Tag(models.Model):
    """Where a lesson applies: a scenario (新品上市期, 大促, 私域), a channel (抖音, 小红书) or an industry."""

    class Kind(models.TextChoices):
        SCENARIO = "scenario", _("Scenario")
        CHANNEL = "channel", _("Channel")
        INDUSTRY = "industry", _("Industry")

    name = models.CharField(_("tag"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SCENARIO)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Case(SoftDeletableModel, VersionedModel):
    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")

    title = models.CharField(_("title"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    context = models.TextField(_("context"), blank=True, default="")
    body = models.TextField(_("what was done"), blank=True, default="")
    reasons = models.TextField(_("why it worked or failed"), blank=True, default="")
    tags = models.ManyToManyField(Tag, verbose_name=_("applies to"), blank=True, related_name="cases")
    goals = models.ManyToManyField("goals.Goal", verbose_name=_("goals"), blank=True, related_name="cases")
    retrospective = models.ForeignKey(
        "retrospectives.Retrospective",
        verbose_name=_("retrospective"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="cases"
    )
    period = models.ForeignKey(
        "core.Period",
        verbose_name=_("period"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Pulled from the goals' snapshots when the case is written, never typed: [{goal, measure, target, ...}].
    figures = models.JSONField(_("figures"), default=list, blank=True, editable=False)
    author = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Sop(SoftDeletableModel, VersionedModel):
    """A standard operating procedure (线索孵化SOP, 私域运营SOP …): markdown text kept in numbered versions."""

    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        "org.Person", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="sops"
    )
    review_date = models.DateField(_("next review"))
    review_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    cases = models.ManyToManyField(
        Case, verbose_name=_("cases that led to it"), blank=True, related_name="sops"
    )

    class Meta:
        verbose_name = _("SOP")
        verbose_name_plural = _("SOPs")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class SopVersion(TimeStampedModel):
    sop = models.ForeignKey(Sop, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    body_markdown = models.TextField(_("text (Markdown)"))
    change_note = models.CharField(_("what changed"), max_length=300, blank=True, default="")
    author = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("SOP version")
        verbose_name_plural = _("SOP versions")
        ordering = ["sop", "-number"]
        constraints = [models.UniqueConstraint(fields=["sop", "number"], name="sop_version_number_once")]

    def __str__(self) -> str:
        return f"{self.sop} v{self.number}"
