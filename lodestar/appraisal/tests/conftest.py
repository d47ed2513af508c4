"""The appraisal world: the root organisation's FY2024 Q3, closed, and DOMAIN.md's worked example.

林晓 (市场岗, 内容组 under 赵敏, performance-pay base 10,000 元) is appraised on the seeds' 市场岗 template:
销售额 40% (a measure, achievement 96%, cap 120%), 客户留存率 20% (a goal, 130%, cap 120%), 线索转化率 10%
(her goals of the type 转化, 55%, floor 60%), 方案创新 15% and 团队协作 15% (qualitative). Peers: 王强 (销售部
manager) and 周杰 (销售部). `world.rate_worked_example()` writes the reviews of the example: 方案创新
manager 4, self 5, peers 4 and 3; 团队协作 manager 5, self 4, no peer → 88.95, A, bonus 12,000.00.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from lodestar.appraisal.models import (
    Cycle,
    Indicator,
    IndicatorKind,
    Rating,
    Review,
    ReviewRole,
    ReviewStatus,
    Template,
)
from lodestar.core.models import Period
from lodestar.goals.models import GoalStatus, GoalType, Visibility
from lodestar.org.models import Person, Position
from lodestar.org.periods_services import period_generate_fiscal_year
from lodestar.testing.factories import (
    GoalFactory,
    GoalTypeFactory,
    MeasureFactory,
    PayBaseFactory,
    PositionFactory,
    SnapshotFactory,
)
from lodestar.testing.organisation import add_simple_person


@dataclass
class AppraisalWorld:
    org: object
    q3: Period
    position: Position
    template: Template
    indicators: dict[str, Indicator]
    person: Person
    peer: Person
    peer2: Person
    conversion: GoalType

    def user(self, key: str):
        return self.org.user(key)

    def rate_worked_example(self, cycle: Cycle) -> None:
        """The example's reviews, submitted (written as rows: the services are tested on their own)."""
        appraisal = cycle.appraisals.get(person=self.person)
        innovation, teamwork = self.indicators["方案创新"], self.indicators["团队协作"]
        plan = [
            (self.person, ReviewRole.SELF, {innovation: 5, teamwork: 4}),
            (self.org.person("mkt_manager"), ReviewRole.MANAGER, {innovation: 4, teamwork: 5}),
            (self.peer, ReviewRole.PEER, {innovation: 4}),
            (self.peer2, ReviewRole.PEER, {innovation: 3}),
        ]
        for reviewer, role, ratings in plan:
            review, _created = Review.objects.get_or_create(appraisal=appraisal, reviewer=reviewer, role=role)
            review.status = ReviewStatus.SUBMITTED
            review.submitted_at = timezone.now()
            review.save()
            for indicator, rating in ratings.items():
                Rating.objects.update_or_create(
                    review=review, indicator=indicator, defaults={"rating": rating}
                )


def _goal(q3, org, name, goal_type, *, achievement: Decimal):
    goal = GoalFactory(
        name=name,
        department=org.content,
        period=q3,
        owner=org.member,
        goal_type=goal_type,
        status=GoalStatus.ACTIVE,
        visibility=Visibility.DEPARTMENT,
    )
    measure = MeasureFactory(goal=goal, name=name, target=Decimal(100), original_target=Decimal(100))
    SnapshotFactory(
        measure=measure,
        period=q3,
        target=Decimal(100),
        original_target=Decimal(100),
        actual=achievement * 100,
        achievement_rate=achievement,
        original_achievement_rate=achievement,
        # As the close writes them: the roll-up caps the goal at 100%, the uncapped figure beside it.
        goal_achievement_rate=min(achievement, Decimal(1)),
        goal_achievement_rate_uncapped=achievement,
    )
    return goal, measure


@pytest.fixture
def aw(org) -> AppraisalWorld:
    period_generate_fiscal_year(actor=org.user("admin"), year=2024)
    q3 = Period.objects.get(kind="quarter", key="FY2024-Q3")
    position = PositionFactory(name="市场岗", code="marketing")
    member = org.member
    member.position = position
    member.save()
    sales_type = GoalTypeFactory(code="sales-x", name="销售额X")
    retention_type = GoalTypeFactory(code="retention-x", name="留存X")
    conversion = GoalTypeFactory(code="conversion-x", name="转化X")
    _sales_goal, sales_measure = _goal(q3, org, "Q3销售额", sales_type, achievement=Decimal("0.96"))
    retention_goal, _m = _goal(q3, org, "Q3客户留存率", retention_type, achievement=Decimal("1.30"))
    _goal(q3, org, "Q3线索转化率", conversion, achievement=Decimal("0.55"))
    template = Template.objects.create(name="市场岗考核模板", position=position)
    rows = [
        ("销售额", IndicatorKind.QUANTITATIVE, 40, {"measure": sales_measure, "cap": Decimal("1.20")}),
        ("客户留存率", IndicatorKind.QUANTITATIVE, 20, {"goal": retention_goal, "cap": Decimal("1.20")}),
        ("线索转化率", IndicatorKind.QUANTITATIVE, 10, {"goal_type": conversion, "floor": Decimal("0.60")}),
        ("方案创新", IndicatorKind.QUALITATIVE, 15, {}),
        ("团队协作", IndicatorKind.QUALITATIVE, 15, {}),
    ]
    indicators = {
        name: Indicator.objects.create(
            template=template, name=name, kind=kind, weight=Decimal(weight), sort_order=i, **extra
        )
        for i, (name, kind, weight, extra) in enumerate(rows)
    }
    PayBaseFactory(person=member, amount=Decimal(10000))
    peer2 = add_simple_person("peer2", "周杰", org.sales)
    world = AppraisalWorld(
        org=org,
        q3=q3,
        position=position,
        template=template,
        indicators=indicators,
        person=member,
        peer=org.person("sales_manager"),
        peer2=peer2,
        conversion=conversion,
    )
    return world
