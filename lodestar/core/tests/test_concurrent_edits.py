# ruff: noqa: F811  (the goal and tracking fixtures are imported and used by name)
"""Two editors of one record: both load it, A saves, B saves what they loaded. B is refused
(409 `version_conflict` in the API, "changed by someone else" on the page) and A's change survives.

One test per versioned record type and surface. GoalTemplate, Phase and RecurringItem carry a
version but have no update path (created, applied or generated only), so there is nothing to race.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from lodestar.alerts import rules as alert_rules
from lodestar.alerts.models import AlertRule
from lodestar.core.errors import ConflictError
from lodestar.core.models import CompanySettings, Period
from lodestar.core.testing import (
    CONFLICT_TEXT,
    ApiClient,
    assert_conflict_form_error,
    assert_version_conflict,
    form_post_data,
    page_client,
    stale_api_edit,
    stale_form_edit,
)
from lodestar.execution import services as execution_services
from lodestar.execution.models import ActionItem
from lodestar.goals.models import Goal, Measure
from lodestar.goals.tests.conftest import activate, fresh, make_goal, world  # noqa: F401 (fixtures)
from lodestar.notifications import delivery
from lodestar.notifications.models import WebhookEndpoint
from lodestar.org import periods_services
from lodestar.org.models import Department, Person
from lodestar.tracking.models import CheckIn
from lodestar.tracking.selectors import week_of
from lodestar.tracking.services import checkin_submit
from lodestar.tracking.tests.support import WEEK1, tree  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def goal(world, make_goal) -> Goal:
    return make_goal("新品A Q3销售额500万元")


@pytest.fixture
def item(world) -> ActionItem:
    return execution_services.item_create(
        actor=fresh(world.mkt_manager),
        title="小红书种草笔记发布",
        department=world.mkt,
        responsible=[world.member],
        accountable=world.mkt_manager,
    )


@pytest.fixture
def rule(world) -> AlertRule:
    return alert_rules.rule_create(
        actor=fresh(world.admin),
        name="达成率低于80%",
        scope="company",
        condition="achievement_below",
        threshold=Decimal("0.8"),
        recipients=["owner"],
    )


@pytest.fixture
def endpoint(world) -> WebhookEndpoint:
    return delivery.endpoint_create(
        actor=fresh(world.admin), name="市场部飞书群", kind="feishu", url="https://open.feishu.cn/hook/1"
    )


# --- API --------------------------------------------------------------------------------------


def test_goal_api(world, goal):
    first, second = ApiClient(world.mkt_manager), ApiClient(world.admin)
    path = f"/goals/{goal.pk}"
    assert_version_conflict(stale_api_edit(first, second, path, {"name": "甲的名称"}, {"name": "乙的名称"}))
    assert Goal.objects.get(pk=goal.pk).name == "甲的名称"


def test_sibling_weights_api(world, make_goal):
    """The weights of a set of siblings are saved together: one goal changed since it was read
    refuses the whole set."""
    parent = make_goal("新品A 2026", kind="objective", measures=[])
    children = [
        make_goal(name, parent=parent, kind="key_result", weight=Decimal(50)) for name in ("小红书", "抖音")
    ]
    first, second = ApiClient(world.mkt_manager), ApiClient(world.admin)
    read = {g.pk: first.get(f"/goals/{g.pk}").json()["version"] for g in children}

    def body(weights):
        return {
            "weights": [
                {"goal_id": g.pk, "weight": w, "version": read[g.pk]}
                for g, w in zip(children, weights, strict=True)
            ]
        }

    assert first.put("/goals/weights", body(["70", "30"])).status_code == 200
    assert_version_conflict(second.put("/goals/weights", body(["40", "60"])))
    assert [Goal.objects.get(pk=g.pk).weight for g in children] == [Decimal(70), Decimal(30)]


def test_measure_api(world, goal):
    measure = goal.measures.get()
    first, second = ApiClient(world.mkt_manager), ApiClient(world.admin)
    path = f"/measures/{measure.pk}"
    assert_version_conflict(stale_api_edit(first, second, path, {"target": "600"}, {"target": "700"}))
    assert Measure.objects.get(pk=measure.pk).target == Decimal(600)


def test_department_api(world):
    first, second = ApiClient(world.admin), ApiClient(world.admin)
    path = f"/departments/{world.content.pk}"
    assert_version_conflict(stale_api_edit(first, second, path, {"name": "内容中心"}, {"name": "内容部"}))
    assert Department.objects.get(pk=world.content.pk).name == "内容中心"


def test_person_api(world):
    first, second = ApiClient(world.admin), ApiClient(world.mkt_manager)
    path = f"/people/{world.member.pk}"
    assert_version_conflict(stale_api_edit(first, second, path, {"title": "内容主管"}, {"title": "实习生"}))
    assert Person.objects.get(pk=world.member.pk).title == "内容主管"


def test_period_api(world):
    first, second = ApiClient(world.admin), ApiClient(world.admin)
    path = f"/periods/{world.q1.pk}"
    assert_version_conflict(stale_api_edit(first, second, path, {"name": "春季"}, {"name": "第一季"}))
    assert Period.objects.get(pk=world.q1.pk).name == "春季"


def test_checkin_api(world, tree):
    owner = ApiClient(world.mkt_manager)
    created = owner.post(
        "/check-ins",
        {"measure_id": tree.m1.pk, "period_start": WEEK1[0], "period_end": WEEK1[1], "actual": "5"},
    )
    assert created.status_code == 201, created.content
    path = f"/check-ins/{created.json()['id']}"
    response = stale_api_edit(owner, ApiClient(world.admin), path, {"actual": "7"}, {"actual": "9"})
    assert_version_conflict(response)
    assert CheckIn.objects.get().actual == Decimal(7)
    tree.reload()
    assert tree.m1.current == Decimal(7)  # the roll-up follows A's figure, not B's


def test_checkin_api_correcting_a_period_with_a_stale_version(world, tree):
    """POSTing a period that already has a check-in corrects it: with a stale version, 409."""
    owner, manager = ApiClient(world.mkt_manager), ApiClient(world.admin)
    body = {"measure_id": tree.m1.pk, "period_start": WEEK1[0], "period_end": WEEK1[1]}
    assert owner.post("/check-ins", {**body, "actual": "5"}).status_code == 201
    assert owner.post("/check-ins", {**body, "actual": "6", "version": 1}).status_code == 201
    assert_version_conflict(manager.post("/check-ins", {**body, "actual": "9", "version": 1}))
    assert CheckIn.objects.get().actual == Decimal(6)


def test_item_api(world, item):
    first, second = ApiClient(world.mkt_manager), ApiClient(world.admin)
    path = f"/items/{item.pk}"
    assert_version_conflict(stale_api_edit(first, second, path, {"title": "甲的标题"}, {"title": "乙的标题"}))
    assert ActionItem.objects.get(pk=item.pk).title == "甲的标题"


def test_item_raci_api(world, item):
    first, second = ApiClient(world.mkt_manager), ApiClient(world.admin)
    path = f"/items/{item.pk}"
    version = first.get(path).json()["version"]
    raci = {"accountable_id": world.mkt_manager.pk}
    saved = first.send(
        "put", f"{path}/raci", {**raci, "responsible_ids": [world.content_member.pk], "version": version}
    )
    assert saved.status_code == 200, saved.content
    stale = second.send(
        "put", f"{path}/raci", {**raci, "responsible_ids": [world.viewer.pk], "version": version}
    )
    assert_version_conflict(stale)
    assert list(item.raci.filter(role="R").values_list("person_id", flat=True)) == [world.content_member.pk]


def test_alert_rule_api(world, rule):
    first, second = ApiClient(world.admin), ApiClient(world.admin)
    path = f"/alert-rules/{rule.pk}"
    assert first.get(path).json()["version"] == 1
    response = stale_api_edit(first, second, path, {"threshold": "0.7"}, {"threshold": "0.9"})
    assert_version_conflict(response)
    saved = AlertRule.objects.get(pk=rule.pk)
    assert (saved.threshold, saved.version) == (Decimal("0.7"), 2)


def test_alert_rule_api_without_version_still_saves(world, rule):
    """`version` is optional on this PATCH (older integrations): it then overwrites, as before."""
    response = ApiClient(world.admin).patch(f"/alert-rules/{rule.pk}", {"name": "改名"})
    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_webhook_endpoints_show_their_version(world, endpoint):
    body = ApiClient(world.admin).get("/webhook-endpoints").json()
    assert [e["version"] for e in body["items"]] == [1]


# --- pages ------------------------------------------------------------------------------------


def test_goal_page(world, goal):
    url = reverse("goals:edit", args=[goal.pk])
    first, second = page_client(world.mkt_manager), page_client(world.admin)
    assert_conflict_form_error(
        stale_form_edit(first, second, url, {"name": "甲的名称"}, {"name": "乙的名称"})
    )
    assert Goal.objects.get(pk=goal.pk).name == "甲的名称"


def test_measure_page(world, goal):
    measure = goal.measures.get()
    url = reverse("goals:measure_edit", args=[measure.pk])
    first, second = page_client(world.mkt_manager), page_client(world.admin)
    assert_conflict_form_error(stale_form_edit(first, second, url, {"target": "600"}, {"target": "700"}))
    assert Measure.objects.get(pk=measure.pk).target == Decimal(600)


def test_department_page(world):
    url = reverse("org:department_edit", args=[world.content.pk])
    first, second = page_client(world.admin), page_client(world.admin)
    assert_conflict_form_error(stale_form_edit(first, second, url, {"name": "内容中心"}, {"name": "内容部"}))
    assert Department.objects.get(pk=world.content.pk).name == "内容中心"


def test_person_page(world):
    url = reverse("org:person_edit", args=[world.member.pk])
    first, second = page_client(world.admin), page_client(world.admin)
    assert_conflict_form_error(
        stale_form_edit(first, second, url, {"title": "内容主管"}, {"title": "实习生"})
    )
    assert Person.objects.get(pk=world.member.pk).title == "内容主管"


def test_item_page(world, item):
    url = reverse("execution:edit", args=[item.pk])
    first, second = page_client(world.mkt_manager), page_client(world.admin)
    assert_conflict_form_error(
        stale_form_edit(first, second, url, {"title": "甲的标题"}, {"title": "乙的标题"})
    )
    assert ActionItem.objects.get(pk=item.pk).title == "甲的标题"


def test_company_settings_page(world):
    url = reverse("periods:settings")
    first, second = page_client(world.admin), page_client(world.admin)
    response = stale_form_edit(first, second, url, {"company_name": "星辰"}, {"company_name": "北辰"})
    assert_conflict_form_error(response)
    assert (CompanySettings.load().company_name, CompanySettings.load().version) == ("星辰", 2)


def test_alert_rule_page(world, rule):
    url = reverse("alerts:rule_edit", args=[rule.pk])
    first, second = page_client(world.admin), page_client(world.admin)
    assert_conflict_form_error(
        stale_form_edit(first, second, url, {"threshold": "0.7"}, {"threshold": "0.9"})
    )
    assert AlertRule.objects.get(pk=rule.pk).threshold == Decimal("0.7")


def test_webhook_page(world, endpoint):
    url = reverse("notifications:webhook_edit", args=[endpoint.pk])
    first, second = page_client(world.admin), page_client(world.admin)
    assert_conflict_form_error(stale_form_edit(first, second, url, {"name": "甲群"}, {"name": "乙群"}))
    saved = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert (saved.name, saved.version) == ("甲群", 2)


def _row(prefix: str, week, loaded: dict, **values) -> dict:
    return {**loaded, **{f"{prefix}-{k}": str(v) for k, v in values.items()}}


@pytest.mark.parametrize("existing", [True, False], ids=["correcting", "first-report"])
def test_checkin_report_row(world, tree, existing):
    """The goal's owner has this week's report open in two tabs (the report lists only one's own
    rows); the row saved in the first tab is then saved again from the second.

    Also when the row had no check-in yet: B's form carries no version, and must not overwrite
    the check-in A created meanwhile."""
    week = week_of(timezone.localdate())
    measure = tree.m1
    if existing:
        checkin_submit(
            actor=fresh(world.mkt_manager),
            measure=measure,
            period_start=week.start,
            period_end=week.end,
            actual=Decimal(3),
        )
    first, second = page_client(world.mkt_manager), page_client(world.mkt_manager)
    prefix = f"m-{measure.pk}"
    url = f"{reverse('tracking:checkin_row', args=['measure', measure.pk])}?week={week.key}"

    def loaded(client) -> dict:
        rows = client.get(f"{reverse('tracking:report')}?week={week.key}").context["rows"]
        row = next(r for r in rows if r.obj.pk == measure.pk and r.kind == "measure")
        return form_post_data(row.form)

    first_data, second_data = loaded(first), loaded(second)
    assert first_data[f"{prefix}-version"] == second_data[f"{prefix}-version"]
    saved = first.post(url, _row(prefix, week, first_data, actual="7", planned="7"))
    assert 'data-testid="row-saved"' in saved.content.decode()
    stale = second.post(url, _row(prefix, week, second_data, actual="9", planned="9"))
    assert stale.status_code == 200
    checkin = CheckIn.objects.get(measure=measure)
    if existing:
        assert CONFLICT_TEXT in stale.content.decode()
    else:  # the tab was loaded before the week was reported: it says so, and which check-in it is
        assert f"has already been reported (check-in #{checkin.pk}" in stale.content.decode()
    assert checkin.actual == Decimal(7)


# --- the check is made on the row as stored, not on the caller's copy ----------------------


def test_services_compare_with_the_stored_row_not_the_callers_copy(world, rule, endpoint):
    """A caller holding an object loaded before someone else's save, and sending that object's own
    version, is still refused: the services re-read the row under `select_for_update()`."""
    stale_rule = AlertRule.objects.get(pk=rule.pk)
    stale_endpoint = WebhookEndpoint.objects.get(pk=endpoint.pk)
    alert_rules.rule_update(actor=fresh(world.admin), rule=rule, version=1, name="甲")
    delivery.endpoint_update(actor=fresh(world.admin), endpoint=endpoint, version=1, name="甲")
    periods_services.company_settings_update(
        actor=fresh(world.admin), company_name="甲", fiscal_year_start_month=1, version=1
    )
    with pytest.raises(ConflictError):
        alert_rules.rule_update(
            actor=fresh(world.admin), rule=stale_rule, version=stale_rule.version, name="乙"
        )
    with pytest.raises(ConflictError):
        delivery.endpoint_update(
            actor=fresh(world.admin), endpoint=stale_endpoint, version=stale_endpoint.version, name="乙"
        )
    with pytest.raises(ConflictError):
        periods_services.company_settings_update(
            actor=fresh(world.admin), company_name="乙", fiscal_year_start_month=1, version=1
        )
    assert AlertRule.objects.get(pk=rule.pk).name == "甲"
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).name == "甲"
    assert CompanySettings.load().company_name == "甲"


# --- the other edit surfaces of goals and items: inline rows, buttons, board, timeline ------

STALE_MESSAGE = "changed by someone else"


def test_goal_table_inline_row(world, goal):
    url = f"{reverse('goals:row', args=[goal.pk])}?edit=1"
    first, second = page_client(world.mkt_manager), page_client(world.admin)
    assert_conflict_form_error(
        stale_form_edit(first, second, url, {"name": "甲的名称"}, {"name": "乙的名称"})
    )
    assert Goal.objects.get(pk=goal.pk).name == "甲的名称"


def test_item_table_inline_row(world, item):
    url = f"{reverse('execution:row', args=[item.pk])}?edit=1"
    first, second = page_client(world.mkt_manager), page_client(world.admin)
    assert_conflict_form_error(
        stale_form_edit(first, second, url, {"title": "甲的标题"}, {"title": "乙的标题"})
    )
    assert ActionItem.objects.get(pk=item.pk).title == "甲的标题"


def test_goal_status_button(world, goal):
    """B clicks "Cancel goal" on a page loaded before A renamed the goal: refused, still a draft."""
    loaded = goal.version
    core_edit = ApiClient(world.mkt_manager).patch(
        f"/goals/{goal.pk}", {"name": "甲的名称", "version": loaded}
    )
    assert core_edit.status_code == 200
    response = page_client(world.admin).post(
        reverse("goals:status", args=[goal.pk]), {"status": "cancelled", "version": loaded}, follow=True
    )
    assert STALE_MESSAGE in response.content.decode()
    assert Goal.objects.get(pk=goal.pk).status == "draft"


def test_measure_current_value_box(world, make_goal, activate):
    measure = activate(make_goal("新品A Q3销售额500万元")).measures.get()
    loaded = measure.version
    url = reverse("goals:measure_current", args=[measure.pk])
    assert page_client(world.mkt_manager).post(url, {"current": "120", "version": loaded}).status_code == 302
    response = page_client(world.admin).post(url, {"current": "90", "version": loaded}, follow=True)
    assert STALE_MESSAGE in response.content.decode()
    assert Measure.objects.get(pk=measure.pk).current == Decimal(120)


def test_item_status_and_raci_forms_on_the_detail_page(world, item):
    url = reverse("execution:status", args=[item.pk])
    loaded = item.version
    first, second = page_client(world.member), page_client(world.mkt_manager)
    assert first.post(url, {"status": "doing", "version": loaded}).status_code == 302
    response = second.post(url, {"status": "blocked", "version": loaded}, follow=True)
    assert STALE_MESSAGE in response.content.decode()
    raci = {
        "form": "raci",
        "responsible": [world.content_member.pk],
        "accountable": world.mkt_manager.pk,
        "version": loaded,
    }
    response = second.post(url, raci, follow=True)
    assert STALE_MESSAGE in response.content.decode()
    saved = ActionItem.objects.get(pk=item.pk)
    assert saved.status == "doing"
    assert list(saved.raci.filter(role="R").values_list("person_id", flat=True)) == [world.member.pk]


def test_kanban_move(world, item):
    """A stale card refreshes the board with the message instead of moving."""
    url = reverse("execution:kanban_move", args=[item.pk])
    loaded = item.version
    first, second = page_client(world.member), page_client(world.mkt_manager)
    assert (
        first.post(url, {"status": "doing", "version": loaded}, headers={"HX-Request": "true"}).status_code
        == 200
    )
    response = second.post(url, {"status": "blocked", "version": loaded}, headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert response["X-Board-Action"] == "refresh"
    assert STALE_MESSAGE in response.content.decode()
    assert ActionItem.objects.get(pk=item.pk).status == "doing"


def test_timeline_reschedule(world, item):
    url = reverse("execution:timeline_reschedule", args=[item.pk])
    loaded = item.version
    first, second = page_client(world.mkt_manager), page_client(world.admin)
    moved = {"start": "2026-05-04", "due": "2026-05-08", "version": loaded}
    assert first.post(url, moved, headers={"HX-Request": "true"}).status_code == 200
    stale = {"start": "2026-06-01", "due": "2026-06-05", "version": loaded}
    response = second.post(url, stale, headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert STALE_MESSAGE in response.content.decode()
    saved = ActionItem.objects.get(pk=item.pk)
    assert (saved.start, saved.due) == (dt.date(2026, 5, 4), dt.date(2026, 5, 8))
