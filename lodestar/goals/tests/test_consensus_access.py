"""One rule for who may open a consensus round, on the pages and in the API (goals/access.py):
whoever sees one of its goals may know of it; its participants may always decide, even when the
goals lie outside what they otherwise see; anybody else gets 404 on both surfaces."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lodestar.goals.access import visible_goals
from lodestar.goals.models import ConsensusParticipant, GoalStatus
from lodestar.goals.services import consensus
from lodestar.goals.tests.conftest import fresh


def _client(person) -> Client:
    client = Client()
    client.force_login(fresh(person))
    return client


@pytest.fixture
def round_with_outsider(world, make_goal):
    """A 市场部 goal seen only inside 市场部, with 销售部's 周杰 as a required participant."""
    goal = make_goal("林晓 小红书曝光 200万次", owner=world.member, visibility="department")
    record = consensus.consensus_start(
        actor=fresh(world.mkt_manager),
        goals=[goal],
        participants=[
            {"person": world.member, "required": True, "role_note": ""},
            {"person": world.sales_member, "required": True, "role_note": "协作方"},
        ],
        minutes="",
    )
    assert not visible_goals(fresh(world.sales_member)).filter(pk=goal.pk).exists()
    return goal, record


def _decision(record, person) -> str:
    return ConsensusParticipant.objects.get(record=record, person=person).decision


def test_a_participant_who_cannot_see_the_goal_decides_on_the_page(world, round_with_outsider):
    _goal, record = round_with_outsider
    response = _client(world.sales_member).post(
        reverse("goals:consensus_decide", args=[record.pk]), {"decision": "agreed", "comment": ""}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert _decision(record, world.sales_member) == "agreed"


def test_a_participant_who_cannot_see_the_goal_decides_in_the_api(world, round_with_outsider, api):
    _goal, record = round_with_outsider
    response = api("sales_member").post(f"/consensus/{record.pk}/decisions", {"decision": "agreed"})
    assert response.status_code == 200, response.content
    assert _decision(record, world.sales_member) == "agreed"


def test_a_participant_who_sees_the_goal_returns_to_it(world, round_with_outsider):
    goal, record = round_with_outsider
    response = _client(world.member).post(
        reverse("goals:consensus_decide", args=[record.pk]), {"decision": "agreed", "comment": ""}
    )
    assert response["Location"] == reverse("goals:detail", args=[goal.pk])


def test_an_outsider_gets_404_on_both_surfaces(world, round_with_outsider, api):
    goal, record = round_with_outsider
    page = _client(world.sales_manager).post(
        reverse("goals:consensus_decide", args=[record.pk]), {"decision": "agreed", "comment": ""}
    )
    assert page.status_code == 404
    body = api("sales_manager").post(f"/consensus/{record.pk}/decisions", {"decision": "agreed"})
    assert body.status_code == 404 and body.json()["field"] == "record_id"
    # Withdrawing is no participant's privilege: the outsider participant cannot even find it.
    for attempt in (
        _client(world.sales_member).post(reverse("goals:consensus_withdraw", args=[record.pk])),
        api("sales_member").post(f"/consensus/{record.pk}/withdraw", {}),
    ):
        assert attempt.status_code == 404
    goal.refresh_from_db()
    assert goal.status == GoalStatus.CONSENSUS


def test_a_member_who_sees_the_goal_may_not_withdraw(world, round_with_outsider, api):
    goal, record = round_with_outsider
    page = _client(world.member).post(reverse("goals:consensus_withdraw", args=[record.pk]))
    assert page.status_code in (302, 403)
    assert api("member").post(f"/consensus/{record.pk}/withdraw", {}).status_code == 403
    goal.refresh_from_db()
    assert goal.status == GoalStatus.CONSENSUS
