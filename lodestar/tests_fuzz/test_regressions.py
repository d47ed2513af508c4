"""Bugs the fuzzers found, pinned by plain examples so they stay fixed whatever the fuzzers draw."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from lodestar.conftest import ApiClient
from lodestar.notifications.models import NotificationPreference


@pytest.mark.parametrize("reminder_time", [0, 57600, "16:00+08:00", "16:00Z"])
def test_a_time_with_an_offset_or_a_number_is_a_field_error(org, api_as, reminder_time):
    response = api_as("member").request(
        "PUT", "/me/notification-preferences", {"reminder_weekday": 5, "reminder_time": reminder_time}
    )
    assert response.status_code == 422, response.content
    assert response.json()["field"] == "reminder_time"
    stored = NotificationPreference.objects.filter(person=org.member).values_list("reminder_time", flat=True)
    assert all(value == dt.time(16, 0) for value in stored)


def test_a_local_time_is_stored(org, api_as):
    response = api_as("member").request(
        "PUT",
        "/me/notification-preferences",
        {"quiet_start": "22:30", "quiet_end": "07:00", "reminder_time": "09:15:00"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["quiet_start"] == "22:30:00" and response.json()["reminder_time"] == "09:15:00"


def test_token_lockout_answers_json_429(org, settings):
    """The failure that locks the account too: AxesMiddleware used to swap in its HTML page."""
    settings.AXES_FAILURE_LIMIT = 2
    api = ApiClient(client=Client(REMOTE_ADDR="10.0.0.9"))
    responses = [
        api.post("/auth/token", {"username": "member", "password": "wrong-password"}) for _attempt in range(3)
    ]
    assert [r.status_code for r in responses] == [401, 429, 429]
    for response in responses[1:]:
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response.json()["code"] == "locked_out" and response.json()["message"]
