"""Who reads and who changes the platform data (pages and API alike go through these helpers).

A data source belongs to a department (or, without one, to the whole company):

- **Read** (the source, its metrics, its imports and series): admins and HR everywhere; everyone with an
  active person record in the company for a company-wide source; for a department's source, the people of
  that department's subtree (viewers included: they read, never write) and the managers of a department
  above it. Outside that, the source does not exist (404).
- **Manage** (create, change and delete the source and its metrics, upload and import files): admins; the
  managers of the owning department's subtree; the specialists (writers, not viewers) who work in the
  owning department's subtree. HR does not manage platform data. A company-wide source is managed by
  admins only. Readers who may not manage get 403.
- **Create** a source: admins (any department or none); managers and specialists for a department in
  their own subtree or one they manage.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from lodestar.core.errors import NotFound, PermissionDeniedError
from lodestar.metrics.models import DataSource, MetricImport, SourceMetric
from lodestar.org.models import Department
from lodestar.org.permissions import (
    can_write,
    is_admin,
    is_hr,
    managed_paths,
    manages_department,
    path_in_subtrees,
    person_of,
    require_person,
    subtree_q,
)


def _person_path(user) -> str | None:
    person = person_of(user)
    if person is None or person.department_id is None:
        return None
    return person.department.path


def visible_sources_q(user, prefix: str = "") -> Q:
    """Filter of the data sources the user may read (`prefix` e.g. "source__" for related rows)."""
    if is_admin(user) or is_hr(user):
        return Q()
    if person_of(user) is None:
        return Q(pk__in=[])
    q = Q(**{f"{prefix}department__isnull": True})
    q |= subtree_q(managed_paths(user), f"{prefix}department__path")
    path = _person_path(user)
    if path:
        # The person's own department or one above it: a source of 市场部 is read by 内容组 too.
        ancestors = [path[:i] for i in range(len(path), 0, -1) if path[i - 1] == "/"] or [path]
        q |= Q(**{f"{prefix}department__path__in": ancestors})
    return q


def visible_sources(user):
    return DataSource.objects.filter(visible_sources_q(user)).select_related("department")


def can_read_source(user, source: DataSource) -> bool:
    return visible_sources(user).filter(pk=source.pk).exists()


def may_manage_for(user, department: Department | None) -> bool:
    """May the user manage platform data owned by `department` (None: the whole company)."""
    if is_admin(user):
        return True
    if department is None or not can_write(user) or is_hr(user):
        return False
    if manages_department(user, department):
        return True
    path = _person_path(user)
    return path is not None and path_in_subtrees(path, [department.path])


def can_manage_source(user, source: DataSource) -> bool:
    return may_manage_for(user, source.department)


def can_create_source(user) -> bool:
    if is_admin(user):
        return True
    if not can_write(user) or is_hr(user):
        return False
    return bool(managed_paths(user)) or _person_path(user) is not None


def require_source_creator(user, department: Department | None) -> None:
    require_person(user)
    if not may_manage_for(user, department):
        raise PermissionDeniedError(
            _(
                "Only an admin, or a manager or specialist of the owning department, can manage its data sources."
            )
        )


def access_source(user, source_id: int, *, write: bool = False, field: str = "source_id") -> DataSource:
    require_person(user)
    source = DataSource.objects.select_related("department").filter(pk=source_id).first()
    if source is None or not (is_admin(user) or can_read_source(user, source)):
        raise NotFound(_("Data source not found."), field=field)
    if write and not can_manage_source(user, source):
        raise PermissionDeniedError(
            _("Only an admin, or a manager or specialist of the owning department, can change this source.")
        )
    return source


def access_source_metric(user, source: DataSource, metric_id: int) -> SourceMetric:
    metric = SourceMetric.objects.filter(pk=metric_id, source=source).first()
    if metric is None:
        raise NotFound(_("Metric not found."), field="metric_id")
    metric.source = source
    return metric


def access_import(user, import_id: int, *, write: bool = False) -> MetricImport:
    require_person(user)
    metric_import = (
        MetricImport.objects.select_related("source__department", "created_by").filter(pk=import_id).first()
    )
    if metric_import is None or not (is_admin(user) or can_read_source(user, metric_import.source)):
        raise NotFound(_("Import not found."), field="import_id")
    if write and not can_manage_source(user, metric_import.source):
        raise PermissionDeniedError(
            _("Only an admin, or a manager or specialist of the owning department, can import its data.")
        )
    return metric_import


def register_template_checks() -> None:
    from lodestar.core.permission_checks import register

    register("metrics.create_source", lambda user, obj=None: can_create_source(user))
    register("metrics.manage_source", lambda user, source: can_manage_source(user, source))
