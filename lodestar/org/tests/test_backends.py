"""The sign-in backend restores the user with their person in one query."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from lodestar.conftest import login
from lodestar.org.backends import PersonBackend
from lodestar.org.models import Person
from lodestar.org.permissions import person_of


def test_the_restored_user_carries_their_person_and_department(org):
    with CaptureQueriesContext(connection) as captured:
        user = PersonBackend().get_user(org.member.user_id)
        person = person_of(user)
        department_name = person.department.name
    assert len(captured) == 1
    assert person.pk == org.member.pk
    assert department_name == "内容组"


def test_an_inactive_person_is_not_carried(org):
    Person.objects.filter(pk=org.member.pk).update(is_active=False)
    user = PersonBackend().get_user(org.member.user_id)
    assert user is not None
    assert person_of(user) is None


def test_an_inactive_account_or_unknown_id_gives_no_user(org):
    org.member.user.is_active = False
    org.member.user.save()
    assert PersonBackend().get_user(org.member.user_id) is None
    assert PersonBackend().get_user(987654) is None


def test_a_page_signed_in_through_the_backend_reads_the_person_once(org):
    client = login(org.member)
    client.get("/inbox/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/inbox/").status_code == 200
    reads = [q["sql"] for q in captured if '"org_person"' in q["sql"] and q["sql"].startswith("SELECT")]
    user_reads = [sql for sql in reads if 'FROM "auth_user"' in sql]
    assert len(user_reads) == 1 and 'JOIN "org_person"' in user_reads[0]
    assert not [sql for sql in reads if 'FROM "org_person"' in sql]  # no second read of the person
