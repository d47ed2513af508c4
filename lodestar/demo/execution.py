"""Demo action plans: the seeds' campaigns (小红书种草笔记, 抖音短视频投放, 天猫直播 in 预热期 → 爆发期 →
返场期, and the KOL筛选 → 签约 → 跟踪 chain), with owners, RACI, phases and a cross-department request."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from lodestar.execution import services
from lodestar.execution.models import Phase, RecurringItem
from lodestar.goals.models import Goal
from lodestar.org.models import Department, Person


def seed_demo_execution(admin) -> None:
    today = timezone.localdate()
    year = today.year
    people = {p.user.username: p for p in Person.objects.select_related("user", "department")}
    dept = {d.code: d for d in Department.objects.all()}
    goals = {g.name: g for g in Goal.objects.prefetch_related("measures")}

    def day(month: int, d: int) -> dt.date:
        return dt.date(year, month, d)

    def item(title, department, responsible, accountable, **fields):
        actor = people[accountable].user
        return services.item_create(
            actor=actor,
            department=dept[department],
            title=title,
            responsible=[people[u] for u in responsible],
            accountable=people[accountable],
            **fields,
        )

    # 小红书种草笔记: the KOL chain and the notes that count toward 小红书笔记50篇.
    xhs = goals.get("小红书笔记50篇")
    notes_measure = xhs.measures.get(name="笔记篇数") if xhs else None
    kol_pick = item(
        "KOL筛选(腰部达人20位)",
        "MKT-CONTENT-XHS",
        ["linxiao"],
        "chenjing",
        goal=xhs,
        start=day(10, 8),
        due=day(10, 20),
        priority="P0",
        done_standard="粉丝5万-50万, 互动率≥3%",
        deliverable="KOL名单",
        materials="KOL名单",
        status="doing",
        consulted=[dept["MKT-CONTENT"]],
        informed=[dept["MKT"]],
    )
    services.item_update(actor=people["chenjing"].user, item=kol_pick, version=None, status="done")
    kol_sign = item(
        "KOL签约与排期",
        "MKT-CONTENT-XHS",
        ["linxiao"],
        "chenjing",
        goal=xhs,
        start=day(10, 21),
        due=day(11, 5),
        priority="P0",
        budget=Decimal("60000"),
        deliverable="签约合同12份",
        predecessors=[kol_pick],
        consulted=[people["hanxue"]],
    )
    services.item_update(actor=people["chenjing"].user, item=kol_sign, version=None, status="done")
    notes = item(
        "小红书种草笔记发布",
        "MKT-CONTENT-XHS",
        ["linxiao", "heyu"],
        "chenjing",
        goal=xhs,
        measure=notes_measure,
        start=day(11, 1),
        due=day(12, 20),
        priority="P0",
        planned_quantity=Decimal("50"),
        unit="篇",
        done_standard="点赞≥500, 评论≥100",
        deliverable="笔记链接与数据截图",
        materials="素材库",
        predecessors=[kol_sign],
        consulted=[dept["MKT-CONTENT"]],
        informed=[dept["MKT"]],
        status="doing",
    )
    services.item_update(
        actor=people["linxiao"].user, item=notes, version=None, actual_quantity=Decimal("32")
    )
    item(
        "KOL笔记效果跟踪周报",
        "MKT-CONTENT-XHS",
        ["heyu"],
        "chenjing",
        goal=xhs,
        start=day(11, 10),
        due=day(12, 26),
        priority="P1",
        predecessors=[notes],
        deliverable="效果跟踪表",
    )

    # A reply-and-data chore that slipped: the overdue-task alert a team lead meets in her inbox.
    item(
        "笔记评论区维护与数据回收",
        "MKT-CONTENT-XHS",
        ["heyu"],
        "chenjing",
        goal=xhs,
        start=today - dt.timedelta(days=15),
        due=today - dt.timedelta(days=5),
        priority="P1",
        deliverable="评论回复记录与笔记数据表",
        status="doing",
    )

    # 抖音短视频投放.
    video = goals.get("抖音短视频播放量800万")
    script = item(
        "短视频脚本(10条)",
        "MKT-CONTENT-VIDEO",
        ["wujie"],
        "zhoutao",
        goal=video,
        start=day(10, 10),
        due=day(10, 25),
        priority="P1",
        planned_quantity=Decimal("10"),
        actual_quantity=Decimal("10"),
        unit="条",
        deliverable="脚本文档",
    )
    services.item_update(actor=people["zhoutao"].user, item=script, version=None, status="done")
    shoot = item(
        "拍摄与剪辑",
        "MKT-CONTENT-VIDEO",
        ["zhengshuang", "wujie"],
        "zhoutao",
        goal=video,
        start=day(10, 26),
        due=day(11, 30),
        priority="P1",
        planned_quantity=Decimal("10"),
        actual_quantity=Decimal("7"),
        unit="条",
        predecessors=[script],
        status="doing",
    )
    item(
        "抖音信息流投放",
        "MKT-CONTENT-VIDEO",
        ["zhuli"],
        "zhoutao",
        goal=video,
        start=day(11, 15),
        due=day(12, 31),
        priority="P0",
        budget=Decimal("300000"),
        done_standard="CPM≤40元, 完播率≥30%",
        predecessors=[shoot],
        consulted=[people["lina"]],
    )

    # 天猫直播 for 双11 in three phases, with a design request to the brand team.
    gmv = goals.get("双11天猫GMV 1300万")
    ec = dept["MKT-CHANNEL-EC"]
    phases = {}
    for order, (name, start, end) in enumerate(
        (
            ("预热期", day(10, 20), day(10, 31)),
            ("爆发期", day(11, 1), day(11, 11)),
            ("返场期", day(11, 12), day(11, 20)),
        )
    ):
        phases[name] = Phase.objects.create(
            department=ec, goal=gmv, name=name, start=start, end=end, sort_order=order
        )
    poster = item(
        "大促主视觉海报设计",
        "MKT-CHANNEL-EC",
        ["lina"],
        "wangqiang",
        goal=gmv,
        phase=phases["预热期"],
        start=day(10, 15),
        due=day(10, 22),
        priority="P0",
        deliverable="主视觉3套",
        requested_department=dept["MKT-BRAND"],
    )
    services.request_answer(
        actor=people["hanxue"].user, item=poster, accept=True, responsible=people["jiangtao"]
    )
    services.item_update(actor=people["wangqiang"].user, item=poster, version=None, status="done")
    warmup = item(
        "直播预告与预约",
        "MKT-CHANNEL-EC",
        ["majun"],
        "lina",
        goal=gmv,
        phase=phases["预热期"],
        start=day(10, 23),
        due=day(10, 31),
        priority="P1",
        done_standard="预约人数≥2万",
        predecessors=[poster],
    )
    services.item_update(actor=people["lina"].user, item=warmup, version=None, status="done")
    lives = item(
        "双11直播(10场)",
        "MKT-CHANNEL-EC",
        ["majun"],
        "lina",
        goal=gmv,
        phase=phases["爆发期"],
        start=day(11, 1),
        due=day(11, 11),
        priority="P0",
        planned_quantity=Decimal("10"),
        actual_quantity=Decimal("10"),
        unit="场",
        predecessors=[warmup],
        budget=Decimal("200000"),
    )
    services.item_update(actor=people["lina"].user, item=lives, version=None, status="done")
    milestone = item(
        "双11当天",
        "MKT-CHANNEL-EC",
        ["sunhao"],
        "wangqiang",
        goal=gmv,
        phase=phases["爆发期"],
        start=day(11, 11),
        due=day(11, 11),
        is_milestone=True,
        priority="P0",
        predecessors=[warmup],
    )
    if today > day(11, 11):
        services.item_update(actor=people["wangqiang"].user, item=milestone, version=None, status="done")
    item(
        "返场直播与复盘",
        "MKT-CHANNEL-EC",
        ["majun", "sunhao"],
        "lina",
        goal=gmv,
        phase=phases["返场期"],
        start=day(11, 12),
        due=day(11, 20),
        priority="P1",
        predecessors=[lives],
        status="doing",
    )
    item(
        "H5互动页开发",
        "MKT-CHANNEL-EC",
        ["sunhao"],
        "lina",
        goal=gmv,
        phase=phases["返场期"],
        start=day(11, 20),
        due=day(12, 5),
        priority="P2",
        requested_department=dept["MKT-BRAND"],
    )
    blocked = item(
        "达人直播间合作洽谈",
        "MKT-CHANNEL-EC",
        ["sunhao"],
        "lina",
        goal=gmv,
        start=day(11, 1),
        due=day(11, 18),
        priority="P1",
        status="blocked",
        description="合作方档期冲突,等待对方确认。",
    )
    services.comment_add(actor=people["lina"].user, item=blocked, body="@sunhao 请本周内给出备选达人名单。")

    # A weekly report every Friday for the content team (generated by the task worker).
    RecurringItem.objects.create(
        department=dept["MKT-CONTENT"],
        title="内容营销部周报",
        frequency=RecurringItem.Frequency.WEEKLY,
        weekday=5,
        responsible=people["liuyang"],
        accountable=people["zhaomin"],
        created_by=people["liuyang"],
        next_due=today + dt.timedelta(days=(4 - today.weekday()) % 7),
    )
