"""Build a realistic organisation deterministically from a seed (bench/README.md describes the shape).

company → divisions (中心) → departments (部) → teams (组), each with a manager; people in every
team; two fiscal years of periods; per year company objectives, division, department and team
goals without measures (they roll up by weight) and personal KPIs with measures, weekly check-ins
up to today and action items with an A and an R. Stored roll-ups come from `rebuild_all()`.
Then the money and the source data (`generate_money`, `generate_sources`): budget lines per
department, category and channel per quarter with their monthly split, spend and attribution;
data sources whose metrics verify a share of the personal measures, with a year of daily points
and the discrepancies they raise.

    python -m bench generate --scale L      (DATABASE_URL picks the database)
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from bench.bulk import insert, reset_sequences
from bench.scales import Scale
from lodestar.alerts.models import AlertCondition, AlertRule
from lodestar.budget import domain as budget_domain
from lodestar.budget.models import Attribution, BudgetAllocation, BudgetCategory, BudgetLine, Spend
from lodestar.core.models import CompanySettings, Period, PeriodKind
from lodestar.execution.models import ActionItem, RaciAssignment
from lodestar.goals.models import Goal, GoalType, Measure
from lodestar.goals.rollup import rebuild_all
from lodestar.metrics import domain as metrics_domain
from lodestar.metrics.models import Channel, DataSource, Discrepancy, MetricPoint, SourceMetric
from lodestar.org.models import Department, Person
from lodestar.org.periods_services import period_generate_fiscal_year
from lodestar.tracking.models import CheckIn

SEED = 20261125
TODAY = dt.date(2026, 11, 25)
YEARS = (2025, 2026)
PASSWORD = "bench-pass-2026"
NOON = dt.time(4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai
ADMIN = "bench-admin"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉晨宇欣怡浩然子轩梓涵一诺思远"
DIVISIONS = ["品牌中心", "数字营销中心", "渠道销售中心", "用户增长中心", "产品市场中心", "区域市场中心"]
DEPARTMENTS = ["内容部", "投放部", "电商部", "会员部", "公关部", "活动部", "市场研究部", "直播部"]
TEAMS = ["一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组"]
OBJECTIVES = [
    "全年销售额",
    "新客增长",
    "品牌声量",
    "复购率提升",
    "渠道覆盖",
    "内容产出",
    "直播GMV",
    "会员活跃",
]
TASKS = [
    "小红书种草笔记",
    "抖音信息流投放",
    "KOL筛选与签约",
    "直播脚本",
    "会员日活动",
    "新品发布会",
    "竞品调研",
]


@dataclass
class Org:
    departments: list[tuple] = field(default_factory=list)  # (id, parent_id, path, depth, name, level)
    people: list[tuple] = field(default_factory=list)  # (person_id, department_id)
    managers: dict[int, int] = field(default_factory=dict)  # department id → person id
    members: dict[int, list[int]] = field(default_factory=dict)  # team id → person ids


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _weights(n: int) -> list[Decimal]:
    """n weights in whole percents that add up to exactly 100 (sibling weight rule)."""
    base = 100 // n
    weights = [Decimal(base)] * n
    weights[0] += 100 - base * n
    return weights


def build_org(scale: Scale, rng: random.Random, root_id: int) -> Org:
    org = Org()
    org.departments.append((root_id, None, f"/{root_id}/", 0, "星辰消费品集团", 0))
    next_id = root_id + 1
    teams: list[int] = []
    for d in range(scale.divisions):
        division = next_id
        next_id += 1
        division_path = f"/{root_id}/{division}/"
        org.departments.append((division, root_id, division_path, 1, DIVISIONS[d % len(DIVISIONS)], 1))
        for p in range(scale.departments_per_division):
            department = next_id
            next_id += 1
            department_path = f"{division_path}{department}/"
            name = DEPARTMENTS[(d + p) % len(DEPARTMENTS)]
            org.departments.append((department, division, department_path, 2, name, 2))
            for t in range(rng.randint(*scale.teams_per_department)):
                team = next_id
                next_id += 1
                org.departments.append((team, department, f"{department_path}{team}/", 3, name + TEAMS[t], 3))
                teams.append(team)
    # Managers first (one per department), then the rest spread unevenly over the teams.
    person_id = 2  # 1 is the admin
    for dep in org.departments:
        org.managers[dep[0]] = person_id
        org.people.append((person_id, dep[0]))
        person_id += 1
    weights = [rng.uniform(0.5, 1.5) for _ in teams]
    remaining = scale.people - len(org.people)
    for team in teams:
        org.members[team] = [org.managers[team]]
    for _ in range(remaining):
        team = rng.choices(teams, weights)[0]
        org.members[team].append(person_id)
        org.people.append((person_id, team))
        person_id += 1
    return org


def insert_org(org: Org, rng: random.Random) -> None:
    password = make_password(PASSWORD)
    now = dt.datetime.now(dt.UTC)
    insert(
        Department,
        ["id", "name", "code", "parent_id", "path", "depth", "sort_order"],
        ((d[0], d[4], f"D{d[0]}", d[1], d[2], d[3], i) for i, d in enumerate(org.departments)),
    )
    User = get_user_model()
    insert(
        User,
        ["id", "username", "password", "is_active", "is_staff", "is_superuser", "date_joined"],
        ((pid + 1000, f"p{pid:05d}", password, True, False, False, now) for pid, _ in org.people),
    )
    manager_of = {d[0]: d[1] for d in org.departments}  # department → parent department
    insert(
        Person,
        ["id", "user_id", "display_name", "title", "department_id", "manager_id", "role"],
        (
            (
                pid,
                pid + 1000,
                _name(rng),
                "经理" if org.managers[dep] == pid else "专员",
                dep,
                org.managers.get(manager_of[dep]) if org.managers[dep] == pid else org.managers[dep],
                "member",
            )
            for pid, dep in org.people
        ),
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE org_department SET manager_id = %s WHERE id = %s",
            [(person, dep) for dep, person in org.managers.items()],
        )


@dataclass
class Counters:
    goal: int = 1
    measure: int = 1
    item: int = 1
    raci: int = 1
    checkin: int = 1


def _mondays(start: dt.date, end: dt.date) -> list[dt.date]:
    day = start + dt.timedelta(days=(7 - start.weekday()) % 7)
    weeks = []
    while day + dt.timedelta(days=6) <= end:
        weeks.append(day)
        day += dt.timedelta(days=7)
    return weeks


def build_year(scale: Scale, org: Org, rng: random.Random, year: Period, ids: Counters, kpi_type: int):
    """Goals, measures, items, RACI and check-ins of one fiscal year, as row tuples."""
    goals, measures, items, raci, checkins = [], [], [], [], []
    levels: dict[int, list[int]] = {}  # department → its goals this year

    def goal(name, department, owner, parent, weight, kind):
        gid = ids.goal
        ids.goal += 1
        depth = 0 if parent is None else parent_depth[parent] + 1
        parent_depth[gid] = depth
        goals.append((gid, kind, name, department, owner, year.pk, parent, weight, "active", depth, kpi_type))
        levels.setdefault(department, []).append(gid)
        return gid

    parent_depth: dict[int, int] = {}
    by_level: dict[int, list[tuple]] = {}
    for dep in org.departments:
        by_level.setdefault(dep[5], []).append(dep)
    root = by_level[0][0][0]
    for w, name in zip(_weights(5), OBJECTIVES[:5], strict=True):
        goal(f"{year.fiscal_year} {name}", root, org.managers[root], None, w, "objective")
    counts = {1: 5, 2: 6, 3: 8}
    for level in (1, 2, 3):
        for dep in by_level[level]:
            parents = levels[dep[1]]
            n = counts[level]
            for i, w in enumerate(_weights(n)):
                parent = parents[i % len(parents)]
                goal(
                    f"{dep[4]} {OBJECTIVES[i % len(OBJECTIVES)]}",
                    dep[0],
                    org.managers[dep[0]],
                    parent,
                    w,
                    "kr",
                )
    weeks = _mondays(year.start, min(year.end, TODAY))
    for team, people in org.members.items():
        team_goals = levels[team]
        manager = org.managers[team]
        for person in people:
            for i, w in enumerate(_weights(scale.goals_per_person)):
                gid = goal(
                    f"{OBJECTIVES[i % len(OBJECTIVES)]} 个人指标 {i + 1}",
                    team,
                    person,
                    team_goals[i % len(team_goals)],
                    w,
                    "kpi",
                )
                two = (gid % scale.measures_two_in) == 0
                for m in range(2 if two else 1):
                    target = Decimal(rng.randrange(50, 500) * 10)
                    pace = rng.uniform(0.55, 1.25)  # how this measure is doing against an even plan
                    mid = ids.measure
                    ids.measure += 1
                    planned = (target / len(weeks)).quantize(Decimal("0.01")) if weeks else Decimal(0)
                    cumulative = Decimal(0)
                    for week in weeks:
                        actual = (planned * Decimal(str(round(pace * rng.uniform(0.7, 1.3), 3)))).quantize(
                            Decimal("0.01")
                        )
                        cumulative += actual
                        checkins.append(
                            (
                                ids.checkin,
                                mid,
                                week,
                                week + dt.timedelta(days=6),
                                planned,
                                actual,
                                cumulative,
                                person,
                            )
                        )
                        ids.checkin += 1
                    measures.append(
                        (mid, gid, "完成量" if m == 0 else "质量分", target, target, cumulative or None, m)
                    )
                for k in range(rng.randint(*scale.items_per_goal)):
                    start = year.start + dt.timedelta(days=rng.randrange(0, 330))
                    due = min(year.end, start + dt.timedelta(days=rng.randrange(3, 60)))
                    if due < TODAY:
                        status = rng.choices(["done", "doing", "blocked", "cancelled"], [88, 6, 3, 3])[0]
                    elif start > TODAY:
                        status = "todo"
                    else:
                        status = rng.choices(["todo", "doing", "blocked"], [30, 60, 10])[0]
                    iid = ids.item
                    ids.item += 1
                    # Finished work was finished around its due date; open work last moved when it started.
                    moved = dt.datetime.combine(
                        min(due, TODAY) if status == "done" else min(start, TODAY), NOON
                    )
                    items.append(
                        (
                            iid,
                            gid,
                            team,
                            f"{TASKS[(gid + k) % len(TASKS)]} #{iid}",
                            start,
                            due,
                            rng.choice(["P0", "P1", "P1", "P2"]),
                            status,
                            float(iid),
                            manager,
                            moved,
                            moved if status == "done" else None,
                        )
                    )
                    raci.append((ids.raci, iid, "A", manager))
                    ids.raci += 1
                    raci.append((ids.raci, iid, "R", person))
                    ids.raci += 1
    return goals, measures, items, raci, checkins


# --- money: budget lines, their monthly split, spend and attribution (lodestar/budget) ------------

# Channels a unit buys, by the kind of department (DEPARTMENTS): 投放部 spends on the ad platforms,
# 电商部 on the marketplaces and live streams … (channel codes of metrics' default channels).
CHANNELS_OF = {
    "内容部": ("xiaohongshu", "douyin", "wechat"),
    "投放部": ("douyin", "xiaohongshu", "tmall", "linkedin"),
    "电商部": ("tmall", "live", "douyin"),
    "会员部": ("wechat", "edm", "tmall"),
    "公关部": ("summit", "wechat", "linkedin"),
    "活动部": ("summit", "live", "douyin"),
    "市场研究部": ("edm", "linkedin"),
    "直播部": ("live", "douyin", "tmall"),
}
# Return on spend by channel (revenue ÷ spend) and cost per lead (yuan), around which months vary.
CHANNEL_ROI = {"douyin": 3.2, "tmall": 4.5, "xiaohongshu": 2.4, "wechat": 5.5, "live": 3.8,
               "linkedin": 1.6, "edm": 2.8, "summit": 1.2}  # fmt: skip
COST_PER_LEAD = {"douyin": 90, "tmall": 140, "xiaohongshu": 70, "wechat": 45, "live": 110,
                 "linkedin": 260, "edm": 35, "summit": 420}  # fmt: skip


def _base_name(dep_name: str) -> str:
    for name in DEPARTMENTS:
        if dep_name.startswith(name):
            return name
    return DEPARTMENTS[0]


def build_money(org: Org, rng: random.Random, quarters: list[Period], channels: dict[str, int],
                categories: dict[str, int]):  # fmt: skip
    """Budget lines per department × category (× channel) per quarter of both years, as row tuples.

    Teams (组) buy placements on two or three channels and pay content and events; departments (部)
    and divisions (中心) also hold people and, divisions, other costs. Each line is split evenly over
    its months (budget/domain.py's even split); quarters that have begun have spend (placements about
    weekly, imported from the platforms; other costs monthly, typed) at 70–110% of the plan pro rata,
    and placements get the revenue and leads attributed to them per month."""
    lines, allocations, spends, attributions = [], [], [], []
    ids = {"line": 1, "allocation": 1, "spend": 1, "attribution": 1}
    for dep_id, _parent, _path, _depth, name, level in org.departments:
        if level == 0:
            continue
        manager = org.managers[dep_id]
        own = CHANNELS_OF[_base_name(name)]
        bought = list(own[: rng.randint(2, len(own))] if level == 3 else own)
        scale_by_level = {1: 4.0, 2: 2.0, 3: 1.0}[level]
        plan = [("channel", code, 60_000) for code in bought]
        plan += [("content", bought[0], 40_000), ("events", None, 30_000)]
        if level <= 2:
            plan.append(("people", None, 120_000))
        if level == 1:
            plan.append(("other", None, 20_000))
        for quarter in quarters:
            for category, channel, base in plan:
                planned = Decimal(round(base * scale_by_level * rng.uniform(0.6, 1.6), -2))
                line = ids["line"]
                ids["line"] += 1
                channel_id = channels[channel] if channel else None
                lines.append((line, quarter.pk, dep_id, categories[category], channel_id, planned, manager))
                months = budget_domain.month_starts(quarter.start, quarter.end)
                parts = budget_domain.split_by_shares(planned, None, len(months))
                for month, share, amount in zip(
                    months, budget_domain.shares_of(planned, parts), parts, strict=True
                ):
                    allocations.append((ids["allocation"], line, month, share, amount))
                    ids["allocation"] += 1
                if quarter.start > TODAY:
                    continue
                elapsed = (min(quarter.end, TODAY) - quarter.start).days + 1
                spent = planned * Decimal(elapsed) / Decimal((quarter.end - quarter.start).days + 1)
                spent *= Decimal(str(round(rng.uniform(0.7, 1.1), 3)))
                step = 7 if category == "channel" else 30
                days = list(range(rng.randrange(0, step), elapsed, step)) or [0]
                source = "imported" if category == "channel" else "typed"
                per_day = (spent / len(days)).quantize(Decimal("0.01"))
                paid_by_month: dict[dt.date, Decimal] = {}
                for offset in days:
                    day = quarter.start + dt.timedelta(days=offset)
                    amount = (per_day * Decimal(str(round(rng.uniform(0.8, 1.2), 3)))).quantize(
                        Decimal("0.01")
                    )
                    spends.append((ids["spend"], line, day, amount, source, manager))
                    ids["spend"] += 1
                    month = day.replace(day=1)
                    paid_by_month[month] = paid_by_month.get(month, Decimal(0)) + amount
                if category != "channel":
                    continue
                for month, paid in sorted(paid_by_month.items()):
                    roi = CHANNEL_ROI[channel] * rng.uniform(0.6, 1.4)
                    revenue = (paid * Decimal(str(round(roi, 3)))).quantize(Decimal("0.01"))
                    leads = int(paid / Decimal(COST_PER_LEAD[channel] * rng.uniform(0.7, 1.3)))
                    attributions.append((ids["attribution"], line, month, revenue, leads, manager))
                    ids["attribution"] += 1
    return lines, allocations, spends, attributions


def generate_money(org: Org, rng: random.Random) -> dict[str, int]:
    quarters = list(Period.objects.filter(kind=PeriodKind.QUARTER).order_by("start"))
    channels = dict(Channel.objects.values_list("code", "pk"))
    categories = dict(BudgetCategory.objects.values_list("code", "pk"))
    lines, allocations, spends, attributions = build_money(org, rng, quarters, channels, categories)
    counts = {
        "budget_lines": insert(
            BudgetLine,
            ["id", "period_id", "department_id", "category_id", "channel_id", "planned", "created_by_id"],
            lines,
        ),
        "allocations": insert(BudgetAllocation, ["id", "line_id", "month", "share", "amount"], allocations),
        "spend": insert(Spend, ["id", "line_id", "date", "amount", "source", "created_by_id"], spends),
        "attributions": insert(
            Attribution, ["id", "line_id", "month", "revenue", "leads", "updated_by_id"], attributions
        ),
    }
    reset_sequences([BudgetLine, BudgetAllocation, Spend, Attribution])
    return counts


# --- source data: data sources, metrics verifying measures, daily points, discrepancies (metrics) --

# (name, kind, the channels it reports, its channel-level metrics: (name, unit, aggregation, daily base))
SOURCES = [
    ("生意参谋", "platform", ("tmall",), [("成交金额", "元", "sum", 900_000), ("访客数", "人", "sum", 60_000),
                                         ("转化率", "%", "mean", 3)]),
    ("巨量引擎", "platform", ("douyin", "live"), [("消耗", "元", "sum", 300_000), ("曝光量", "次", "sum", 4_000_000),
                                              ("成交金额", "元", "sum", 700_000)]),
    ("小红书蒲公英", "platform", ("xiaohongshu",), [("曝光量", "次", "sum", 1_500_000), ("互动量", "次", "sum", 40_000)]),
    ("企业微信SCRM", "crm", ("wechat", "edm"), [("线索数", "条", "sum", 900), ("成交金额", "元", "sum", 250_000)]),
    ("财务系统", "finance", (), []),
]  # fmt: skip
VERIFY_EVERY = 20  # one personal measure in 20 of the current year is verified against a source
DISCREPANCY_EVERY = 25  # about one verified week in 25 is reported beyond the tolerance
TOLERANCE = Decimal("0.0500")
DISCREPANCY_COLUMNS = ["id", "measure_id", "metric_id", "checkin_id", "period_start", "period_end", "reported",
                       "source", "difference_rate", "tolerance", "status", "note", "resolved_by_id",
                       "resolved_at"]  # fmt: skip


def build_sources(rng: random.Random, channels: dict[str, int], verified: dict[int, list[tuple]],
                  owners: dict[int, int]):  # fmt: skip
    """Sources, their metrics and a year of daily points, and the discrepancies the points raise.

    Channel-level metrics report every day of the year up to today on each of the source's channels.
    Each verified measure gets a metric (use=verify, 5% tolerance, summed over the days) on a source in
    turn; its daily points split the week's reported figure, within ±3% of it, except about one week in
    `DISCREPANCY_EVERY`, which is 6–25% off and has its `Discrepancy` (mostly open, some explained or
    resolved), exactly as `metrics.verification` would flag it."""
    sources, metrics, points, discrepancies = [], [], [], []
    ids = {"metric": 1, "point": 1, "discrepancy": 1}
    first_day = TODAY - dt.timedelta(days=364)
    year_days = [first_day + dt.timedelta(days=n) for n in range(365)]
    for source_id, (name, kind, reports, channel_metrics) in enumerate(SOURCES, start=1):
        sources.append((source_id, name, kind, f"{name}（bench 生成）"))
        for metric_name, unit, aggregation, base in channel_metrics:
            metric_id = ids["metric"]
            ids["metric"] += 1
            metrics.append((metric_id, source_id, metric_name, unit, aggregation, None, "verify", TOLERANCE))
            for code in reports:
                level = base * rng.uniform(0.5, 1.5)
                for day in year_days:
                    season = 1.6 if (day.month, day.day) in ((6, 18), (11, 11)) else 1.0  # 618, 双11
                    value = Decimal(str(round(level * season * rng.uniform(0.75, 1.25), 2)))
                    points.append((ids["point"], metric_id, channels[code], day, value))
                    ids["point"] += 1
    for n, (measure_id, weeks) in enumerate(sorted(verified.items())):
        source_id = n % len(SOURCES) + 1
        metric_id = ids["metric"]
        ids["metric"] += 1
        metrics.append(
            (metric_id, source_id, f"个人指标 M{measure_id}", "", "sum", measure_id, "verify", TOLERANCE)
        )
        for checkin_id, start, end, actual in weeks:
            if rng.randrange(DISCREPANCY_EVERY) == 0:  # reported 6–25% above or below the source
                off = rng.uniform(0.06, 0.25) * rng.choice((-1, 1))
            else:
                off = rng.uniform(-0.03, 0.03)
            level = Decimal(1) + Decimal(str(round(off, 4)))
            shares = [rng.uniform(0.5, 1.5) for _ in range(7)]
            total = sum(shares)
            source_total = Decimal(0)
            for k in range(7):
                value = (actual / level * Decimal(str(shares[k] / total))).quantize(Decimal("0.01"))
                source_total += value
                points.append((ids["point"], metric_id, None, start + dt.timedelta(days=k), value))
                ids["point"] += 1
            rate = metrics_domain.difference_rate(actual, source_total)
            if not metrics_domain.is_discrepancy(rate, TOLERANCE):
                continue
            status = rng.choices(["open", "explained", "resolved"], [70, 20, 10])[0]
            note = {"open": "", "explained": "平台退款次周入账", "resolved": "已更正填报数"}[status]
            resolved = dt.datetime.combine(end + dt.timedelta(days=3), NOON) if status != "open" else None
            discrepancies.append(
                (ids["discrepancy"], measure_id, metric_id, checkin_id, start, end, actual, source_total,
                 metrics_domain.rate_4(rate), TOLERANCE, status, note,
                 owners.get(measure_id) if resolved else None, resolved)
            )  # fmt: skip
            ids["discrepancy"] += 1
    return sources, metrics, points, discrepancies


def generate_sources(rng: random.Random, verified: dict[int, list[tuple]], owners: dict[int, int]) -> dict:
    channels = dict(Channel.objects.values_list("code", "pk"))
    sources, metrics, points, discrepancies = build_sources(rng, channels, verified, owners)
    counts = {
        "data_sources": insert(DataSource, ["id", "name", "kind", "description"], sources),
        "source_metrics": insert(
            SourceMetric,
            ["id", "source_id", "name", "unit", "aggregation", "measure_id", "use", "tolerance"],
            metrics,
        ),
        "metric_points": insert(MetricPoint, ["id", "metric_id", "channel_id", "date", "value"], points),
        "discrepancies": insert(
            Discrepancy,
            DISCREPANCY_COLUMNS,
            discrepancies,
        ),
    }
    reset_sequences([DataSource, SourceMetric, MetricPoint, Discrepancy])
    return counts


def generate(scale: Scale, seed: int = SEED, log=print) -> dict:
    """Fill an empty, migrated database; returns a summary with the ids the bench cases use."""
    if Goal.objects.exists() or Department.objects.exists():
        raise SystemExit("The bench database is not empty; drop it first (make bench does).")
    rng = random.Random(seed)
    started = time.perf_counter()
    User = get_user_model()
    with transaction.atomic():
        settings_row = CompanySettings.load()
        settings_row.company_name = "星辰消费品集团"
        settings_row.save()
        root_id = 1
        org = build_org(scale, rng, root_id)
        insert_org(org, rng)
        admin = User.objects.create_superuser(ADMIN, password=PASSWORD)
        Person.objects.create(
            id=1, user=admin, display_name="系统管理员", department_id=root_id, role="admin"
        )
        reset_sequences([Department, Person, User])
        for year in YEARS:
            period_generate_fiscal_year(actor=admin, year=year)
        kpi_type = GoalType.objects.order_by("sort_order", "id").values_list("pk", flat=True).first()
        log(f"  org: {len(org.departments)} departments, {len(org.people) + 1} people")
        ids = Counters()
        totals = dict.fromkeys(("goals", "measures", "items", "raci", "checkins"), 0)
        verified: dict[int, list[tuple]] = {}  # measure → its weekly check-ins (id, start, end, actual)
        owners: dict[int, int] = {}  # verified measure → the person who reports it
        for year in Period.objects.filter(kind=PeriodKind.YEAR).order_by("start"):
            goals, measures, items, raci, checkins = build_year(scale, org, rng, year, ids, kpi_type)
            totals["goals"] += insert(
                Goal,
                ["id", "kind", "name", "department_id", "owner_id", "period_id", "parent_id", "weight",
                 "status", "depth", "goal_type_id"],
                goals,
            )  # fmt: skip
            totals["measures"] += insert(
                Measure,
                ["id", "goal_id", "name", "target", "original_target", "current", "sort_order"],
                measures,
            )
            totals["items"] += insert(
                ActionItem,
                ["id", "goal_id", "department_id", "title", "start", "due", "priority", "status",
                 "position", "accountable_id", "status_changed_at", "completed_at"],
                items,
            )  # fmt: skip
            totals["raci"] += insert(RaciAssignment, ["id", "item_id", "role", "person_id"], raci)
            totals["checkins"] += insert(
                CheckIn,
                ["id", "measure_id", "period_start", "period_end", "planned", "actual", "cumulative",
                 "author_id"],
                checkins,
            )  # fmt: skip
            log(f"  {year.fiscal_year}: {len(goals)} goals, {len(items)} items, {len(checkins)} check-ins")
            if year.start <= TODAY <= year.end:
                for checkin_id, measure_id, start, end, _planned, actual, _cumulative, person in checkins:
                    if measure_id % VERIFY_EVERY == 0:
                        verified.setdefault(measure_id, []).append((checkin_id, start, end, actual))
                        owners[measure_id] = person
        reset_sequences([Goal, Measure, ActionItem, RaciAssignment, CheckIn])
        AlertRule.objects.create(
            name="达成率低于80%",
            condition=AlertCondition.ACHIEVEMENT_BELOW,
            threshold=Decimal("0.8"),
            recipients=["owner", "manager"],
            channels=["inbox"],
        )
        money_rng = random.Random(seed + 1)  # its own stream: the goals above stay what they were
        totals.update(generate_money(org, money_rng))
        totals.update(generate_sources(money_rng, verified, owners))
        log(
            f"  money: {totals['budget_lines']} budget lines, {totals['spend']} spend entries; sources: "
            f"{totals['source_metrics']} metrics, {totals['metric_points']} points, "
            f"{totals['discrepancies']} discrepancies"
        )
    rebuild_started = time.perf_counter()
    rebuild_all(today=TODAY)
    log(f"  roll-ups rebuilt in {time.perf_counter() - rebuild_started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics for the freshly loaded tables
    totals["departments"] = len(org.departments)
    totals["people"] = len(org.people) + 1
    totals["seconds"] = round(time.perf_counter() - started, 1)
    return totals
