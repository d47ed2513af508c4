"""Goal pages: who may open and change them, bad input shown on the page, and query counts that
do not grow with the number of goals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from lodestar.goals.models import Goal, GoalStatus, Measure, TargetAdjustment
from lodestar.goals.tests.conftest import fresh


def client_for(person) -> Client:
    client = Client()
    client.force_login(fresh(person))
    return client


def measure(target="100", **extra):
    return [{"name": "线索量", "unit": "count", "target": target, **extra}]


def build_tree(world, make_goal, children: int) -> Goal:
    """An objective with `children` key results, each with a measure and a grandchild."""
    root = make_goal("年度线索目标", measures=[], kind="objective")
    for index in range(children):
        kr = make_goal(f"KR {index}", parent=root, measures=measure(str(100 + index)), kind="key_result")
        make_goal(
            f"子目标 {index}", parent=kr, department=world.content, measures=measure("10"), period=world.q1
        )
    return root


@pytest.mark.parametrize(
    "url_name",
    ["goals:table", "goals:mine", "goals:tree", "goals:templates", "goals:copy", "goals:create"],
)
def test_goal_pages_open_for_a_member(world, url_name):
    response = client_for(world.member).get(reverse(url_name))
    assert response.status_code == 200


def test_anonymous_is_sent_to_login(world, make_goal):
    goal = make_goal()
    for url in (reverse("goals:table"), reverse("goals:detail", args=[goal.pk])):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_viewer_cannot_open_the_new_goal_form(world):
    assert client_for(world.viewer).get(reverse("goals:create")).status_code == 403


def test_private_goal_is_hidden_from_another_department(world, make_goal):
    goal = make_goal("内部目标", visibility="department")
    assert client_for(world.sales_member).get(reverse("goals:detail", args=[goal.pk])).status_code == 404
    assert client_for(world.member).get(reverse("goals:detail", args=[goal.pk])).status_code == 200
    assert client_for(world.hr).get(reverse("goals:detail", args=[goal.pk])).status_code == 200


def test_only_managers_decompose_and_edit(world, make_goal):
    goal = make_goal()
    decompose = reverse("goals:decompose", args=[goal.pk])
    edit = reverse("goals:edit", args=[goal.pk])
    assert client_for(world.mkt_manager).get(decompose).status_code == 200
    assert client_for(world.admin).get(edit).status_code == 200
    assert client_for(world.sales_manager).get(decompose).status_code == 403
    assert client_for(world.member).get(decompose).status_code == 403
    assert client_for(world.member).get(edit).status_code == 403
    assert client_for(world.viewer).get(edit).status_code == 403


def test_inline_row_edit_refuses_weights_over_100_and_writes_nothing(world, make_goal):
    first = make_goal("A", weight="60", period=world.q1)
    second = make_goal("B", weight="30", period=world.q1)
    client = client_for(world.mkt_manager)
    url = reverse("goals:row", args=[second.pk])
    response = client.post(
        url,
        {"name": "B", "weight": "50", "version": second.version, "owner": world.mkt_manager.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'data-field-error="weight"' in response.content.decode()
    second.refresh_from_db()
    assert second.weight == 30 and first.weight == 60
    ok = client.post(
        url,
        {"name": "B2", "weight": "40", "version": second.version, "owner": world.mkt_manager.pk},
        HTTP_HX_REQUEST="true",
    )
    assert ok.status_code == 200 and "B2" in ok.content.decode()
    second.refresh_from_db()
    assert second.weight == 40 and second.name == "B2"


def test_stale_inline_edit_is_refused(world, make_goal):
    goal = make_goal("A")
    client = client_for(world.mkt_manager)
    url = reverse("goals:row", args=[goal.pk])
    client.post(url, {"name": "A1", "version": goal.version, "owner": world.mkt_manager.pk})
    response = client.post(url, {"name": "A2", "version": goal.version, "owner": world.mkt_manager.pk})
    assert "该记录已被他人修改" in response.content.decode()
    goal.refresh_from_db()
    assert goal.name == "A1"


def test_measure_form_shows_target_equal_to_baseline_on_the_field(world, make_goal):
    goal = make_goal(measures=[])
    response = client_for(world.mkt_manager).post(
        reverse("goals:measure_add", args=[goal.pk]),
        {"name": "复购率", "unit": "percent", "direction": "higher", "baseline": "15", "target": "15"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["target"]
    assert not Measure.objects.filter(goal=goal).exists()


def test_decompose_page_refuses_shares_not_summing_to_100(world, make_goal):
    goal = make_goal()
    client = client_for(world.mkt_manager)
    url = reverse("goals:decompose", args=[goal.pk])
    data = {
        "dimension": "channel",
        "mode": "percent",
        "measure": goal.measures.get().pk,
        "label": ["抖音", "天猫"],
        "value": ["40", "50"],
        "owner": ["", ""],
        "department": ["", ""],
        "period": ["", ""],
    }
    response = client.post(url, data)
    assert response.status_code == 200 and response.context["error"]
    assert goal.children.count() == 0
    data["value"] = ["40", "60"]
    response = client.post(url, data)
    assert response.status_code == 302
    assert sorted(c.measures.get().target for c in goal.children.all()) == [200, 300]


def test_consensus_and_adjustment_through_the_pages(world, make_goal):
    goal = make_goal()
    manager = client_for(world.mkt_manager)
    manager.post(
        reverse("goals:consensus_start", args=[goal.pk]),
        {"participants": [world.mkt_manager.pk, world.member.pk], "minutes": "共识纪要"},
    )
    goal.refresh_from_db()
    assert goal.status == GoalStatus.CONSENSUS
    record = goal.consensus_records.get()
    manager.post(reverse("goals:consensus_decide", args=[record.pk]), {"decision": "agreed"})
    member = client_for(world.member)
    member.post(reverse("goals:consensus_decide", args=[record.pk]), {"decision": "objected", "comment": ""})
    goal.refresh_from_db()
    assert goal.status == GoalStatus.CONSENSUS  # an objection without a comment is refused
    member.post(reverse("goals:consensus_decide", args=[record.pk]), {"decision": "agreed", "comment": "ok"})
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACTIVE
    the_measure = goal.measures.get()
    manager.post(
        reverse("goals:adjustment_add", args=[goal.pk]),
        {
            "measure": the_measure.pk,
            "new_target": "450",
            "reason": "竞品降价",
            "trigger": "竞品降价超过15%",
            "approved_by": world.admin.pk,
        },
    )
    the_measure.refresh_from_db()
    assert the_measure.target == 500  # a request: nothing changes before approval
    adjustment = TargetAdjustment.objects.get(goal=goal, trigger="竞品降价超过15%")
    client_for(world.admin).post(reverse("goals:adjustment_approve", args=[adjustment.pk]), {"comment": ""})
    the_measure.refresh_from_db()
    assert the_measure.target == 450 and the_measure.original_target == 500
    page = manager.get(reverse("goals:detail", args=[goal.pk])).content.decode()
    assert "竞品降价超过15%" in page


def _count_queries(django_assert_max_num_queries, client, url, bound):
    with django_assert_max_num_queries(bound):
        response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("children", [2, 25])
def test_page_query_counts_do_not_grow_with_goals(
    world, make_goal, activate, django_assert_max_num_queries, children
):
    root = build_tree(world, make_goal, children)
    first_kr = root.children.order_by("id").first()
    client = client_for(world.mkt_manager)
    table = f"{reverse('goals:table')}?department={world.mkt.pk}&period={world.year.pk}"
    _count_queries(django_assert_max_num_queries, client, table, 12)
    _count_queries(django_assert_max_num_queries, client, reverse("goals:tree"), 10)
    _count_queries(django_assert_max_num_queries, client, reverse("goals:tree_children", args=[root.pk]), 7)
    _count_queries(django_assert_max_num_queries, client, reverse("goals:mine"), 9)
    _count_queries(django_assert_max_num_queries, client, reverse("goals:detail", args=[root.pk]), 19)
    _count_queries(django_assert_max_num_queries, client, reverse("goals:detail", args=[first_kr.pk]), 19)
    _count_queries(
        django_assert_max_num_queries, client, reverse("home"), 17
    )  # + what needs me now (issue 13)


def test_tree_shows_stored_rollups(world, make_goal):
    root = make_goal("年度目标", measures=[], kind="objective")
    first = make_goal("A", parent=root, weight="60", measures=measure("100", current="96"))
    make_goal("B", parent=root, weight="40", measures=measure("100", current="50"))
    root.refresh_from_db()
    assert root.progress == Decimal("0.776")  # 0.6 × 0.96 + 0.4 × 0.5
    page = client_for(world.mkt_manager).get(reverse("goals:tree")).content.decode()
    assert "78%" in page  # 0.776 shown rounded
    children = (
        client_for(world.mkt_manager).get(reverse("goals:tree_children", args=[root.pk])).content.decode()
    )
    assert first.name in children and "96%" in children


@pytest.mark.parametrize(
    "url",
    [
        "/goals/?department=99999999999999999999999&period=1",
        "/goals/tree/?period=-5",
        "/execution/?goal=99999999999999999999999",
        "/execution/board/?department=99999999999999999999999",
        "/org/?department=99999999999999999999999",
        "/org/departments/new/?parent=99999999999999999999999",
        "/tracking/?week=9999-W99",
    ],
)
def test_out_of_range_ids_in_query_strings_never_give_a_server_error(world, url):
    response = client_for(world.admin).get(url)
    assert response.status_code in (200, 404)
