"""The sign-in backend: Django's ModelBackend, reading the user's person with the user.

Every page needs the signed-in person (their role, department and name in the header), the
departments they manage (for every access check) and their unread count (the inbox badge), so the
request that restores a session reads `auth_user`, `org_person` with its department, the managed
departments' paths and the unread count in one query instead of four.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, OuterRef, StringAgg, Subquery, Value
from django.db.models.functions import Coalesce

from lodestar.notifications.models import Notification
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


def unread_count_of(person_ref: str) -> Coalesce:
    """How many unread notifications the person `person_ref` points to has (an annotation)."""
    unread = (
        Notification.objects.filter(recipient_id=OuterRef(person_ref), read_at__isnull=True)
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread), 0)


def remember_managed_paths(person, paths: str | None) -> None:
    """Keep what lodestar.core.permissions.managed_paths would read on the person."""
    person._managed_paths = sorted(paths.split(PATH_SEPARATOR)) if paths else []


class PersonBackend(ModelBackend):
    def get_user(self, user_id):
        user = (
            get_user_model()
            ._default_manager.select_related("person__department")
            .annotate(managed=managed_paths_of("person__id"), unread=unread_count_of("person__id"))
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
            person._unread_count = user.unread  # the header's badge (core/context_processors.py)
            user._lodestar_person = person  # what lodestar.core.permissions.person_of reads
        return user
