"""factory-boy factories for every model, one module for all apps.

Each factory makes a valid row with the fewest other rows: a `MeasureFactory` makes its goal, the
goal its department and period, and so on. They write rows directly (no services, no permission
checks, no notifications), which is what test set-up wants; a test of a rule goes through the
service it tests. `DepartmentFactory` computes the materialised `path` and `depth` from its parent
the way `lodestar.org.services.department_create` does, so subtree queries work on factory data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from lodestar.alerts.models import Alert, AlertComment, AlertCondition, AlertRule, CheckInReminder
from lodestar.appraisal.models import (
    Appeal,
    Appraisal,
    CalibrationMove,
    CommitteeArea,
    CommitteeMember,
    Competency,
    CompetencyGroup,
    CompetencyRating,
    Composite,
    Cycle,
    CycleStage,
    Evidence,
    EvidenceKind,
    FeedbackMeeting,
    Indicator,
    IndicatorKind,
    PayBase,
    Pip,
    PipCheck,
    Rating,
    Review,
    ReviewRole,
    Stage,
)
from lodestar.appraisal.models import Template as AppraisalTemplate
from lodestar.budget.models import (
    Attribution,
    BudgetAllocation,
    BudgetCategory,
    BudgetLine,
    Reallocation,
    Spend,
)
from lodestar.core.models import CompanySettings, Period, PeriodKind
from lodestar.exchange.models import TableImport
from lodestar.execution.models import (
    ActionItem,
    Attachment,
    Comment,
    Dependency,
    Phase,
    RaciAssignment,
    RaciRole,
    RecurringItem,
)
from lodestar.goals.models import (
    ConsensusParticipant,
    ConsensusRecord,
    Decomposition,
    Goal,
    GoalTemplate,
    GoalType,
    Measure,
    PeriodClosing,
    Snapshot,
    SnapshotKind,
    TargetAdjustment,
)
from lodestar.knowledge.models import Case, Sop, SopVersion, Tag
from lodestar.metrics.models import (
    Channel,
    Comparison,
    DataSource,
    Discrepancy,
    ImportMapping,
    MetricImport,
    MetricPoint,
    MetricPointChange,
    SourceMetric,
    SpotCheck,
)
from lodestar.notifications.models import Delivery, Notification, NotificationPreference, WebhookEndpoint
from lodestar.org.models import ApiToken, Department, Person, Position, Role
from lodestar.org.services import TOKEN_PREFIX, hash_token
from lodestar.retrospectives.models import (
    Cadence,
    ImprovementAction,
    Retrospective,
    RetrospectiveAttachment,
    RetrospectiveComment,
    Why,
)
from lodestar.tracking.models import CheckIn, CheckInCompletion, DeviationCategory, MeetingDecision, PlanPoint

PASSWORD = "Lodestar-test-pw-2024"
UNUSABLE = object()  # `UserFactory(password=UNUSABLE)`: a user who cannot sign in with a password


# --- org ---------------------------------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        if extracted is UNUSABLE:
            obj.set_unusable_password()
        else:
            obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"部门{n}")
    code = factory.Sequence(lambda n: f"D{n:04d}")
    parent = None
    manager = None
    sort_order = 0

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        parent = kwargs.get("parent")
        kwargs["depth"] = parent.depth + 1 if parent else 0
        department = super()._create(model_class, *args, **kwargs)
        department.path = f"{parent.path if parent else '/'}{department.pk}/"
        department.save(update_fields=["path"])
        return department


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"员工{n}")
    title = "专员"
    department = None
    manager = None
    role = Role.MEMBER


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token row whose secret (`secret`, not stored) signs in like one from `api_token_create`."""

    class Meta:
        model = ApiToken
        exclude = ("secret",)

    person = factory.SubFactory(PersonFactory)
    name = factory.Sequence(lambda n: f"token {n}")
    secret = factory.Sequence(lambda n: f"{TOKEN_PREFIX}test{n:028d}")
    prefix = factory.LazyAttribute(lambda o: o.secret[: len(TOKEN_PREFIX) + 6])
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.secret))
    scope = ApiToken.Scope.READ_WRITE


# --- core --------------------------------------------------------------------------------------


class CompanySettingsFactory(factory.django.DjangoModelFactory):
    """The one settings row (pk 1, as `CompanySettings.load()` keeps it)."""

    class Meta:
        model = CompanySettings
        django_get_or_create = ("id",)

    id = 1
    company_name = "星辰公司"


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Period

    kind = PeriodKind.CUSTOM
    name = factory.Sequence(lambda n: f"Campaign {n}")
    start = dt.date(2024, 7, 1)
    end = dt.date(2024, 7, 31)


# --- goals -------------------------------------------------------------------------------------


class GoalTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoalType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"type-{n}")
    name = factory.Sequence(lambda n: f"目标类型{n}")


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    name = factory.Sequence(lambda n: f"目标{n}")
    department = factory.SubFactory(DepartmentFactory)
    period = factory.SubFactory(PeriodFactory)
    owner = None
    parent = None
    depth = factory.LazyAttribute(lambda o: o.parent.depth + 1 if o.parent else 0)


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    goal = factory.SubFactory(GoalFactory)
    name = factory.Sequence(lambda n: f"指标{n}")
    target = Decimal(100)
    original_target = factory.SelfAttribute("target")


class PeriodClosingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PeriodClosing

    period = factory.SubFactory(PeriodFactory)
    closed_by = factory.SubFactory(PersonFactory)
    closed_at = factory.LazyFunction(timezone.now)


class SnapshotFactory(factory.django.DjangoModelFactory):
    """A close snapshot of one measure: 500万 target adjusted to 450万, 480万 actual (DOMAIN.md)."""

    class Meta:
        model = Snapshot

    measure = factory.SubFactory(MeasureFactory)
    goal = factory.SelfAttribute("measure.goal")
    period = factory.SelfAttribute("goal.period")
    kind = SnapshotKind.CLOSE
    taken_at = factory.LazyFunction(timezone.now)
    goal_name = factory.SelfAttribute("goal.name")
    measure_name = factory.SelfAttribute("measure.name")
    target = Decimal(4500000)
    original_target = Decimal(5000000)
    actual = Decimal(4800000)
    achievement_rate = Decimal("1.066667")
    original_achievement_rate = Decimal("0.96")


class ConsensusRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsensusRecord
        skip_postgeneration_save = True

    started_by = factory.SubFactory(PersonFactory)
    minutes = "目标共识纪要"

    @factory.post_generation
    def goals(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.goals.set(extracted)


class ConsensusParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsensusParticipant

    record = factory.SubFactory(ConsensusRecordFactory)
    person = factory.SubFactory(PersonFactory)


class TargetAdjustmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetAdjustment

    measure = factory.SubFactory(MeasureFactory)
    goal = factory.SelfAttribute("measure.goal")
    old_target = factory.SelfAttribute("measure.target")
    new_target = Decimal(80)
    reason = "预算调整"
    approved_by = factory.SubFactory(PersonFactory)
    created_by = factory.SubFactory(PersonFactory)


class DecompositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decomposition

    goal = factory.SubFactory(GoalFactory)
    dimension = "time"
    mode = "percent"
    parts = factory.LazyFunction(lambda: [{"label": "Q1", "share": "100", "amount": None, "goal_id": None}])
    created_by = factory.SubFactory(PersonFactory)


class GoalTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoalTemplate

    name = factory.Sequence(lambda n: f"模板{n}")
    items = factory.LazyFunction(
        lambda: [
            {
                "kind": "kpi",
                "name": "小红书笔记50篇",
                "description": "",
                "goal_type_id": None,
                "weight": "100",
                "visibility": "department",
                "measures": [{"name": "小红书笔记", "unit": "count", "direction": "higher", "target": "50"}],
            }
        ]
    )
    created_by = factory.SubFactory(PersonFactory)


# --- execution ---------------------------------------------------------------------------------


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    department = factory.SubFactory(DepartmentFactory)
    name = factory.Sequence(lambda n: f"阶段{n}")


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    department = factory.SubFactory(DepartmentFactory)
    title = factory.Sequence(lambda n: f"任务{n}")


class RaciAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RaciAssignment

    item = factory.SubFactory(ActionItemFactory)
    role = RaciRole.RESPONSIBLE
    person = factory.SubFactory(PersonFactory)


class DependencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dependency

    predecessor = factory.SubFactory(ActionItemFactory)
    successor = factory.SubFactory(
        ActionItemFactory, department=factory.SelfAttribute("..predecessor.department")
    )


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    item = factory.SubFactory(ActionItemFactory)
    author = factory.SubFactory(PersonFactory)
    body = "已联系三位KOL"


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    item = factory.SubFactory(ActionItemFactory)
    name = "brief.pdf"
    file = factory.LazyAttribute(lambda o: ContentFile(b"%PDF-1.4 brief", name=o.name))
    size = 14
    content_type = "application/pdf"
    uploaded_by = factory.SubFactory(PersonFactory)


class RecurringItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecurringItem

    department = factory.SubFactory(DepartmentFactory)
    title = "周报"
    frequency = RecurringItem.Frequency.WEEKLY
    responsible = factory.SubFactory(PersonFactory)
    accountable = factory.SubFactory(PersonFactory)
    created_by = factory.SubFactory(PersonFactory)
    next_due = dt.date(2026, 7, 3)


# --- tracking ----------------------------------------------------------------------------------


class DeviationCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeviationCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"deviation-{n}")
    name = factory.Sequence(lambda n: f"偏差原因{n}")


class CheckInFactory(factory.django.DjangoModelFactory):
    """A check-in row as stored (no roll-up of the goal's figures, no alert; `checkin_submit` is the
    service that does both). It keeps the stored check-in completion in step, as every writer of
    check-ins does; a test that re-dates one (`created_at`) calls `completion_refresh` after."""

    class Meta:
        model = CheckIn

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from lodestar.tracking.services.completion import completion_refresh

        checkin = super()._create(model_class, *args, **kwargs)
        completion_refresh(measure_ids=[checkin.measure_id])
        return checkin

    measure = factory.SubFactory(MeasureFactory)
    period_start = dt.date(2026, 4, 6)
    period_end = dt.date(2026, 4, 12)
    cumulative = Decimal(10)
    author = factory.SubFactory(PersonFactory)


class PlanPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanPoint

    measure = factory.SubFactory(MeasureFactory)
    date = dt.date(2026, 4, 12)
    expected_cumulative = Decimal(10)


# --- alerts ------------------------------------------------------------------------------------


class AlertRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertRule

    name = "达成率<80%"
    condition = AlertCondition.ACHIEVEMENT_BELOW
    threshold = Decimal("0.8")
    recipients = factory.LazyFunction(lambda: ["owner", "manager"])
    channels = factory.LazyFunction(lambda: ["inbox"])


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert
        skip_postgeneration_save = True

    rule = factory.SubFactory(AlertRuleFactory)
    measure = factory.SubFactory(MeasureFactory)
    goal = factory.SelfAttribute("measure.goal")
    dedupe_key = factory.LazyAttribute(lambda o: f"measure:{o.measure.pk}")
    subject = "小红书笔记 达成率低"

    @factory.post_generation
    def recipients(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.recipients.add(*extracted)


class AlertCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertComment

    alert = factory.SubFactory(AlertFactory)
    author = factory.SubFactory(PersonFactory)
    body = "已跟进"


class CheckInReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckInReminder

    person = factory.SubFactory(PersonFactory)
    week_start = dt.date(2026, 11, 23)


class MeetingDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingDecision

    department = factory.SubFactory(DepartmentFactory)
    week_start = dt.date(2026, 11, 23)
    text = "下周补齐3篇笔记"


# --- retrospectives ---------------------------------------------------------------------------


class RetrospectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Retrospective

    goal = factory.SubFactory(GoalFactory)
    department = factory.SelfAttribute("goal.department")
    period = factory.SelfAttribute("goal.period")
    cadence = Cadence.QUARTER
    title = factory.LazyAttribute(lambda o: f"{o.goal.name} 复盘")
    owner = factory.SubFactory(PersonFactory, department=factory.SelfAttribute("..department"))
    due = dt.date(2024, 8, 15)


class WhyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Why

    retrospective = factory.SubFactory(RetrospectiveFactory)
    position = factory.Sequence(lambda n: n + 1)
    question = "为什么转化率低？"
    answer = "话术无差异化"


class ImprovementActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImprovementAction

    retrospective = factory.SubFactory(RetrospectiveFactory)
    title = "按客户分层设计话术"
    owner = factory.SelfAttribute("retrospective.owner")
    due = dt.date(2024, 9, 30)


class RetrospectiveCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RetrospectiveComment

    retrospective = factory.SubFactory(RetrospectiveFactory)
    author = factory.SelfAttribute("retrospective.owner")
    body = "同意，下季度先做客户分层"


class RetrospectiveAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RetrospectiveAttachment

    retrospective = factory.SubFactory(RetrospectiveFactory)
    name = "复盘数据.xlsx"
    file = factory.LazyAttribute(lambda o: ContentFile(b"PK data", name="review.xlsx"))
    size = 7
    uploaded_by = factory.SelfAttribute("retrospective.owner")


# --- knowledge ---------------------------------------------------------------------------------


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"场景{n}")


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    title = factory.Sequence(lambda n: f"新品上市小红书种草案例{n}")
    outcome = Case.Outcome.SUCCESS
    department = factory.SubFactory(DepartmentFactory)
    author = factory.SubFactory(PersonFactory, department=factory.SelfAttribute("..department"))


class SopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sop

    title = factory.Sequence(lambda n: f"线索孵化SOP {n}")
    department = factory.SubFactory(DepartmentFactory)
    owner = factory.SubFactory(PersonFactory, department=factory.SelfAttribute("..department"))
    review_date = dt.date(2025, 1, 31)


class SopVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SopVersion

    sop = factory.SubFactory(SopFactory)
    number = factory.Sequence(lambda n: n + 1)
    body_markdown = "## 步骤\n1. 线索入库\n2. 48小时内首次触达"
    author = factory.SelfAttribute("sop.owner")


# --- notifications -----------------------------------------------------------------------------


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(PersonFactory)
    verb = "mentioned"
    title = factory.Sequence(lambda n: f"通知{n}")


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    name = "市场部群"
    kind = WebhookEndpoint.Kind.GENERIC
    url = "https://example.com/hook"


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    channel = Delivery.Channel.INBOX
    recipient = factory.SubFactory(PersonFactory)
    title = factory.Sequence(lambda n: f"投递{n}")


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreference
        django_get_or_create = ("person",)

    person = factory.SubFactory(PersonFactory)


# --- appraisal ---------------------------------------------------------------------------------


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"岗位{n}")


class AppraisalTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppraisalTemplate

    name = factory.LazyAttribute(lambda o: f"{o.position.name}考核模板")
    position = factory.SubFactory(PositionFactory)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    template = factory.SubFactory(AppraisalTemplateFactory)
    name = factory.Sequence(lambda n: f"团队协作{n}")
    kind = IndicatorKind.QUALITATIVE
    weight = Decimal(100)
    sort_order = factory.Sequence(lambda n: n)


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cycle

    name = factory.Sequence(lambda n: f"考核周期{n}")
    period = factory.SubFactory(PeriodFactory)


class CycleStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CycleStage

    cycle = factory.SubFactory(CycleFactory)
    stage = Stage.SELF
    starts = factory.LazyAttribute(lambda o: o.cycle.period.end)
    ends = factory.LazyAttribute(lambda o: o.cycle.period.end + dt.timedelta(days=7))


class PayBaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayBase

    person = factory.SubFactory(PersonFactory)
    amount = Decimal(10000)


class AppraisalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appraisal

    cycle = factory.SubFactory(CycleFactory)
    template = factory.SubFactory(AppraisalTemplateFactory)
    position = factory.SelfAttribute("template.position")
    department = factory.SubFactory(DepartmentFactory)
    person = factory.SubFactory(
        PersonFactory,
        position=factory.SelfAttribute("..position"),
        department=factory.SelfAttribute("..department"),
    )


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    appraisal = factory.SubFactory(AppraisalFactory)
    reviewer = factory.SelfAttribute("appraisal.person")
    role = ReviewRole.SELF


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    review = factory.SubFactory(ReviewFactory)
    indicator = factory.SubFactory(
        IndicatorFactory, template=factory.SelfAttribute("..review.appraisal.template")
    )
    rating = 4


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    appraisal = factory.SubFactory(AppraisalFactory)
    kind = EvidenceKind.LINK
    url = "https://example.com/campaign-report"
    note = "618活动复盘报告"
    added_by = factory.SelfAttribute("appraisal.person")


class CalibrationMoveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalibrationMove

    appraisal = factory.SubFactory(AppraisalFactory)
    from_grade = "S"
    to_grade = "A"
    reason = "部门S比例超过指导线"
    moved_by = factory.SubFactory(PersonFactory)


class PipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pip

    person = factory.SubFactory(PersonFactory)
    goals = "线索转化率提升到8%"
    starts = dt.date(2024, 7, 1)
    ends = dt.date(2024, 9, 30)


class FeedbackMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackMeeting

    appraisal = factory.SubFactory(AppraisalFactory)
    held_on = dt.date(2024, 7, 15)
    notes = "达成率96%，留存表现突出"
    written_by = factory.SubFactory(PersonFactory)


class CommitteeMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeMember

    person = factory.SubFactory(PersonFactory)
    area = CommitteeArea.HR


class AppealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appeal

    appraisal = factory.SubFactory(AppraisalFactory)
    reason = "线索转化率的快照未计入7月补录数据"


class CompetencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"能力{n}")
    group = CompetencyGroup.PROFESSIONAL


class CompetencyRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetencyRating

    appraisal = factory.SubFactory(AppraisalFactory)
    competency = factory.SubFactory(CompetencyFactory)
    rating = 4
    rated_by = factory.SubFactory(PersonFactory)


class CompositeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Composite

    person = factory.SubFactory(PersonFactory)
    year_period = factory.SubFactory(PeriodFactory, kind=PeriodKind.YEAR)


class PipCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PipCheck

    pip = factory.SubFactory(PipFactory)
    date = factory.LazyAttribute(lambda o: o.pip.ends)
    note = "线索转化率回升到7%"
    on_track = True
    recorded_by = factory.SubFactory(PersonFactory)


# --- source data (metrics) ---------------------------------------------------------------------


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"channel-{n}")
    name = factory.Sequence(lambda n: f"渠道{n}")


class DataSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataSource

    name = factory.Sequence(lambda n: f"生意参谋{n}")
    department = factory.SubFactory(DepartmentFactory)


class SourceMetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceMetric

    source = factory.SubFactory(DataSourceFactory)
    name = factory.Sequence(lambda n: f"成交金额{n}")
    unit = "元"


class MetricPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MetricPoint

    metric = factory.SubFactory(SourceMetricFactory)
    channel = factory.SubFactory(ChannelFactory)
    date = factory.Sequence(lambda n: dt.date(2031, 7, 1) + dt.timedelta(days=n))
    value = Decimal("933940")


class ImportMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportMapping

    source = factory.SubFactory(DataSourceFactory)
    signature = factory.Sequence(lambda n: f"{n:064d}")
    headers = ["日期", "渠道", "成交金额"]
    date_column = "日期"
    channel_column = "渠道"
    columns = [{"column": "成交金额", "metric": "成交金额", "measure_id": None}]


class MetricImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MetricImport

    source = factory.SubFactory(DataSourceFactory)
    file = factory.LazyFunction(
        lambda: ContentFile(
            '日期,渠道,成交金额\r\n2031/7/1,抖音,"933,940"\r\n'.encode("gbk"), name="罗盘.csv"
        )
    )
    filename = "罗盘.csv"
    headers = ["日期", "渠道", "成交金额"]
    created_by = factory.SubFactory(PersonFactory)


class MetricPointChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MetricPointChange

    point = factory.SubFactory(MetricPointFactory)
    old_value = Decimal("900000")
    new_value = Decimal("933940")
    metric_import = factory.SubFactory(
        MetricImportFactory, source=factory.SelfAttribute("..point.metric.source")
    )


class DiscrepancyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Discrepancy

    measure = factory.SubFactory(MeasureFactory)
    metric = factory.SubFactory(SourceMetricFactory, measure=factory.SelfAttribute("..measure"))
    period_start = dt.date(2026, 11, 16)
    period_end = dt.date(2026, 11, 22)
    reported = Decimal("108")
    source = Decimal("100")
    difference_rate = Decimal("0.0800")
    tolerance = Decimal("0.0500")


class ComparisonFactory(factory.django.DjangoModelFactory):
    """A stored reported-vs-source pair as `verify_measures` writes it (8% off: flagged)."""

    class Meta:
        model = Comparison

    checkin = factory.SubFactory(
        CheckInFactory, period_start=dt.date(2026, 11, 16), period_end=dt.date(2026, 11, 22)
    )
    measure = factory.SelfAttribute("checkin.measure")
    metric = factory.SubFactory(SourceMetricFactory, measure=factory.SelfAttribute("..measure"))
    period_start = dt.date(2026, 11, 16)
    period_end = dt.date(2026, 11, 22)
    reported = Decimal("108")
    source = Decimal("100")
    flagged = True


class SpotCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpotCheck

    source = factory.SubFactory(DataSourceFactory)
    checked_by = factory.SubFactory(PersonFactory)
    checked_at = factory.LazyFunction(timezone.now)
    period_start = dt.date(2026, 11, 16)
    period_end = dt.date(2026, 11, 22)
    result = SpotCheck.Result.OK


# --- budget ------------------------------------------------------------------------------------


class BudgetCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"预算类别{n}")


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    period = factory.SubFactory(PeriodFactory)
    department = factory.SubFactory(DepartmentFactory)
    category = factory.SubFactory(BudgetCategoryFactory)
    channel = factory.SubFactory(ChannelFactory)
    planned = Decimal("100000.00")


class BudgetAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetAllocation

    line = factory.SubFactory(BudgetLineFactory)
    month = dt.date(2024, 7, 1)
    share = Decimal("100")
    amount = Decimal("100000.00")


class SpendFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Spend

    line = factory.SubFactory(BudgetLineFactory)
    date = dt.date(2024, 7, 2)
    amount = Decimal("5000.00")
    note = "投放"


class AttributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attribution

    line = factory.SubFactory(BudgetLineFactory)
    month = dt.date(2024, 7, 1)
    revenue = Decimal("20000.00")
    leads = 40


class ReallocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reallocation

    department = factory.SubFactory(DepartmentFactory)
    from_period = factory.SubFactory(PeriodFactory)
    to_period = factory.SubFactory(PeriodFactory)
    test_share = Decimal("0.2000")
    freed = Decimal("24000.00")
    to_tests = Decimal("4800.00")
    to_kept = Decimal("19200.00")
    unallocated = Decimal("0.00")
    accepted_by = factory.SubFactory(PersonFactory)


class CheckInCompletionFactory(factory.django.DjangoModelFactory):
    """A stored completion row as `completion_refresh` writes it (one reported week, on time)."""

    class Meta:
        model = CheckInCompletion

    measure = factory.SubFactory(MeasureFactory)
    period = factory.SubFactory(PeriodFactory)
    reported = 1
    on_time = 1
    last_week = dt.date(2024, 7, 1)
    last_reported = 1
    last_on_time = 1


class TableImportFactory(factory.django.DjangoModelFactory):
    """An uploaded seed table waiting to be checked (营销目标设定与共识表)."""

    class Meta:
        model = TableImport

    table = TableImport.Table.GOALS
    file = factory.LazyFunction(lambda: ContentFile(b"PK\x03\x04", name="goals.xlsx"))
    filename = "营销目标设定与共识表.xlsx"
    requested_by = factory.SubFactory(UserFactory)
