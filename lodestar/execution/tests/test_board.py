"""Kanban and timeline pages: who may open and change them, moves and reschedules that persist
(or are refused clearly, with nothing changed), the Gantt's JSON, and query counts that do not
grow with the number of items.

Fixtures come from execution/tests/conftest.py: a default item belongs to 市场部, R = 陈静
(`responsible`), A = 李雷 (`accountable`), planned by `mkt_manager`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lodestar.execution import services
from lodestar.execution.models import ActionItem, ItemStatus, Phase
from lodestar.execution.tests.conftest import user_of
from lodestar.execution.tests.views_support import HX

QUERY_BOUND = 16


def board_url(org, **extra) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"department": org.mkt.pk, **extra}.items())
    return f"{reverse('execution:kanban')}?{query}"


def move(client, org, item, status, *, version=None, before=None, reason="", htmx=True):
    url = f"{reverse('execution:kanban_move', args=[item.pk])}?department={org.mkt.pk}"
    data = {"status": status, "version": item.version if version is None else version}
    if before is not None:
        data["before_id"] = before.pk
    if reason:
        data["override_reason"] = reason
    return client.post(url, data, headers=HX if htmx else None)


def reschedule(client, item, start, due, *, version=None):
    url = reverse("execution:timeline_reschedule", args=[item.pk])
    data = {"start": start, "due": due, "version": item.version if version is None else version}
    return client.post(url, data, headers=HX)


def column(status: str) -> list[str]:
    return list(
        ActionItem.objects.filter(status=status).order_by("position", "id").values_list("title", flat=True)
    )


# --- opening the pages ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["execution:kanban", "execution:timeline", "execution:timeline_data"])
def test_pages_open_for_a_member_and_show_the_plan(org, make_item, client_for, name):
    make_item("抖音短视频投放", start=dt.date(2026, 3, 2), due=dt.date(2026, 3, 20))
    response = client_for("member").get(f"{reverse(name)}?department={org.mkt.pk}")
    assert response.status_code == 200
    assert "抖音短视频投放" in response.content.decode("utf-8")


def test_anonymous_is_sent_to_login(org, make_item):
    from django.test import Client

    item = make_item()
    for url in (
        reverse("execution:kanban"),
        reverse("execution:timeline"),
        reverse("execution:timeline_data"),
    ):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = Client().post(reverse("execution:kanban_move", args=[item.pk]), {"status": "doing"})
    assert response.status_code == 302
    assert ActionItem.objects.get(pk=item.pk).status == ItemStatus.TODO


def test_kanban_columns_cards_and_counts(org, make_item, make_goal, client_for):
    goal = make_goal()
    make_item("KOL筛选", goal=goal, priority="P0", due=dt.date(2020, 1, 10), is_milestone=True)
    make_item("KOL签约", status=ItemStatus.DOING)
    cancelled = make_item("旧方案")
    services.item_move(actor=user_of(org.mkt_manager), item=cancelled, status="cancelled", version=None)
    response = client_for("responsible").get(board_url(org))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="count-todo">1<' in html and 'data-testid="count-doing">1<' in html
    assert 'data-testid="count-done">0<' in html
    assert "旧方案" not in html and 'data-testid="count-cancelled"' not in html  # hidden by default
    assert goal.name in html and "陈静" in html and "李雷" in html and "P0" in html and "◆" in html
    assert 'data-overdue="1"' in html  # due in 2020, still open
    assert reverse("execution:detail", args=[ActionItem.objects.get(title="KOL筛选").pk]) in html
    shown = client_for("responsible").get(board_url(org, show_cancelled=1)).content.decode()
    assert "旧方案" in shown and 'data-testid="count-cancelled">1<' in shown


def test_cards_the_user_cannot_move_are_not_draggable(org, make_item, client_for):
    item = make_item()
    mine = client_for("responsible").get(board_url(org)).content.decode()
    theirs = client_for("viewer").get(board_url(org)).content.decode()
    assert f'kanban-card movable" data-id="{item.pk}"' in mine
    assert f'kanban-card locked" data-id="{item.pk}"' in theirs
    member = client_for("member").get(board_url(org)).content.decode()  # may read, holds no letter
    assert f'kanban-card locked" data-id="{item.pk}"' in member


def test_another_department_does_not_see_the_items(org, make_item, client_for):
    item = make_item("市场部内部任务", start=dt.date(2026, 3, 1), due=dt.date(2026, 3, 5))
    client = client_for("sales_member")
    assert "市场部内部任务" not in client.get(board_url(org)).content.decode()
    data = client.get(f"{reverse('execution:timeline_data')}?department={org.mkt.pk}").json()
    assert data["items"] == []
    assert (
        "市场部内部任务"
        not in client.get(f"{reverse('execution:timeline')}?department={org.mkt.pk}").content.decode()
    )
    assert move(client, org, item, "doing").status_code == 404
    assert reschedule(client, item, "2026-03-02", "2026-03-06").status_code == 404
    item.refresh_from_db()
    assert (item.status, item.start) == (ItemStatus.TODO, dt.date(2026, 3, 1))


def test_unknown_phase_is_404(org, client_for):
    assert client_for("member").get(board_url(org, phase=999999)).status_code == 404


# --- moving cards --------------------------------------------------------------------------


def test_move_persists_status_and_answers_with_the_fresh_board(org, make_item, client_for):
    item = make_item("KOL跟踪")
    response = move(client_for("responsible"), org, item, "doing")
    assert response.status_code == 200
    assert response["X-Board-Action"] == "refresh"
    fresh = ActionItem.objects.get(pk=item.pk)
    assert fresh.status == ItemStatus.DOING and fresh.version == item.version + 1
    html = response.content.decode()
    assert 'id="board"' in html and 'data-testid="count-doing">1<' in html
    assert f'data-id="{item.pk}" data-version="{fresh.version}"' in html


def test_move_orders_cards_within_and_between_columns(org, make_item, client_for):
    a, b, c = make_item("A"), make_item("B"), make_item("C")
    client = client_for("responsible")
    assert column("todo") == ["A", "B", "C"]
    assert move(client, org, c, "todo", before=a).status_code == 200
    assert column("todo") == ["C", "A", "B"]
    assert move(client, org, b, "todo", before=a).status_code == 200
    assert column("todo") == ["C", "B", "A"]
    d = make_item("D", status=ItemStatus.DOING)
    a.refresh_from_db()
    assert move(client, org, a, "doing", before=d).status_code == 200
    assert column("doing") == ["A", "D"] and column("todo") == ["C", "B"]
    c.refresh_from_db()
    assert move(client, org, c, "doing").status_code == 200  # no before_id: to the end
    assert column("doing") == ["A", "D", "C"]


def test_move_above_a_card_of_a_sub_department(org, make_item, client_for):
    """The 市场部 board also shows 内容组's items; a card lands above any card on it."""
    top = make_item("内容组选题", department=org.content, actor=org.mkt_manager)
    mine = make_item("市场部投放")
    assert move(client_for("mkt_manager"), org, mine, "todo", before=top).status_code == 200
    assert column("todo") == ["市场部投放", "内容组选题"]


def test_viewer_and_reader_cannot_move(org, make_item, english):
    item = make_item()
    for role in ("viewer", "member"):
        response = move(english(role), org, item, "doing")
        assert response.status_code == 403
        assert response["X-Board-Action"] == "revert"
        assert "You may view this item but not change it." in response.content.decode()
    fresh = ActionItem.objects.get(pk=item.pk)
    assert (fresh.status, fresh.version, fresh.position) == (ItemStatus.TODO, item.version, item.position)


def test_stale_version_is_refused_and_the_board_refreshed(org, make_item, english):
    item = make_item("天猫直播")
    services.item_update(
        actor=user_of(org.accountable), item=item, version=item.version, title="天猫直播彩排"
    )
    response = move(english("responsible"), org, item, "doing", version=item.version)  # the old version
    assert response.status_code == 409
    assert response["X-Board-Action"] == "refresh"
    html = response.content.decode()
    assert "was changed by someone else" in html
    assert "天猫直播彩排" in html and 'id="board"' in html  # re-rendered with fresh data
    fresh = ActionItem.objects.get(pk=item.pk)
    assert fresh.status == ItemStatus.TODO and fresh.version == item.version + 1


def test_done_with_an_open_predecessor_needs_a_reason(org, make_item, english):
    first = make_item("KOL筛选")
    second = make_item("KOL签约", predecessors=[first])
    client = english("responsible")
    refused = move(client, org, second, "done")
    assert refused.status_code == 409
    assert refused["X-Board-Action"] == "override"
    html = refused.content.decode()
    assert "“KOL筛选” must be finished first" in html and 'name="override_reason"' in html
    assert ActionItem.objects.get(pk=second.pk).status == ItemStatus.TODO
    allowed = move(client, org, second, "done", reason="客户已口头确认")
    assert allowed.status_code == 200
    fresh = ActionItem.objects.get(pk=second.pk)
    assert fresh.status == ItemStatus.DONE and fresh.done_override_reason == "客户已口头确认"


def test_invalid_status_is_refused(org, make_item, english):
    item = make_item()
    response = move(english("responsible"), org, item, "finished")
    assert response.status_code == 422 and "Choose a valid status." in response.content.decode()


def test_move_without_javascript_redirects_back_with_a_message(org, make_item, english):
    item = make_item("周报")
    client = english("responsible")
    response = move(client, org, item, "doing", htmx=False)
    assert response.status_code == 302 and response["Location"].startswith(reverse("execution:kanban"))
    assert ActionItem.objects.get(pk=item.pk).status == ItemStatus.DOING
    refused = move(english("viewer"), org, item, "done", htmx=False)
    assert refused.status_code == 302
    page = english("viewer").get(refused["Location"])
    assert page.status_code == 200


# --- timeline ------------------------------------------------------------------------------


def test_timeline_data_shape(org, make_item, client_for):
    warmup = Phase.objects.create(
        department=org.mkt, name="预热期", sort_order=0, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 10)
    )
    burst = Phase.objects.create(department=org.mkt, name="爆发期", sort_order=1)
    a = make_item("KOL筛选", phase=warmup, start=dt.date(2026, 3, 1), due=dt.date(2026, 3, 5))
    b = make_item("KOL签约", phase=burst, due=dt.date(2026, 3, 12), is_milestone=True, predecessors=[a])
    c = make_item("复盘", start=dt.date(2026, 3, 20), due=dt.date(2026, 3, 21))
    data = (
        client_for("accountable").get(f"{reverse('execution:timeline_data')}?department={org.mkt.pk}").json()
    )
    assert set(data) >= {"items", "dependencies", "phases", "today"}
    assert data["today"] == dt.date.today().isoformat() or len(data["today"]) == 10
    by_id = {row["id"]: row for row in data["items"]}
    assert set(by_id) == {a.pk, b.pk, c.pk}
    row = by_id[a.pk]
    for key in (
        "id",
        "title",
        "start",
        "due",
        "phase",
        "status",
        "is_milestone",
        "can_edit",
        "version",
        "responsible",
    ):
        assert key in row
    assert row == {
        **row,
        "title": "KOL筛选",
        "start": "2026-03-01",
        "due": "2026-03-05",
        "phase": warmup.pk,
        "status": "todo",
        "is_milestone": False,
        "can_edit": True,
        "version": a.version,
        "responsible": ["陈静"],
    }
    assert by_id[b.pk]["is_milestone"] is True and by_id[b.pk]["start"] is None
    assert by_id[c.pk]["phase"] is None
    assert data["dependencies"] == [{"from": a.pk, "to": b.pk, "cross": False}]
    assert [p["id"] for p in data["phases"]] == [warmup.pk, burst.pk, None]  # "no phase" last
    assert data["phases"][0] == {
        "id": warmup.pk,
        "name": "预热期",
        "start": "2026-03-01",
        "end": "2026-03-10",
    }
    # The R may move the card but not re-plan the dates.
    data = (
        client_for("responsible").get(f"{reverse('execution:timeline_data')}?department={org.mkt.pk}").json()
    )
    assert {row["can_edit"] for row in data["items"]} == {False}


def test_timeline_page_groups_by_phase_with_date_forms_for_planners(org, make_item, client_for):
    phase = Phase.objects.create(department=org.mkt, name="返场期", sort_order=2)
    item = make_item("返场直播", phase=phase, start=dt.date(2026, 4, 1), due=dt.date(2026, 4, 3))
    reschedule_url = reverse("execution:timeline_reschedule", args=[item.pk])
    planner = client_for("accountable").get(
        f"{reverse('execution:timeline')}?department={org.mkt.pk}&zoom=week"
    )
    html = planner.content.decode()
    assert planner.status_code == 200 and "返场期" in html and reschedule_url in html
    assert 'data-zoom="week"' in html and "echarts.min.js" in html
    reader = (
        client_for("responsible")
        .get(f"{reverse('execution:timeline')}?department={org.mkt.pk}")
        .content.decode()
    )
    assert "返场直播" in reader and reschedule_url not in reader


def test_reschedule_saves_the_dates(org, make_item, client_for):
    item = make_item(start=dt.date(2026, 3, 1), due=dt.date(2026, 3, 5))
    response = reschedule(client_for("accountable"), item, "2026-03-03", "2026-03-09")
    assert response.status_code == 200
    assert "timeline-changed" in response["HX-Trigger"]
    fresh = ActionItem.objects.get(pk=item.pk)
    assert (fresh.start, fresh.due, fresh.version) == (
        dt.date(2026, 3, 3),
        dt.date(2026, 3, 9),
        item.version + 1,
    )
    assert f'id="tl-row-{item.pk}"' in response.content.decode()


def test_reschedule_refuses_due_before_start(org, make_item, english):
    item = make_item(start=dt.date(2026, 3, 1), due=dt.date(2026, 3, 5))
    response = reschedule(english("mkt_manager"), item, "2026-03-10", "2026-03-02")
    assert response.status_code == 422
    assert "The due date is before the start date." in response.content.decode()
    assert "HX-Trigger" not in response
    fresh = ActionItem.objects.get(pk=item.pk)
    assert (fresh.start, fresh.due, fresh.version) == (dt.date(2026, 3, 1), dt.date(2026, 3, 5), item.version)


def test_reschedule_refuses_a_stale_version_and_bad_dates(org, make_item, english):
    item = make_item(start=dt.date(2026, 3, 1), due=dt.date(2026, 3, 5))
    services.item_reschedule(
        actor=user_of(org.admin),
        item=item,
        start=dt.date(2026, 3, 2),
        due=dt.date(2026, 3, 6),
        version=item.version,
    )
    response = reschedule(english("accountable"), item, "2026-03-10", "2026-03-12", version=item.version)
    assert response.status_code == 409 and "changed by someone else" in response.content.decode()
    assert 'value="2026-03-02"' in response.content.decode()  # the row shows the fresh dates
    garbled = reschedule(english("accountable"), item, "3/10/2026", "2026-03-12", version=item.version + 1)
    assert garbled.status_code == 422 and "YYYY-MM-DD" in garbled.content.decode()
    assert ActionItem.objects.get(pk=item.pk).start == dt.date(2026, 3, 2)


def test_only_planners_reschedule(org, make_item, english):
    item = make_item(start=dt.date(2026, 3, 1), due=dt.date(2026, 3, 5))
    for role in ("responsible", "member", "viewer"):
        response = reschedule(english(role), item, "2026-03-02", "2026-03-06")
        assert response.status_code == 403, role
    assert ActionItem.objects.get(pk=item.pk).start == dt.date(2026, 3, 1)
    assert reschedule(english("mkt_manager"), item, "2026-03-02", "2026-03-06").status_code == 200
    assert reschedule(english("admin"), ActionItem.objects.get(pk=item.pk), "", "").status_code == 200
    fresh = ActionItem.objects.get(pk=item.pk)
    assert (fresh.start, fresh.due) == (None, None)


# --- query counts --------------------------------------------------------------------------


def _plan(org, make_item, make_goal, count: int) -> None:
    """`count` items with mixed RACI (people and departments), goals, phases and dependencies."""
    goal = make_goal(f"目标 {count}")
    phase = Phase.objects.create(department=org.mkt, name=f"阶段 {count}")
    previous = None
    for index in range(count):
        item = make_item(
            f"任务 {index}",
            goal=goal if index % 2 else None,
            phase=phase if index % 3 else None,
            start=dt.date(2026, 3, 1) + dt.timedelta(days=index),
            due=dt.date(2026, 3, 4) + dt.timedelta(days=index),
            responsible=[org.responsible, org.member] if index % 2 else [org.responsible],
            consulted=[org.content] if index % 4 == 0 else (),
            informed=[org.viewer],
            predecessors=[previous] if previous is not None and index % 5 else (),
            is_milestone=index % 7 == 0,
            status=ItemStatus.DOING if index % 2 else ItemStatus.TODO,
        )
        previous = item


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_name", ["execution:kanban", "execution:timeline", "execution:timeline_data"])
def test_query_count_does_not_grow_with_the_items(
    org, make_item, make_goal, client_for, django_assert_max_num_queries, url_name
):
    url = f"{reverse(url_name)}?department={org.mkt.pk}"
    client = client_for("member")
    _plan(org, make_item, make_goal, 3)
    client.get(url)  # warm the session
    with django_assert_max_num_queries(QUERY_BOUND):
        few = _count(client, url)
    _plan(org, make_item, make_goal, 37)
    assert ActionItem.objects.count() == 40
    with django_assert_max_num_queries(QUERY_BOUND):
        many = _count(client, url)
    assert many == few, (few, many)


def test_done_column_shows_recent_work_and_links_to_the_rest(org, make_item, client_for):
    recent, old = make_item("本周完成"), make_item("三月完成")
    now = timezone.now()
    for item, days in ((recent, 3), (old, 90)):
        services.item_move(actor=user_of(org.mkt_manager), item=item, status="done", version=None)
        ActionItem.objects.filter(pk=item.pk).update(status_changed_at=now - dt.timedelta(days=days))
    html = client_for("responsible").get(board_url(org)).content.decode()
    assert "本周完成" in html and "三月完成" not in html
    assert 'data-testid="count-done">1<' in html
    assert 'data-testid="earlier-done"' in html and "done=all" in html
    everything = client_for("responsible").get(board_url(org, done="all")).content.decode()
    assert "本周完成" in everything and "三月完成" in everything
    assert 'data-testid="count-done">2<' in everything and 'data-testid="earlier-done"' not in everything
    assert 'name="done" value="all"' in everything  # the filter form keeps the choice
