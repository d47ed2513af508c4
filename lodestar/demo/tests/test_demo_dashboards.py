"""The demo's dashboards: check-ins dated as people enter them, so completion reads true figures."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client

from lodestar.tracking.models import CheckIn


def test_demo_checkins_are_entered_the_monday_after_their_week_but_one(demo):
    checkins = list(CheckIn.objects.filter(measure__isnull=False))
    assert checkins
    late = [c for c in checkins if (c.created_at.date() - c.period_end).days > 1]
    assert len(late) == 1 and late[0].deviation_reason.startswith("KOL排期延迟")
    client = Client()
    client.force_login(get_user_model().objects.get(username="zhaomin"))
    for language in ("zh-hans", "en"):
        response = client.get("/dashboards/company/", headers={"accept-language": language})
        assert response.status_code == 200
        panels = {p["panel"].key: p["panel"] for p in response.context["panels"]}
        assert panels["achievement"].rows and panels["heatmap"].rows
        assert response.context["period"].kind == "quarter"
