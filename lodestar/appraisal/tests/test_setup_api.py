"""API of appraisal setup: /positions, /appraisal-templates (+ /copy, /indicators), /pay-bases, /competencies,
/committee-members — who may read and write, the indicator rules naming their fields, pay bases hidden."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lodestar.appraisal.models import Indicator, PayBase
from lodestar.testing.factories import (
    AppraisalFactory,
    AppraisalTemplateFactory,
    CompetencyFactory,
    GoalTypeFactory,
    IndicatorFactory,
    PayBaseFactory,
    PositionFactory,
)


@pytest.fixture
def template(db):
    return AppraisalTemplateFactory(position=PositionFactory(name="市场岗"), name="市场岗考核")


@pytest.fixture
def goal_type(db):
    return GoalTypeFactory()


def seeds(goal_type):
    return [
        {"name": "销售额", "kind": "quantitative", "weight": "40", "goal_type_id": goal_type.pk},
        {"name": "客户留存率", "kind": "quantitative", "weight": "20.00", "goal_type_id": goal_type.pk},
        {
            "name": "线索转化率",
            "kind": "quantitative",
            "weight": 10,
            "goal_type_id": goal_type.pk,
            "floor": "0.6",
        },
        {"name": "方案创新", "kind": "qualitative", "weight": "15", "rubric": {"5": "行业首创"}},
        {"name": "团队协作", "kind": "qualitative", "weight": "15"},
    ]


def test_everyone_reads_positions_templates_and_competencies(template, api_as):
    IndicatorFactory(template=template, weight=Decimal(60))
    CompetencyFactory(name="产品知识")
    guest = api_as("viewer")  # the read-only guest has no appraisal, its setup included
    for path in ("/positions", "/appraisal-templates", "/competencies", "/committee-members"):
        assert guest.get(path).status_code == 403, path
    for role in ("member", "mkt_manager"):
        api = api_as(role)
        positions = api.get("/positions").json()
        assert positions["count"] >= 1 and {"id", "name", "code", "version"} <= positions["items"][0].keys()
        listed = api.get("/appraisal-templates", position_id=template.position_id).json()
        assert listed["count"] == 1
        row = listed["items"][0]
        assert row["weight_total"] == "60.00" and row["is_complete"] is False and row["indicator_count"] == 1
        assert api.get(f"/appraisal-templates/{template.pk}/indicators").json()[0]["weight"] == "60.00"
        assert api.get("/competencies").json()["count"] == 1
        assert api.get("/committee-members").status_code == 200


def test_member_cannot_write(template, api_as, org):
    api = api_as("member")
    assert api.post("/positions", {"name": "渠道岗"}).status_code == 403
    assert (
        api.post("/appraisal-templates", {"name": "x", "position_id": template.position_id}).status_code
        == 403
    )
    assert api.patch(f"/positions/{template.position_id}", {"version": 1, "name": "y"}).status_code == 403
    assert api.delete(f"/appraisal-templates/{template.pk}").status_code == 403
    body = {"name": "团队协作", "kind": "qualitative", "weight": "100"}
    assert api.post(f"/appraisal-templates/{template.pk}/indicators", body).status_code == 403
    replace = api.request("PUT", f"/appraisal-templates/{template.pk}/indicators", {"indicators": [body]})
    assert replace.status_code == 403
    assert api.post("/competencies", {"name": "数据分析", "group": "professional"}).status_code == 403
    assert api.post("/committee-members", {"person_id": org.member.pk, "area": "hr"}).status_code == 403
    assert api_as("viewer").post("/positions", {"name": "渠道岗"}).status_code == 403


def test_hr_sets_up_a_template(api_as, goal_type):
    api = api_as("hr")
    position = api.post("/positions", {"name": "市场岗", "code": "marketing"})
    assert position.status_code == 201, position.json()
    created = api.post("/appraisal-templates", {"name": "市场岗考核", "position_id": position.json()["id"]})
    assert created.status_code == 201 and created.json()["is_complete"] is False
    tid = created.json()["id"]
    replaced = api.request("PUT", f"/appraisal-templates/{tid}/indicators", {"indicators": seeds(goal_type)})
    assert replaced.status_code == 200, replaced.json()
    rows = replaced.json()
    assert [r["weight"] for r in rows] == ["40.00", "20.00", "10.00", "15.00", "15.00"]
    assert rows[0]["cap"] == "1.2000" and rows[2]["floor"] == "0.6000" and rows[3]["cap"] is None
    assert rows[3]["rubric"] == {"5": "行业首创"}
    detail = api.get(f"/appraisal-templates/{tid}").json()
    assert detail["weight_total"] == "100.00" and detail["is_complete"] is True and detail["version"] == 2
    copy = api.post(f"/appraisal-templates/{tid}/copy", {"market_stage": "new"})
    assert copy.status_code == 201
    assert copy.json()["copied_from_id"] == tid and copy.json()["market_stage"] == "new"
    assert copy.json()["is_complete"] is True
    stage = api.get("/appraisal-templates", market_stage="new").json()
    assert stage["count"] == 1


def test_weights_over_100_refused_naming_the_field(template, api_as, goal_type):
    api = api_as("hr")
    url = f"/appraisal-templates/{template.pk}/indicators"
    ok = api.post(
        url, {"name": "销售额", "kind": "quantitative", "weight": "70", "goal_type_id": goal_type.pk}
    )
    assert ok.status_code == 201 and ok.json()["cap"] == "1.2000"
    over = api.post(url, {"name": "团队协作", "kind": "qualitative", "weight": "40"})
    assert over.status_code == 422
    assert over.json()["field"] == "weight" and "70.00%" in over.json()["message"]
    patched = api.patch(f"{url}/{ok.json()['id']}", {"version": 1, "weight": "101"})
    assert patched.status_code == 422 and patched.json()["field"] == "weight"


def test_replace_requires_exactly_100_with_row_errors(template, api_as, goal_type):
    api = api_as("hr")
    url = f"/appraisal-templates/{template.pk}/indicators"
    short = api.request("PUT", url, {"indicators": seeds(goal_type)[:-1]})
    assert short.status_code == 422 and short.json()["field"] == "weight"
    rows = seeds(goal_type)
    rows[0]["goal_type_id"] = None
    rows[1]["rule"] = "steps"
    bad = api.request("PUT", url, {"indicators": rows}).json()
    assert [(e["row"], e["field"]) for e in bad["errors"]] == [(0, "goal_type_id"), (1, "steps")]
    missing = seeds(goal_type)
    missing[0]["goal_type_id"] = 99999999
    body = api.request("PUT", url, {"indicators": missing})
    assert body.status_code == 404 and body.json()["errors"][0]["row"] == 0
    assert not Indicator.objects.filter(template=template).exists()


def test_steps_and_binding_rules_over_the_api(template, api_as, goal_type):
    api = api_as("hr")
    url = f"/appraisal-templates/{template.pk}/indicators"
    base = {"name": "销售额", "kind": "quantitative", "weight": "40", "goal_type_id": goal_type.pk}
    bad_steps = api.post(url, {**base, "rule": "steps", "steps": [["0.8", "80"], ["0.6", "60"]]})
    assert bad_steps.status_code == 422 and bad_steps.json()["field"] == "steps"
    short_pair = api.post(url, {**base, "rule": "steps", "steps": [["0.8"]]})
    assert short_pair.status_code == 422
    ok = api.post(url, {**base, "rule": "steps", "steps": [["0.6", "60"], ["0.8", "80"], ["1", "100"]]})
    assert ok.status_code == 201
    assert ok.json()["steps"] == [["0.6000", "60.00"], ["0.8000", "80.00"], ["1.0000", "100.00"]]
    unbound = api.post(url, {"name": "利润", "kind": "quantitative", "weight": "10"})
    assert unbound.status_code == 422 and unbound.json()["field"] == "goal_type_id"
    bound_qual = api.post(
        url, {"name": "协作", "kind": "qualitative", "weight": "10", "goal_type_id": goal_type.pk}
    )
    assert bound_qual.status_code == 422 and bound_qual.json()["field"] == "goal_type_id"
    typo = api.post(url, {**base, "name": "x", "wieght": "1"})
    assert typo.status_code == 422 and typo.json()["code"] == "unknown_field"
    floor = api.post(url, {**base, "name": "转化", "weight": "5", "floor": "1.5", "cap": "1.2"})
    assert floor.status_code == 422 and floor.json()["field"] == "floor"


def test_delete_in_use_is_409(api_as):
    appraisal = AppraisalFactory()
    api = api_as("admin")
    refused = api.delete(f"/appraisal-templates/{appraisal.template_id}")
    assert refused.status_code == 409 and refused.json()["code"] == "in_use"
    refused = api.delete(f"/positions/{appraisal.position_id}")
    assert refused.status_code == 409 and refused.json()["code"] == "in_use"
    free = PositionFactory()
    assert api.delete(f"/positions/{free.pk}").status_code == 204
    assert api.get(f"/positions/{free.pk}").status_code == 404


def test_pay_bases_only_for_hr_and_admins(org, api_as):
    PayBaseFactory(person=org.member, amount=Decimal(10000))
    for role in ("member", "mkt_manager", "viewer", "sales_manager"):
        api = api_as(role)
        assert api.get("/pay-bases").status_code == 403
        assert api.request("PUT", f"/pay-bases/{org.member.pk}", {"amount": "1"}).status_code == 403
        assert api.delete(f"/pay-bases/{org.member.pk}").status_code == 403
    hr = api_as("hr")
    listed = hr.get("/pay-bases").json()
    assert listed["count"] == 1 and listed["items"][0]["amount"] == "10000.00"
    changed = hr.request("PUT", f"/pay-bases/{org.member.pk}", {"amount": "12000.5", "version": 1})
    assert changed.status_code == 200 and changed.json()["amount"] == "12000.50"
    assert changed.json()["version"] == 2
    stale = hr.request("PUT", f"/pay-bases/{org.member.pk}", {"amount": "1", "version": 1})
    assert stale.status_code == 409
    new = api_as("admin").request("PUT", f"/pay-bases/{org.sales_manager.pk}", {"amount": "8000"})
    assert new.status_code == 200
    assert hr.delete(f"/pay-bases/{org.member.pk}").status_code == 204
    assert not PayBase.objects.filter(person=org.member).exists()


def test_competencies_and_committee(org, api_as):
    hr = api_as("hr")
    created = hr.post("/competencies", {"name": "数据分析", "group": "professional"})
    assert created.status_code == 201
    off = hr.patch(f"/competencies/{created.json()['id']}", {"is_active": False})
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert hr.get("/competencies", is_active=True).json()["count"] == 0
    assert (
        api_as("member").patch(f"/competencies/{created.json()['id']}", {"is_active": True}).status_code
        == 403
    )
    seat = hr.post("/committee-members", {"person_id": org.mkt_manager.pk, "area": "marketing"})
    assert seat.status_code == 201 and seat.json()["display_name"] == org.mkt_manager.display_name
    again = hr.post("/committee-members", {"person_id": org.mkt_manager.pk, "area": "hr"})
    assert again.status_code == 409
    assert api_as("member").get("/committee-members").json()[0]["area"] == "marketing"
    assert hr.delete(f"/committee-members/{seat.json()['id']}").status_code == 204


def test_list_query_counts_are_bounded(api_as, django_assert_max_num_queries):
    for n in range(5):
        template = AppraisalTemplateFactory()
        IndicatorFactory(template=template, weight=Decimal(50))
        PayBaseFactory()
    api = api_as("hr")
    with django_assert_max_num_queries(12):
        assert api.get("/appraisal-templates").status_code == 200
    with django_assert_max_num_queries(12):
        assert api.get("/pay-bases").status_code == 200
    with django_assert_max_num_queries(12):
        assert api.get("/positions").status_code == 200


def test_template_in_use_refuses_edits_with_409(template, api_as, goal_type):
    from lodestar.appraisal.models import Stage, StartStatus
    from lodestar.testing.factories import CycleFactory

    api = api_as("hr")
    url = f"/appraisal-templates/{template.pk}/indicators"
    saved = api.request("PUT", url, {"indicators": seeds(goal_type)})
    assert saved.status_code == 200, saved.json()
    cycle = CycleFactory(name="2024Q3绩效考核", start_status=StartStatus.DONE, stage=Stage.SELF)
    AppraisalFactory(cycle=cycle, template=template)
    first = Indicator.objects.filter(template=template).order_by("sort_order").first()
    template.refresh_from_db()
    refusals = [
        api.request("PUT", url, {"indicators": seeds(goal_type)}),
        api.post(url, {"name": "新指标", "kind": "qualitative", "weight": "1"}),
        api.patch(f"{url}/{first.pk}", {"weight": "35", "version": first.version}),
        api.delete(f"{url}/{first.pk}"),
        api.patch(
            f"/appraisal-templates/{template.pk}",
            {"position_id": PositionFactory().pk, "version": template.version},
        ),
    ]
    for response in refusals:
        assert response.status_code == 409, response.json()
        assert response.json()["code"] == "template_in_use" and "2024Q3绩效考核" in response.json()["message"]
    assert Indicator.objects.get(pk=first.pk).weight == Decimal(40)
    renamed = api.patch(f"/appraisal-templates/{template.pk}", {"name": "旧版", "version": template.version})
    assert renamed.status_code == 200
    copy = api.post(f"/appraisal-templates/{template.pk}/copy", {"market_stage": "mature"})
    assert copy.status_code == 201
    copy_url = f"/appraisal-templates/{copy.json()['id']}/indicators"
    assert api.request("PUT", copy_url, {"indicators": seeds(goal_type)}).status_code == 200
    cycle.stage = Stage.PUBLISHED
    cycle.save()
    assert api.patch(f"{url}/{first.pk}", {"weight": "35", "version": first.version}).status_code == 200
