"""Deployment safety: the production settings pass Django's deployment checks, and a signed-in
session ends after SESSION_COOKIE_AGE. (The lockout after AXES_FAILURE_LIMIT failed logins is
covered for the login page in core/tests/test_views.py and for POST /auth/token in
core/tests/test_api.py.)"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends import db as session_db
from django.test import Client
from django.urls import reverse

from lodestar.org.models import Role
from lodestar.tests_matrix.world import add_person

BASE_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "pw-for-tests-only"


def test_production_settings_pass_the_deployment_checks(tmp_path):
    """`manage.py check --deploy` with only what an operator must set (docs/deployment.md): no warnings."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "lodestar.example.com",
        "LODESTAR_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "LODESTAR_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.fixture
def signed_in(db) -> Client:
    """Signed in through the login page (not force_login), so the session is made as in production."""
    add_person("s_member", "林晓", None, Role.MEMBER)
    client = Client()
    response = client.post(reverse("login"), {"username": "s_member", "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def test_session_cookie_has_the_configured_age(signed_in):
    assert 0 < settings.SESSION_COOKIE_AGE <= 60 * 60 * 24, "sessions must end within a working day"
    client = signed_in
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_session_ends_after_its_age(signed_in, monkeypatch):
    client = signed_in
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/v1/me").status_code == 200

    # The session store compares the stored expiry with "now": move now past the age.
    later = session_db.timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)
    monkeypatch.setattr(session_db.timezone, "now", lambda: later)

    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get("/api/v1/me").status_code == 401
