"""Pages of appraisal setup: who sees which controls, the indicator formset (percents typed, fractions
stored, errors per field without a 500), copies, pay bases hidden from everyone but HR and admins, and
bounded query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from lodestar.appraisal.models import CommitteeMember, Competency, Indicator, PayBase, Template
from lodestar.testing.factories import (
    AppraisalTemplateFactory,
    CompetencyFactory,
    GoalTypeFactory,
    IndicatorFactory,
    PayBaseFactory,
    PersonFactory,
    PositionFactory,
)


@pytest.fixture
def template(db):
    return AppraisalTemplateFactory(position=PositionFactory(name="市场岗"), name="市场岗考核")


@pytest.fixture
def goal_type(db):
    return GoalTypeFactory()


def management(total: int, initial: int = 0) -> dict:
    return {
        "ind-TOTAL_FORMS": str(total),
        "ind-INITIAL_FORMS": str(initial),
        "ind-MIN_NUM_FORMS": "0",
        "ind-MAX_NUM_FORMS": "50",
    }


def row(i: int, **values) -> dict:
    return {f"ind-{i}-{key}": value for key, value in values.items()}


def seeds_post(template, goal_type) -> dict:
    data = {"version": str(template.version), **management(7)}
    q = {"kind": "quantitative", "rule": "linear", "goal_type": goal_type.pk}
    data |= row(0, name="销售额", weight="40", cap_pct="120", **q)
    data |= row(1, name="客户留存率", weight="20", cap_pct="120", **q)
    data |= row(2, name="线索转化率", weight="10", floor_pct="60", cap_pct="120", **q)
    data |= row(3, name="方案创新", kind="qualitative", weight="15", rubric_5="行业首创", rubric_1="无新意")
    data |= row(4, name="团队协作", kind="qualitative", weight="15", cap_pct="120")
    for blank in (5, 6):  # the page's empty rows, as the browser sends them back untouched
        data |= row(
            blank, name="", kind="quantitative", rule="linear", weight="", cap_pct="120", goal_type=""
        )
    return data


def test_readers_see_templates_without_controls(template, client_as):
    IndicatorFactory(template=template, weight=Decimal(60), name="团队协作")
    client = client_as("member")
    listing = client.get(reverse("appraisal:setup_templates"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "市场岗考核" in html and "60.00%" in html and 'data-testid="incomplete"' in html
    assert 'data-testid="template-form"' not in html
    detail = client.get(reverse("appraisal:setup_template", args=[template.pk])).content.decode()
    assert "团队协作" in detail and 'data-testid="indicators-form"' not in detail
    assert 'data-testid="copy-new"' not in detail and 'data-testid="tab-pay"' not in detail
    for name in ("setup_positions", "setup_competencies", "setup_committee"):
        assert client.get(reverse(f"appraisal:{name}")).status_code == 200
    assert client.post(reverse("appraisal:setup_positions"), {"name": "渠道岗"}).status_code == 403
    assert client.post(reverse("appraisal:setup_template", args=[template.pk]), {}).status_code == 403
    assert client.post(reverse("appraisal:setup_template_copy", args=[template.pk]), {}).status_code == 403


def test_hr_saves_all_indicators_percent_in_fraction_stored(template, goal_type, client_as):
    client = client_as("hr")
    page = client.get(reverse("appraisal:setup_template", args=[template.pk])).content.decode()
    assert 'data-testid="indicators-form"' in page and 'data-testid="copy-mature"' in page
    response = client.post(
        reverse("appraisal:setup_template", args=[template.pk]), seeds_post(template, goal_type)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    rows = list(Indicator.objects.filter(template=template).order_by("sort_order"))
    assert [r.name for r in rows] == ["销售额", "客户留存率", "线索转化率", "方案创新", "团队协作"]
    assert rows[2].floor == Decimal("0.6") and rows[2].cap == Decimal("1.2")
    assert rows[3].rubric == {"1": "无新意", "5": "行业首创"} and rows[4].cap is None
    page = client.get(reverse("appraisal:setup_template", args=[template.pk])).content.decode()
    assert 'value="60"' in page and 'value="120"' in page and "100.00%" in page


def test_formset_errors_render_per_field(template, goal_type, client_as):
    client = client_as("hr")
    data = seeds_post(template, goal_type)
    data["ind-1-goal_type"] = ""  # a quantitative row without a binding
    data["ind-0-rule"] = "steps"
    data["ind-0-steps"] = "80:80; 60:60"
    response = client.post(reverse("appraisal:setup_template", args=[template.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field-error="goal_type"' in html and 'data-field-error="steps"' in html
    assert not Indicator.objects.filter(template=template).exists()
    data = seeds_post(template, goal_type)
    data["ind-4-weight"] = "10"
    response = client.post(reverse("appraisal:setup_template", args=[template.pk]), data)
    assert response.status_code == 200
    assert 'data-testid="page-error"' in response.content.decode() and "95.00%" in response.content.decode()
    data["ind-4-weight"] = "abc"
    data["ind-3-steps"] = "x"
    data["ind-2-goal_id"] = "99999999"
    response = client.post(reverse("appraisal:setup_template", args=[template.pk]), data)
    assert response.status_code == 200 and 'data-field-error="weight"' in response.content.decode()


def test_copy_variant_and_delete(template, goal_type, client_as):
    client = client_as("admin")
    client.post(reverse("appraisal:setup_template", args=[template.pk]), seeds_post(template, goal_type))
    response = client.post(
        reverse("appraisal:setup_template_copy", args=[template.pk]), {"market_stage": "new"}
    )
    copy = Template.objects.get(copied_from=template)
    assert response.status_code == 302 and response["Location"].endswith(f"/{copy.pk}/")
    assert copy.market_stage == "new" and copy.indicators.count() == 5
    assert client.post(reverse("appraisal:setup_template_delete", args=[copy.pk])).status_code == 302
    assert not Template.objects.filter(pk=copy.pk).exists()


def test_template_and_position_forms(client_as):
    client = client_as("hr")
    assert (
        client.post(reverse("appraisal:setup_positions"), {"name": "渠道岗", "code": "channel"}).status_code
        == 302
    )
    again = client.post(reverse("appraisal:setup_positions"), {"name": "渠道岗"})
    assert again.status_code == 200 and 'data-field-error="name"' in again.content.decode()
    from lodestar.org.models import Position

    position = Position.objects.get(name="渠道岗")
    created = client.post(
        reverse("appraisal:setup_templates"), {"name": "渠道岗考核", "position": position.pk}
    )
    template = Template.objects.get(name="渠道岗考核")
    assert created["Location"] == reverse("appraisal:setup_template", args=[template.pk])
    edit = client.post(
        reverse("appraisal:setup_template_edit", args=[template.pk]),
        {"version": "7", "name": "x", "market_stage": ""},
    )
    assert edit.status_code == 200 and 'class="alert alert-danger"' in edit.content.decode()
    assert Template.objects.get(pk=template.pk).name == "渠道岗考核"
    PersonFactory(position=position)
    client.post(reverse("appraisal:setup_position_delete", args=[position.pk]), HTTP_REFERER="/")
    assert Position.objects.filter(pk=position.pk).exists()


@pytest.mark.parametrize("role", ["member", "mkt_manager", "viewer", "sales_manager"])
def test_pay_bases_page_hidden_from_non_hr(org, role, client_as):
    PayBaseFactory(person=org.member, amount=Decimal(10000))
    client = client_as(role)
    assert client.get(reverse("appraisal:setup_pay_bases")).status_code == 403
    assert (
        client.post(
            reverse("appraisal:setup_pay_base_set", args=[org.member.pk]), {"amount": "1"}
        ).status_code
        == 403
    )
    assert PayBase.objects.get(person=org.member).amount == Decimal(10000)


def test_hr_edits_pay_bases_inline(org, client_as):
    PayBaseFactory(person=org.member, amount=Decimal(10000))
    client = client_as("hr")
    page = client.get(reverse("appraisal:setup_pay_bases"))
    assert page.status_code == 200 and "10000.00" in page.content.decode()
    url = reverse("appraisal:setup_pay_base_set", args=[org.member.pk])
    assert client.post(url, {"amount": "12,000", "version": "1"}).status_code == 302
    assert PayBase.objects.get(person=org.member).amount == Decimal(12000)
    bad = client.post(url, {"amount": "-5", "version": "2"}, follow=True)
    assert bad.status_code == 200 and PayBase.objects.get(person=org.member).amount == Decimal(12000)
    client.post(url, {"amount": "", "version": "2"})
    assert not PayBase.objects.filter(person=org.member).exists()


def test_competencies_and_committee_pages(org, client_as):
    client = client_as("hr")
    assert (
        client.post(
            reverse("appraisal:setup_competencies"), {"name": "数据分析", "group": "professional"}
        ).status_code
        == 302
    )
    competency = Competency.objects.get(name="数据分析")
    client.post(
        reverse("appraisal:setup_competency", args=[competency.pk]),
        {"name": "数据分析", "group": "professional", "sort_order": "1"},
    )
    assert Competency.objects.get(pk=competency.pk).is_active is False
    assert (
        client.post(reverse("appraisal:setup_committee"), {"person": org.hr.pk, "area": "hr"}).status_code
        == 302
    )
    member = CommitteeMember.objects.get(person=org.hr)
    assert org.hr.display_name in client.get(reverse("appraisal:setup_committee")).content.decode()
    assert (
        client_as("member").post(reverse("appraisal:setup_committee_remove", args=[member.pk])).status_code
        == 403
    )
    client.post(reverse("appraisal:setup_committee_remove", args=[member.pk]))
    assert not CommitteeMember.objects.exists()


def test_list_pages_query_counts_bounded(org, client_as, django_assert_max_num_queries):
    for n in range(6):
        template = AppraisalTemplateFactory()
        IndicatorFactory(template=template, weight=Decimal(50))
        IndicatorFactory(template=template, weight=Decimal(50))
        PayBaseFactory(person=PersonFactory(department=org.mkt))
        CompetencyFactory()
    client = client_as("hr")
    for name in (
        "setup_templates",
        "setup_positions",
        "setup_pay_bases",
        "setup_competencies",
        "setup_committee",
    ):
        with django_assert_max_num_queries(20):
            assert client.get(reverse(f"appraisal:{name}")).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("appraisal:setup_template", args=[template.pk])).status_code == 200


def test_template_in_use_is_read_only_and_offers_a_copy(template, goal_type, client_as):
    from lodestar.appraisal.models import Stage, StartStatus
    from lodestar.testing.factories import AppraisalFactory, CycleFactory

    client = client_as("hr")
    url = reverse("appraisal:setup_template", args=[template.pk])
    assert client.post(url, seeds_post(template, goal_type)).status_code == 302
    cycle = CycleFactory(name="2024Q3绩效考核", start_status=StartStatus.DONE, stage=Stage.MANAGER)
    AppraisalFactory(cycle=cycle, template=template)
    page = client.get(url).content.decode()
    assert 'data-testid="template-locked"' in page and "2024Q3绩效考核" in page
    assert reverse("appraisal:cycle_detail", args=[cycle.pk]) in page
    assert 'data-testid="indicators-form"' not in page and 'data-testid="indicator-table"' in page
    assert 'data-testid="copy-to-edit"' in page and 'data-testid="template-edit-form"' in page
    # a stale page posting the indicators anyway: refused, said why, nothing changed
    template.refresh_from_db()
    data = seeds_post(template, goal_type)
    response = client.post(url, data)
    assert response.status_code == 302
    followed = client.get(url).content.decode()
    assert "2024Q3绩效考核" in followed and 'data-testid="template-locked"' in followed
    data["ind-0-weight"] = "abc"  # an invalid formset: the page again, still read-only
    page = client.post(url, data).content.decode()
    assert 'data-testid="template-locked"' in page and 'data-testid="indicators-form"' not in page
    assert list(template.indicators.values_list("weight", flat=True).order_by("sort_order")) == [
        40,
        20,
        10,
        15,
        15,
    ]
    # the copy is editable
    response = client.post(reverse("appraisal:setup_template_copy", args=[template.pk]), {"market_stage": ""})
    copy = Template.objects.get(copied_from=template)
    copy_page = client.get(response["Location"]).content.decode()
    assert copy.indicators.count() == 5 and 'data-testid="indicators-form"' in copy_page
    assert 'data-testid="template-locked"' not in copy_page
    # a reader sees no lock banner (and no controls) either way
    reader = client_as("member").get(url).content.decode()
    assert 'data-testid="template-locked"' not in reader and 'data-testid="copy-to-edit"' not in reader
    # published: editable again
    cycle.stage = Stage.PUBLISHED
    cycle.save()
    assert 'data-testid="indicators-form"' in client.get(url).content.decode()
