"""The home page: my team, my current goals, consensus waiting for me, the periods of today."""

from __future__ import annotations

from django.utils import timezone

from lodestar.conftest import fresh_user, login
from lodestar.org.periods_services import period_generate_fiscal_year


def test_home_shows_my_team_and_current_periods(org):
    period_generate_fiscal_year(actor=fresh_user(org.admin), year=timezone.localdate().year)
    response = login(org.member).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "林晓" in html
    assert "内容组" in html
    assert [p.kind for p in response.context["periods_now"]] == ["year", "quarter", "month", "week"]


def test_home_without_periods_or_department_shows_empty_states(org):
    response = login(org.admin).get("/")
    assert response.status_code == 200
    assert response.context["periods_now"] == []
