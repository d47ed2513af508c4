"""Fixes from the role walk of the knowledge pages (2026-12-05): rates with two decimals against both
targets, the report's single-measure goals uncapped, the case's source retrospective linked."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from lodestar.goals.models import SnapshotKind
from lodestar.knowledge import selectors
from lodestar.knowledge.templatetags.knowledge_tags import rate2
from lodestar.testing.factories import GoalFactory, MeasureFactory, RetrospectiveFactory, SnapshotFactory


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("0.972222"), "97.22%"),
        (Decimal("0.875"), "87.50%"),
        ("1.100000", "110.00%"),
        (Decimal("0.78"), "78.00%"),
        (None, "—"),
        ("", "—"),
        ("x", "—"),
    ],
)
def test_rates_show_two_decimals(value, shown):
    assert rate2(value) == shown


def test_the_case_figures_show_both_rates_with_two_decimals(client_as, case):
    html = client_as("viewer").get(f"/knowledge/cases/{case.pk}/").content.decode()
    # 480万 of 450万 → 106.67%; of the original 500万 → 96.00%
    assert 'data-testid="figure-rate">106.67%<' in html
    assert 'data-testid="figure-original-rate">96.00%<' in html


def test_the_report_shows_a_single_measure_goal_uncapped(org, q1):
    goal = GoalFactory(name="Q1小红书笔记", department=org.mkt, period=q1, owner=org.member)
    measure = MeasureFactory(goal=goal, name="笔记", target=Decimal(40), original_target=Decimal(40))
    SnapshotFactory(
        measure=measure,
        kind=SnapshotKind.CLOSE,
        target=Decimal(40),
        original_target=Decimal(40),
        actual=Decimal(44),
        achievement_rate=Decimal("1.1"),
        original_achievement_rate=Decimal("1.1"),
        goal_achievement_rate=Decimal("1"),  # the capped roll-up
    )
    results = selectors.goal_results(2026, None)
    (row,) = [r for r in results.rows if r.goal_id == goal.pk]
    assert row.achievement_rate == Decimal("1.1") == row.original_achievement_rate
    assert results.met == 1


def test_the_report_page_shows_rates_with_two_decimals(client_as, case):
    html = client_as("admin").get("/knowledge/report/", {"year": 2026, "department": ""}).content.decode()
    assert "106.67%" in html and "96.00%" in html


def test_the_source_retrospective_is_linked_for_who_may_read_it(client_as, case, goal):
    retro = RetrospectiveFactory(goal=goal, title="Q1 新品复盘")
    case.retrospective = retro
    case.save(update_fields=["retrospective"])
    html = client_as("admin").get(f"/knowledge/cases/{case.pk}/").content.decode()
    assert f'href="/retrospectives/{retro.pk}/" data-testid="case-retrospective"' in html


def test_the_case_form_previews_the_figures_compactly(client_as, goal):
    html = client_as("mkt_manager").get("/knowledge/cases/new/", {"goal": goal.pk}).content.decode()
    assert (
        'data-testid="case-figures"' in html
        and "<table" not in html.split('data-testid="case-figures"')[1][:200]
    )
    assert 'data-testid="figure-rate">106.67%<' in html


def test_a_case_from_a_goal_or_retrospective_starts_with_the_tags_in_its_name(client_as, org, goal):
    # goal "新品上市小红书种草"; the library knows 新品上市期 (not in the name) and 小红书 (in it)
    from lodestar.knowledge import services
    from lodestar.knowledge.models import Tag

    Tag.objects.create(name="小红书", kind=Tag.Kind.CHANNEL)
    Tag.objects.create(name="直播", kind=Tag.Kind.CHANNEL)
    assert [t.name for t in services.case_initial_from_goal(goal)["tags"]] == ["小红书"]
    retro = RetrospectiveFactory(goal=goal, title="Q1 复盘")
    assert [t.name for t in services.case_initial_from_retrospective(retro)["tags"]] == ["小红书"]
    html = client_as("mkt_manager").get("/knowledge/cases/new/", {"goal": goal.pk}).content.decode()
    assert 'name="channel_tags" value="小红书"' in html


def test_the_figures_table_fits_the_case_column(client_as, case):
    """Metric under the goal and the snapshot under the period: seven columns, no clipped last column."""
    html = client_as("viewer").get(f"/knowledge/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    table = html.split('data-testid="case-figures"')[1].split("</table>")[0]
    assert len(re.findall(r"<th[ >]", table.split("</thead>")[0])) == 7
    assert 'data-testid="figure-measure">销售额<' in table and 'data-testid="figure-snapshot">' in table


def test_a_retrospective_the_reader_may_not_open_never_prefills_a_case(client_as, api_as, org, q1):
    """Walk bug: linxiao got the highlights of another department's retrospective (no goal) through
    /knowledge/cases/new/?retrospective=<id> although /retrospectives/<id>/ was a 404 for him."""
    from lodestar.testing.factories import PersonFactory

    retro = RetrospectiveFactory(
        goal=None,
        department=org.sales,
        period=q1,
        owner=PersonFactory(department=org.sales),
        title="销售部月度复盘",
        highlights="机密亮点",
    )
    member = client_as("member")
    assert member.get(f"/retrospectives/{retro.pk}/").status_code == 404
    response = member.get("/knowledge/cases/new/", {"retrospective": retro.pk})
    assert response.status_code == 404 and "机密亮点" not in response.content.decode()
    posted = api_as("member").post(
        "/cases", {"title": "x", "outcome": "success", "retrospective_id": retro.pk}
    )
    assert posted.status_code == 404
    page = client_as("hr").get("/knowledge/cases/new/", {"retrospective": retro.pk}).content.decode()
    assert "机密亮点" in page  # HR reads every retrospective


def test_a_case_shows_only_the_figures_of_goals_its_reader_may_see(client_as, case, goal):
    """A case may cite a goal of a department the reader does not see: its figures stay hidden (page and
    API), while whoever sees the goal reads them."""
    from lodestar.goals.models import Goal, Visibility

    Goal.objects.filter(pk=goal.pk).update(visibility=Visibility.DEPARTMENT)
    hidden = client_as("sales_manager").get(f"/knowledge/cases/{case.pk}/").content.decode()
    assert 'data-testid="figure-rate"' not in hidden and "106.67%" not in hidden
    shown = client_as("member").get(f"/knowledge/cases/{case.pk}/").content.decode()
    assert 'data-testid="figure-rate">106.67%<' in shown
    assert client_as("member").get(f"/api/v1/cases/{case.pk}").json()["figures"]
    body = client_as("sales_manager").get(f"/api/v1/cases/{case.pk}").json()
    assert body["goal_ids"] == [] and body["figures"] == []


@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "abc", "1.5"])
def test_an_impossible_id_in_a_multiple_choice_is_a_form_error(client_as, value):
    """Not a 500 from the database: the case form says the choice is not available."""
    response = client_as("member").post(
        "/knowledge/cases/new/", {"title": "案例", "outcome": "success", "goals": [value]}
    )
    assert response.status_code == 200
    assert "goals" in response.context["form"].errors
    response = client_as("mkt_manager").post("/knowledge/sops/new/", {"title": "SOP", "cases": [value]})
    assert response.status_code == 200 and "cases" in response.context["form"].errors
