"""Items follow their goal's visibility (issue 13): whoever sees a goal sees its action plan, so a
guest of 市场部 who reads a company-visible goal of 销售部 is not answered 404 on its tasks; and an
empty plan says whether nothing exists or nothing is visible to the reader."""

from __future__ import annotations

from lodestar.execution.access import visible_items
from lodestar.goals.models import Visibility


def test_items_of_a_public_goal_are_visible_to_everyone_who_sees_the_goal(
    org, make_goal, make_item, client_for
):
    goal = make_goal(
        "门店海报",
        department=org.sales,
        owner=org.sales_manager,
        actor=org.sales_manager,
        visibility=Visibility.PUBLIC,
    )
    item = make_item(
        "印海报",
        actor=org.sales_manager,
        department=org.sales,
        goal=goal,
        responsible=[org.sales_member],
        accountable=org.sales_manager,
    )
    for role in ("viewer", "member", "mkt_manager"):
        assert client_for(role).get(f"/goals/{goal.pk}/").status_code == 200
        assert client_for(role).get(f"/execution/items/{item.pk}/").status_code == 200, role
        assert client_for(role).get(f"/execution/?goal={goal.pk}").context["items"] == [item]


def test_items_of_a_department_goal_stay_inside_the_department(org, make_goal, make_item, client_for):
    goal = make_goal(
        "销售内部",
        department=org.sales,
        owner=org.sales_manager,
        actor=org.sales_manager,
        visibility=Visibility.DEPARTMENT,
    )
    item = make_item(
        "内部培训",
        actor=org.sales_manager,
        department=org.sales,
        goal=goal,
        responsible=[org.sales_member],
        accountable=org.sales_manager,
    )
    assert client_for("viewer").get(f"/execution/items/{item.pk}/").status_code == 404
    assert not visible_items(org.user("member")).filter(pk=item.pk).exists()


def test_an_empty_plan_says_when_items_exist_but_are_hidden(org, make_item, client_for):
    make_item(
        "销售培训",
        actor=org.sales_manager,
        department=org.sales,
        responsible=[org.sales_member],
        accountable=org.sales_manager,
    )
    response = client_for("viewer").get(f"/execution/?department={org.sales.pk}")
    assert response.context["items"] == []
    assert response.context["hidden_items"] == 1
    assert "该计划暂无任务" not in response.content.decode()
    timeline = client_for("viewer").get(f"/execution/timeline/?department={org.sales.pk}")
    assert timeline.context["hidden_items"] == 1
    empty = client_for("viewer").get(f"/execution/?department={org.mkt.pk}")
    assert empty.context["hidden_items"] == 0
    assert "该计划暂无任务" in empty.content.decode()


def test_the_guest_is_not_offered_comments_or_bulk_edit(org, make_item, client_for):
    item = make_item("投放KOL")
    html = client_for("viewer").get(f"/execution/items/{item.pk}/").content.decode()
    assert 'data-testid="comment-form"' not in html
    assert (
        'data-testid="comment-form"'
        in client_for("member").get(f"/execution/items/{item.pk}/").content.decode()
    )
    table = client_for("viewer").get(f"/execution/?department={org.mkt.pk}")
    assert table.context["can_bulk_edit"] is False
    assert 'data-testid="bulk-form"' not in table.content.decode()
    assert (
        client_for("mkt_manager").get(f"/execution/?department={org.mkt.pk}").context["can_bulk_edit"] is True
    )
