"""Shared base models, company settings and fiscal periods."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Adds creation and last-update times to a model."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """An editable record with an optimistic-lock `version` (bumped by every service update)."""

    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True


class AliveManager(models.Manager):
    """The default manager of a soft-deletable model: deleted rows are invisible everywhere
    (pages, API, related managers) except through `all_objects` and the admin's trash."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class SoftDeletableModel(models.Model):
    """A record that an admin can restore after it was deleted (DOMAIN: nothing a user types is lost).

    `objects` hides deleted rows; `all_objects` sees them. Foreign keys pointing at a deleted row
    still resolve (Django's base manager is unfiltered), so history and audit keep their links.
    """

    # No plain index: "deleted_at IS NULL" matches nearly every row, and SQLite's planner would
    # pick such an index over the selective ones. Each model has a partial index of its deleted
    # rows for the trash instead.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        "org.Person",
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = AliveManager()
    all_objects = models.Manager()  # noqa: DJ012 (ruff reads it as a field; it is the second manager)

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class EditableChoice(TimeStampedModel):
    """An admin-editable, bilingual list entry (goal types, deviation categories…).

    Shown in English to English readers when an English name is set, otherwise in Chinese.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True, default="")
    sort_order = models.IntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return choice_label(self.name, self.name_en)


def choice_label(name: str, name_en: str) -> str:
    """An editable list entry's name for the current reader: the English name to English readers when
    one is set, otherwise the Chinese (for lists read as values, without the model)."""
    if (get_language() or "").startswith("en") and name_en:
        return name_en
    return name


class CompanySettings(VersionedModel):
    """The one row of organisation-wide settings (fiscal calendar, company name, demo marker)."""

    company_name = models.CharField(_("company name"), max_length=100, default="")
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year start month"),
        default=1,
        help_text=_("The month (1–12) in which each fiscal year begins."),
    )
    demo_seeded_at = models.DateTimeField(_("demo data loaded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("company settings")
        verbose_name_plural = _("company settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1) & Q(fiscal_year_start_month__lte=12),
                name="company_settings_fy_month_range",
            )
        ]

    def __str__(self) -> str:
        return self.company_name or "Lodestar"

    @classmethod
    def load(cls) -> CompanySettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class PeriodKind(models.TextChoices):
    YEAR = "year", _("Fiscal year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")
    WEEK = "week", _("Week")
    CUSTOM = "custom", _("Custom range")


class Period(VersionedModel):
    """A span of time goals and reports belong to: a fiscal year, quarter, month, ISO week or custom range.

    Closed periods are read-only for goals and check-ins (enforced by the services that write them).
    """

    kind = models.CharField(_("kind"), max_length=10, choices=PeriodKind.choices)
    key = models.CharField(_("key"), max_length=40, blank=True, default="")
    name = models.CharField(_("name"), max_length=80)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent period"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    fiscal_year = models.IntegerField(_("fiscal year"), null=True, blank=True)
    is_closed = models.BooleanField(_("closed"), default=False)

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["start", "-end"]
        indexes = [models.Index(fields=["kind", "start"]), models.Index(fields=["fiscal_year", "kind"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="period_end_after_start"),
            models.UniqueConstraint(
                fields=["kind", "key"], condition=~Q(key=""), name="period_unique_kind_key"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def auto_name(self) -> str:
        """The language-neutral name a generated period is stored with (FY2026, FY2026 Q4, 2026-11, 2026-W48)."""
        if self.kind == PeriodKind.YEAR:
            return f"FY{self.fiscal_year}"
        if self.kind == PeriodKind.QUARTER:
            return f"FY{self.fiscal_year} Q{self.key.rsplit('Q', 1)[-1]}"
        if self.kind == PeriodKind.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == PeriodKind.WEEK:
            return self.key
        return self.name

    @property
    def label(self) -> str:
        """The name shown to users: generated periods in the reader's language, renamed ones as named."""
        if self.kind == PeriodKind.CUSTOM or self.name != self.auto_name():
            return self.name
        if self.kind == PeriodKind.YEAR:
            return gettext("FY%(year)s") % {"year": self.fiscal_year}
        if self.kind == PeriodKind.QUARTER:
            return gettext("FY%(year)s Q%(q)s") % {"year": self.fiscal_year, "q": self.key.rsplit("Q", 1)[-1]}
        if self.kind == PeriodKind.MONTH:
            return gettext("%(year)s-%(month)02d") % {"year": self.start.year, "month": self.start.month}
        iso_year, iso_week, _weekday = (self.start + dt.timedelta(days=3)).isocalendar()
        return gettext("%(year)s W%(week)02d") % {"year": iso_year, "week": iso_week}

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1
