"""Demo goals: a year of the marketing centre's goals, including the seeds' own examples
(新品A Q3销售额 500万 60% · 小红书曝光 200万 30% · 复购率 15%→20% 10%)."""

from __future__ import annotations

from django.utils import timezone

from lodestar.core.models import Period
from lodestar.goals import services
from lodestar.goals.models import ConsensusParticipant, Goal, GoalType
from lodestar.goals.services import consensus
from lodestar.goals.services.adjustments import adjustment_approve, adjustment_create
from lodestar.goals.services.decomposition import goal_decompose
from lodestar.org.models import Department, Person


def _agree(admin, goals, people, minutes):
    record = consensus.consensus_start(
        actor=admin,
        goals=goals,
        minutes=minutes,
        participants=[{"person": p, "required": True} for p in people],
    )
    for person in people:
        consensus.consensus_decide(
            actor=person.user, record=record, decision=ConsensusParticipant.Decision.AGREED, comment="同意"
        )
    return record


def _report(admin, goal, *values):
    for measure, value in zip(goal.measures.order_by("sort_order", "id"), values, strict=False):
        measure.refresh_from_db()
        services.measure_update(actor=admin, measure=measure, version=measure.version, current=value)


def seed_demo_goals(admin) -> None:
    year = timezone.localdate().year
    fy = Period.objects.get(kind="year", key=f"FY{year}")
    q3 = Period.objects.get(kind="quarter", key=f"FY{year}-Q3")
    q4 = Period.objects.get(kind="quarter", key=f"FY{year}-Q4")
    dept = {d.code: d for d in Department.objects.all()}
    people = {p.user.username: p for p in Person.objects.select_related("user")}
    services.goal_types_ensure_defaults()
    types = {t.code: t for t in GoalType.objects.all()}

    def goal(name, department, period, owner, measures, **extra):
        return services.goal_create(
            actor=admin,
            name=name,
            department=dept[department],
            period=period,
            owner=people[owner],
            measures=measures,
            **extra,
        )

    # The centre's annual OKR.
    objective = services.goal_create(
        actor=admin,
        name=f"{year}年营收增长50%",
        kind="objective",
        department=dept["MKT"],
        period=fy,
        owner=people["zhaomin"],
        goal_type=types["sales"],
        measures=[],
        description=f"{year}年通过内容、渠道和用户运营三条线协同,实现营收同比增长50%。",
        context="公司战略:新品A上市;市场:竞品加大抖音投放;去年转化率20%、客单价280元;预算1200万。",
    )
    kr1 = goal(
        "线索量达到10万条(+60%)",
        "MKT",
        fy,
        "zhaomin",
        [{"name": "线索量", "unit": "count", "baseline": "62500", "target": "100000", "challenge": "110000"}],
        kind="key_result",
        parent=objective,
        weight="40",
        goal_type=types["user_growth"],
        description=f"{year}年全年新增销售线索10万条,较去年增长60%。",
    )
    kr2 = goal(
        "整体转化率从20%提升到25%",
        "MKT",
        fy,
        "zhaomin",
        [{"name": "整体转化率", "unit": "percent", "baseline": "20", "target": "25", "accumulates": False}],
        kind="key_result",
        parent=objective,
        weight="30",
        goal_type=types["conversion"],
        description=f"{year}年12月底前整体线索转化率由20%提升到25%。",
    )
    kr3 = goal(
        "老客复购率从35%提升到40%",
        "MKT",
        fy,
        "yangxue",
        [{"name": "老客复购率", "unit": "percent", "baseline": "35", "target": "40", "accumulates": False}],
        kind="key_result",
        parent=objective,
        weight="30",
        goal_type=types["user_operations"],
        description=f"{year}年底老客复购率由35%提升到40%。",
    )
    _agree(
        admin,
        [objective, kr1, kr2, kr3],
        [people["zhaomin"], people["liuyang"], people["wangqiang"], people["yangxue"]],
        f"{year}年度目标共识会:确认营收增长50%及三个关键结果;渠道部提出Q4双11需追加投放预算。",
    )

    # Q3: the seeds' goal-setting table (template 1) — the centre director's goal set, 60/30/10;
    # the collaborating departments carry the work.
    sales = goal(
        "新品A Q3销售额",
        "MKT",
        q3,
        "zhaomin",
        [
            {"name": "销售额", "unit": "wan_yuan", "baseline": "0", "target": "500", "challenge": "550"},
            {"name": "新客占比", "unit": "percent", "target": "40", "accumulates": False},
        ],
        weight="60",
        goal_type=types["sales"],
        description=f"{year}年Q3通过线上渠道(抖音+天猫)实现新品A销售额500万元,较Q2增长25%,新客占比不低于40%。",
        notes="风险:竞品降价;抖音投放成本上涨。",
    )
    exposure = goal(
        "小红书品牌曝光",
        "MKT",
        q3,
        "zhaomin",
        [
            {"name": "曝光量", "unit": "count", "target": "2000000"},
            {"name": "互动率", "unit": "percent", "target": "3", "accumulates": False},
        ],
        weight="30",
        goal_type=types["brand_exposure"],
        collaborating_departments=[dept["MKT-CONTENT"]],
        description=f"{year}年Q3小红书曝光量≥200万,互动率≥3%。",
    )
    repurchase = goal(
        "用户复购率提升",
        "MKT",
        q3,
        "zhaomin",
        [{"name": "复购率", "unit": "percent", "baseline": "15", "target": "20", "accumulates": False}],
        weight="10",
        goal_type=types["user_operations"],
        collaborating_departments=[dept["MKT-USEROPS"]],
        description=f"{year}年Q3通过私域社群运营,复购率由15%提升到20%。",
    )
    _agree(
        admin,
        [sales, exposure, repurchase],
        [people["zhaomin"], people["wangqiang"], people["liuyang"], people["yangxue"]],
        "Q3目标共识纪要:新品A销售额基准值450万、挑战值500万经讨论调整为基准500万、挑战550万;"
        "内容部负责小红书曝光;用户运营部负责复购。各负责人签字确认。",
    )
    channel_parts = goal_decompose(
        actor=admin,
        goal=sales,
        dimension="channel",
        measure=sales.measures.first(),
        mode="percent",
        parts=[
            {"label": "抖音", "share": "40", "owner": people["zhuli"], "department": dept["MKT-CHANNEL-EC"]},
            {"label": "天猫", "share": "60", "owner": people["sunhao"], "department": dept["MKT-CHANNEL-EC"]},
        ],
    )
    _report(admin, channel_parts[0], "190")
    _report(admin, channel_parts[1], "290")
    _report(admin, Goal.objects.get(pk=sales.pk), "480", "42")  # 480 of 500 → 96% (DOMAIN.md)
    _report(admin, exposure, "2200000", "3.4")  # 200万 → 220万 → 110%
    _report(admin, repurchase, "18")  # 15% → 20%, now 18% → progress 60%

    # Q4 (current quarter): department goals aligned to the annual KRs, in progress.
    content = goal(
        "Q4内容获客线索3万条",
        "MKT-CONTENT",
        q4,
        "liuyang",
        [{"name": "内容线索", "unit": "count", "target": "30000"}],
        parent=kr1,
        weight="60",
        goal_type=types["content"],
        description=f"{year}年Q4通过小红书和抖音内容获取线索3万条。",
    )
    xhs = goal(
        "小红书笔记50篇",
        "MKT-CONTENT-XHS",
        q4,
        "chenjing",
        [
            {"name": "笔记篇数", "unit": "custom", "unit_label": "篇", "target": "50"},
            {"name": "单篇平均点赞", "unit": "count", "target": "500", "accumulates": False},
        ],
        parent=content,
        weight="50",
        goal_type=types["content"],
        description=f"{year}年12月底前发布小红书种草笔记50篇,单篇平均点赞≥500。",
    )
    video = goal(
        "抖音短视频播放量800万",
        "MKT-CONTENT-VIDEO",
        q4,
        "zhoutao",
        [{"name": "播放量", "unit": "count", "target": "8000000"}],
        parent=content,
        weight="50",
        goal_type=types["brand_exposure"],
        description=f"{year}年Q4抖音短视频累计播放量800万。",
    )
    gmv = goal(
        "双11天猫GMV 1300万",
        "MKT-CHANNEL",
        q4,
        "wangqiang",
        [{"name": "GMV", "unit": "wan_yuan", "target": "1300", "challenge": "1500"}],
        parent=kr2,
        weight="70",
        goal_type=types["sales"],
        description=f"{year}年11月11日前天猫大促GMV达到1300万元。",
    )
    live = goal(
        "直播30场",
        "MKT-CHANNEL-EC",
        q4,
        "majun",
        [{"name": "直播场次", "unit": "custom", "unit_label": "场", "target": "30"}],
        parent=gmv,
        weight="100",
        goal_type=types["sales"],
        description=f"{year}年Q4完成天猫直播30场。",
    )
    outlets = goal(
        "线下新增网点40家,陈列达标率100%",
        "MKT-CHANNEL-OFFLINE",
        q4,
        "huangbo",
        [
            {"name": "新增网点", "unit": "custom", "unit_label": "家", "target": "40"},
            {"name": "陈列达标率", "unit": "percent", "target": "100", "accumulates": False},
        ],
        parent=kr2,
        weight="30",
        goal_type=types["sales"],
        description=f"{year}年Q4线下渠道新增网点40家,终端陈列达标率100%。",
    )
    private = goal(
        "私域社群复购率提升到22%",
        "MKT-USEROPS-PRIVATE",
        q4,
        "luowei",
        [{"name": "社群复购率", "unit": "percent", "baseline": "18", "target": "22", "accumulates": False}],
        parent=kr3,
        weight="60",
        goal_type=types["user_operations"],
        description=f"{year}年Q4私域社群复购率由18%提升到22%。",
    )
    members = goal(
        "会员活跃人数2万",
        "MKT-USEROPS-CRM",
        q4,
        "fenglei",
        [
            {
                "name": "月活会员",
                "unit": "people",
                "baseline": "12000",
                "target": "20000",
                "accumulates": False,
            }
        ],
        parent=kr3,
        weight="40",
        goal_type=types["user_operations"],
        description=f"{year}年12月会员月活达到2万人。",
    )
    brand = goal(
        "品牌声量提升",
        "MKT-BRAND",
        q4,
        "hanxue",
        [{"name": "全网声量", "unit": "count", "target": "5000000"}],
        parent=kr1,
        weight="40",
        goal_type=types["brand_exposure"],
        description=f"{year}年Q4全网品牌声量500万。",
    )
    _agree(
        admin,
        [content, xhs, video, gmv, live, outlets, private, members, brand],
        [people["zhaomin"], people["liuyang"], people["wangqiang"], people["yangxue"], people["hanxue"]],
        "Q4目标共识会:围绕双11大促,内容部保障种草内容,渠道部负责GMV与直播,用户运营部负责复购。",
    )
    # The owner asks, the director approves: the target changes only on approval.
    request = adjustment_create(
        actor=people["wangqiang"].user,
        goal=gmv,
        measure=gmv.measures.first(),
        new_target="1200",
        reason="竞品大幅降价,维持原目标需额外投放300万,申请下调目标。",
        trigger="竞品降价超过15%",
        approved_by=people["zhaomin"],
    )
    adjustment_approve(actor=people["zhaomin"].user, adjustment=request, comment="同意下调,追加投放另议。")
    _report(admin, xhs, "32", "560")
    _report(admin, video, "5200000")
    _report(admin, Goal.objects.get(pk=gmv.pk), "980")
    _report(admin, live, "22")
    _report(admin, outlets, "31", "96")
    _report(admin, private, "19.5")
    _report(admin, members, "15500")
    _report(admin, brand, "2100000")
    _report(admin, content, "17500")
    _report(admin, kr1, "71000")
    _report(admin, kr2, "22.5")
    _report(admin, kr3, "37.2")

    # Personal goals of specialists, drafts awaiting their manager.
    goal(
        "Q4小红书笔记20篇",
        "MKT-CONTENT-XHS",
        q4,
        "linxiao",
        [{"name": "笔记篇数", "unit": "custom", "unit_label": "篇", "target": "20"}],
        parent=xhs,
        weight="40",
        goal_type=types["content"],
        visibility="department",
        description=f"{year}年12月底前发布20篇种草笔记,单篇点赞≥500,评论≥100。",
    )
    goal(
        "提升小红书内容质量",
        "MKT-CONTENT-XHS",
        q4,
        "heyu",
        [],
        parent=xhs,
        goal_type=types["content"],
        description="加强内容质量。",
    )
