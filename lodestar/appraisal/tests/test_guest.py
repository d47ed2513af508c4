"""The read-only guest (role viewer, the demo's 访客) has no appraisal: 403 on every page and endpoint, no
绩效 entry in the navigation, refused by the access helpers the services and views share."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from lodestar.appraisal import access
from lodestar.appraisal.tests.outcomes_helpers import fy2024, published
from lodestar.core.errors import PermissionDeniedError
from lodestar.dashboards.context_processors import navigation
from lodestar.testing.organisation import fresh_user


def _nav_keys(person) -> list[str]:
    request = RequestFactory().get("/")
    request.user = fresh_user(person)
    return [stage["key"] for stage in navigation(request)["nav_stages"]]


def test_the_appraisal_entry_is_hidden_from_the_guest_only(aw):
    assert "appraisal" not in _nav_keys(aw.org.person("viewer"))
    for role in ("member", "mkt_manager", "hr", "admin"):
        assert "appraisal" in _nav_keys(aw.org.person(role)), role


def test_the_guest_gets_403_on_pages_and_endpoints(aw, client_as, api_as):
    appraisal = published(aw, fy2024("quarter")[1], "70", "B")
    guest = client_as("viewer")
    home = guest.get("/")
    assert home.status_code == 200 and f'href="{reverse("appraisal:home")}"' not in home.content.decode()
    for url in (reverse("appraisal:home"), f"/appraisal/{appraisal.pk}/", "/appraisal/pips/"):
        assert guest.get(url).status_code == 403, url
    assert client_as("member").get(reverse("appraisal:home")).status_code == 200
    api = api_as("viewer")
    for path in ("/appraisals", f"/appraisals/{appraisal.pk}", "/positions", "/pips"):
        response = api.get(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "read_only_guest", path
    assert api_as("member").get("/appraisals").status_code == 200


def test_the_access_helpers_refuse_the_guest(aw):
    appraisal = published(aw, fy2024("quarter")[1], "70", "B")
    guest = aw.user("viewer")
    assert access.is_guest(guest) and not access.can_use_appraisal(guest)
    assert access.can_use_appraisal(aw.user("member")) and access.can_use_appraisal(aw.user("admin"))
    with pytest.raises(PermissionDeniedError):
        access.access_appraisal(guest, appraisal.pk)
    with pytest.raises(PermissionDeniedError):
        access.access_cycle(guest, appraisal.cycle_id)
