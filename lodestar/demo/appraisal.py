"""The demo's performance appraisal (issue #15; DOMAIN.md §5 and "Appraisal scoring"; seeds 003 and 004).

Q2 is the quarter the demo closes (lodestar/demo/reviews.py). Before it closes, every specialist and lead of
内容营销部, 渠道推广部 and 用户运营部 gets a personal Q2 KPI (销售额) and the centre two shared goals (会员
留存率, 线索转化率, 新渠道开发), so the close snapshot holds what the templates score. After it closes, the
cycle "Q2绩效考核" runs from start to published grades through the services, with reviews, a
calibration move, improvement plans, feedback meetings and an appeal. 品牌部 is left out of that cycle:
the appraisal journey (e2e) runs a cycle for it in the browser.
"""

from __future__ import annotations

from decimal import Decimal

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
