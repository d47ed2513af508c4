"""Who may see and change what. Every view and API endpoint goes through an `access_*` helper.

Rules (ISSUE 2, DESIGN.md "Permission and fetch together"):
- Everyone signed in with an active person record can read the organisation (departments,
  people directory, org chart) and the fiscal periods: it is the company directory.
- A system admin (role `admin`, or a Django superuser) can change everything.
- A department manager manages the subtree of every department they manage: its
  departments and the people in them.
- HR partners read appraisals across the organisation (used by the appraisal issue).
- Viewers never write.
- Items that carry a department and a visibility (goals, action items…) are visible to the
  admin and HR partner, to managers of the owning department's subtree, to members of the
  owning department, to their owner, and to everyone when marked public: see `visible_q`.

A helper raises `NotFound` when the record does not exist *or* the caller may not know it
exists, and `PermissionDeniedError` when the caller may see it but not change it.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext as _

from lodestar.core.errors import NotFound, PermissionDeniedError

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from lodestar.core.models import Period
    from lodestar.org.models import Department, Person


def person_of(user: AbstractBaseUser | None) -> Person | None:
    """The active person record of a signed-in user, or None."""
    if user is None or not user.is_authenticated:
        return None
    # Set when the session is restored (lodestar/org/backends.py) or the API token is checked.
    person = getattr(user, "_lodestar_person", None)
    if person is None:
        from lodestar.org.models import Person

        person = Person.objects.select_related("department").filter(user=user, is_active=True).first()
        user._lodestar_person = person  # type: ignore[union-attr]
    return person


def is_admin(user: AbstractBaseUser | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    person = person_of(user)
    return person is not None and person.role == "admin"


def is_hr(user: AbstractBaseUser | None) -> bool:
    person = person_of(user)
    return person is not None and person.role == "hr"


def can_write(user: AbstractBaseUser | None) -> bool:
    """Viewers and people without an active record never write."""
    if is_admin(user):
        return True
    person = person_of(user)
    return person is not None and person.role != "viewer"


def managed_paths(user: AbstractBaseUser | None) -> list[str]:
    """Materialised paths of the departments the user manages (cached on the user object)."""
    person = person_of(user)
    if person is None:
        return []
    cached = getattr(person, "_managed_paths", None)
    if cached is None:
        from lodestar.org.models import Department

        cached = list(
            Department.objects.filter(manager=person, is_active=True).values_list("path", flat=True)
        )
        person._managed_paths = cached  # type: ignore[attr-defined]
    return cached


def is_manager(user: AbstractBaseUser | None) -> bool:
    return bool(managed_paths(user))


def roles_of(person: Person, *, is_manager: bool) -> list[str]:
    roles = [person.role]
    if is_manager:
        roles.append("manager")
    return roles


def path_in_subtrees(path: str, roots: list[str]) -> bool:
    return any(path.startswith(root) for root in roots)


def subtree_q(roots: list[str], path_field: str = "path") -> Q:
    """Q matching rows whose `path_field` lies under any of the root paths (empty roots: nothing)."""
    if not roots:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{path_field}__startswith": root}) for root in roots))


def manages_department(user: AbstractBaseUser | None, department: Department | None) -> bool:
    if department is None:
        return False
    return path_in_subtrees(department.path, managed_paths(user))


def visible_q(
    user: AbstractBaseUser | None,
    *,
    department_field: str = "department",
    owner_field: str | None = "owner",
    public_field: str | None = "visibility",
    public_value: str = "public",
) -> Q:
    """Filter for department-scoped records the user may see (used by goals, items…)."""
    if is_admin(user) or is_hr(user):
        return Q()
    person = person_of(user)
    if person is None:
        return Q(pk__in=[])
    q = subtree_q(managed_paths(user), f"{department_field}__path")
    if person.department_id:
        q |= Q(**{department_field: person.department_id})
    if owner_field:
        q |= Q(**{owner_field: person.pk})
    if public_field:
        q |= Q(**{public_field: public_value})
    return q


def require_person(user: AbstractBaseUser | None) -> Person | None:
    """Signed-in users need an active person record (superusers excepted)."""
    if is_admin(user):
        return person_of(user)
    person = person_of(user)
    if person is None:
        raise PermissionDeniedError(_("Your account is not linked to an active person in the organisation."))
    return person


def _require_writer(user: AbstractBaseUser | None) -> None:
    if not can_write(user):
        raise PermissionDeniedError(_("Your role can view but not change data."))


def access_department(
    user: AbstractBaseUser | None, department_id: int, *, write: bool = False
) -> Department:
    """Fetch a department the user may read (anyone in the org) or change (admin, subtree manager)."""
    from lodestar.org.models import Department

    require_person(user)
    department = Department.objects.select_related("parent", "manager").filter(pk=department_id).first()
    if department is None:
        raise NotFound(_("Department not found."), field="department_id")
    if write:
        _require_writer(user)
        if not (is_admin(user) or manages_department(user, department)):
            raise PermissionDeniedError(_("Only an admin or a manager of this department can change it."))
    return department


def access_person(user: AbstractBaseUser | None, person_id: int, *, write: bool = False) -> Person:
    """Fetch a person the user may read (anyone in the org) or change (admin, manager of their department)."""
    from lodestar.org.models import Person

    require_person(user)
    person = Person.objects.select_related("user", "department", "manager").filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("Person not found."), field="person_id")
    if write:
        _require_writer(user)
        if not (is_admin(user) or manages_department(user, person.department)):
            raise PermissionDeniedError(
                _("Only an admin or the person's department manager can change them.")
            )
        if person.is_admin and not is_admin(user):
            raise PermissionDeniedError(_("Only an admin can change a system admin."))
    return person


def access_period(user: AbstractBaseUser | None, period_id: int, *, write: bool = False) -> Period:
    """Fetch a period: everyone reads, only admins create, close or reopen."""
    from lodestar.core.models import Period

    require_person(user)
    period = Period.objects.filter(pk=period_id).first()
    if period is None:
        raise NotFound(_("Period not found."), field="period_id")
    if write and not is_admin(user):
        raise PermissionDeniedError(_("Only an admin can change periods."))
    return period


def require_admin(user: AbstractBaseUser | None) -> None:
    require_person(user)
    if not is_admin(user):
        raise PermissionDeniedError(_("Only a system admin can do this."))


def require_org_manager(user: AbstractBaseUser | None) -> None:
    """Admins and department managers may open the organisation management pages."""
    require_person(user)
    if not (is_admin(user) or (can_write(user) and is_manager(user))):
        raise PermissionDeniedError(_("Only an admin or a department manager can manage the organisation."))
