"""Approvals that approve (issue 11): a target adjustment is a request that changes nothing until an
approver decides, with a notification each way and both steps kept; consensus rounds notify their
participants and can cover a decomposition's sub-goals.

The story: 林晓 owns a 700万 sales goal at 518万 (74%). She asks to cut it to 550万 and names the
director 钱总 (manager of the company node) as approver. Before approval nothing moves; the director
is told; on approval the target is 550万 (94%) and she is told; a rejection keeps 700万 and the reason.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.goals.models import ConsensusRecord, Goal, GoalStatus, Measure, TargetAdjustment
from lodestar.goals.services import adjustments, consensus, decomposition
from lodestar.goals.tests.conftest import SALES_MEASURE, _person, fresh
from lodestar.notifications.models import Notification
from lodestar.org.models import Department

PENDING, APPROVED, REJECTED, WITHDRAWN = "pending", "approved", "rejected", "withdrawn"


@pytest.fixture
def director(world):
    person = _person("g_director", "钱总", world.company)
    Department.objects.filter(pk=world.company.pk).update(manager=person)
    return person


@pytest.fixture
def goal(world, make_goal, activate, director):
    """林晓's active goal: target 700万, 518万 reached (74%)."""
    goal = make_goal(
        "林晓 新品A 销售额",
        owner=world.member,
        measures=[{**SALES_MEASURE, "target": "700", "current": "518"}],
    )
    return activate(goal)


def request_cut(world, goal, *, by=None, approver=None, new_target="550", **kwargs):
    return adjustments.adjustment_create(
        actor=fresh(by or world.member),
        goal=goal,
        measure=goal.measures.get(),
        new_target=new_target,
        reason="竞品降价超过15%,申请下调目标",
        trigger="竞品降价超过15%",
        approved_by=approver,
        **kwargs,
    )


def inbox(person) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person).order_by("id"))


def figures(goal) -> tuple:
    measure = Measure.objects.get(goal=goal)
    goal = Goal.objects.get(pk=goal.pk)
    return measure.target, measure.original_target, goal.achievement_rate, goal.progress


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


def err(response, status, code=None, field="__any__"):
    assert response.status_code == status, response.content
    body = response.json()
    if code is not None:
        assert body["code"] == code, body
    if field != "__any__":
        assert body["field"] == field, body
    return body


def client_for(person) -> Client:
    client = Client()
    client.force_login(fresh(person))
    return client


# --- services ------------------------------------------------------------------------------------


def test_a_cut_waits_for_the_director_then_applies(world, goal, director, django_capture_on_commit_callbacks):
    before = figures(goal)
    assert before[0] == Decimal(700) and before[2] == Decimal("0.74")
    with django_capture_on_commit_callbacks(execute=True):
        request = request_cut(world, goal, approver=director)
    assert (request.status, request.approved_by, request.created_by) == (PENDING, director, world.member)
    assert (request.old_target, request.new_target) == (Decimal(700), Decimal(550))
    assert figures(goal) == before  # target and figures unchanged while pending
    [told] = inbox(director)
    assert told.verb == "approval" and told.actor == world.member
    assert "700" in told.title and "550" in told.title and "林晓" in told.title
    assert told.url == f"/goals/{goal.pk}/#adjustment-{request.pk}"
    assert inbox(world.member) == []

    # Neither the requester nor someone outside the chain may decide.
    for person, code in ((world.member, "own_request"), (world.sales_manager, "not_an_approver")):
        with pytest.raises(PermissionDeniedError) as exc:
            adjustments.adjustment_approve(actor=fresh(person), adjustment=request)
        assert exc.value.code == code
    assert figures(goal) == before

    with django_capture_on_commit_callbacks(execute=True):
        decided = adjustments.adjustment_approve(actor=fresh(director), adjustment=request, comment="同意")
    assert (decided.status, decided.decided_by, decided.decision_comment) == (APPROVED, director, "同意")
    assert decided.decided_at is not None and decided.decided_at >= decided.created_at
    target, original, achievement, _progress = figures(goal)
    assert (target, original) == (Decimal(550), Decimal(700))
    assert achievement == (Decimal(518) / Decimal(550)).quantize(Decimal("0.000001"))
    [approved] = inbox(world.member)  # the requester is also the owner: told once
    assert approved.verb == "approved" and approved.actor == director and "550" in approved.title
    measure = goal.measures.get()
    assert measure.history.order_by("-history_date", "-history_id").first().target == Decimal(550)


def test_a_rejection_keeps_the_target_and_the_reason(world, goal, django_capture_on_commit_callbacks):
    before = figures(goal)
    request = request_cut(world, goal)  # names nobody: the nearest manager above (市场部's)
    assert request.approved_by == world.mkt_manager
    with pytest.raises(ApplicationError) as exc:
        adjustments.adjustment_reject(actor=fresh(world.mkt_manager), adjustment=request, comment="  ")
    assert (exc.value.field, exc.value.code) == ("comment", "required")
    with django_capture_on_commit_callbacks(execute=True):
        adjustments.adjustment_reject(
            actor=fresh(world.mkt_manager), adjustment=request, comment="Q4大促仍有机会,维持原目标"
        )
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (REJECTED, world.mkt_manager)
    assert request.decision_comment == "Q4大促仍有机会,维持原目标"
    assert figures(goal) == before
    [told] = inbox(world.member)
    assert told.verb == "rejected" and "Q4大促仍有机会" in told.title
    with pytest.raises(ConflictError) as exc:
        adjustments.adjustment_approve(actor=fresh(world.mkt_manager), adjustment=request)
    assert exc.value.code == "not_pending"


def test_one_pending_request_per_measure(world, goal, director):
    first = request_cut(world, goal, approver=director)
    with pytest.raises(ConflictError) as exc:
        request_cut(world, goal, approver=director, new_target="600")
    assert (exc.value.code, exc.value.field) == ("adjustment_pending", "measure_id")
    with pytest.raises(IntegrityError), transaction.atomic():  # the database says so too
        TargetAdjustment.objects.create(
            goal=goal,
            measure=first.measure,
            old_target=700,
            new_target=600,
            reason="x",
            approved_by=director,
            created_by=world.member,
        )
    adjustments.adjustment_withdraw(actor=fresh(world.member), adjustment=first)
    assert request_cut(world, goal, approver=director, new_target="600").status == PENDING


def test_only_the_requester_withdraws_and_the_approver_is_told(
    world, goal, director, django_capture_on_commit_callbacks
):
    request = request_cut(world, goal, approver=director)
    with pytest.raises(PermissionDeniedError):
        adjustments.adjustment_withdraw(actor=fresh(director), adjustment=request)
    with django_capture_on_commit_callbacks(execute=True):
        adjustments.adjustment_withdraw(actor=fresh(world.member), adjustment=request)
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (WITHDRAWN, world.member)
    assert [n.verb for n in inbox(director)] == ["withdrawn"]
    assert figures(goal)[0] == Decimal(700)


def test_a_manager_cannot_approve_their_own_request(world, goal, director):
    with pytest.raises(ApplicationError) as exc:
        request_cut(world, goal, by=world.mkt_manager, approver=world.mkt_manager)
    assert (exc.value.field, exc.value.code) == ("approved_by_id", "own_request")
    request = request_cut(world, goal, by=world.mkt_manager)
    assert request.approved_by == director  # the nearest manager above 市场部
    with pytest.raises(PermissionDeniedError):
        adjustments.adjustment_approve(actor=fresh(world.mkt_manager), adjustment=request)
    adjustments.adjustment_approve(actor=fresh(world.admin), adjustment=request)  # any approver may decide
    assert figures(goal)[0] == Decimal(550)


def test_an_admin_applies_directly_recorded_as_such(world, goal, django_capture_on_commit_callbacks):
    with pytest.raises(PermissionDeniedError) as exc:
        request_cut(world, goal, by=world.mkt_manager, apply_directly=True)
    assert exc.value.code == "not_admin"
    with django_capture_on_commit_callbacks(execute=True):
        direct = request_cut(world, goal, by=world.admin)
    assert direct.applied_directly and direct.status == APPROVED
    assert (direct.decided_by, direct.approved_by, direct.created_by) == (world.admin,) * 3
    assert figures(goal)[:2] == (Decimal(550), Decimal(700))
    assert [n.verb for n in inbox(world.member)] == ["adjusted"]  # the owner hears of it


def test_approval_checks_the_measure_as_it_is_then(world, goal, director):
    request = request_cut(world, goal, approver=director)
    request_cut(world, goal, by=world.admin, new_target="600")  # an admin's direct change meanwhile
    approved = adjustments.adjustment_approve(actor=fresh(director), adjustment=request)
    assert (approved.old_target, approved.new_target) == (Decimal(600), Decimal(550))
    assert figures(goal)[:2] == (Decimal(550), Decimal(700))

    again = request_cut(world, goal, approver=director, new_target="500")
    request_cut(world, goal, by=world.admin, new_target="500")
    with pytest.raises(ApplicationError) as exc:
        adjustments.adjustment_approve(actor=fresh(director), adjustment=again)
    assert exc.value.field == "new_target"
    assert TargetAdjustment.objects.get(pk=again.pk).status == PENDING

    Goal.objects.filter(pk=goal.pk).update(status=GoalStatus.CLOSED)
    with pytest.raises(ConflictError) as exc:
        adjustments.adjustment_approve(actor=fresh(director), adjustment=again)
    assert exc.value.code == "not_active"


# --- API -----------------------------------------------------------------------------------------


def test_the_request_through_the_api(world, goal, director, api, django_capture_on_commit_callbacks):
    member = api("member")
    measure = goal.measures.get()
    base = f"/goals/{goal.pk}/adjustments"
    data = {
        "measure_id": measure.pk,
        "new_target": "550",
        "reason": "竞品降价",
        "approved_by_id": director.pk,
    }
    with django_capture_on_commit_callbacks(execute=True):
        body = ok(member.post(base, data), 201)
    assert body["status"] == "pending" and body["decided_by_id"] is None and body["decided_at"] is None
    assert ok(member.get(f"/measures/{measure.pk}"))["target"] == "700.00"
    assert ok(member.get(f"/goals/{goal.pk}"))["achievement_rate"] == "0.7400"
    assert Notification.objects.filter(recipient=director, verb="approval").count() == 1
    err(member.post(base, data), 409, "adjustment_pending", "measure_id")
    err(member.post(base, {**data, "apply_directly": True}), 403, "not_admin")
    err(member.post(f"{base}/{body['id']}/approve", {}), 403, "own_request")
    err(api("mkt_manager").post(f"{base}/{body['id']}/reject", {"comment": ""}), 422, "required", "comment")
    err(api("viewer").post(f"{base}/{body['id']}/approve", {}), 403)
    err(api("sales_manager").post(f"{base}/{body['id']}/approve", {}), 403)
    err(member.post(f"{base}/999999/approve", {}), 404, field="adjustment_id")
    director_api = api("admin")  # the director has no token fixture: the admin decides instead
    with django_capture_on_commit_callbacks(execute=True):
        decided = ok(director_api.post(f"{base}/{body['id']}/approve", {"comment": "同意"}))
    assert decided["status"] == "approved" and decided["decided_by_id"] == world.admin.pk
    assert decided["decided_at"] and decided["decision_comment"] == "同意"
    assert ok(member.get(f"/measures/{measure.pk}"))["target"] == "550.00"
    assert ok(member.get(f"/goals/{goal.pk}"))["achievement_rate"] == "0.9418"
    assert Notification.objects.filter(recipient=world.member, verb="approved").count() == 1
    err(director_api.post(f"{base}/{body['id']}/reject", {"comment": "晚了"}), 409, "not_pending")
    listed = ok(member.get(base))["items"]
    assert [row["status"] for row in listed] == ["approved"]

    second = ok(member.post(base, {**data, "new_target": "500"}), 201)
    rejected = ok(api("mkt_manager").post(f"{base}/{second['id']}/reject", {"comment": "维持"}))
    assert rejected["status"] == "rejected" and rejected["decision_comment"] == "维持"
    third = ok(member.post(base, {**data, "new_target": "500"}), 201)
    assert ok(member.post(f"{base}/{third['id']}/withdraw"))["status"] == "withdrawn"
    err(api("mkt_manager").post(f"{base}/{third['id']}/withdraw"), 403, "not_requester")
    assert ok(member.get(f"/measures/{measure.pk}"))["target"] == "550.00"

    direct = ok(
        api("admin").post(base, {"measure_id": measure.pk, "new_target": "520", "reason": "总部调整"}), 201
    )
    assert direct["status"] == "approved" and direct["applied_directly"] is True
    assert ok(member.get(f"/measures/{measure.pk}"))["target"] == "520.00"


def test_an_adjustment_of_another_goal_is_not_found(world, goal, make_goal, activate, api):
    other = activate(make_goal("另一个目标"))
    request = request_cut(world, goal)
    err(api("admin").post(f"/goals/{other.pk}/adjustments/{request.pk}/approve", {}), 404)


# --- pages ---------------------------------------------------------------------------------------


def test_the_request_through_the_pages(world, goal, director, django_capture_on_commit_callbacks):
    member, boss = client_for(world.member), client_for(director)
    measure = goal.measures.get()
    detail = reverse("goals:detail", args=[goal.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(
            reverse("goals:adjustment_add", args=[goal.pk]),
            {"measure": measure.pk, "new_target": "550", "reason": "竞品降价", "approved_by": director.pk},
        )
    assert response.status_code == 302
    request = TargetAdjustment.objects.get(goal=goal)
    assert request.status == PENDING and figures(goal)[0] == Decimal(700)

    page = member.get(detail).content.decode()
    assert f'id="adjustment-{request.pk}"' in page and 'data-status="pending"' in page
    assert 'data-testid="adjustment-decide"' not in page  # the requester cannot decide
    assert reverse("goals:adjustment_withdraw", args=[request.pk]) in page
    viewer_page = client_for(world.viewer).get(detail).content.decode()
    assert 'data-testid="adjustment-decide"' not in viewer_page

    # The director's inbox links to the request on the goal page, which offers the decision.
    inbox_page = boss.get(reverse("notifications:inbox")).content.decode()
    assert f"/goals/{goal.pk}/#adjustment-{request.pk}" in inbox_page
    page = boss.get(detail).content.decode()
    assert 'data-testid="adjustment-decide"' in page
    assert reverse("goals:adjustment_approve", args=[request.pk]) in page

    # A non-approver's POST is refused; a rejection without a reason changes nothing.
    assert client_for(world.sales_manager).post(
        reverse("goals:adjustment_approve", args=[request.pk])
    ).status_code in (403, 404)
    boss.post(reverse("goals:adjustment_reject", args=[request.pk]), {"comment": ""})
    assert TargetAdjustment.objects.get(pk=request.pk).status == PENDING

    boss.post(reverse("goals:adjustment_approve", args=[request.pk]), {"comment": "同意"})
    assert figures(goal)[:2] == (Decimal(550), Decimal(700))
    page = member.get(detail).content.decode()
    assert 'data-status="approved"' in page and "钱总" in page and "同意" in page
    assert 'data-testid="adjustment-decision"' in page


def test_a_withdrawal_and_an_admin_direct_change_through_the_pages(world, goal):
    member, admin = client_for(world.member), client_for(world.admin)
    measure = goal.measures.get()
    member.post(
        reverse("goals:adjustment_add", args=[goal.pk]),
        {"measure": measure.pk, "new_target": "550", "reason": "竞品降价"},
    )
    request = TargetAdjustment.objects.get(goal=goal)
    assert request.approved_by == world.mkt_manager  # the default: the nearest manager above
    member.post(reverse("goals:adjustment_withdraw", args=[request.pk]))
    assert TargetAdjustment.objects.get(pk=request.pk).status == WITHDRAWN
    admin.post(
        reverse("goals:adjustment_add", args=[goal.pk]),
        {"measure": measure.pk, "new_target": "600", "reason": "总部调整", "apply_directly": "on"},
    )
    direct = TargetAdjustment.objects.exclude(pk=request.pk).get()
    assert direct.applied_directly and direct.status == APPROVED and figures(goal)[0] == Decimal(600)
    # A member cannot tick "apply directly": the field is not theirs, the request stays a request.
    member.post(
        reverse("goals:adjustment_add", args=[goal.pk]),
        {"measure": measure.pk, "new_target": "550", "reason": "再议", "apply_directly": "on"},
    )
    assert TargetAdjustment.objects.filter(status=PENDING).count() == 1 and figures(goal)[0] == Decimal(600)


# --- consensus notifications and rounds ----------------------------------------------------------


def test_consensus_requests_objections_and_resolutions_notify(
    world, make_goal, django_capture_on_commit_callbacks
):
    goal = make_goal("新品A 销售额", owner=world.member)
    with django_capture_on_commit_callbacks(execute=True):
        record = consensus.consensus_start(
            actor=fresh(world.mkt_manager),
            goals=[goal],
            participants=[
                {"person": world.mkt_manager},
                {"person": world.member},
                {"person": world.sales_manager},
            ],
            minutes="共识纪要",
        )
    assert [n.verb for n in inbox(world.member)] == ["consensus"]
    assert [n.verb for n in inbox(world.sales_manager)] == ["consensus"]
    assert inbox(world.mkt_manager) == []  # the starter is not told of their own request
    assert inbox(world.member)[0].url == f"/goals/{goal.pk}/#consensus"

    with django_capture_on_commit_callbacks(execute=True):
        consensus.consensus_decide(
            actor=fresh(world.sales_manager), record=record, decision="objected", comment="渠道预算不够"
        )
    # The owner (a participant too), the department's manager and the other participant hear of it.
    assert [n.verb for n in inbox(world.member)] == ["consensus", "objection"]
    assert [n.verb for n in inbox(world.mkt_manager)] == ["objection"]
    assert "渠道预算不够" in inbox(world.mkt_manager)[0].title
    assert [n.verb for n in inbox(world.sales_manager)] == ["consensus"]

    with django_capture_on_commit_callbacks(execute=True):
        consensus.consensus_withdraw(actor=fresh(world.mkt_manager), record=record)
    assert [n.verb for n in inbox(world.sales_manager)] == ["consensus", "resolved"]
    assert [n.verb for n in inbox(world.member)] == ["consensus", "objection"]


def test_consensus_reached_over_an_optional_objection_tells_the_objector(
    world, make_goal, django_capture_on_commit_callbacks
):
    goal = make_goal()
    record = consensus.consensus_start(
        actor=fresh(world.mkt_manager),
        goals=[goal],
        participants=[{"person": world.mkt_manager}, {"person": world.sales_manager, "required": False}],
        minutes="",
    )
    consensus.consensus_decide(
        actor=fresh(world.sales_manager), record=record, decision="objected", comment="不同意"
    )
    with django_capture_on_commit_callbacks(execute=True):
        consensus.consensus_decide(actor=fresh(world.mkt_manager), record=record, decision="agreed")
    assert Goal.objects.get(pk=goal.pk).status == GoalStatus.ACTIVE
    assert Notification.objects.filter(recipient=world.sales_manager, verb="resolved").count() == 1


def _decomposed(world, make_goal):
    parent = make_goal("新品A 年度销售额")
    children = decomposition.goal_decompose(
        actor=fresh(world.mkt_manager),
        goal=parent,
        dimension="person",
        measure=None,
        mode="percent",
        parts=[
            {"label": "林晓", "share": "60", "owner": world.member},
            {"label": "赵敏", "share": "40", "owner": world.mkt_manager},
        ],
    )
    return parent, children


def test_a_decomposition_is_agreed_in_one_round_through_the_api(
    world, make_goal, api, django_capture_on_commit_callbacks
):
    parent, children = _decomposed(world, make_goal)
    with django_capture_on_commit_callbacks(execute=True):
        body = ok(api("mkt_manager").post(f"/goals/{parent.pk}/consensus", {"include_children": True}), 201)
    assert body["goal_ids"] == sorted([parent.pk] + [c.pk for c in children])
    assert {p["person_id"] for p in body["participants"]} == {world.mkt_manager.pk, world.member.pk}
    assert set(Goal.objects.filter(pk__in=body["goal_ids"]).values_list("status", flat=True)) == {"consensus"}
    assert Notification.objects.filter(recipient=world.member, verb="consensus").count() == 1
    for who in ("mkt_manager", "member"):
        ok(api(who).post(f"/consensus/{body['id']}/decisions", {"decision": "agreed"}))
    assert set(Goal.objects.filter(pk__in=body["goal_ids"]).values_list("status", flat=True)) == {"active"}
    # Nothing left to agree: 409.
    err(api("mkt_manager").post(f"/goals/{parent.pk}/consensus", {"include_children": True}), 409)


def test_a_decomposition_is_agreed_in_one_round_through_the_pages(world, make_goal):
    parent, children = _decomposed(world, make_goal)
    manager = client_for(world.mkt_manager)
    page = manager.get(reverse("goals:detail", args=[parent.pk])).content.decode()
    assert 'name="include_children"' in page
    manager.post(
        reverse("goals:consensus_start", args=[parent.pk]),
        {
            "participants": [world.mkt_manager.pk, world.member.pk],
            "minutes": "拆解共识",
            "include_children": "on",
        },
    )
    record = ConsensusRecord.objects.get()
    assert sorted(record.goals.values_list("pk", flat=True)) == sorted([parent.pk] + [c.pk for c in children])
    child_page = manager.get(reverse("goals:detail", args=[children[0].pk])).content.decode()
    assert 'data-testid="consensus-goals"' in child_page and parent.name in child_page


def test_a_managers_request_goes_up_not_to_someone_they_lead(world, make_goal, activate, director):
    Department.objects.filter(pk=world.content.pk).update(manager=world.content_member)
    goal = activate(make_goal("内容组 曝光量", department=Department.objects.get(pk=world.content.pk)))
    assert request_cut(world, goal, by=world.mkt_manager, new_target="450").approved_by == director
    other = activate(make_goal("内容组 互动量", department=Department.objects.get(pk=world.content.pk)))
    member_request = request_cut(world, other, by=world.mkt_manager, approver=world.content_member)
    assert member_request.approved_by == world.content_member  # named explicitly: still an approver
