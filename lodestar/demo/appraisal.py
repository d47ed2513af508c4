"""The demo's performance appraisal (issue #15; DOMAIN.md §5 and "Appraisal scoring"; seeds 003 and 004).

Q2 is the quarter the demo closes (lodestar/demo/reviews.py). Before it closes, every specialist and lead of
内容营销部, 渠道推广部 and 用户运营部 gets a personal Q2 KPI (销售额) and the centre two shared goals (会员
留存率, 线索转化率, 新渠道开发), so the close snapshot holds what the templates score. After it closes, the
cycle "Q2绩效考核" runs from start to published grades through the services, with reviews, a
calibration move, improvement plans, feedback meetings and an appeal. 品牌部 is left out of that cycle:
the appraisal journey (e2e) runs a cycle for it in the browser.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from lodestar.core.models import Period
from lodestar.demo.goals import _agree, _report
from lodestar.goals import services as goals
from lodestar.goals.models import Goal, GoalType
from lodestar.org.models import Department, Person

# Positions of the demo people (岗位): the seeds' 市场岗, 渠道岗 and 销售岗, and 策划岗 without a template.
POSITIONS = [("市场岗", "marketing"), ("渠道岗", "channel"), ("销售岗", "sales"), ("策划岗", "planning")]
POSITION_OF = {
    **dict.fromkeys(
        ["zhaomin", "liuyang", "chenjing", "linxiao", "heyu", "zhoutao", "wujie", "zhengshuang",
         "yangxue", "luowei", "songjia", "tangning", "fenglei", "xiaokai", "hanxue", "pengli", "jiangtao"],
        "市场岗",
    ),
    **dict.fromkeys(["wangqiang", "lina", "huangbo", "xuming", "guofang", "zhuli"], "渠道岗"),
    **dict.fromkeys(["sunhao", "majun"], "销售岗"),
    **dict.fromkeys(["caoyu", "dongmei"], "策划岗"),
}  # fmt: skip

# Personal Q2 sales (万元): target, actual. Spread so that the grades spread (S to C).
PERSONAL_SALES = {
    "liuyang": (120, 118), "chenjing": (60, 66), "linxiao": (40, 38.4), "heyu": (30, 21),
    "zhoutao": (60, 57), "wujie": (40, 47), "zhengshuang": (30, 24.6),
    "wangqiang": (300, 291), "lina": (200, 194), "huangbo": (100, 104), "xuming": (60, 72),
    "guofang": (50, 31), "zhuli": (80, 84), "sunhao": (150, 172.5), "majun": (120, 96),
    "yangxue": (80, 80), "luowei": (50, 43), "songjia": (30, 33), "tangning": (30, 26.4),
    "fenglei": (50, 52), "dongmei": (30, 27), "xiaokai": (30, 31.5),
    "hanxue": (60, 63), "pengli": (20, 17), "jiangtao": (20, 22),
}  # fmt: skip

SHARED_GOALS = [
    # name, department, owner, goal type, measure, unit, target, actual
    ("Q2会员复购留存率", "MKT-USEROPS-CRM", "fenglei", "user_operations", "留存率", "percent", "35", "45.5"),
    ("Q2线索转化率", "MKT-USEROPS", "yangxue", "conversion", "线索转化率", "percent", "8", "4.4"),
    ("Q2新渠道开发", "MKT-CHANNEL-OFFLINE", "huangbo", "user_growth", "新签渠道数", "count", "20", "18"),
]


def seed_demo_appraisal_goals(admin, q2: Period) -> None:
    """The Q2 goals the appraisal templates read, agreed and reported before Q2 closes."""
    dept = {d.code: d for d in Department.objects.all()}
    people = {p.user.username: p for p in Person.objects.select_related("user", "department")}
    types = {t.code: t for t in GoalType.objects.all()}
    created: list[tuple[Goal, str]] = []
    for username, (target, actual) in PERSONAL_SALES.items():
        person = people[username]
        goal = goals.goal_create(
            actor=admin,
            name=f"Q2个人销售额·{person.display_name}",
            department=person.department,
            period=q2,
            owner=person,
            goal_type=types["sales"],
            measures=[{"name": "销售额", "unit": "wan_yuan", "target": str(target)}],
            description=f"Q2个人业绩目标:销售额{target}万元(含内容带货与渠道成交)。",
        )
        created.append((goal, str(actual)))
    for name, code, owner, goal_type, measure, unit, target, actual in SHARED_GOALS:
        goal = goals.goal_create(
            actor=admin,
            name=name,
            department=dept[code],
            period=q2,
            owner=people[owner],
            goal_type=types[goal_type],
            measures=[{"name": measure, "unit": unit, "target": target}],
            description=f"{name}:{measure}目标{target}。",
        )
        created.append((goal, actual))
    _agree(
        admin,
        [goal for goal, _actual in created],
        [people["zhaomin"], people["liuyang"], people["wangqiang"], people["yangxue"]],
        "Q2个人绩效目标共识会:个人销售额与中心共享指标(留存、转化、新渠道)。",
    )
    for goal, actual in created:
        _report(admin, Goal.objects.get(pk=goal.pk), Decimal(actual))


# --- the appraisal itself ----------------------------------------------------------------------------

COMPETENCIES = [
    ("产品知识", "professional"), ("数据分析", "professional"), ("内容策划", "professional"),
    ("渠道运营", "professional"), ("客户沟通", "general"), ("跨部门协作", "general"), ("执行力", "general"),
]  # fmt: skip

RUBRIC = {
    "1": "远未达到岗位要求,需要大量指导",
    "2": "部分达到要求,关键环节仍需督促",
    "3": "达到岗位要求,能独立完成",
    "4": "超出要求,有可复用的方法",
    "5": "标杆水平,带动团队并被推广",
}

PAY_BASES = {  # 绩效工资基数 (元/季度)
    "liuyang": 24000, "chenjing": 15000, "linxiao": 10000, "heyu": 9000, "zhoutao": 15000, "wujie": 10000,
    "zhengshuang": 8000, "wangqiang": 24000, "lina": 15000, "huangbo": 15000, "xuming": 9000, "guofang": 8000,
    "zhuli": 10000, "sunhao": 12000, "majun": 10000, "yangxue": 24000, "luowei": 15000, "songjia": 8000,
    "tangning": 8000, "fenglei": 15000, "xiaokai": 10000, "hanxue": 24000, "pengli": 9000, "jiangtao": 9000,
    "caoyu": 9000, "dongmei": 9000,
}  # fmt: skip

# Ratings (方案创新 / 执行力, 团队协作) by the manager and the person; a few peers.
MANAGER_RATINGS = {
    "liuyang": (4, 4), "chenjing": (5, 4), "linxiao": (4, 5), "heyu": (3, 3), "zhoutao": (4, 4),
    "wujie": (5, 4), "zhengshuang": (3, 4), "wangqiang": (4, 4), "lina": (4, 5), "huangbo": (4, 4),
    "xuming": (5, 5), "guofang": (2, 3), "zhuli": (4, 4), "sunhao": (5, 4), "majun": (3, 3),
    "yangxue": (4, 4), "luowei": (3, 4), "songjia": (4, 4), "tangning": (3, 3), "fenglei": (4, 5),
    "xiaokai": (4, 4),
}  # fmt: skip
PEERS = {"linxiao": ["sunhao", "songjia"], "chenjing": ["lina"], "lina": ["chenjing"], "xuming": ["linxiao"]}

# Competency ratings (the capability radar): the manager's 1–5 per competency, in COMPETENCIES' order.
# A person's level follows their manager's ratings (方案创新 / 执行力 and 团队协作), shaped by what their
# position leans on; a few people have their own strengths and gaps on top.
COMPETENCY_PROFILE = {  # offsets per competency: 产品知识 数据分析 内容策划 渠道运营 客户沟通 跨部门协作 执行力
    "市场岗": (0, 0, 1, -1, 0, 0, 0),
    "渠道岗": (0, -1, -1, 1, 0, 0, 0),
    "销售岗": (1, -1, -1, 0, 1, 0, 0),
}
COMPETENCY_OWN = {
    "linxiao": {"内容策划": 5, "数据分析": 4},
    "heyu": {"内容策划": 4, "数据分析": 2},
    "xuming": {"渠道运营": 5, "客户沟通": 5},
    "guofang": {"渠道运营": 3, "数据分析": 2, "执行力": 2},
    "sunhao": {"客户沟通": 5, "数据分析": 4},
    "majun": {"产品知识": 3},
    "fenglei": {"数据分析": 5},
    "wangqiang": {"渠道运营": 5},
}  # fmt: skip


def competency_ratings_of(username: str) -> dict[str, int]:
    """The demo ratings of one person, by competency name (deterministic, 1–5)."""
    innovation, teamwork = MANAGER_RATINGS.get(username, (4, 4))
    base = (innovation + teamwork + 1) // 2
    profile = COMPETENCY_PROFILE.get(POSITION_OF.get(username, ""), (0,) * len(COMPETENCIES))
    ratings = {}
    for (name, _group), offset in zip(COMPETENCIES, profile, strict=True):
        value = teamwork if name == "跨部门协作" else innovation if name == "执行力" else base + offset
        ratings[name] = max(1, min(5, value))
    return ratings | COMPETENCY_OWN.get(username, {})


# The evidence some people attach to their self review: a link and their personal Q2 sales goal.
EVIDENCE_LINKS = {
    "linxiao": ("https://wiki.example.com/xhs/q2-618-notes", "618小红书种草笔记数据复盘(阅读、收藏、进店)"),
    "chenjing": ("https://wiki.example.com/xhs/q2-kol-list", "Q2达人合作清单与投放效果表"),
    "xuming": ("https://wiki.example.com/channel/q2-new-partners", "Q2新签渠道合同汇总(18家)"),
    "guofang": ("https://wiki.example.com/channel/q2-store-renovation", "门店装修停摆期间陈列调整记录(3周)"),
    "sunhao": ("https://wiki.example.com/ec/618-tmall-report", "618天猫店铺活动报告"),
}  # fmt: skip

# 绩效面谈 notes, each citing the person's own template's indicators and figures.
FEEDBACK_NOTES = {
    # 林晓 (市场岗): 销售额 40%, 客户留存率 20%, 线索转化率 10% (60% floor), 方案创新 15%, 团队协作 15%.
    "linxiao": (
        "回顾Q2目标达成与618表现,肯定亮点,明确改进方向。",
        "个人销售额38.4万元/目标40万元(96%);会员复购留存率45.5%/35%;线索转化率4.4%/8%(55%),"
        "低于60%门槛不得分;618期间话术优化案例。",
        "Q3聚焦客户分层话术,每两周与主管复盘一次。",
    ),
    # 郭芳 (渠道岗): 渠道销售额 50%, 新渠道开发 20% (steps), 执行力 15%, 团队协作 15%.
    "guofang": (
        "回顾Q2结果(63.5分,C):渠道销售额缺口大,执行力需提升;新渠道开发基本达成。",
        "渠道销售额31万元/目标50万元(62%),是主要失分项;新渠道开发18家/目标20家(90%,按阶梯得80分);"
        "执行力上级评2分(该项45分)、团队协作上级评3分;门店装修停摆3周期间未及时调整陈列计划。",
        "Q3渠道销售额目标分月跟进,每周提交陈列执行清单;停摆门店提前一周报备替代方案,每两周与主管复盘一次。",
    ),
}


def _templates(admin, positions, types, shared):
    """The seeds' 市场岗 example, 渠道岗 and 销售岗, and the market-stage variants of 市场岗 as copies."""
    from lodestar.appraisal.models import Indicator, IndicatorKind, MarketStage, ScoringRule, Template

    def template(name, position, rows, **extra):
        created = Template.objects.create(name=name, position=positions[position], **extra)
        for order, (indicator, kind, weight, binding) in enumerate(rows):
            Indicator.objects.create(
                template=created,
                name=indicator,
                kind=kind,
                weight=Decimal(weight),
                sort_order=order,
                rubric=RUBRIC if kind == IndicatorKind.QUALITATIVE else {},
                **binding,
            )
        return created

    quantitative, qualitative = IndicatorKind.QUANTITATIVE, IndicatorKind.QUALITATIVE
    cap = {"cap": Decimal("1.20")}
    marketing = template(
        "市场岗考核模板",
        "市场岗",
        [
            ("销售额", quantitative, 40, {"goal_type": types["sales"], **cap}),
            ("客户留存率", quantitative, 20, {"goal": shared["Q2会员复购留存率"], **cap}),
            (
                "线索转化率",
                quantitative,
                10,
                {"goal": shared["Q2线索转化率"], "floor": Decimal("0.60"), **cap},
            ),
            ("方案创新", qualitative, 15, {}),
            ("团队协作", qualitative, 15, {}),
        ],
    )
    template(
        "渠道岗考核模板",
        "渠道岗",
        [
            ("渠道销售额", quantitative, 50, {"goal_type": types["sales"], **cap}),
            (
                "新渠道开发",
                quantitative,
                20,
                {
                    "goal": shared["Q2新渠道开发"],
                    "rule": ScoringRule.STEPS,
                    "steps": [["0.6", "60"], ["0.8", "80"], ["1", "100"]],
                },
            ),
            ("执行力", qualitative, 15, {}),
            ("团队协作", qualitative, 15, {}),
        ],
    )
    template(
        "销售岗考核模板",
        "销售岗",
        [
            ("销售额", quantitative, 60, {"goal_type": types["sales"], **cap}),
            ("客户留存率", quantitative, 10, {"goal": shared["Q2会员复购留存率"], **cap}),
            ("客户沟通", qualitative, 15, {}),
            ("团队协作", qualitative, 15, {}),
        ],
    )
    # Market-stage variants (DOMAIN.md §5): new market weighs customer development, mature retention and profit.
    template(
        "市场岗考核模板·新市场",
        "市场岗",
        [
            ("客户开发量", quantitative, 40, {"goal": shared["Q2新渠道开发"], **cap}),
            ("销售额", quantitative, 30, {"goal_type": types["sales"], **cap}),
            ("方案创新", qualitative, 15, {}),
            ("团队协作", qualitative, 15, {}),
        ],
        market_stage=MarketStage.NEW,
        copied_from=marketing,
    )
    template(
        "市场岗考核模板·成熟市场",
        "市场岗",
        [
            ("客户留存率", quantitative, 30, {"goal": shared["Q2会员复购留存率"], **cap}),
            ("利润贡献", quantitative, 35, {"goal_type": types["sales"], **cap}),
            (
                "线索转化率",
                quantitative,
                5,
                {"goal": shared["Q2线索转化率"], "floor": Decimal("0.60"), **cap},
            ),
            ("方案创新", qualitative, 15, {}),
            ("团队协作", qualitative, 15, {}),
        ],
        market_stage=MarketStage.MATURE,
        copied_from=marketing,
    )
    return marketing


def seed_demo_appraisal(admin) -> None:
    """Positions, templates, pay bases, competencies, the committee and the published Q2 cycle."""
    from lodestar.appraisal.models import (
        Appraisal,
        CommitteeArea,
        CommitteeMember,
        Competency,
        EvidenceKind,
        PayBase,
        Review,
        ReviewRole,
    )
    from lodestar.appraisal.services import appeals, calibration, cycles, feedback, reviews
    from lodestar.org.models import Position

    year = timezone.localdate().year
    q2 = Period.objects.get(kind="quarter", key=f"FY{year}-Q2")
    people = {p.user.username: p for p in Person.objects.select_related("user", "department")}
    dept = {d.code: d for d in Department.objects.all()}
    positions = {
        name: Position.objects.create(name=name, code=code, sort_order=i)
        for i, (name, code) in enumerate(POSITIONS)
    }
    for username, position in POSITION_OF.items():
        Person.objects.filter(pk=people[username].pk).update(position=positions[position])
    types = {t.code: t for t in GoalType.objects.all()}
    shared = {name: Goal.objects.get(name=name, period=q2) for name, *_rest in SHARED_GOALS}
    _templates(admin, positions, types, shared)
    for username, amount in PAY_BASES.items():
        PayBase.objects.create(person=people[username], amount=Decimal(amount))
    for order, (name, group) in enumerate(COMPETENCIES):
        Competency.objects.create(name=name, group=group, sort_order=order)
    for username, area in (
        ("zhaomin", CommitteeArea.MARKETING),
        ("sunli", CommitteeArea.HR),
        ("qianwei", CommitteeArea.FINANCE),
    ):
        CommitteeMember.objects.create(person=people[username], area=area)

    hr = people["sunli"].user
    cycle = cycles.cycle_create(
        actor=hr,
        period=q2,
        name=f"{year}年Q2绩效考核",
        departments=[dept["MKT-CONTENT"], dept["MKT-CHANNEL"], dept["MKT-USEROPS"]],
    )
    cycle = cycles.cycle_start(actor=hr, cycle=cycle, version=cycle.version)
    appraisals = {
        a.person.user.username: a
        for a in Appraisal.objects.filter(cycle=cycle).select_related("person__user")
    }

    def ratings_for(appraisal, pair):
        indicators = [
            i for i in appraisal.template.indicators.order_by("sort_order") if i.kind == "qualitative"
        ]
        return [
            {"indicator_id": i.pk, "rating": r, "comment": ""} for i, r in zip(indicators, pair, strict=False)
        ]

    # 自评: everyone rates themselves a little above their manager (the usual pattern).
    for username, appraisal in appraisals.items():
        manager_pair = MANAGER_RATINGS.get(username, (4, 4))
        review = Review.objects.get(appraisal=appraisal, role=ReviewRole.SELF)
        reviews.review_save(
            actor=appraisal.person.user,
            review=review,
            version=review.version,
            ratings=ratings_for(appraisal, tuple(min(5, r + 1) for r in manager_pair)),
            summary="Q2按计划完成主要工作,618期间配合大促,详见证据材料。",
            submit=True,
        )
    # The evidence pack of a few people: a link and their own Q2 sales goal.
    for username, (url, note) in EVIDENCE_LINKS.items():
        appraisal = Appraisal.objects.select_related("cycle").get(pk=appraisals[username].pk)
        actor = appraisal.person.user
        reviews.evidence_add(actor=actor, appraisal=appraisal, kind=EvidenceKind.LINK, url=url, note=note)
        reviews.evidence_add(
            actor=actor,
            appraisal=appraisal,
            kind=EvidenceKind.GOAL,
            goal=Goal.objects.get(owner=appraisal.person, period=q2, goal_type__code="sales"),
            note="个人销售额目标与达成情况",
        )
    cycle = cycles.cycle_advance(actor=hr, cycle=cycle, version=cycle.version)  # → 上级评
    for username, appraisal in appraisals.items():
        review = Review.objects.filter(appraisal=appraisal, role=ReviewRole.MANAGER).first()
        if review is None:
            continue
        reviews.review_save(
            actor=review.reviewer.user,
            review=review,
            version=review.version,
            ratings=ratings_for(appraisal, MANAGER_RATINGS.get(username, (4, 4))),
            summary="整体表现符合预期,下季度关注客户分层与数据复盘。",
            submit=True,
        )
    # The manager rates everyone's competencies during the manager review (the capability radar).
    competencies = {c.name: c.pk for c in Competency.objects.all()}
    for username in sorted(appraisals):
        appraisal = Appraisal.objects.select_related("cycle", "manager__user").get(pk=appraisals[username].pk)
        rater = appraisal.manager.user if appraisal.manager else hr
        reviews.competency_ratings_save(
            actor=rater,
            appraisal=appraisal,
            ratings={competencies[name]: value for name, value in competency_ratings_of(username).items()},
        )
    cycle = cycles.cycle_advance(actor=hr, cycle=cycle, version=cycle.version)  # → 跨部门评
    for username, peer_names in PEERS.items():
        appraisal = appraisals[username]
        manager = appraisal.manager
        reviews.peer_request(
            actor=manager.user if manager else hr,
            appraisal=appraisal,
            reviewer_ids=[people[p].pk for p in peer_names],
        )
        for peer in peer_names:
            review = Review.objects.get(appraisal=appraisal, reviewer=people[peer], role=ReviewRole.PEER)
            reviews.review_save(
                actor=people[peer].user,
                review=review,
                version=review.version,
                ratings=ratings_for(appraisal, (4, 4) if peer != "lina" else (5, 4)),
                summary="跨部门协作顺畅,响应及时。",
                anonymous=peer == "songjia",
                submit=True,
            )
    cycle = cycles.cycle_advance(actor=hr, cycle=cycle, version=cycle.version)  # → 校准
    # Calibration: the centre's director moves the lowest S down to A (more than 10% at S).
    s_grades = sorted(
        (a for a in Appraisal.objects.filter(cycle=cycle, grade="S")), key=lambda a: (a.final_score, a.pk)
    )
    if s_grades:
        moved = s_grades[0]
        calibration.calibrate(
            actor=people["zhaomin"].user,
            appraisal=moved,
            to_grade="A",
            reason="S比例超过10%指导线;该同学个人销售额超额主要来自6月大促自然流量,校准为A。",
            version=moved.version,
        )
    cycle.refresh_from_db()
    cycle = cycles.cycle_publish(actor=hr, cycle=cycle, version=cycle.version)
    # 绩效面谈: 林晓's, acknowledged by both; 郭芳's (C) written, not yet acknowledged.
    for username, both in (("linxiao", True), ("guofang", False)):
        appraisal = Appraisal.objects.get(pk=appraisals[username].pk)
        manager = appraisal.manager
        notes, data_and_examples, next_steps = FEEDBACK_NOTES[username]
        feedback.feedback_save(
            actor=manager.user,
            appraisal=appraisal,
            held_on=q2.end + dt.timedelta(days=12),
            notes=notes,
            data_and_examples=data_and_examples,
            next_steps=next_steps,
        )
        if both:
            feedback.feedback_acknowledge(actor=appraisal.person.user, appraisal=appraisal)
            feedback.feedback_acknowledge(actor=manager.user, appraisal=appraisal)
    # 申诉: 郭芳 contests her C; the committee has not decided yet.
    appeals.appeal_create(
        actor=people["guofang"].user,
        appraisal=Appraisal.objects.get(pk=appraisals["guofang"].pk),
        reason="Q2终端陈列受门店装修影响停摆3周,个人销售额目标未按此调整,申请复核。",
    )
    # The cycle stays published: HR moves it to 面谈 (feedback) once the meetings are done.
