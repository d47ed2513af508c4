"""Shell pages: login redirect, periods, company settings, profile tokens, password, language."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from lodestar.conftest import PASSWORD, fresh_user, login
from lodestar.core.models import CompanySettings, Period
from lodestar.org import periods_services as services
from lodestar.org.models import ApiToken
from lodestar.org.services import api_token_authenticate, api_token_create

PAGES = [
    "/",
    "/profile/",
    "/periods/",
    "/periods/custom/",
    "/periods/settings/",
    "/accounts/password/",
    "/org/",
    "/org/chart/",
    "/org/departments/",
    "/org/departments/new/",
    "/org/people/new/",
    "/org/import/",
    "/org/import/template/people.xlsx",
]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_login(db, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert f"next={url}" in response["Location"].replace("%2F", "/")


def test_login_page_and_login(org):
    import axes.utils

    axes.utils.reset()
    client = Client()
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": "member", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    other = Client()
    bad = other.post("/accounts/login/", {"username": "member", "password": "wrong"})
    assert bad.status_code == 200
    assert "_auth_user_id" not in other.session
    assert other.get("/").status_code == 302


def test_login_lockout(org, settings):
    import axes.utils

    axes.utils.reset()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/accounts/login/", {"username": "member", "password": "wrong"})
    client = Client()
    response = client.post("/accounts/login/", {"username": "member", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    axes.utils.reset()


def test_logout_is_post_only(org):
    client = login(org.member)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_user_without_person_is_forbidden(db):
    stranger = get_user_model().objects.create_user("stranger", password="x")
    assert login(stranger).get("/").status_code == 403
    assert login(stranger).get("/org/").status_code == 403


def test_superuser_without_person_sees_the_shell(db):
    root = get_user_model().objects.create_superuser("root", "r@example.com", "x")
    assert login(root).get("/").status_code == 200
    assert login(root).get("/periods/").status_code == 200


# --- periods ------------------------------------------------------------------------------------


def test_period_page_for_everyone_but_only_admin_sees_forms(org):
    services.period_generate_fiscal_year(actor=fresh_user(org.admin), year=2024)
    for role in ("member", "viewer", "hr", "mkt_manager"):
        response = login(org.person(role)).get("/periods/")
        assert response.status_code == 200
        assert response.context["generate_form"] is None
        assert len(response.context["quarters"]) == 4
    admin_page = login(org.admin).get("/periods/")
    assert admin_page.context["generate_form"] is not None
    assert len(admin_page.context["months"]) == 12
    assert len(admin_page.context["weeks"]) == 52


def test_generate_year_from_the_page(org):
    response = login(org.admin).post("/periods/generate/", {"year": "2025"})
    year = Period.objects.get(kind="year", fiscal_year=2025)
    assert response.status_code == 302
    assert response["Location"].endswith(f"?year={year.pk}")
    assert Period.objects.filter(fiscal_year=2025).count() == 69
    # A bad year is a message, not an error page, and writes nothing.
    response = login(org.admin).post("/periods/generate/", {"year": "1800"}, follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"])
    assert not Period.objects.filter(fiscal_year=1800).exists()


@pytest.mark.parametrize("role", ["mkt_manager", "member", "hr", "viewer"])
def test_non_admins_cannot_change_periods(org, role):
    services.period_generate_fiscal_year(actor=fresh_user(org.admin), year=2024)
    year = Period.objects.get(kind="year")
    client = login(org.person(role))
    assert client.post("/periods/generate/", {"year": "2025"}).status_code == 403
    assert client.get("/periods/custom/").status_code == 403
    assert (
        client.post("/periods/custom/", {"name": "x", "start": "2024-01-01", "end": "2024-01-02"}).status_code
        == 403
    )
    assert client.get("/periods/settings/").status_code == 403
    assert not Period.objects.filter(fiscal_year=2025).exists()
    assert not Period.objects.filter(kind="custom").exists()
    year.refresh_from_db()
    assert year.is_closed is False


def test_periods_page_links_to_the_close_page_instead_of_toggling(org):
    """Closing takes snapshots and keeps a history (goals.services.closing): the periods page links to
    the close page (tracking) and has no toggle of its own."""
    services.period_generate_fiscal_year(actor=fresh_user(org.admin), year=2024)
    month = Period.objects.get(key="FY2024-M03")
    year = Period.objects.get(kind="year")
    page = login(org.admin).get(f"/periods/?year={year.pk}").content.decode()
    assert f"/tracking/periods/{month.pk}/close/" in page
    assert login(org.admin).post(f"/periods/{month.pk}/toggle/", {"version": "1"}).status_code == 404


def test_custom_period_form(org):
    client = login(org.admin)
    assert client.get("/periods/custom/").status_code == 200
    response = client.post("/periods/custom/", {"name": "倒序", "start": "2024-02-01", "end": "2024-01-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["end"]
    response = client.post("/periods/custom/", {"name": "618", "start": "2024-06-01", "end": "2024-06-18"})
    assert response.status_code == 302
    assert Period.objects.get(kind="custom").name == "618"


def test_company_settings_page(org):
    client = login(org.admin)
    assert client.get("/periods/settings/").status_code == 200
    response = client.post("/periods/settings/", {"company_name": "星辰", "fiscal_year_start_month": "4"})
    assert response.status_code == 302
    assert CompanySettings.load().fiscal_year_start_month == 4
    response = client.post("/periods/settings/", {"company_name": "星辰", "fiscal_year_start_month": "13"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert CompanySettings.load().fiscal_year_start_month == 4


# --- profile and tokens ---------------------------------------------------------------------------


def test_create_token_on_the_profile_page(org):
    client = login(org.member)
    assert client.get("/profile/").status_code == 200
    response = client.post("/profile/", {"name": "BI", "scope": "read", "days": "30"})
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret and secret in response.content.decode()
    token = ApiToken.objects.get()
    assert (token.person, token.scope, token.name) == (org.member, "read", "BI")
    assert token.token_hash != secret
    assert api_token_authenticate(secret) == token
    # The secret is shown once only.
    again = client.get("/profile/")
    assert secret not in again.content.decode()
    assert token.prefix in again.content.decode()


def test_token_form_errors(org):
    response = login(org.member).post("/profile/", {"name": "", "scope": "read", "days": "0"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "days"}
    assert not ApiToken.objects.exists()


def test_revoke_token_on_the_profile_page(org):
    token, secret = api_token_create(actor=fresh_user(org.member), name="t")
    client = login(org.member)
    assert client.get(f"/profile/tokens/{token.pk}/revoke/").status_code == 405
    response = client.post(f"/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert api_token_authenticate(secret) is None
    page = client.get("/profile/").content.decode()
    assert token.prefix in page


def test_cannot_revoke_someone_elses_token(org):
    token, secret = api_token_create(actor=fresh_user(org.member), name="t")
    assert login(org.mkt_manager).post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert api_token_authenticate(secret) is not None
    # The other person's page does not list it.
    assert token.prefix not in login(org.mkt_manager).get("/profile/").content.decode()


def test_profile_forms_need_csrf(org):
    client = login(org.member, enforce_csrf_checks=True)
    assert client.post("/profile/", {"name": "BI", "scope": "read", "days": "30"}).status_code == 403
    assert not ApiToken.objects.exists()


# --- password -------------------------------------------------------------------------------------


def test_password_change(org):
    client = login(org.member)
    assert client.get("/accounts/password/").status_code == 200
    response = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "N3w-passw0rd-ok", "new_password2": "N3w-passw0rd-ok"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "N3w-passw0rd-ok", "new_password2": "N3w-passw0rd-ok"},
    )
    assert response.status_code == 302
    assert fresh_user(org.member).check_password("N3w-passw0rd-ok")
    # Still signed in after the change.
    assert client.get("/").status_code == 200


def test_password_change_rejects_weak_passwords(org):
    response = login(org.member).post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    assert fresh_user(org.member).check_password(PASSWORD)


# --- language -------------------------------------------------------------------------------------


def test_default_language_is_simplified_chinese(org):
    html = login(org.member).get("/org/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "通讯录" in html  # "People directory"
    assert "People directory" not in html


def test_language_switch(org):
    client = login(org.member)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/org/"})
    assert response.status_code == 302
    assert response["Location"] == "/org/"
    html = client.get("/org/").content.decode()
    assert '<html lang="en">' in html
    assert "People directory" in html
    assert "通讯录" not in html
    # ...and back.
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get("/org/").content.decode()


def test_pages_stay_chinese_for_an_english_browser_until_switched(org):
    """Pages follow the language switch (cookie), not the browser's Accept-Language (core.middleware)."""
    client = login(org.member)
    html = client.get("/org/", headers={"Accept-Language": "en"}).content.decode()
    assert '<html lang="zh-hans">' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/org/", headers={"Accept-Language": "zh-hans"}).content.decode()
    assert '<html lang="en">' in html
