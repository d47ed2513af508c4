"""The organisation: a department tree of any depth, the people in it, and their roles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lodestar.core.models import TimeStampedModel, VersionedModel


class Department(VersionedModel):
    """A node of the organisation tree (company → 部门 → 小组 …).

    `path` is the materialised path of ids from the root, e.g. "/1/4/9/"; a subtree is
    `path__startswith=node.path`, so visibility checks are one indexed query at any depth.
    Services keep `path` and `depth` right when a department is created or moved.
    """

    name = models.CharField(_("name"), max_length=80)
    code = models.CharField(_("code"), max_length=40, unique=True, null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    manager = models.ForeignKey(
        "Person",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_departments",
    )
    path = models.CharField(max_length=400, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.IntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """A person's system role. Being a department manager comes from `Department.manager`."""

    ADMIN = "admin", _("System admin")
    MEMBER = "member", _("Member")
    HR = "hr", _("HR partner")
    VIEWER = "viewer", _("Viewer")


class Position(VersionedModel):
    """A job position (岗位: 销售岗, 市场岗, 渠道岗, 策划岗 …): what an appraisal template is written for."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True, null=True, blank=True)
    sort_order = models.IntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Person(VersionedModel):
    """Someone in the organisation: a Django user plus their place in the org."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.CASCADE,
        related_name="person",
    )
    display_name = models.CharField(_("display name"), max_length=60)
    title = models.CharField(_("title"), max_length=80, blank=True, default="")
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("direct manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    phone = models.CharField(_("phone"), max_length=30, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["department__path", "display_name"]
        constraints = [
            models.CheckConstraint(condition=~Q(manager=models.F("id")), name="person_not_own_manager"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN or self.user.is_superuser


class ApiToken(TimeStampedModel):
    """A personal API token. Only a SHA-256 hash of the secret is stored; the secret is shown once."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        READ_WRITE = "read_write", _("Read and write")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices, default=Scope.READ_WRITE)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
