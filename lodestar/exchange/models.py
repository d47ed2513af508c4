"""An uploaded seeds' table and its way through the check and the import (lodestar/exchange/imports.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lodestar.core.models import TimeStampedModel


class TableImport(TimeStampedModel):
    """One uploaded file of a seeds' table (goals, items …).

    The check runs every row through the services inside a transaction that is rolled back: `errors`
    ({"row", "field", "code", "message"}) and `conflicts` ({"row", "id", "message"}) list what would fail,
    `created`/`updated`/`unchanged` count what would happen. The import runs the same again and commits,
    when the file is clean or the user skips the bad rows (then the counts are what happened)."""

    MAX_STORED_ERRORS = 1000

    class Table(models.TextChoices):
        GOALS = "goals", _("Goals")
        ITEMS = "items", _("Action items")
        CHECK_INS = "check-ins", _("Check-ins")
        RETROSPECTIVES = "retrospectives", _("Retrospectives")
        APPRAISALS = "appraisals", _("Appraisals")

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Ready to import")
        INVALID = "invalid", _("Has bad rows or conflicts")
        APPLYING = "applying", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    table = models.CharField(_("table"), max_length=20, choices=Table.choices)
    file = models.FileField(_("file"), upload_to="table-imports/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=200)
    language = models.CharField(max_length=10, default="zh-hans")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CHECKING)
    skip_bad_rows = models.BooleanField(_("skip bad rows"), default=False)
    apply_when_checked = models.BooleanField(default=False)
    header_line = models.PositiveIntegerField(default=1)
    rows_total = models.PositiveIntegerField(default=0)
    rows_bad = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    conflicts = models.JSONField(default=list, blank=True)
    ignored_headers = models.JSONField(default=list, blank=True)
    failure = models.CharField(max_length=300, blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("requested by")
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("table import")
        verbose_name_plural = _("table imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.APPLYING)
