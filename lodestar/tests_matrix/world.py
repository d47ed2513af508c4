"""The world both matrices run against: one organisation with a person per role and one of each
record the pages and the API address (goal, measure, consensus, template, items, check-in, alert...).

    星辰公司 (company; admin and HR sit here)
    ├── 市场部 MKT (manager 赵敏; member 林晓, viewer 访客)   owns the private goal and the items
    └── 销售部 SALES (manager 王强; member 周杰)

The organisation is the shared one (lodestar/testing/organisation.py, roster MATRIX); the records
are made through the services. `build_world()` returns {"people": role → Person,
"kwargs": URL/path parameter → id, "tokens": role → read-write API token secret}.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from lodestar.alerts import rules as alert_rules
from lodestar.alerts.models import Alert, AlertCondition, AlertRule
from lodestar.exchange.models import TableImport
from lodestar.execution import services as execution
from lodestar.goals import services as goals
from lodestar.goals.models import Visibility
from lodestar.goals.services import consensus
from lodestar.goals.services.adjustments import adjustment_approve, adjustment_create
from lodestar.goals.services.reuse import template_create_from_goals
from lodestar.knowledge import services as knowledge
from lodestar.metrics.models import MetricPoint
from lodestar.notifications.models import Delivery, Notification, WebhookEndpoint
from lodestar.org.models import Person
from lodestar.org.periods_services import period_generate_fiscal_year
from lodestar.org.services import api_token_create, department_create
from lodestar.retrospectives import services as retrospectives
from lodestar.testing.organisation import MATRIX, add_simple_person, build_organisation, fresh_user
from lodestar.testing.steps import activate
from lodestar.tracking.models import MeetingDecision
from lodestar.tracking.services import checkin_delete, checkin_submit

User = get_user_model()

ROLES = ("admin", "manager", "manager_elsewhere", "member", "member_elsewhere", "hr", "viewer", "anonymous")


fresh = fresh_user
add_person = add_simple_person


def _roles(*people: Person) -> dict[str, Person]:
    return dict(zip(ROLES[:-1], people, strict=True))


def build_world() -> dict:
    organisation = build_organisation(MATRIX)
    company, mkt, sales = organisation.company, organisation.mkt, organisation.sales
    admin, manager, manager_elsewhere = (
        organisation.admin,
        organisation.manager,
        organisation.manager_elsewhere,
    )
    member, member_elsewhere = organisation.member, organisation.member_elsewhere
    hr, viewer, year = organisation.hr, organisation.viewer, organisation.year

    goal = goals.goal_create(
        actor=fresh(manager),
        name="新品A 小红书曝光",
        department=mkt,
        period=year,
        owner=manager,
        visibility=Visibility.DEPARTMENT,
        measures=[
            {"name": "小红书笔记", "unit": "count", "direction": "higher", "baseline": None, "target": "50"}
        ],
    )
    activate(goal, manager)
    record = goal.consensus_records.get()
    measure = goal.measures.get()
    adjustment = adjustment_create(
        actor=fresh(manager),
        goal=goal,
        measure=measure,
        new_target="40",
        reason="预算调整",
        approved_by=admin,
    )
    adjustment_approve(actor=fresh(admin), adjustment=adjustment)
    template = template_create_from_goals(
        actor=fresh(manager), name="渠道专员KPI", goals=[goal], department=mkt
    )

    item = execution.item_create(
        actor=fresh(manager),
        department=mkt,
        title="投放KOL",
        goal=goal,
        responsible=[member],
        accountable=manager,
        consulted=[],
        informed=[viewer],  # a guest is only kept informed (execution.domain.can_hold_letter)
    )
    attachment = execution.attachment_add(
        actor=fresh(member),
        item=item,
        upload=SimpleUploadedFile("brief.pdf", b"%PDF-1.4 brief", content_type="application/pdf"),
    )
    execution.comment_add(actor=fresh(member), item=item, body="已联系三位KOL")

    # A second item the first depends on (for DELETE /items/{id}/dependencies/{predecessor_id}) and a
    # request from 销售部 waiting in 市场部's queue (for POST /items/{id}/request).
    predecessor = execution.item_create(
        actor=fresh(manager), department=mkt, title="确定KOL名单", goal=goal, responsible=[member]
    )
    execution.dependency_add(actor=fresh(manager), predecessor=predecessor, successor=item)
    phase = execution.phase_create(actor=fresh(manager), department=mkt, name="预热期")
    request_item = execution.item_create(
        actor=fresh(member_elsewhere),
        department=sales,
        title="请市场部出门店海报",
        requested_department=mkt,
    )

    third_item = execution.item_create(actor=fresh(manager), department=mkt, title="准备样品", goal=goal)
    empty_department = department_create(actor=fresh(admin), name="品牌组", parent=mkt, code="MKT-BRAND")
    next_year = period_generate_fiscal_year(actor=fresh(admin), year=2027)
    # Consensus: one draft goal that can be put to consensus, one goal with a pending record. Each in its
    # own sibling group (other owner or period), so its weight alone is 100%.
    quarter = year.children.order_by("start").first()
    draft_goal = goals.goal_create(
        actor=fresh(manager),
        name="新品A 门店陈列",
        department=mkt,
        period=quarter,
        owner=manager,
        weight="100",
        measures=[
            {"name": "到店人数", "unit": "count", "direction": "higher", "baseline": None, "target": "500"}
        ],
    )
    pending_goal = goals.goal_create(
        actor=fresh(manager),
        name="新品A 私域拉新",
        department=mkt,
        period=year,
        owner=member,
        weight="100",
        measures=[
            {"name": "到店人数", "unit": "count", "direction": "higher", "baseline": None, "target": "500"}
        ],
    )
    pending_record = consensus.consensus_start(
        actor=fresh(manager),
        goals=[pending_goal],
        participants=[{"person": manager, "required": True}, {"person": member, "required": True}],
        minutes="待确认",
    )

    checkin = checkin_submit(
        actor=fresh(manager),
        measure=measure,
        period_start=dt.date(2026, 11, 16),
        period_end=dt.date(2026, 11, 22),
        cumulative=Decimal("10"),
    )
    # In the trash (soft-deleted), for the restore endpoints: a draft goal of another quarter, an
    # item and a check-in of another week.
    trashed_goal = goals.goal_create(
        actor=fresh(manager),
        name="已删除的草稿目标",
        department=mkt,
        period=year.children.order_by("start")[1],
        owner=manager,
        weight="100",
        measures=[],
    )
    goals.goal_delete(actor=fresh(manager), goal=trashed_goal)
    trashed_item = execution.item_create(
        actor=fresh(manager), department=mkt, title="已删除的任务", goal=goal
    )
    execution.item_delete(actor=fresh(manager), item=trashed_item)
    trashed_checkin = checkin_submit(
        actor=fresh(manager),
        measure=measure,
        period_start=dt.date(2026, 11, 9),
        period_end=dt.date(2026, 11, 15),
        cumulative=Decimal("4"),
    )
    checkin_delete(actor=fresh(manager), checkin=trashed_checkin)
    # Cross-verification (数据交叉验证): a source metric verifying the measure, a discrepancy of the
    # check-in's week (reported 10 against the source's 8) and a spot check by the manager.
    from lodestar.metrics.models import DataSource, Discrepancy, SourceMetric
    from lodestar.metrics.verification import spot_check_record

    data_source = DataSource.objects.create(name="小红书蒲公英")
    source_metric = SourceMetric.objects.create(source=data_source, name="笔记数", measure=measure)
    discrepancy = Discrepancy.objects.create(
        measure=measure,
        metric=source_metric,
        checkin=checkin,
        period_start=checkin.period_start,
        period_end=checkin.period_end,
        reported=Decimal(10),
        source=Decimal(8),
        difference_rate=Decimal("0.25"),
        tolerance=Decimal("0.05"),
    )
    spot_check = spot_check_record(
        actor=fresh(manager),
        source=data_source,
        metric=source_metric,
        period_start=dt.date(2026, 11, 16),
        period_end=dt.date(2026, 11, 22),
        result="ok",
    )
    rule = alert_rules.rule_create(
        actor=fresh(manager),
        name="达成率<80%",
        scope=AlertRule.Scope.DEPARTMENT,
        department=mkt,
        condition=AlertCondition.ACHIEVEMENT_BELOW,
        threshold=Decimal("0.8"),
        recipients=["owner", "manager"],
    )
    alert = Alert.objects.filter(rule=rule).first() or Alert.objects.create(
        rule=rule,
        dedupe_key=f"measure:{measure.pk}",
        goal=goal,
        measure=measure,
        subject="小红书笔记 达成率低",
    )
    alert.recipients.add(manager)
    endpoint = WebhookEndpoint.objects.create(
        name="市场部群", kind=WebhookEndpoint.Kind.GENERIC, url="https://example.com/hook", department=mkt
    )
    # A failed alert message to that endpoint, for the log's resend.
    failed_delivery = Delivery.objects.create(
        channel=Delivery.Channel.WEBHOOK,
        endpoint=endpoint,
        alert=alert,
        title="小红书笔记 达成率低",
        status=Delivery.Status.FAILED,
        attempts=4,
        response_code=500,
        last_error="HTTP 500",
    )
    token, _secret = api_token_create(actor=fresh(member), name="报表脚本", scope="read")
    tokens = {
        role: api_token_create(actor=fresh(person), name="matrix", scope="read_write")[1]
        for role, person in _roles(
            admin, manager, manager_elsewhere, member, member_elsewhere, hr, viewer
        ).items()
    }
    Notification.objects.create(recipient=member, actor=manager, verb="mentioned", title="@林晓 请看")

    # A decision of 市场部's weekly meeting, owned by the member.
    decision = MeetingDecision.objects.create(
        department=mkt, week_start=dt.date(2026, 4, 6), text="补充设计资源", owner=member
    )

    # The knowledge library: a case written by the member on the goal, and an SOP of 市场部 owned by the
    # member with two versions.
    case = knowledge.case_create(
        actor=fresh(member),
        title="小红书种草带动新品首月销售",
        outcome="success",
        department=mkt,
        tags=["新品上市期", "小红书"],
        goals=[goal],
    )
    sop = knowledge.sop_create(
        actor=fresh(manager),
        title="线索孵化SOP",
        owner=member,
        department=mkt,
        review_date=dt.date(2026, 6, 30),
        body_markdown="## 步骤\n1. 线索入库",
        cases=[case],
    )
    knowledge.sop_add_version(actor=fresh(member), sop=sop, body_markdown="## 步骤\n1. 线索入库\n2. 首触")
    # In the trash too, for the restore endpoints: a deleted case and a deleted SOP.
    trashed_case = knowledge.case_create(
        actor=fresh(manager), title="已删除的案例", outcome="failure", department=mkt
    )
    knowledge.case_delete(actor=fresh(manager), case=trashed_case)
    trashed_sop = knowledge.sop_create(
        actor=fresh(manager),
        title="已删除的SOP",
        owner=manager,
        department=mkt,
        review_date=dt.date(2026, 6, 30),
        body_markdown="1. 旧流程",
    )
    knowledge.sop_delete(actor=fresh(manager), sop=trashed_sop)
    # A retrospective of the goal for its year (owner 赵敏): highlights, one why, one improvement action, a file.
    retrospective = retrospectives.retrospective_open(actor=fresh(manager), goal=goal, period=year)
    retrospective = retrospectives.retrospective_update(
        actor=fresh(manager),
        retrospective=retrospective,
        version=retrospective.version,
        highlights="素人笔记成本降低20%",
    )
    why = retrospectives.why_add(
        actor=fresh(manager), retrospective=retrospective, question="为什么曝光不足？", answer="KOL档期延后"
    )
    improvement = retrospectives.action_add(
        actor=fresh(manager),
        retrospective=retrospective,
        title="提前锁定KOL档期",
        owner=member,
        due=dt.date(2027, 1, 31),
        promote_as="item",
    )
    retro_file = retrospectives.attachment_add(
        actor=fresh(manager),
        retrospective=retrospective,
        upload=SimpleUploadedFile("复盘.pdf", b"%PDF-1.4 review"),
    )

    appraisal_kwargs = _appraisal_world(
        quarter=quarter,
        mkt=mkt,
        manager=manager,
        member=member,
        member_elsewhere=member_elsewhere,
        manager_elsewhere=manager_elsewhere,
        hr=hr,
    )

    metrics_kwargs = _metrics_world(mkt=mkt, manager=manager)

    people = _roles(admin, manager, manager_elsewhere, member, member_elsewhere, hr, viewer)
    kwargs = {
        **appraisal_kwargs,
        **metrics_kwargs,
        "case_id": case.pk,
        "sop_id": sop.pk,
        "sop_version_number": 2,
        "goal_id": goal.pk,
        "measure_id": measure.pk,
        "record_id": record.pk,
        "template_id": template.pk,
        "item_id": item.pk,
        "attachment_id": attachment.pk,
        "alert_id": alert.pk,
        "rule_id": rule.pk,
        "endpoint_id": endpoint.pk,
        "delivery_id": failed_delivery.pk,
        "token_id": token.pk,
        "department_id": mkt.pk,
        "person_id": member.pk,
        "period_id": year.pk,
        "kind": "people",
        "pk": measure.pk,
        "checkin_id": checkin.pk,
        "predecessor_id": predecessor.pk,
        "phase_id": phase.pk,
        "request_item_id": request_item.pk,
        "company_id": company.pk,
        "sales_id": sales.pk,
        "third_item_id": third_item.pk,
        "empty_department_id": empty_department.pk,
        "next_year_id": next_year.pk,
        "manager_id": manager.pk,
        "draft_goal_id": draft_goal.pk,
        "draft_measure_id": draft_goal.measures.get().pk,
        "pending_record_id": pending_record.pk,
        "adjustment_id": adjustment.pk,
        "trashed_goal_id": trashed_goal.pk,
        "trashed_item_id": trashed_item.pk,
        "trashed_checkin_id": trashed_checkin.pk,
        "trashed_case_id": trashed_case.pk,
        "trashed_sop_id": trashed_sop.pk,
        "decision_id": decision.pk,
        "retrospective_id": retrospective.pk,
        "why_id": why.pk,
        "action_id": improvement.pk,
        "file_id": retro_file.pk,
        **_budget_world(mkt=mkt, manager=manager, year=year),
        "discrepancy_id": discrepancy.pk,
        "data_source_id": data_source.pk,
        "source_metric_id": source_metric.pk,
        "spot_check_id": spot_check.pk,
        # The seed tables in Excel: 赵敏's checked import of the goal table.
        "table": "goals",
        "table_import_id": TableImport.objects.create(
            table="goals",
            file="table-imports/goals.xlsx",
            filename="营销目标设定与共识表.xlsx",
            status=TableImport.Status.CHECKED,
            requested_by=fresh(manager),
        ).pk,
    }
    return {"people": people, "kwargs": kwargs, "tokens": tokens}


def _budget_world(*, mkt, manager, year) -> dict:
    """市场部's FY2026 channel budget (赵敏): 抖音 with ROI 4 and LinkedIn with ROI 0.5 (flagged for
    cutting), each with a spend entry and March's attribution; FY2027 exists, so the proposal can be
    accepted."""
    from lodestar.budget import services as budget
    from lodestar.budget.models import BudgetCategory
    from lodestar.metrics.models import Channel

    category = BudgetCategory.objects.get(code="channel")
    made = {}
    for code, planned, spent, revenue in (
        ("douyin", "100000", "100000", "400000"),
        ("linkedin", "40000", "40000", "20000"),
    ):
        line = budget.budget_line_create(
            actor=fresh(manager),
            period=year,
            department=mkt,
            category=category,
            channel=Channel.objects.get(code=code),
            planned=planned,
        )
        made[code] = budget.spend_record(
            actor=fresh(manager), line=line, date=dt.date(2026, 3, 2), amount=spent, note="投放"
        )
        budget.attribution_set(
            actor=fresh(manager), line=line, month=dt.date(2026, 3, 1), revenue=revenue, leads=40
        )
    return {"line_id": made["douyin"].line_id, "spend_id": made["linkedin"].pk}


def _metrics_world(*, mkt, manager) -> dict:
    """A data source of 市场部 with a metric, a point and a mapped (not yet started) import."""
    from lodestar.metrics import import_services
    from lodestar.metrics import services as metrics

    source = metrics.data_source_create(actor=fresh(manager), name="抖音电商罗盘", department=mkt)
    metric = metrics.source_metric_create(actor=fresh(manager), source=source, name="成交金额")
    MetricPoint.objects.create(metric=metric, date=dt.date(2026, 7, 1), value=Decimal("933940"))
    upload = SimpleUploadedFile("罗盘.csv", '日期,渠道,成交金额\r\n2026/7/1,抖音,"933,940"\r\n'.encode("gbk"))
    metric_import = import_services.metric_import_upload(actor=fresh(manager), source=source, file=upload)
    import_services.metric_import_set_mapping(
        actor=fresh(manager),
        metric_import=metric_import,
        date_column="日期",
        channel_column="渠道",
        columns=[{"column": "成交金额", "metric": "成交金额", "measure_id": None}],
    )
    return {"source_id": source.pk, "metric_id": metric.pk, "import_id": metric_import.pk}


def _appraisal_world(*, quarter, mkt, manager, member, member_elsewhere, manager_elsewhere, hr) -> dict:
    """An appraisal cycle of 市场部 for the quarter, started (stage self): the member's appraisal with
    its self and manager reviews, a peer review asked of 周杰 (销售部), evidence, a calibration move,
    an appeal, a competency, the committee (HR), an improvement plan and a composite for the member."""
    from lodestar.appraisal.models import Indicator, IndicatorKind, Review, ReviewRole
    from lodestar.appraisal.models import Template as AppraisalTemplate
    from lodestar.appraisal.services import cycles
    from lodestar.appraisal.services.reviews import peer_request
    from lodestar.testing.factories import (
        AppealFactory,
        CalibrationMoveFactory,
        CommitteeMemberFactory,
        CompetencyFactory,
        CompositeFactory,
        EvidenceFactory,
        PayBaseFactory,
        PipFactory,
        PositionFactory,
    )

    position = PositionFactory(name="市场专员岗", code="mkt-specialist")
    spare_position = PositionFactory(name="空岗位", code="spare")
    for person in (member, manager):
        person.position = position
        person.save()
    template = AppraisalTemplate.objects.create(name="市场专员考核模板", position=position)
    indicator = Indicator.objects.create(
        template=template, name="团队协作", kind=IndicatorKind.QUALITATIVE, weight=Decimal(100), sort_order=0
    )
    spare_template = AppraisalTemplate.objects.create(name="备用考核模板", position=position)
    spare_indicator = Indicator.objects.create(
        template=spare_template,
        name="执行力",
        kind=IndicatorKind.QUALITATIVE,
        weight=Decimal(50),
        sort_order=0,
    )
    PayBaseFactory(person=member, amount=Decimal(10000))
    cycle = cycles.cycle_create(actor=fresh(hr), period=quarter, departments=[mkt])
    cycle = cycles.cycle_start(actor=fresh(hr), cycle=cycle, version=cycle.version)
    appraisal = cycle.appraisals.get(person=member)
    (peer_review,) = peer_request(
        actor=fresh(manager), appraisal=appraisal, reviewer_ids=[member_elsewhere.pk]
    )
    self_review = Review.objects.get(appraisal=appraisal, role=ReviewRole.SELF)
    # Of the next quarter: a person has one appraisal per period, so a company-wide cycle of this quarter
    # would not start (409 already_appraised) — the matrix starts this one.
    next_quarter = quarter.parent.children.filter(start__gt=quarter.start).order_by("start").first()
    draft_cycle = cycles.cycle_create(actor=fresh(hr), period=next_quarter, name="未开始的周期")
    evidence = EvidenceFactory(appraisal=appraisal, added_by=member)
    move = CalibrationMoveFactory(appraisal=appraisal, moved_by=hr)
    appeal = AppealFactory(appraisal=appraisal)
    competency = CompetencyFactory(name="沟通能力")
    committee = CommitteeMemberFactory(person=hr)
    pip = PipFactory(
        person=member, mentor=manager, appraisal=appraisal, check_dates=["2024-08-01", "2024-09-01"]
    )
    composite = CompositeFactory(person=member, year_period=quarter.parent)
    return {
        "cycle_id": cycle.pk,
        "draft_cycle_id": draft_cycle.pk,
        "appraisal_id": appraisal.pk,
        "review_id": self_review.pk,
        "peer_review_id": peer_review.pk,
        "appraisal_template_id": template.pk,
        "indicator_id": indicator.pk,
        "position_id": position.pk,
        "spare_position_id": spare_position.pk,
        "competency_id": competency.pk,
        "committee_member_id": committee.pk,
        "pip_id": pip.pk,
        "appeal_id": appeal.pk,
        "evidence_id": evidence.pk,
        "move_id": move.pk,
        "composite_id": composite.pk,
        "spare_template_id": spare_template.pk,
        "spare_indicator_id": spare_indicator.pk,
        "manager_elsewhere_id": manager_elsewhere.pk,
    }
