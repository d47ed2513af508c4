"""Appraisal setup services: positions, templates and their indicators' rules, copies, pay bases,
competencies and the committee (issue #15 "Positions, templates, indicators")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lodestar.appraisal.models import Indicator, PayBase, ScoringRule, Template
from lodestar.appraisal.services import setup as services
from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.testing.factories import (
    AppraisalFactory,
    AppraisalTemplateFactory,
    CommitteeMemberFactory,
    CompetencyFactory,
    GoalTypeFactory,
    IndicatorFactory,
    PersonFactory,
    PositionFactory,
    RatingFactory,
)
from lodestar.testing.organisation import fresh_user


@pytest.fixture
def hr(org):
    return fresh_user(org.hr)


@pytest.fixture
def template(db):
    return AppraisalTemplateFactory(position=PositionFactory(name="市场岗"), name="市场岗考核")


@pytest.fixture
def goal_type(db):
    return GoalTypeFactory()


def quant(goal_type, name="销售额", weight="40", **extra):
    return {"name": name, "kind": "quantitative", "weight": Decimal(weight), "goal_type": goal_type, **extra}


def qual(name="方案创新", weight="15", **extra):
    return {"name": name, "kind": "qualitative", "weight": Decimal(weight), **extra}


def seeds_rows(goal_type):
    """The seeds' 市场岗: 定量 70% (销售额 40, 客户留存率 20, 线索转化率 10) + 定性 30% (方案创新 15, 团队协作 15)."""
    return [
        quant(goal_type, "销售额", "40"),
        quant(goal_type, "客户留存率", "20"),
        quant(goal_type, "线索转化率", "10", floor=Decimal("0.6")),
        qual("方案创新", "15", rubric={"5": "行业首创", "1": "无新意"}),
        qual("团队协作", "15"),
    ]


def test_only_hr_and_admins_write(org, template, goal_type):
    for role in ("member", "mkt_manager", "viewer"):
        with pytest.raises(PermissionDeniedError):
            services.position_create(actor=fresh_user(org.person(role)), name="渠道岗")
        with pytest.raises(PermissionDeniedError):
            services.indicator_create(actor=fresh_user(org.person(role)), template=template, **qual())
    assert services.position_create(actor=fresh_user(org.admin), name="渠道岗").name == "渠道岗"


def test_new_quantitative_linear_gets_the_default_cap(hr, template, goal_type):
    indicator = services.indicator_create(actor=hr, template=template, **quant(goal_type))
    assert (
        indicator.cap == Decimal("1.20") and indicator.floor is None and indicator.rule == ScoringRule.LINEAR
    )
    no_cap = services.indicator_create(
        actor=hr, template=template, **quant(goal_type, "利润", "10", cap=None)
    )
    assert no_cap.cap is None
    rated = services.indicator_create(actor=hr, template=template, **qual())
    assert rated.cap is None and rated.floor is None


def test_weights_over_100_refused_naming_field_and_total(hr, template, goal_type):
    services.indicator_create(actor=hr, template=template, **quant(goal_type, weight="70"))
    with pytest.raises(ApplicationError) as exc:
        services.indicator_create(actor=hr, template=template, **qual(weight="40"))
    assert exc.value.field == "weight" and exc.value.status == 422
    assert "110.00%" in exc.value.message and "70.00%" in exc.value.message and "30.00%" in exc.value.message
    services.indicator_create(actor=hr, template=template, **qual(weight="30"))
    assert services.template_is_complete(template)
    indicator = Indicator.objects.get(template=template, name="方案创新")
    with pytest.raises(ApplicationError) as exc:
        services.indicator_update(actor=hr, indicator=indicator, version=1, weight=Decimal("31"))
    assert exc.value.field == "weight"


@pytest.mark.parametrize("weight", ["0", "-5", "100.01", "12.345"])
def test_weight_is_a_percent_above_zero(hr, template, weight):
    with pytest.raises(ApplicationError) as exc:
        services.indicator_create(actor=hr, template=template, **qual(weight=weight))
    assert exc.value.field == "weight"


def test_quantitative_needs_exactly_one_binding_qualitative_none(hr, template, goal_type, org):
    from lodestar.testing.factories import GoalFactory

    goal = GoalFactory(department=org.mkt, owner=org.member)
    for binding in ({}, {"goal_type": goal_type, "goal": goal}):
        with pytest.raises(ApplicationError) as exc:
            services.indicator_create(
                actor=hr, template=template, name="销售额", kind="quantitative", weight=Decimal(40), **binding
            )
        assert exc.value.field == "goal_type_id"
    with pytest.raises(ApplicationError) as exc:
        services.indicator_create(actor=hr, template=template, **qual(goal=goal))
    assert exc.value.field == "goal_type_id"
    assert (
        services.indicator_create(
            actor=hr, template=template, name="销售额", kind="quantitative", weight=Decimal(40), goal=goal
        ).goal_id
        == goal.pk
    )


@pytest.mark.parametrize(
    "steps",
    [
        [],
        [["0.8", "80"], ["0.6", "60"]],
        [["0.6", "60"], ["0.6", "80"]],
        [["0.6", "201"]],
        [["0.6", "-1"]],
        [["-0.1", "10"]],
        [["0.6"]],
        "0.6:60",
    ],
)
def test_step_table_validated(hr, template, goal_type, steps):
    with pytest.raises(ApplicationError) as exc:
        services.indicator_create(actor=hr, template=template, **quant(goal_type, rule="steps", steps=steps))
    assert exc.value.field == "steps"


def test_step_table_stored_as_strings(hr, template, goal_type):
    indicator = services.indicator_create(
        actor=hr,
        template=template,
        **quant(goal_type, rule="steps", steps=[[Decimal("0.60"), Decimal(60)], ["0.8", "80"], [1, 100]]),
    )
    assert indicator.steps == [["0.6", "60"], ["0.8", "80"], ["1", "100"]]
    assert indicator.cap is None and indicator.floor is None


def test_floor_and_cap(hr, template, goal_type):
    with pytest.raises(ApplicationError) as exc:
        services.indicator_create(
            actor=hr, template=template, **quant(goal_type, floor=Decimal("1.2"), cap=Decimal("1.2"))
        )
    assert exc.value.field == "floor"
    with pytest.raises(ApplicationError) as exc:
        services.indicator_create(actor=hr, template=template, **quant(goal_type, cap=Decimal("-1")))
    assert exc.value.field == "cap"
    with pytest.raises(ApplicationError) as exc:
        services.indicator_create(actor=hr, template=template, **qual(floor=Decimal("0.5")))
    assert exc.value.field == "floor"
    with pytest.raises(ApplicationError) as exc:
        services.indicator_create(
            actor=hr,
            template=template,
            **quant(goal_type, rule="steps", steps=[["1", "100"]], cap=Decimal(1)),
        )
    assert exc.value.field == "cap"


def test_rubric_and_unique_names(hr, template, goal_type):
    indicator = services.indicator_create(
        actor=hr, template=template, **qual(rubric={"5": " 行业首创 ", "3": ""})
    )
    assert indicator.rubric == {"5": "行业首创"}
    with pytest.raises(ApplicationError) as exc:
        services.indicator_create(actor=hr, template=template, **qual(rubric={"6": "x"}, name="团队协作"))
    assert exc.value.field == "rubric"
    with pytest.raises(ApplicationError) as exc:
        services.indicator_create(actor=hr, template=template, **qual(weight="10"))
    assert (exc.value.field, exc.value.code) == ("name", "duplicate")
    other = AppraisalTemplateFactory()
    services.indicator_create(actor=hr, template=other, **qual())  # unique within a template only


def test_update_changing_kind_drops_what_no_longer_applies(hr, template, goal_type):
    indicator = services.indicator_create(
        actor=hr, template=template, **quant(goal_type, floor=Decimal("0.6"))
    )
    changed = services.indicator_update(actor=hr, indicator=indicator, version=1, kind="qualitative")
    assert changed.goal_type_id is None and changed.floor is None and changed.cap is None
    assert changed.version == 2
    with pytest.raises(ConflictError):
        services.indicator_update(actor=hr, indicator=indicator, version=1, name="x")


def test_replace_requires_exactly_100(hr, template, goal_type):
    rows = seeds_rows(goal_type)
    with pytest.raises(ApplicationError) as exc:
        services.indicators_replace(actor=hr, template=template, rows=rows[:-1])
    assert exc.value.field == "weight" and "85.00%" in exc.value.message
    saved = services.indicators_replace(actor=hr, template=template, rows=rows)
    assert [i.name for i in saved] == ["销售额", "客户留存率", "线索转化率", "方案创新", "团队协作"]
    assert [i.sort_order for i in saved] == [0, 1, 2, 3, 4]
    assert services.template_is_complete(template)
    assert Indicator.objects.get(template=template, name="线索转化率").cap == Decimal("1.20")
    template.refresh_from_db()
    assert template.version == 2


def test_replace_keeps_rows_with_ids_and_reports_errors_per_row(hr, template, goal_type):
    saved = services.indicators_replace(actor=hr, template=template, rows=seeds_rows(goal_type))
    sales = saved[0]
    rows = [
        {"id": sales.pk, "version": sales.version, **quant(goal_type, "销售额", "70")},
        qual("团队协作", "30"),
    ]
    kept = services.indicators_replace(actor=hr, template=template, rows=rows, version=2)
    assert kept[0].pk == sales.pk and kept[0].weight == Decimal(70)
    assert Indicator.objects.filter(template=template).count() == 2
    bad = [quant(goal_type, "A", "50", rule="steps"), qual("A", "50", goal_type=goal_type)]
    with pytest.raises(ApplicationError) as exc:
        services.indicators_replace(actor=hr, template=template, rows=bad)
    assert [(e.row, e.field) for e in exc.value.errors] == [(0, "steps"), (1, "goal_type_id")]
    with pytest.raises(ConflictError):
        services.indicators_replace(actor=hr, template=template, rows=rows, version=2)


def test_replace_refuses_to_drop_rated_indicators(hr, goal_type):
    rating = RatingFactory()
    template = rating.indicator.template
    with pytest.raises(ConflictError) as exc:
        services.indicators_replace(actor=hr, template=template, rows=[qual("新指标", "100")])
    assert exc.value.code == "in_use"
    assert Indicator.objects.filter(pk=rating.indicator_id).exists()


def test_template_complete_only_at_100(template):
    assert not services.template_is_complete(template)
    IndicatorFactory(template=template, weight=Decimal(60))
    assert not services.template_is_complete(template)
    IndicatorFactory(template=template, weight=Decimal(40))
    assert services.template_is_complete(template)


def test_copy_as_market_stage_variant(hr, template, goal_type):
    services.indicators_replace(actor=hr, template=template, rows=seeds_rows(goal_type))
    copy = services.template_copy(actor=hr, template=template, market_stage="mature")
    assert copy.copied_from_id == template.pk and copy.market_stage == "mature"
    assert copy.position_id == template.position_id
    names = list(copy.indicators.values_list("name", "weight", "floor", "rubric"))
    assert names == list(template.indicators.values_list("name", "weight", "floor", "rubric"))
    assert services.template_is_complete(copy)
    with pytest.raises(ApplicationError) as exc:
        services.template_copy(actor=hr, template=template, market_stage="old")
    assert exc.value.field == "market_stage"


def test_delete_refused_while_in_use(hr):
    appraisal = AppraisalFactory()
    with pytest.raises(ConflictError) as exc:
        services.template_delete(actor=hr, template=appraisal.template)
    assert exc.value.code == "in_use"
    with pytest.raises(ConflictError) as exc:
        services.position_delete(actor=hr, position=appraisal.position)
    assert exc.value.code == "in_use"
    used = PositionFactory()
    PersonFactory(position=used)
    with pytest.raises(ConflictError):
        services.position_delete(actor=hr, position=used)
    free = AppraisalTemplateFactory()
    IndicatorFactory(template=free)
    services.template_delete(actor=hr, template=free)
    assert not Template.objects.filter(pk=free.pk).exists()
    services.position_delete(actor=hr, position=free.position)


def test_positions_unique_and_versioned(hr):
    position = services.position_create(actor=hr, name="销售岗", code="sales")
    with pytest.raises(ApplicationError) as exc:
        services.position_create(actor=hr, name="销售岗")
    assert (exc.value.field, exc.value.code) == ("name", "duplicate")
    with pytest.raises(ApplicationError) as exc:
        services.position_create(actor=hr, name="渠道岗", code="sales")
    assert exc.value.field == "code"
    updated = services.position_update(actor=hr, position=position, version=1, name="销售岗位")
    assert updated.version == 2
    with pytest.raises(ConflictError):
        services.position_update(actor=hr, position=position, version=1, name="x")


def test_pay_base_set_and_clear(org, hr):
    person = org.member
    base = services.pay_base_set(actor=hr, person=person, amount=Decimal("10000"))
    assert base.amount == Decimal(10000) and base.version == 1
    base = services.pay_base_set(actor=hr, person=person, amount=Decimal("12000.50"), version=1)
    assert base.version == 2
    with pytest.raises(ConflictError):
        services.pay_base_set(actor=hr, person=person, amount=Decimal(1), version=1)
    with pytest.raises(ApplicationError) as exc:
        services.pay_base_set(actor=hr, person=person, amount=Decimal("-1"))
    assert exc.value.field == "amount"
    with pytest.raises(PermissionDeniedError):
        services.pay_base_set(actor=fresh_user(org.mkt_manager), person=person, amount=Decimal(1))
    services.pay_base_clear(actor=hr, person=person)
    assert not PayBase.objects.filter(person=person).exists()


def test_competencies_and_committee(org, hr):
    competency = services.competency_create(actor=hr, name="数据分析", group="professional")
    with pytest.raises(ApplicationError) as exc:
        services.competency_create(actor=hr, name="数据分析", group="general")
    assert exc.value.field == "name"
    assert services.competency_deactivate(actor=hr, competency=competency).is_active is False
    CompetencyFactory(name="客户沟通")
    member = services.committee_member_add(actor=hr, person=org.mkt_manager, area="marketing")
    with pytest.raises(ConflictError):
        services.committee_member_add(actor=hr, person=org.mkt_manager, area="hr")
    with pytest.raises(ApplicationError) as exc:
        services.committee_member_add(actor=hr, person=org.member, area="sales")
    assert exc.value.field == "area"
    services.committee_member_remove(actor=hr, member=member)
    CommitteeMemberFactory(person=org.member)
    with pytest.raises(PermissionDeniedError):
        services.committee_member_add(actor=fresh_user(org.member), person=org.sales_manager, area="hr")


# --- a template in use is locked ---------------------------------------------------------------------


def _rows_of(template) -> list[dict]:
    return [
        {
            "id": i.pk,
            "name": i.name,
            "kind": i.kind,
            "weight": i.weight,
            "goal_type": i.goal_type,
            "goal": i.goal,
            "measure": i.measure,
            "floor": i.floor,
            "cap": i.cap,
            "rubric": i.rubric,
        }
        for i in template.indicators.order_by("sort_order", "id")
    ]


def test_template_of_a_running_cycle_is_locked_until_published(aw):
    from lodestar.appraisal.models import Appraisal, Stage
    from lodestar.appraisal.services import cycles, scoring

    hr = aw.user("hr")
    cycle = cycles.cycle_create(actor=hr, period=aw.q3, departments=[aw.org.mkt], name="Q3考核")
    assert services.cycles_using(aw.template).count() == 0  # a draft cycle: still editable
    services.indicator_update(
        actor=hr,
        indicator=aw.indicators["方案创新"],
        version=aw.indicators["方案创新"].version,
        rubric={"5": "行业首创"},
    )
    cycle = cycles.cycle_start(actor=hr, cycle=cycle, version=cycle.version)
    innovation = Indicator.objects.get(pk=aw.indicators["方案创新"].pk)
    attempts = [
        lambda: services.indicator_update(
            actor=hr, indicator=innovation, version=innovation.version, weight=Decimal("10")
        ),
        lambda: services.indicator_update(
            actor=hr, indicator=innovation, version=innovation.version, rule="steps", kind="quantitative"
        ),
        lambda: services.indicator_create(actor=hr, template=aw.template, **qual("新指标", "1")),
        lambda: services.indicator_delete(actor=hr, indicator=innovation),
        lambda: services.indicators_replace(actor=hr, template=aw.template, rows=_rows_of(aw.template)),
        lambda: services.template_update(
            actor=hr,
            template=aw.template,
            version=aw.template.version,
            position=PositionFactory(name="销售岗"),
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ConflictError) as exc:
            attempt()
        assert exc.value.code == "template_in_use" and "Q3考核" in exc.value.message
    assert Indicator.objects.get(pk=innovation.pk).weight == Decimal(15)
    # what only steers future cycles stays editable; a copy is free to change
    renamed = services.template_update(
        actor=hr, template=aw.template, version=aw.template.version, name="市场岗考核模板(2024)"
    )
    copy = services.template_copy(actor=hr, template=renamed, market_stage="")
    services.indicator_update(
        actor=hr, indicator=copy.indicators.get(name="方案创新"), version=1, weight=Decimal("10")
    )
    # published: the scores are stored and never recomputed, so the template is free again
    aw.rate_worked_example(cycle)
    cycle.refresh_from_db()
    cycle = cycles.cycle_advance(actor=hr, cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION)
    with pytest.raises(ConflictError):
        services.indicators_replace(actor=hr, template=aw.template, rows=_rows_of(aw.template))
    cycle = cycles.cycle_publish(actor=hr, cycle=cycle, version=cycle.version)
    published = Appraisal.objects.get(cycle=cycle)
    assert services.cycles_using(aw.template).count() == 0
    rows = _rows_of(aw.template)
    rows[0]["weight"], rows[3]["weight"] = Decimal(45), Decimal(10)
    services.indicators_replace(actor=hr, template=aw.template, rows=rows)
    assert scoring.score_appraisals(cycle) == 0
    appraisal = Appraisal.objects.get(cycle=cycle)
    assert appraisal.final_score == published.final_score == Decimal("88.95") and appraisal.grade == "A"
    assert appraisal.components == published.components  # as scored, old weights included


def test_which_cycles_lock_a_template(hr, template):
    from lodestar.appraisal.models import Stage, StartStatus
    from lodestar.testing.factories import CycleFactory

    IndicatorFactory(template=template, weight=Decimal(100), name="团队协作")
    draft = CycleFactory(name="草稿周期")
    draft.templates.add(template)
    failed = CycleFactory(name="启动失败", start_status=StartStatus.FAILED)
    failed.templates.add(template)
    published = CycleFactory(name="已发布", start_status=StartStatus.DONE, stage=Stage.PUBLISHED)
    AppraisalFactory(cycle=published, template=template)
    feedback = CycleFactory(name="面谈中", start_status=StartStatus.DONE, stage=Stage.FEEDBACK)
    AppraisalFactory(cycle=feedback, template=template)
    assert list(services.cycles_using(template)) == []
    services.indicator_update(
        actor=hr, indicator=template.indicators.get(), version=1, name="协作"
    )  # editable
    # a cycle creating its appraisals may pick it as its position's general template
    starting = CycleFactory(name="启动中", start_status=StartStatus.QUEUED)
    assert [c.name for c in services.cycles_using(template)] == ["启动中"]
    starting.positions.add(PositionFactory(name="别的岗位"))
    assert list(services.cycles_using(template)) == []
    starting.positions.add(template.position)
    running = CycleFactory(name="自评中", start_status=StartStatus.DONE, stage=Stage.SELF)
    running.templates.add(template)
    assert {c.name for c in services.cycles_using(template)} == {"启动中", "自评中"}
    with pytest.raises(ConflictError) as exc:
        services.indicator_delete(actor=hr, indicator=template.indicators.get())
    assert exc.value.code == "template_in_use"
    assert "“启动中”" in exc.value.message and "“自评中”" in exc.value.message
