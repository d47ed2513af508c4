"""The action item form in the seeds' 5W1H: fieldsets (What, Who, When, Where, How, Resources)
with the rarely used groups collapsed unless they hold a value or an error; people pickers that
search by name and pinyin, list the goal's department first and only people who can hold the
letter; the chosen goal's measures only, labelled with the goal and reloaded with the phases
(HTMX) when the goal changes. Fixtures: execution/tests/conftest.py."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from lodestar.core.widgets import pinyin_keys
from lodestar.execution import domain, selectors
from lodestar.execution.models import ActionItem
from lodestar.execution.tests.conftest import make_person, user_of
from lodestar.goals.services import goal_create
from lodestar.org.models import Department, Role

HX = {"HTTP_HX_REQUEST": "true"}


def create_url(**query) -> str:
    return reverse("execution:create") + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )


def picker(page: str, name: str) -> str:
    """The HTML of one picker's list."""
    return page.split(f'data-testid="picker-{name}"', 1)[1].split("data-picker-empty", 1)[0]


@pytest.fixture
def goals(org):
    """A goal of 内容组 with two measures and one of 销售部 with GMV."""
    manager = user_of(org.mkt_manager)
    content = goal_create(
        actor=manager,
        name="Q3 小红书种草",
        department=org.content,
        period=org.year,
        owner=org.mkt_manager,
        measures=[
            {"name": "小红书笔记", "unit": "count", "target": Decimal(50), "baseline": None},
            {"name": "曝光量", "unit": "count", "target": Decimal(2000000), "baseline": None},
        ],
    )
    market = goal_create(
        actor=manager,
        name="市场部 GMV",
        department=org.mkt,
        period=org.year,
        owner=org.mkt_manager,
        measures=[{"name": "GMV", "unit": "yuan", "target": Decimal(8000000), "baseline": None}],
    )
    return content, market


# --- rules ---------------------------------------------------------------------------------


def test_pinyin_keys_give_full_syllables_and_initials():
    assert pinyin_keys("林晓") == "linxiao lx"
    assert pinyin_keys("KV设计") == "kvsheji kvsj"
    assert pinyin_keys("") == ""
    assert pinyin_keys("林晓 小红书组") == "linxiao lx xiaohongshuzu xhsz"


@pytest.mark.parametrize(
    ("role", "manages", "letters"),
    [
        ("member", False, "RACI"),
        ("hr", True, "RACI"),
        ("viewer", False, "I"),
        ("admin", False, ""),
        ("admin", True, "RACI"),
    ],
)
def test_who_can_hold_a_letter(role, manages, letters):
    assert (
        "".join(x for x in "RACI" if domain.can_hold_letter(x, role=role, manages_a_department=manages))
        == letters
    )


def test_raci_people_query_follows_the_rule(org):
    it_admin = org.admin  # role admin, manages nothing
    boss = make_person("boss", "老板", org.company, Role.ADMIN)
    Department.objects.filter(pk=org.company.pk).update(manager=boss)
    responsible = set(selectors.raci_people("R"))
    informed = set(selectors.raci_people("I"))
    assert it_admin not in responsible and it_admin not in informed
    assert boss in responsible and org.member in responsible and org.hr in responsible
    assert org.viewer not in responsible and org.viewer in informed
    assert org.inactive not in informed


# --- the page ------------------------------------------------------------------------------


def test_the_form_is_grouped_as_5w1h_with_the_rare_groups_collapsed(org, client_for):
    page = client_for("member").get(create_url(department=org.mkt.pk)).content.decode()
    keys = re.findall(r'data-group="(\w+)"', page)
    assert keys == ["what", "who", "raci_more", "when", "where", "how", "resources"]
    for key in ("raci_more", "how", "resources"):
        tag = re.search(rf'<details[^>]*data-group="{key}"[^>]*>', page).group(0)
        assert " open" not in tag, key
    assert re.search(r'<fieldset data-group="who">', page)
    assert "<select multiple" not in page  # no Ctrl-click list boxes left


def test_a_collapsed_group_opens_when_it_holds_an_error_or_a_value(org, client_for):
    client = client_for("member")
    response = client.post(
        create_url(),
        {"title": "抖音投放", "department": org.mkt.pk, "priority": "P1", "budget": "很多"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'data-field-error="budget"' in page
    assert re.search(r'<details[^>]*data-group="resources"[^>]*open', page)
    assert not re.search(r'<details[^>]*data-group="how"[^>]*open', page)


def test_people_pickers_search_by_pinyin_and_list_only_who_can_hold_the_letter(org, client_for):
    page = client_for("member").get(create_url(department=org.mkt.pk)).content.decode()
    responsible, informed = picker(page, "responsible"), picker(page, "informed")
    assert re.search(r'data-search="林晓[^"]*linxiao lx', responsible)
    assert "访客" not in responsible and "管理员" not in responsible and "离职" not in responsible
    assert "访客" in informed and "管理员" not in informed
    accountable = picker(page, "accountable")
    assert 'type="radio" name="accountable"' in accountable
    # The creator is ticked as R and A by default.
    assert re.search(rf'name="responsible" value="{org.member.pk}"[^>]*checked', responsible)


def test_the_goals_department_comes_first(org, client_for, goals):
    content_goal, _market = goals
    page = client_for("mkt_manager").get(create_url(goal=content_goal.pk)).content.decode()
    responsible = picker(page, "responsible")
    headings = re.findall(r'class="picker-heading">([^<]+)<', responsible)
    assert headings == ["内容组", "Other departments"] or headings[0] == "内容组"
    assert responsible.index("陈静") < responsible.index("林晓")  # 内容组 before 市场部


def test_only_the_chosen_goals_measures_labelled_with_the_goal(org, client_for, goals):
    content_goal, market_goal = goals
    client = client_for("mkt_manager")
    page = client.get(create_url(goal=content_goal.pk)).content.decode()
    measure = page.split('id="plan-field-measure"', 1)[1].split("</select>", 1)[0]
    assert "Q3 小红书种草 · 小红书笔记" in measure and "Q3 小红书种草 · 曝光量" in measure
    assert "GMV" not in measure
    # No goal: no measures to choose.
    page = client.get(create_url(department=org.mkt.pk)).content.decode()
    assert "GMV" not in page.split('id="plan-field-measure"', 1)[1].split("</select>", 1)[0]
    # Changing the goal reloads the measures and phases out of band.
    goal_select = page.split('name="goal"', 1)[1].split(">", 1)[0]
    assert 'hx-get="' + reverse("execution:form_choices") in goal_select
    response = client.get(
        reverse("execution:form_choices"), {"goal": market_goal.pk, "department": org.mkt.pk}, **HX
    )
    body = response.content.decode()
    assert body.count('hx-swap-oob="true"') == 2 and "市场部 GMV · GMV" in body and "小红书笔记" not in body


def test_a_measure_of_another_goal_is_refused(org, client_for, goals):
    content_goal, market_goal = goals
    response = client_for("mkt_manager").post(
        create_url(),
        {
            "title": "种草笔记",
            "department": org.mkt.pk,
            "priority": "P1",
            "goal": content_goal.pk,
            "measure": market_goal.measures.first().pk,
        },
    )
    assert response.status_code == 200 and 'data-field-error="measure"' in response.content.decode()
    assert not ActionItem.objects.filter(title="种草笔记").exists()


def test_an_item_is_created_with_the_grouped_form(org, client_for, goals):
    content_goal, _ = goals
    measure = content_goal.measures.get(name="小红书笔记")
    response = client_for("mkt_manager").post(
        create_url(),
        {
            "title": "小红书种草笔记20篇",
            "department": org.mkt.pk,
            "goal": content_goal.pk,
            "measure": measure.pk,
            "planned_quantity": "20",
            "unit": "篇",
            "priority": "P0",
            "responsible": [org.member.pk, org.responsible.pk],
            "accountable": org.mkt_manager.pk,
            "consulted_departments": [org.content.pk],
            "informed": [org.viewer.pk],
            "done_standard": "点赞≥500, 评论≥100",
            "materials": "内容素材库, KOL名单",
        },
    )
    item = ActionItem.objects.get(title="小红书种草笔记20篇")
    assert response.status_code == 302
    assert (item.goal, item.measure, item.planned_quantity, item.accountable) == (
        content_goal,
        measure,
        Decimal(20),
        org.mkt_manager,
    )
    assert set(item.raci.values_list("role", "person_id", "department_id")) == {
        ("R", org.member.pk, None),
        ("R", org.responsible.pk, None),
        ("A", org.mkt_manager.pk, None),
        ("C", None, org.content.pk),
        ("I", org.viewer.pk, None),
    }


def test_a_guest_posted_as_r_is_refused(org, client_for):
    response = client_for("member").post(
        create_url(),
        {"title": "访客负责", "department": org.mkt.pk, "priority": "P1", "responsible": [org.viewer.pk]},
    )
    assert response.status_code == 200 and 'data-field-error="responsible"' in response.content.decode()


def test_the_edit_form_keeps_the_groups_without_raci(org, client_for, make_item):
    item = make_item("编辑我", budget=Decimal(2000))
    page = client_for("mkt_manager").get(reverse("execution:edit", args=[item.pk])).content.decode()
    assert 'data-group="who"' not in page and 'data-group="raci_more"' not in page
    assert re.search(r'<details[^>]*data-group="resources"[^>]*open', page)  # it holds the budget
    response = client_for("mkt_manager").get(
        reverse("execution:form_choices"), {"item": item.pk, "goal": ""}, **HX
    )
    assert response.status_code == 200
    assert (
        client_for("sales_member").get(reverse("execution:form_choices"), {"item": item.pk}, **HX).status_code
        == 404
    )


def test_the_form_keeps_its_query_budget_with_many_people(
    org, client_for, goals, django_assert_max_num_queries
):
    content_goal, _ = goals
    for index in range(40):
        make_person(f"p{index}", f"员工{index}", org.content if index % 2 else org.sales)
    client = client_for("mkt_manager")
    client.get(create_url(goal=content_goal.pk))
    with django_assert_max_num_queries(22):
        response = client.get(create_url(goal=content_goal.pk))
    assert response.status_code == 200 and response.content.decode().count("picker-option") > 160
    with django_assert_max_num_queries(12):
        client.get(
            reverse("execution:form_choices"), {"goal": content_goal.pk, "department": org.mkt.pk}, **HX
        )
