import datetime as dt

import pytest
from django.urls import reverse

from lodestar.retrospectives import services
from lodestar.retrospectives.models import Retrospective


@pytest.fixture
def retro(rw):
    retro = services.retrospective_open(actor=rw.org.user("mkt_manager"), goal=rw.goal, period=rw.q3)
    services.why_add(
        actor=rw.org.user("member"), retrospective=retro, question="为什么转化率低？", answer="话术无差异化"
    )
    services.action_add(
        actor=rw.org.user("member"),
        retrospective=retro,
        title="按客户分层设计话术",
        owner=rw.org.member,
        due=dt.date(2024, 10, 31),
    )
    return retro


@pytest.mark.parametrize(
    ("role", "status", "edits"),
    [
        ("admin", 200, True),
        ("mkt_manager", 200, True),
        ("member", 200, True),  # the goal's owner
        ("hr", 200, False),
        ("viewer", 200, False),
        ("sales_manager", 404, False),  # the goal is private to 市场部
    ],
)
def test_detail_per_role(retro, client_as, role, status, edits):
    response = client_as(role).get(reverse("retrospectives:detail", args=[retro.pk]))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "96.00%" in page and "106.67%" in page
        assert "话术无差异化" in page
        assert ('data-testid="table-form"' in page) is edits
        assert ('data-testid="complete"' in page) is edits
        assert 'data-testid="sign-off"' not in page


def test_list_filters_and_figures(retro, client_as, rw):
    client = client_as("mkt_manager")
    page = client.get(reverse("retrospectives:list")).content.decode()
    assert retro.title in page and "106.67%" in page
    assert (
        retro.title
        not in client.get(reverse("retrospectives:list"), {"status": "completed"}).content.decode()
    )
    assert (
        retro.title
        in client.get(reverse("retrospectives:list"), {"period": rw.q3.pk, "mine": ""}).content.decode()
    )
    assert retro.title not in client.get(reverse("retrospectives:list"), {"mine": "1"}).content.decode()
    assert (
        retro.title in client_as("member").get(reverse("retrospectives:list"), {"mine": "1"}).content.decode()
    )
    assert client.get(reverse("retrospectives:list"), {"period": "x", "status": "nope"}).status_code == 200


def test_write_complete_and_sign_off_through_the_pages(retro, client_as):
    member = client_as("member")
    response = member.post(
        reverse("retrospectives:edit", args=[retro.pk]),
        {
            "version": retro.version,
            "title": retro.title,
            "highlights": "抖音短视频+直播组合转化率提升30%",
            "problems": "",
            "root_cause": "",
            "owner": retro.owner_id,
            "due": "2024-10-15",
        },
    )
    assert response.status_code == 302
    detail = reverse("retrospectives:detail", args=[retro.pk])
    assert member.post(reverse("retrospectives:complete", args=[retro.pk])).status_code == 302
    retro.refresh_from_db()
    assert retro.status == "completed"
    page = client_as("mkt_manager").get(detail).content.decode()
    assert 'data-testid="sign-off"' in page
    # A completed retrospective's lesson becomes a case: the form opens pre-filled from it.
    assert f'href="{reverse("knowledge:case_create")}?retrospective={retro.pk}"' in page
    assert 'data-testid="write-case"' not in client_as("viewer").get(detail).content.decode()
    assert client_as("member").post(reverse("retrospectives:sign_off", args=[retro.pk])).status_code == 302
    retro.refresh_from_db()
    assert retro.signed_off_at is None
    client_as("mkt_manager").post(reverse("retrospectives:sign_off", args=[retro.pk]))
    retro.refresh_from_db()
    assert retro.signed_off_at is not None


def test_a_stale_version_shows_a_form_error(retro, client_as):
    response = client_as("member").post(
        reverse("retrospectives:edit", args=[retro.pk]),
        {"version": retro.version + 5, "title": "x", "owner": retro.owner_id, "due": "2024-10-15"},
    )
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode() or "他人" in response.content.decode()


def test_promote_asks_to_create_the_missing_next_period(rw, client_as):
    from lodestar.core.models import Period
    from lodestar.testing.factories import GoalFactory

    q4 = Period.objects.get(kind="quarter", key="FY2024-Q4")
    goal = GoalFactory(department=rw.org.mkt, period=q4, owner=rw.org.member)
    retro = services.retrospective_open(actor=rw.org.user("admin"), goal=goal, period=q4)
    action = services.action_add(
        actor=rw.org.user("admin"),
        retrospective=retro,
        title="增加内容合规自查",
        owner=rw.org.member,
        due=dt.date(2025, 1, 10),
    )
    url = reverse("retrospectives:action_promote", args=[retro.pk, action.pk])
    page = client_as("mkt_manager").post(url, {"promote_as": "item"}).content.decode()
    assert 'data-testid="confirm-next-period"' in page and 'data-testid="confirm-create"' not in page
    page = client_as("admin").post(url, {"promote_as": "item"}).content.decode()
    assert 'data-testid="confirm-create"' in page and "FY2025" in page
    response = client_as("admin").post(url, {"promote_as": "item", "create_next_period": "1"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.item is not None and action.item.start == dt.date(2025, 1, 1)
    page = client_as("admin").get(reverse("retrospectives:detail", args=[retro.pk])).content.decode()
    assert 'data-testid="linked-progress"' in page


def test_open_from_the_goal_page(rw, client_as):
    goal_page = client_as("member").get(reverse("goals:detail", args=[rw.goal.pk])).content.decode()
    assert reverse("retrospectives:open_for_goal", args=[rw.goal.pk]) in goal_page
    viewer_page = client_as("viewer").get(reverse("goals:detail", args=[rw.goal.pk])).content.decode()
    assert reverse("retrospectives:open_for_goal", args=[rw.goal.pk]) not in viewer_page
    response = client_as("member").post(
        reverse("retrospectives:open_for_goal", args=[rw.goal.pk]), {"period": rw.q3.pk, "cadence": "quarter"}
    )
    assert response.status_code == 302
    assert Retrospective.objects.filter(goal=rw.goal).count() == 1
    assert (
        client_as("viewer").get(reverse("retrospectives:open_for_goal", args=[rw.goal.pk])).status_code == 403
    )


def test_query_budget(retro, client_as, django_assert_max_num_queries):
    client = client_as("mkt_manager")
    with django_assert_max_num_queries(25):
        assert client.get(reverse("retrospectives:list")).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(reverse("retrospectives:detail", args=[retro.pk])).status_code == 200


def test_a_promoted_action_is_followed_up_and_marked_done(retro, client_as):
    action = retro.actions.get()
    client = client_as("mkt_manager")
    client.post(reverse("retrospectives:action_promote", args=[retro.pk, action.pk]), {"promote_as": "item"})
    action.refresh_from_db()
    assert action.item is not None
    page = client.get(reverse("retrospectives:detail", args=[retro.pk])).content.decode()
    assert 'data-testid="action-done"' in page and action.item.title in page
    assert (
        'data-testid="action-done"'
        not in client_as("viewer").get(reverse("retrospectives:detail", args=[retro.pk])).content.decode()
    )
    client.post(reverse("retrospectives:action_done", args=[retro.pk, action.pk]))
    action.refresh_from_db()
    assert action.status == "done"


def test_a_promoted_item_and_goal_link_back_to_their_retrospective(retro, client_as):
    from lodestar.testing.factories import ImprovementActionFactory

    client = client_as("mkt_manager")
    item_action = retro.actions.get()
    goal_action = ImprovementActionFactory(retrospective=retro, title="Q4 话术分层覆盖率", owner=retro.owner)
    client.post(
        reverse("retrospectives:action_promote", args=[retro.pk, item_action.pk]), {"promote_as": "item"}
    )
    client.post(
        reverse("retrospectives:action_promote", args=[retro.pk, goal_action.pk]), {"promote_as": "goal"}
    )
    item_action.refresh_from_db()
    goal_action.refresh_from_db()
    back = reverse("retrospectives:detail", args=[retro.pk])
    for url in (
        reverse("execution:detail", args=[item_action.item_id]),
        reverse("goals:detail", args=[goal_action.goal_id]),
    ):
        page = client.get(url).content.decode()
        assert 'data-testid="from-retrospective"' in page and f'href="{back}"' in page and retro.title in page


def test_open_a_department_retrospective(rw, client_as):
    assert (
        'data-testid="open-department"'
        in client_as("mkt_manager").get(reverse("retrospectives:list")).content.decode()
    )
    assert (
        'data-testid="open-department"'
        not in client_as("member").get(reverse("retrospectives:list")).content.decode()
    )
    assert client_as("member").get(reverse("retrospectives:open_for_department")).status_code == 403
    response = client_as("mkt_manager").post(
        reverse("retrospectives:open_for_department"),
        {"department": rw.org.mkt.pk, "period": rw.q3.pk, "cadence": "quarter"},
    )
    assert response.status_code == 302
    retro = Retrospective.objects.get(scope="department")
    assert retro.owner == rw.org.mkt_manager and retro.figures["rows"][0]["measure"] == "销售额"
    page = client_as("mkt_manager").get(reverse("retrospectives:detail", args=[retro.pk])).content.decode()
    assert "106.67%" in page  # the goal's row
    # Another department's manager cannot pick 市场部.
    refused = client_as("sales_manager").post(
        reverse("retrospectives:open_for_department"),
        {"department": rw.org.mkt.pk, "period": rw.q3.pk, "cadence": "month"},
    )
    assert refused.status_code == 200 and not Retrospective.objects.filter(cadence="month").exists()


@pytest.mark.parametrize(
    ("role", "shown"), [("admin", True), ("mkt_manager", True), ("member", True), ("viewer", False)]
)
def test_write_a_case_button_for_those_who_may_create_cases(retro, client_as, role, shown):
    page = client_as(role).get(reverse("retrospectives:detail", args=[retro.pk])).content.decode()
    link = f"{reverse('knowledge:case_create')}?retrospective={retro.pk}"
    assert (link in page) is shown
    assert ("写成案例" in page) is shown


def test_no_sign_off_button_for_the_owner_of_a_department_review(rw, client_as):
    manager = rw.org.user("mkt_manager")
    retro = services.retrospective_open(actor=manager, department=rw.org.mkt, period=rw.q3)
    services.retrospective_update(actor=manager, retrospective=retro, version=retro.version, highlights="h")
    services.why_add(actor=manager, retrospective=retro, question="q", answer="a")
    services.retrospective_complete(actor=manager, retrospective=retro)
    url = reverse("retrospectives:detail", args=[retro.pk])
    assert 'data-testid="sign-off"' not in client_as("mkt_manager").get(url).content.decode()
    assert 'data-testid="sign-off"' in client_as("admin").get(url).content.decode()


def test_list_puts_open_reviews_before_completed_ones(retro, rw, client_as):
    done = services.retrospective_open(actor=rw.org.user("mkt_manager"), department=rw.org.mkt, period=rw.q3)
    Retrospective.objects.filter(pk=done.pk).update(status="completed", due=dt.date(2024, 1, 1))
    page = client_as("admin").get(reverse("retrospectives:list")).content.decode()
    assert page.index(retro.title) < page.index(done.title)


def test_an_upload_says_it_was_attached(retro, client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_as("member").post(
        reverse("retrospectives:attachment", args=[retro.pk]),
        {"file": SimpleUploadedFile("复盘.pdf", b"%PDF-1.4", content_type="application/pdf")},
        follow=True,
    )
    page = response.content.decode()
    assert "附件已上传。" in page and "复盘.pdf" in page


def test_a_promoted_item_is_linked_only_for_readers_who_may_open_it(retro, rw, client_as):
    """The item lands in the retrospective's department: a reader who sees the retrospective (here
    销售部's manager, through the goal made public) but not the item gets its title, no dead link."""
    from lodestar.execution.access import visible_items
    from lodestar.goals.models import Goal
    from lodestar.retrospectives.models import ImprovementAction

    Goal.objects.filter(pk=rw.goal.pk).update(visibility="public")
    action = ImprovementAction.objects.get(retrospective=retro)
    action = services.action_promote(actor=rw.org.user("mkt_manager"), action=action, promote_as="item")
    url = reverse("retrospectives:detail", args=[retro.pk])
    item_url = reverse("execution:detail", args=[action.item_id])
    assert item_url in client_as("mkt_manager").get(url).content.decode()
    seen = {}
    for role in ("viewer", "hr", "member", "sales_manager"):
        page = client_as(role).get(url).content.decode()
        seen[role] = visible_items(rw.org.user(role)).filter(pk=action.item_id).exists()
        assert "按客户分层设计话术" in page
        assert (item_url in page) is seen[role]
    assert not all(seen.values())  # someone reads the retrospective without seeing the item


def test_an_item_the_reader_may_not_open_shows_without_its_title(retro, client_as):
    """The frozen figures list the items of the goal's whole subtree; one of another team the reader may
    not open is counted, not named."""
    figures = dict(retro.figures)
    figures["items"] = {
        "done": [{"id": 987654, "title": "秘密渠道谈判", "status": "done", "due": "2024-09-01"}],
        "late": [],
        "dropped": [],
        "open": [],
    }
    Retrospective.objects.filter(pk=retro.pk).update(figures=figures)
    page = client_as("member").get(reverse("retrospectives:detail", args=[retro.pk])).content.decode()
    assert "秘密渠道谈判" not in page
    assert "其他团队的任务" in page


def test_a_manager_opens_the_retrospective_of_a_campaign_phase(rw, client_as):
    """预热期 / 爆发期 / 返场期: one phase of a campaign is reviewed on its own, from the pages too."""
    from lodestar.execution.models import Phase

    phase = Phase.objects.create(department=rw.org.mkt, goal=rw.goal, name="爆发期")
    other = Phase.objects.create(department=rw.org.sales, name="返场期")
    url = reverse("retrospectives:open_for_department")
    page = client_as("mkt_manager").get(url).content.decode()
    assert "· 爆发期" in page and "· 返场期" not in page  # only phases of departments they manage
    response = client_as("mkt_manager").post(
        url, {"department": rw.org.mkt.pk, "phase": phase.pk, "period": rw.q3.pk, "cadence": "quarter"}
    )
    retro = Retrospective.objects.get(phase=phase)
    assert response.status_code == 302 and response["Location"] == reverse(
        "retrospectives:detail", args=[retro.pk]
    )
    assert retro.scope == "phase" and retro.department == rw.org.mkt and "爆发期" in retro.title
    refused = client_as("mkt_manager").post(
        url, {"department": rw.org.mkt.pk, "phase": other.pk, "period": rw.q3.pk, "cadence": "quarter"}
    )
    assert refused.status_code == 200 and not Retrospective.objects.filter(phase=other).exists()
