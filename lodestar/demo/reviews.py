"""Demo 复盘 and knowledge: a closed Q2 (the 618 campaign, 小红书 seeding, 私域 growth) with its snapshots,
two completed retrospectives — one with a 5-why chain whose improvement actions became Q3 work — and one
still open (and overdue), the cases the lessons became and two SOPs, one of them in two versions.

Q3 stays open so that closing it (in the browser or the journey) opens its retrospectives."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lodestar.alerts import evaluation
from lodestar.core.models import Period
from lodestar.demo.appraisal import seed_demo_appraisal_goals
from lodestar.demo.goals import _agree
from lodestar.demo.history import seed_demo_history
from lodestar.execution import services as items
from lodestar.execution.models import ActionItem, ItemStatus
from lodestar.goals import services as goals
from lodestar.goals.models import Goal
from lodestar.goals.services.adjustments import adjustment_approve, adjustment_create
from lodestar.goals.services.closing import period_close
from lodestar.knowledge import services as knowledge
from lodestar.org.models import Department, Person
from lodestar.retrospectives import services as retrospectives
from lodestar.retrospectives.models import ImprovementAction, Retrospective
from lodestar.tracking.models import DeviationCategory
from lodestar.tracking.services import checkin_submit


def _weeks(start: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
    monday = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    return [(monday + dt.timedelta(weeks=n), monday + dt.timedelta(weeks=n, days=6)) for n in range(count)]


def _check_in(person, measure, weeks, rows, categories) -> None:
    """Weekly check-ins (template 2): (planned, actual, category code, reason, improvement)."""
    for (start, end), (planned, actual, category, reason, improvement) in zip(weeks, rows, strict=True):
        checkin_submit(
            actor=person.user,
            measure=measure,
            period_start=start,
            period_end=end,
            planned=planned,
            actual=actual,
            deviation_category=categories.get(category) if category else None,
            deviation_reason=reason,
            improvement=improvement,
            confidence=7,
        )


def _item(admin, department, goal, title, responsible, due, status, completed=None):
    item = items.item_create(
        actor=admin,
        department=department,
        title=title,
        goal=goal,
        responsible=[responsible],
        accountable=responsible,
        start=due - dt.timedelta(days=14),
        due=due,
    )
    if status != ItemStatus.TODO:
        item = items.item_move(actor=admin, item=item, status=status, version=item.version)
    if completed is not None:
        # Back-dated: the demo is seeded today, the campaign ran in Q2 (done on time or late).
        ActionItem.objects.filter(pk=item.pk).update(
            completed_at=timezone.make_aware(dt.datetime.combine(completed, dt.time(18)))
        )
    return item


def _write_up(review: Retrospective) -> None:
    """A short July retrospective from the review's close figures, completed and signed off by the
    accountable manager (the department's, or the one above when the owner manages it)."""
    rate = review.achievement_rate
    met = rate is not None and rate >= 1
    owner = review.owner.user
    review = retrospectives.retrospective_update(
        actor=owner,
        retrospective=review,
        version=review.version,
        highlights=f"Q2达成率{rate:.0%}。618期间老客复购贡献明显。"
        if rate is not None
        else "Q2各项工作按计划推进。",
        problems="" if met else "5月流量成本上升,新客转化不及预期。",
    )
    retrospectives.why_add(
        actor=owner,
        retrospective=review,
        question="为什么达成目标?" if met else "为什么未达成目标?",
        answer="618大促节奏提前规划,老客专享权益带动复购" if met else "新客转化率低于预期,投放未按人群分层",
    )
    review = Retrospective.objects.get(pk=review.pk)
    review = retrospectives.retrospective_complete(actor=owner, retrospective=review, version=review.version)
    department = review.department
    manager = department.manager if department.manager_id != review.owner_id else None
    if manager is None and department.parent is not None:
        manager = department.parent.manager
    if manager is not None:
        retrospectives.retrospective_sign_off(
            actor=manager.user, retrospective=review, version=review.version
        )
    written = timezone.make_aware(dt.datetime.combine(review.period.end + dt.timedelta(days=10), dt.time(17)))
    Retrospective.objects.filter(pk=review.pk).update(
        completed_at=written, signed_off_at=written + dt.timedelta(days=2) if manager else None
    )


def seed_demo_reviews(admin) -> None:
    year = timezone.localdate().year
    q2 = Period.objects.get(kind="quarter", key=f"FY{year}-Q2")
    dept = {d.code: d for d in Department.objects.all()}
    people = {p.user.username: p for p in Person.objects.select_related("user")}
    categories = {c.code: c for c in DeviationCategory.objects.all()}

    def goal(name, department, owner, measures, description):
        return goals.goal_create(
            actor=admin,
            name=name,
            department=dept[department],
            period=q2,
            owner=people[owner],
            measures=measures,
            description=description,
        )

    gmv = goal(
        "Q2 618大促GMV",
        "MKT-CHANNEL-EC",
        "lina",
        [{"name": "GMV", "unit": "wan_yuan", "baseline": "0", "target": "800"}],
        f"{year}年Q2 618大促期间天猫+抖音GMV 800万元。",
    )
    seeding = goal(
        "Q2新品小红书种草",
        "MKT-CONTENT-XHS",
        "chenjing",
        [{"name": "种草笔记", "unit": "custom", "unit_label": "篇", "target": "40"}],
        f"{year}年Q2新品上市期在小红书发布种草笔记40篇。",
    )
    private = goal(
        "Q2私域社群拉新",
        "MKT-USEROPS-PRIVATE",
        "luowei",
        [{"name": "新增社群用户", "unit": "count", "target": "5000"}],
        f"{year}年Q2私域社群新增用户5000人。",
    )
    _agree(
        admin,
        [gmv, seeding, private],
        [people["wangqiang"], people["liuyang"], people["yangxue"]],
        "Q2目标共识会:618大促GMV 800万;新品种草40篇;私域拉新5000人。",
    )
    gmv_measure = Goal.objects.get(pk=gmv.pk).measures.get()
    request = adjustment_create(
        actor=people["lina"].user,
        goal=Goal.objects.get(pk=gmv.pk),
        measure=gmv_measure,
        new_target="720",
        reason="天猫会场资源位未获批,流量预估下调10%。",
        trigger="平台资源位调整",
        approved_by=people["wangqiang"],
    )
    adjustment_approve(actor=people["wangqiang"].user, adjustment=request, comment="同意下调至720万。")

    weeks = _weeks(q2.start + dt.timedelta(days=35), 8)
    _check_in(
        people["lina"],
        gmv_measure,
        weeks,
        [
            (60, 55, None, "", ""),
            (70, 62, "market", "竞品提前开启618预售", "加投抖音信息流"),
            (80, 70, "execution", "直播间转化率1.8%,低于预期3%", "优化直播话术"),
            (90, 86, None, "", ""),
            (150, 138, "execution", "直播话术无差异化,新老客转化均低", "按客户分层准备话术"),
            (160, 150, None, "", ""),
            (60, 79, None, "", ""),
            (50, 60, None, "", "返场期加推老客专享券"),
        ],
        categories,
    )  # 700万 in all: 87.50% of 800万, 97.22% of the adjusted 720万
    _check_in(
        people["chenjing"],
        Goal.objects.get(pk=seeding.pk).measures.get(),
        weeks,
        [
            (5, 5, None, "", ""),
            (5, 6, None, "", ""),
            (5, 4, "partner_delay", "KOC档期延后", "增加素人博主"),
            (5, 6, None, "", ""),
            (5, 7, None, "", "爆文选题复用"),
            (5, 6, None, "", ""),
            (5, 5, None, "", ""),
            (5, 5, None, "", ""),
        ],
        categories,
    )  # 44 篇 of 40 → 110%
    _check_in(
        people["luowei"],
        Goal.objects.get(pk=private.pk).measures.get(),
        weeks,
        [
            (600, 520, None, "", ""),
            (600, 480, "resources", "社群运营人手不足", "招募1名兼职"),
            (600, 450, "resources", "企微加粉被限流", ""),
            (700, 500, None, "", ""),
            (700, 560, None, "", ""),
            (700, 490, "content_quality", "入群欢迎语与福利吸引力弱", "改版入群福利"),
            (600, 450, None, "", ""),
            (500, 450, None, "", ""),
        ],
        categories,
    )  # 3,900 of 5,000 → 78%

    ec = dept["MKT-CHANNEL-EC"]
    _item(admin, ec, gmv, "天猫618会场报名", people["sunhao"], weeks[2][1], ItemStatus.DONE, weeks[2][0])
    _item(admin, ec, gmv, "618直播间话术脚本", people["majun"], weeks[3][1], ItemStatus.DONE, weeks[5][0])
    _item(admin, ec, gmv, "抖音投流素材AB测试", people["zhuli"], weeks[4][1], ItemStatus.DONE, weeks[4][0])
    _item(admin, ec, gmv, "京东渠道同步上新", people["sunhao"], weeks[5][1], ItemStatus.CANCELLED)

    # The personal and shared Q2 goals the appraisal templates read (lodestar/demo/appraisal.py).
    seed_demo_appraisal_goals(admin, q2)

    # The weeks behind the appraisal goals' Q2 figures, reported before the quarter closed.
    seed_demo_history(periods=[q2], until=q2.end)

    # The quarter closes: snapshots frozen, and the retrospectives due are opened (the worker does this
    # on the period_closed signal; the demo is seeded in one transaction, so it asks directly).
    closing = period_close(actor=admin, period=q2, note="Q2结束,618复盘启动。")
    opened = {r.goal_id: r for r in retrospectives.open_due_for_closing(closing.pk) if r.goal_id}

    gmv_review = opened[gmv.pk]
    lina, wangqiang = people["lina"].user, people["wangqiang"].user
    gmv_review = retrospectives.retrospective_update(
        actor=lina,
        retrospective=gmv_review,
        version=gmv_review.version,
        highlights="调整后目标达成97.22%;返场期老客专享券带来60万GMV;投流素材AB测试降低CPC 18%。",
        problems="直播间转化率1.8%,远低于3%的预期;竞品提前开启预售。",
        root_cause="未做客户分层,话术与权益对新老客无差异。",
    )
    for question, answer in [
        ("为什么GMV未达原目标?", "直播间转化率1.8%,低于预期3%"),
        ("为什么直播间转化率低?", "话术无差异化,新老客听到同样的内容"),
        ("为什么话术无差异化?", "未做客户分层,不知道进入直播间的是谁"),
    ]:
        retrospectives.why_add(actor=lina, retrospective=gmv_review, question=question, answer=answer)
    layered = retrospectives.action_add(
        actor=lina,
        retrospective=gmv_review,
        title="按RFM分层设计直播话术与权益",
        owner=people["majun"],
        due=dt.date(year, 8, 31),
        promote_as=ImprovementAction.PromoteAs.ITEM,
    )
    layered = retrospectives.action_promote(actor=lina, action=layered)
    retrospectives.action_add(
        actor=lina,
        retrospective=gmv_review,
        title="预售节奏提前一周,锁定平台资源位",
        owner=people["sunhao"],
        due=dt.date(year, 9, 15),
    )
    gmv_review = Retrospective.objects.get(pk=gmv_review.pk)
    gmv_review = retrospectives.retrospective_complete(
        actor=lina, retrospective=gmv_review, version=gmv_review.version
    )
    retrospectives.retrospective_sign_off(
        actor=wangqiang, retrospective=gmv_review, version=gmv_review.version
    )

    seeding_review = opened[seeding.pk]
    chenjing = people["chenjing"].user
    seeding_review = retrospectives.retrospective_update(
        actor=chenjing,
        retrospective=seeding_review,
        version=seeding_review.version,
        highlights="44篇笔记,达成110%;素人+KOC组合单篇成本降低20%;3篇爆文。",
        problems="第3周KOC档期延后。",
    )
    retrospectives.why_add(
        actor=chenjing,
        retrospective=seeding_review,
        question="为什么第3周笔记不足?",
        answer="KOC档期未提前锁定",
    )
    early = retrospectives.action_add(
        actor=chenjing,
        retrospective=seeding_review,
        title="建立KOC档期池,提前两周锁定",
        owner=people["linxiao"],
        due=dt.date(year, 7, 31),
        promote_as=ImprovementAction.PromoteAs.ITEM,
    )
    early = retrospectives.action_promote(actor=chenjing, action=early)
    # Q3 carried both out: the retrospectives show their follow-ups done.
    for action, day in ((layered, dt.date(year, 8, 28)), (early, dt.date(year, 7, 24))):
        item = ActionItem.objects.get(pk=action.item_id)
        items.item_move(actor=admin, item=item, status=ItemStatus.DONE, version=item.version)
        ActionItem.objects.filter(pk=item.pk).update(
            completed_at=timezone.make_aware(dt.datetime.combine(day, dt.time(18)))
        )
    seeding_review = Retrospective.objects.get(pk=seeding_review.pk)
    retrospectives.retrospective_complete(
        actor=chenjing, retrospective=seeding_review, version=seeding_review.version
    )
    # The demo's Q2 closed in July: its retrospectives were due on 7.15. The personal and department
    # ones were written in July; 私域社群拉新's and 私域社群组's are still open, so overdue now (the
    # overdue alert fires on those two, as it would in a team that let them slip).
    for review in Retrospective.objects.filter(period=q2, status="open").select_related(
        "owner__user", "department__manager__user", "department__parent__manager__user"
    ):
        review = retrospectives.retrospective_update(
            actor=review.owner.user,
            retrospective=review,
            version=review.version,
            due=q2.end + dt.timedelta(days=15),
        )
        if review.goal_id == private.pk or (
            review.goal_id is None and review.department.code == "MKT-USEROPS-PRIVATE"
        ):
            continue
        _write_up(review)

    failure = knowledge.case_create(
        actor=lina,
        title="618直播转化率低:未做客户分层",
        outcome="failure",
        department=ec,
        context="Q2 618大促,天猫+抖音直播,目标GMV 800万(调整为720万)。",
        body="统一话术与统一权益覆盖新老客;投流素材做了AB测试。",
        reasons="未按RFM分层,老客缺少专属权益,新客缺少信任背书,直播间转化率仅1.8%。",
        tags={"scenario": ["大促", "直播"], "channel": ["抖音", "天猫"]},
        retrospective=gmv_review,
    )
    success = knowledge.case_create(
        actor=chenjing,
        title="新品上市期小红书素人+KOC组合种草",
        outcome="success",
        department=dept["MKT-CONTENT-XHS"],
        context="Q2新品上市,预算有限,目标40篇种草笔记。",
        body="素人铺量+KOC背书的组合,爆文选题二次复用。",
        reasons="组合投放单篇成本降低20%,爆文复用放大了曝光。",
        tags={"scenario": ["新品上市期"], "channel": ["小红书"]},
        retrospective=seeding_review,
    )
    sop = knowledge.sop_create(
        actor=people["liuyang"].user,
        title="小红书种草SOP",
        owner=people["chenjing"],
        department=dept["MKT-CONTENT"],
        review_date=dt.date(year, 12, 31),
        body_markdown="## 步骤\n1. 选题:参考爆文库\n2. 达人筛选:素人+KOC\n3. 发布后48小时复盘数据",
        change_note="初版",
        cases=[success],
    )
    knowledge.sop_add_version(
        actor=chenjing,
        sop=sop,
        body_markdown=(
            "## 步骤\n1. 选题:参考爆文库\n2. 达人筛选:素人+KOC,**提前两周锁定档期**\n"
            "3. 发布后48小时复盘数据\n4. 爆文选题二次复用"
        ),
        change_note="Q2复盘:提前锁定KOC档期;爆文复用",
    )
    knowledge.sop_create(
        actor=people["wangqiang"].user,
        title="大促直播话术SOP",
        owner=people["lina"],
        department=dept["MKT-CHANNEL"],
        review_date=dt.date(year, 10, 31),
        body_markdown="## 分层话术\n- 高价值老客:专属权益+新品优先购\n- 潜力客:满减+赠品\n- 新客:口碑背书+首单礼",
        change_note="618复盘后制定",
        cases=[failure],
    )
    # The alert rules see the closed quarter: the open retrospective past its due date raises its alert.
    evaluation.evaluate_rules(today=timezone.localdate())
