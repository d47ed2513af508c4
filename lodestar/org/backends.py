"""The sign-in backend: Django's ModelBackend, reading the user's person with the user.

Every page needs the signed-in person (their role, department and name in the header), so the
request that restores a session reads `auth_user` joined with `org_person` and its department
in one query instead of two. (Folding the managed departments and the unread count into the same
query as subqueries was tried and measured: Django spends longer compiling the subqueries than
the two small queries cost — bench/README.md.)
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ObjectDoesNotExist


class PersonBackend(ModelBackend):
    def get_user(self, user_id):
        user = (
            get_user_model()._default_manager.select_related("person__department").filter(pk=user_id).first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        try:
            person = user.person
        except ObjectDoesNotExist:
            person = None
        if person is not None and person.is_active:
            user._lodestar_person = person  # what lodestar.org.permissions.person_of reads
        return user
