"""The sign-in backend: Django's ModelBackend, reading the user's person with the user.

Every page needs the signed-in person (their role, department and name in the header) and the
departments they manage (for every access check), so the request that restores a session reads
`auth_user`, `org_person` with its department, and the managed departments' paths in one query
instead of three.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import OuterRef, StringAgg, Subquery, Value

from lodestar.org.models import Department

PATH_SEPARATOR = " "  # materialised paths are digits and slashes


def managed_paths_of(person_ref: str) -> Subquery:
    """The paths of the active departments managed by the person `person_ref` points to, as one
    separated string (an annotation for the query that reads the signed-in person)."""
    return Subquery(
        Department.objects.filter(manager_id=OuterRef(person_ref), is_active=True)
        .order_by()
        .values("manager_id")
        .annotate(paths=StringAgg("path", Value(PATH_SEPARATOR)))
        .values("paths")
    )


def remember_managed_paths(person, paths: str | None) -> None:
    """Keep what lodestar.core.permissions.managed_paths would read on the person."""
    person._managed_paths = sorted(paths.split(PATH_SEPARATOR)) if paths else []


class PersonBackend(ModelBackend):
    def get_user(self, user_id):
        user = (
            get_user_model()
            ._default_manager.select_related("person__department")
            .annotate(managed=managed_paths_of("person__id"))
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        try:
            person = user.person
        except ObjectDoesNotExist:
            person = None
        if person is not None and person.is_active:
            remember_managed_paths(person, user.managed)
            user._lodestar_person = person  # what lodestar.core.permissions.person_of reads
        return user
