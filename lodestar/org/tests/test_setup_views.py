"""The first-start wizard in the browser (lodestar/org/setup_views.py) and its middleware."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lodestar.conftest import login
from lodestar.core.models import Period
from lodestar.org import setup
from lodestar.org.middleware import LINK_SKIPPED
from lodestar.org.models import Department, Person, Role

User = get_user_model()
PASSWORD = "Xk9-very-secret"
ADMIN = {
    "username": "chensy",
    "display_name": "陈思远",
    "title": "市场总监",
    "password": PASSWORD,
    "password_again": PASSWORD,
}


@pytest.fixture
def first_run(settings):
    """The redirect on (the test settings turn it off) and the process forgets any organisation."""
    settings.LODESTAR_FIRST_RUN_REDIRECT = True
    setup.forget_organisation()
    yield
    setup.forget_organisation()


def walk_to_admin(client: Client, departments: str = "品牌部\n内容营销部 | CONTENT") -> None:
    response = client.post("/setup/", {"company_name": "星辰科技", "fiscal_year_start_month": "1"})
    assert response.status_code == 302 and response["Location"] == "/setup/departments/"
    response = client.post("/setup/departments/", {"departments": departments})
    assert response.status_code == 302 and response["Location"] == "/setup/admin/"


# --- the redirect --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_leads_to_the_wizard_on_an_empty_database(first_run):
    client = Client()
    for url in ("/", "/goals/", "/org/", "/periods/", "/accounts/password/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/setup/", url
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/setup/").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_no_redirect_once_the_organisation_exists(org, first_run, django_assert_max_num_queries):
    client = Client()
    response = client.get("/goals/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # Known in the process now (the fixture's departments were saved): the check costs no query.
    with django_assert_max_num_queries(0):
        client.get("/org/")


# --- the steps -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_wizard_creates_the_organisation_and_signs_the_admin_in(first_run):
    client = Client()
    page = client.get("/setup/").content.decode()
    assert 'name="company_name"' in page and 'name="fiscal_year_start_month"' in page
    walk_to_admin(client)
    page = client.get("/setup/admin/").content.decode()
    assert "星辰科技" in page and "内容营销部" in page and "CONTENT" in page and "D01" in page
    response = client.post("/setup/admin/", ADMIN)
    assert response.status_code == 302 and response["Location"] == "/setup/people/"
    admin = Person.objects.get(user__username="chensy")
    assert admin.role == Role.ADMIN and admin.department.code == "HQ" and admin.title == "市场总监"
    assert Department.objects.count() == 3 and Period.objects.exists()
    # Signed in as the new admin: the people step and the home page open.
    assert client.get("/setup/people/").status_code == 200
    assert client.get("/").status_code == 200
    # The wizard is closed now, for the admin and for anybody else.
    for other in (client, Client()):
        for url in ("/setup/", "/setup/departments/", "/setup/admin/"):
            assert other.get(url).status_code == 404, url
        assert other.post("/setup/admin/", {**ADMIN, "username": "intruder"}).status_code == 404
    assert not User.objects.filter(username="intruder").exists()


@pytest.mark.django_db
def test_steps_cannot_be_skipped(first_run):
    client = Client()
    assert client.get("/setup/departments/")["Location"] == "/setup/"
    assert client.get("/setup/admin/")["Location"] == "/setup/"
    client.post("/setup/", {"company_name": "星辰科技", "fiscal_year_start_month": "1"})
    assert client.get("/setup/admin/")["Location"] == "/setup/departments/"


@pytest.mark.django_db
def test_form_errors_are_shown_and_nothing_is_written(first_run):
    client = Client()
    response = client.post("/setup/", {"company_name": "", "fiscal_year_start_month": "13"})
    assert response.status_code == 200
    assert 'data-field-error="company_name"' in response.content.decode()
    assert 'data-field-error="fiscal_year_start_month"' in response.content.decode()
    client.post("/setup/", {"company_name": "星辰科技", "fiscal_year_start_month": "1"})
    response = client.post("/setup/departments/", {"departments": "品牌部\n品牌部"})
    assert response.status_code == 200 and 'data-field-error="departments"' in response.content.decode()
    walk_to_admin(client)
    for data, field in (
        ({**ADMIN, "password_again": "other"}, "password_again"),
        ({**ADMIN, "password": "123", "password_again": "123"}, "password"),
        ({**ADMIN, "username": "有 空格"}, "username"),
        ({**ADMIN, "display_name": ""}, "display_name"),
    ):
        response = client.post("/setup/admin/", data)
        assert response.status_code == 200
        assert f'data-field-error="{field}"' in response.content.decode(), field
    assert not Department.objects.exists() and not Person.objects.exists() and not User.objects.exists()


@pytest.mark.django_db
def test_once_an_account_exists_only_its_superuser_may_set_up(first_run):
    root = User.objects.create_superuser("root", "r@example.com", PASSWORD)
    anonymous = Client()
    response = anonymous.get("/setup/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/setup/")
    assert anonymous.post("/setup/", {"company_name": "X", "fiscal_year_start_month": "1"}).status_code == 302
    plain = User.objects.create_user("plain", password=PASSWORD)
    assert login(plain).get("/setup/").status_code == 302
    # The superuser keeps their account and becomes the admin person.
    client = login(root)
    walk_to_admin(client)
    page = client.get("/setup/admin/").content.decode()
    assert 'name="password"' not in page and "root" in page
    response = client.post("/setup/admin/", {"display_name": "运维"})
    assert response.status_code == 302
    assert Person.objects.get().user == root
    assert User.objects.count() == 2


# --- people import and done ----------------------------------------------------------------------


@pytest.mark.django_db
def test_people_import_step(first_run):
    client = Client()
    walk_to_admin(client)
    client.post("/setup/admin/", ADMIN)
    bad = "账号,姓名,部门编码\nlinxiao,林晓,NOPE\n".encode()
    response = client.post("/setup/people/", {"file": SimpleUploadedFile("people.csv", bad)})
    assert response.status_code == 200 and 'data-testid="import-errors"' in response.content.decode()
    assert Person.objects.count() == 1
    good = "账号,姓名,部门编码\nlinxiao,林晓,CONTENT\nzhaomin,赵敏,D01\n".encode()
    response = client.post("/setup/people/", {"file": SimpleUploadedFile("people.csv", good)})
    assert response.status_code == 302 and response["Location"] == "/setup/done/"
    assert Person.objects.count() == 3
    page = client.get("/setup/done/").content.decode()
    assert "/goals/new/" in page


def test_people_step_is_only_for_the_admin_who_just_set_up(org, client_as):
    assert client_as("admin").get("/setup/people/").status_code == 404
    assert client_as("member").get("/setup/done/").status_code == 404
    assert Client().get("/setup/people/").status_code in (302, 404)


# --- a superuser without a person record -------------------------------------------------------


def test_superuser_without_person_is_offered_to_become_the_admin_person(org, first_run):
    root = User.objects.create_superuser("root", "r@example.com", PASSWORD)
    client = login(root)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/setup/link/"
    page = client.get("/setup/link/").content.decode()
    assert 'name="display_name"' in page and 'name="department"' in page
    response = client.post("/setup/link/", {"display_name": "", "department": org.company.pk})
    assert 'data-field-error="display_name"' in response.content.decode()
    response = client.post("/setup/link/", {"display_name": "运维", "department": org.mkt.pk, "title": "IT"})
    assert response.status_code == 302 and response["Location"] == "/"
    person = Person.objects.get(user=root)
    assert (person.role, person.department) == (Role.ADMIN, org.mkt)
    assert client.get("/").status_code == 200
    assert client.get("/setup/link/").status_code == 404


def test_the_offer_can_be_declined_for_the_session(org, first_run):
    root = User.objects.create_superuser("root", "r@example.com", PASSWORD)
    client = login(root)
    response = client.post("/setup/link/skip/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.session[LINK_SKIPPED] is True
    assert client.get("/").status_code == 200
    assert not Person.objects.filter(user=root).exists()


def test_the_offer_is_only_for_superusers_without_a_person(org, client_as):
    assert client_as("admin").get("/setup/link/").status_code == 404
    assert client_as("member").get("/setup/link/").status_code == 404
    plain = User.objects.create_user("plain", password=PASSWORD)
    assert login(plain).get("/setup/link/").status_code == 404
    assert (
        login(plain).post("/setup/link/", {"display_name": "x", "department": org.company.pk}).status_code
        == 404
    )


@pytest.mark.django_db
def test_wizard_pages_make_few_queries(first_run, django_assert_max_num_queries):
    client = Client()
    client.get("/setup/")  # the session row exists from here on
    walk_to_admin(client)
    for url in ("/setup/", "/setup/departments/", "/setup/admin/"):
        with django_assert_max_num_queries(6):
            assert client.get(url).status_code == 200, url


def test_link_page_makes_few_queries(org, first_run, django_assert_max_num_queries):
    client = login(User.objects.create_superuser("root", "r@example.com", PASSWORD))
    client.get("/setup/link/")
    with django_assert_max_num_queries(12):
        assert client.get("/setup/link/").status_code == 200


def test_after_the_offer_the_superuser_gets_an_api_token(org, first_run):
    """createsuperuser alone: the API refuses a token (no person); as the admin person it gives one."""
    import json

    User.objects.create_superuser("root", "r@example.com", PASSWORD)
    body = json.dumps({"username": "root", "password": PASSWORD})
    refused = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert refused.status_code == 404
    client = login(User.objects.get(username="root"))
    client.post("/setup/link/", {"display_name": "运维", "department": org.company.pk})
    answer = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert answer.status_code == 201 and answer.json()["token"].startswith("lds_")
