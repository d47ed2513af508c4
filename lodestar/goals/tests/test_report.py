"""A goal's one-pager (PDF and printable page): Chinese text in the PDF, the page's figures, the
page's readers only, and a query count that does not grow with the goal's measures and sub-goals."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lodestar.core import pdf
from lodestar.goals.tests.conftest import fresh
from lodestar.goals.tests.test_views import build_tree, measure
from lodestar.testing.pdf import assert_pdf_shows

needs_font = pytest.mark.skipif(not pdf.cjk_fonts(), reason="no CJK font installed (make fonts)")


def client_for(person) -> Client:
    client = Client()
    client.force_login(fresh(person))
    return client


@needs_font
def test_the_goal_pdf_shows_its_chinese_name_and_figures(world, make_goal):
    goal = make_goal("小红书种草带动新品首月销售", measures=measure("200", current="150"))
    page = client_for(world.member).get(reverse("goals:detail", args=[goal.pk])).content.decode()
    assert (
        reverse("goals:report_pdf", args=[goal.pk]) in page
        and reverse("goals:report", args=[goal.pk]) in page
    )
    achievement = page.split('data-testid="achievement">')[1].split("<")[0]
    response = client_for(world.member).get(reverse("goals:report_pdf", args=[goal.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="goal-{goal.pk}.pdf"'
    assert_pdf_shows(response, "小红书种草带动新品首月销售", "线索量", achievement)


def test_the_printable_page_shows_the_pages_figures(world, make_goal):
    goal = make_goal("季度线索目标", measures=measure("200", current="150"))
    client = client_for(world.member)
    page = client.get(reverse("goals:detail", args=[goal.pk])).content.decode()
    printable = client.get(reverse("goals:report", args=[goal.pk])).content.decode()
    achievement = page.split('data-testid="achievement">')[1].split("<")[0]
    assert achievement.startswith("75")
    assert f'data-testid="achievement">{achievement}<' in printable
    assert "季度线索目标" in printable and "window.print()" in printable
    assert 'name="current"' not in printable  # no controls on paper


def test_a_private_goal_report_is_hidden_like_its_page(world, make_goal):
    goal = make_goal("内部目标", visibility="department")
    for name in ("goals:report", "goals:report_pdf"):
        url = reverse(name, args=[goal.pk])
        assert client_for(world.sales_member).get(url).status_code == 404
        assert Client().get(url).status_code == 302
    assert client_for(world.member).get(reverse("goals:report", args=[goal.pk])).status_code == 200


def test_without_a_chinese_font_the_pdf_is_refused_clearly(world, make_goal, monkeypatch):
    goal = make_goal()
    monkeypatch.setattr("lodestar.core.pdf.cjk_fonts", lambda: ())
    response = client_for(world.member).get(reverse("goals:report_pdf", args=[goal.pk]))
    assert response.status_code == 503
    assert 'data-testid="font-missing"' in response.content.decode()


@pytest.mark.parametrize("children", [2, 12])
def test_report_query_count_does_not_grow_with_sub_goals(
    world, make_goal, django_assert_max_num_queries, children
):
    root = build_tree(world, make_goal, children)
    client = client_for(world.mkt_manager)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("goals:report", args=[root.pk])).status_code == 200
