"""The home page: my team, my current goals, consensus waiting for me, the periods of today."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import reverse
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


def test_home_labels_achievement_and_progress_so_the_bar_matches_its_number(org):
    """Found walking the demo: "71%" stood beside a 23% bar (achievement beside progress, unlabelled)."""
    from decimal import Decimal

    from lodestar.core.models import Period, PeriodKind
    from lodestar.goals.models import Goal
    from lodestar.goals.services import goal_create

    period_generate_fiscal_year(actor=fresh_user(org.admin), year=timezone.localdate().year)
    today = timezone.localdate()
    quarter = Period.objects.get(kind=PeriodKind.QUARTER, start__lte=today, end__gte=today)
    goal = goal_create(
        actor=fresh_user(org.mkt_manager),
        name="小红书笔记",
        department=org.mkt,
        period=quarter,
        owner=org.member,
        measures=[{"name": "篇数", "unit": "count", "target": Decimal(50)}],
    )
    Goal.objects.filter(pk=goal.pk).update(achievement_rate=Decimal("0.71"), progress=Decimal("0.23"))
    html = login(org.member).get("/").content.decode()
    assert '<span data-testid="achievement">71%</span>' in html
    assert '<span data-testid="progress">23%</span>' in html
    assert 'style="width: 23.0%"' in html  # the bar is the progress figure named beside it


def test_a_guest_is_not_offered_create_buttons_that_answer_403(org):
    """Found walking the demo as the guest: 新建目标 on 我的目标 and 新建任务 on 我的任务 led to 403."""
    for path, create in (("/goals/mine/", "/goals/new/"), ("/execution/mine/", "/execution/items/new/")):
        assert f'href="{create}"' not in login(org.viewer).get(path).content.decode()
        assert f'href="{create}"' in login(org.member).get(path).content.decode()


def test_only_the_appraisal_tab_is_active_under_appraisal(org):
    """Found on the appraisal pages: 概览 and 绩效 both lit, since appraisal's landing page is also named
    "home". 概览 is active on the dashboards' home only."""
    import re

    def active_links(html: str) -> list[str]:
        assert 'aria-label="The loop"' in html
        nav = html.split('aria-label="The loop"', 1)[-1].split("</ul>", 1)[0]
        return re.findall(r'<a class="nav-link active"[^>]*href="([^"]+)"', nav)

    client = login(org.member)
    client.cookies["django_language"] = "en"
    appraisal = client.get("/appraisal/")
    assert appraisal.status_code == 200
    assert appraisal.context["nav_overview_active"] is False
    assert active_links(appraisal.content.decode()) == ["/appraisal/"]
    home = client.get("/")
    assert home.context["nav_overview_active"] is True
    assert active_links(home.content.decode()) == ["/"]


def test_dashboards_root_leads_to_the_company_dashboard_with_its_period(org):
    """Found walking the demo: /dashboards/ answered 404 to someone typing the section's address."""
    response = login(org.member).get("/dashboards/?period=7")
    assert response.status_code == 302
    assert response["Location"] == "/dashboards/company/?period=7"
    assert login(org.member).get("/dashboards/")["Location"] == "/dashboards/company/"
    signed_out = Client().get("/dashboards/")
    assert signed_out.status_code == 302 and signed_out["Location"].startswith(reverse(settings.LOGIN_URL))
