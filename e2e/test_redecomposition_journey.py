"""Journey: re-splitting a target after an objection (issue 13).

赵敏 (director of 市场营销中心) splits "12月线上GMV 1000万" (challenge 1200万) between her four
departments, 40/30/20/10, and puts the split into one consensus round. 刘洋 (内容营销部) objects:
400万 is too high after the December budget cut. 赵敏 opens 拆解 again: the page shows the split as it
stands; she moves ten points from 内容营销部 to 渠道推广部 and gives the reason. The same four sub-goals
are revised (300万 / 400万, challenges 360万 / 480万), the round is re-opened with the objection
answered in the minutes, 刘洋 is told, and both sign off: the split is active.

With E2E_STEP_SHOTS=/tmp/shots-decomp every step leaves a screenshot to look at.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import login, logout
from lodestar.core.models import Period
from lodestar.goals.models import ConsensusRecord, Goal
from lodestar.goals.services import goal_create
from lodestar.org.models import Department, Person

GOAL = "12月线上GMV 1000万"
D = Decimal


def test_redecomposition_after_an_objection(page, step):
    mkt = Department.objects.get(code="MKT")
    zhaomin = Person.objects.get(user__username="zhaomin")
    today = timezone.localdate()
    period = (
        Period.objects.filter(kind="month", start__lte=today, end__gte=today).first()
        or Period.objects.filter(kind="quarter", start__lte=today, end__gte=today).first()
    )
    goal = goal_create(
        actor=get_user_model().objects.get(username="zhaomin"),
        name=GOAL,
        department=mkt,
        period=period,
        owner=zhaomin,
        measures=[
            {
                "name": "线上GMV",
                "unit": "wan_yuan",
                "direction": "higher",
                "target": "1000",
                "challenge": "1200",
            }
        ],
    )
    shares = {"内容营销部": "40", "渠道推广部": "30", "用户运营部": "20", "品牌部": "10"}

    with step("the director splits the target between her departments"):
        login(page, "zhaomin")
        page.goto(f"{page.base_url}/goals/{goal.pk}/decompose/")
        form = page.get_by_test_id("decompose-form")
        rows = form.locator("tbody tr")
        expect(rows).to_have_count(4)
        for index in range(4):
            label = rows.nth(index).locator("input[name=label]").input_value()
            rows.nth(index).locator("input[name=value]").fill(shares[label])
        expect(page.get_by_test_id("running-total")).to_contain_text("100% / 100%")
        form.get_by_role("button", name="生成子目标").click()
        expect(page.locator(".alert-success")).to_be_visible()
        children = {
            c.department.name: c for c in Goal.objects.filter(parent=goal).select_related("department")
        }
        content = children["内容营销部"]
        assert content.name == "12月线上GMV · 内容营销部"  # no stale "1000万" in the part's name
        m = content.measures.get()
        assert (m.target, m.challenge) == (D(400), D(480))
        ids = {name: c.pk for name, c in children.items()}

    with step("the split goes into one consensus round"):
        page.goto(f"{page.base_url}/goals/{goal.pk}/")
        start = page.get_by_test_id("consensus-start")
        values = [
            start.locator("#id_participants option", has_text=name).first.get_attribute("value")
            for name in ("刘洋", "王强")
        ]
        start.locator("#id_participants").select_option(values)
        page.fill(
            "#id_minutes", "12月线上GMV拆解：内容营销部400万、渠道推广部300万、用户运营部200万、品牌部100万。"
        )
        start.get_by_label("在同一轮共识中确认草稿子目标", exact=False).check()
        start.get_by_role("button", name="发起共识").click()
        expect(page.get_by_test_id("consensus-state")).to_contain_text("收集签字中")
        expect(page.get_by_test_id("consensus-goals")).to_contain_text("12月线上GMV · 内容营销部")

    with step("内容营销部 objects"):
        logout(page)
        login(page, "liuyang")
        page.goto(f"{page.base_url}/goals/{ids['内容营销部']}/#consensus")
        decision = page.get_by_test_id("decision-form")
        decision.locator("#id_comment").fill("12月预算已削减，内容营销部400万太高，建议300万。")
        decision.get_by_role("button", name="提出异议").click()
        expect(page.get_by_test_id("signoffs")).to_contain_text("400万太高")

    with step("the director opens the split again: the page edits the existing split"):
        logout(page)
        login(page, "zhaomin")
        page.goto(f"{page.base_url}/goals/{goal.pk}/decompose/")
        expect(page.get_by_test_id("resplit-intro")).to_be_visible()
        parts = page.get_by_test_id("existing-part")
        expect(parts).to_have_count(4)
        assert [parts.nth(i).get_attribute("data-goal-id") for i in range(4)] == [
            str(ids[name]) for name in shares
        ]
        expect(page.get_by_test_id("running-total")).to_contain_text("100% / 100%")

    with step("she moves ten points from 内容营销部 to 渠道推广部"):
        form = page.get_by_test_id("decompose-form")
        parts.nth(0).locator("input[name=value]").fill("30")
        expect(page.get_by_test_id("running-total")).to_contain_text("90% / 100%")
        parts.nth(1).locator("input[name=value]").fill("40")
        expect(page.get_by_test_id("running-total")).to_contain_text("100% / 100%")
        page.fill("#reason", "回应内容营销部异议：12月预算削减，10个点转给渠道推广部（双12大促）。")
        form.get_by_role("button", name="保存修订后的拆解").click()
        expect(page.locator(".alert-success")).to_contain_text("拆解已修订")

    with step("the same sub-goals carry the new targets and the round is re-opened"):
        revised = {
            c.department.name: c for c in Goal.objects.filter(parent=goal).select_related("department")
        }
        assert {name: c.pk for name, c in revised.items()} == ids
        figures = {
            name: (c.weight, *[(m.target, m.challenge) for m in c.measures.all()])
            for name, c in revised.items()
        }
        assert figures == {
            "内容营销部": (D(30), (D(300), D(360))),
            "渠道推广部": (D(40), (D(400), D(480))),
            "用户运营部": (D(20), (D(200), D(240))),
            "品牌部": (D(10), (D(100), D(120))),
        }
        assert {c.status for c in revised.values()} == {"consensus"}
        records = list(ConsensusRecord.objects.filter(goals=goal).order_by("id"))
        assert [r.state for r in records] == ["withdrawn", "open"]
        assert "内容营销部 40% → 30%" in records[1].minutes and "400万太高" in records[1].minutes
        page.goto(f"{page.base_url}/goals/{goal.pk}/")
        expect(page.get_by_test_id("consensus-state")).to_contain_text("收集签字中")
        expect(page.locator("#consensus")).to_contain_text("拆解已修订")

    with step("刘洋 is told and signs off the revised split"):
        logout(page)
        login(page, "liuyang")
        page.goto(f"{page.base_url}/inbox/")
        expect(page.locator("body")).to_contain_text("已根据你的异议修订")
        page.goto(f"{page.base_url}/goals/{ids['内容营销部']}/#consensus")
        expect(page.locator("#consensus")).to_contain_text("回应异议")
        page.get_by_test_id("decision-form").get_by_role("button", name="同意并签字").click()

    with step("王强 signs off: the split is active"):
        logout(page)
        login(page, "wangqiang")
        page.goto(f"{page.base_url}/goals/{ids['渠道推广部']}/#consensus")
        page.get_by_test_id("decision-form").get_by_role("button", name="同意并签字").click()
        expect(page.get_by_test_id("consensus-state")).to_contain_text("已达成共识")
        statuses = set(Goal.objects.filter(pk__in=[goal.pk, *ids.values()]).values_list("status", flat=True))
        assert statuses == {"active"}
        content = Goal.objects.get(pk=ids["内容营销部"]).measures.get()
        assert content.original_target == D(300)
        logout(page)
        login(page, "zhaomin")
        page.goto(f"{page.base_url}/goals/{goal.pk}/decompose/")
        expect(page.get_by_test_id("split-history")).to_contain_text("回应内容营销部异议")

    with step("the same page in English"):
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": page.base_url}])
        page.goto(f"{page.base_url}/goals/{goal.pk}/decompose/")
        expect(page.get_by_test_id("resplit-intro")).to_contain_text("This goal is already split")
        expect(page.get_by_test_id("split-history")).to_contain_text("内容营销部 30%")
        expect(page.get_by_role("button", name="Save the revised split")).to_be_visible()
