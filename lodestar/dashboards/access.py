"""Who may open which dashboard (看板). Pages and API go through these helpers.

- Company dashboard: everyone signed in with a person record (the read-only guest included). Each
  figure is drawn only from the goals, items and alerts the reader may see (`goals.access.visible_goals`,
  `execution.access.visible_items`, `alerts.access.visible_alerts`), so a department-private goal never
  reaches a reader outside that department, not even as a count.
- Department dashboard: the people of that department or a team below it (the guest of that
  department too, read-only), the managers of it or of a department above it, HR partners and admins.
  Others: 403 (departments are public in the directory, so their existence is no secret).
- Person dashboard: the person, the managers of their department or of one above it (the line up),
  their direct manager, HR partners and admins. Others: 403.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from lodestar.core.errors import PermissionDeniedError
from lodestar.org.models import Department, Person
from lodestar.org.permissions import (
    access_department,
    access_person,
    is_admin,
    is_hr,
    managed_paths,
    manages_department,
    path_in_subtrees,
    person_of,
    require_person,
)


def can_see_company_dashboard(user) -> bool:
    return person_of(user) is not None or is_admin(user)


def require_company_dashboard(user) -> None:
    require_person(user)


def can_see_department_dashboard(user, department: Department) -> bool:
    return department.pk in department_dashboards_visible(user, {department.pk: department.path})


def department_dashboards_visible(user, paths: dict[int, str]) -> set[int]:
    """Of these departments (id → path), those whose dashboards the user may open: all for admins and
    HR; a manager's departments and those below them; the departments the reader belongs to (their own
    and those above it). At most one query (the reader's department), so a panel links only the
    departments its reader can follow."""
    if is_admin(user) or is_hr(user):
        return set(paths)
    managed = managed_paths(user)
    person = person_of(user)
    own = person.department.path if person is not None and person.department is not None else None
    return {
        pk
        for pk, path in paths.items()
        if path_in_subtrees(path, managed) or (own is not None and own.startswith(path))
    }


def access_department_dashboard(user, department_id: int) -> Department:
    """The department whose dashboard the user may open (404 when it does not exist, 403 otherwise)."""
    department = access_department(user, department_id)
    if not can_see_department_dashboard(user, department):
        raise PermissionDeniedError(
            _("Only the department's people, its managers up the line, HR and admins see its dashboard.")
        )
    return department


def can_see_person_dashboard(user, person: Person) -> bool:
    if is_admin(user) or is_hr(user):
        return True
    me = person_of(user)
    if me is None:
        return False
    if me.pk == person.pk or person.manager_id == me.pk:
        return True
    return manages_department(user, person.department)


def person_dashboards_visible(user, person_ids: set[int]) -> set[int]:
    """Of these people, those whose dashboards the user may open (one query), so a panel links only
    the names its reader can follow."""
    if not person_ids:
        return set()
    if is_admin(user) or is_hr(user):
        return set(person_ids)
    return {
        person.pk
        for person in Person.objects.filter(pk__in=person_ids).select_related("department")
        if can_see_person_dashboard(user, person)
    }


def access_person_dashboard(user, person_id: int) -> Person:
    """The person whose dashboard the user may open (404 when unknown, 403 when not theirs to see)."""
    person = access_person(user, person_id)
    if not can_see_person_dashboard(user, person):
        raise PermissionDeniedError(
            _("Only the person, their managers up the line, HR and admins see a person's dashboard.")
        )
    return person
