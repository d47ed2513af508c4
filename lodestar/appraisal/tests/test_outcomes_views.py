"""The outcome pages: improvement plans, appeals, composites, promotions and the appraisal page's panel."""

from __future__ import annotations

from decimal import Decimal

from django.template.loader import render_to_string
from django.test import RequestFactory

from lodestar.appraisal.models import Appraisal, CommitteeArea, FeedbackMeeting, Pip
from lodestar.appraisal.services import composites
from lodestar.appraisal.tests.outcomes_helpers import (
    fy2024,
    publish_worked_example,
    published,
    with_direct_manager,
)
from lodestar.conftest import login
from lodestar.core.models import Period
from lodestar.testing.factories import AppealFactory, CommitteeMemberFactory
from lodestar.testing.organisation import fresh_user


def _panel(appraisal, person):
    request = RequestFactory().get(f"/appraisal/{appraisal.pk}/")
    request.user = fresh_user(person)
    appraisal = Appraisal.objects.select_related("cycle", "person", "department").get(pk=appraisal.pk)
    return render_to_string(
        "appraisal/outcomes/_appraisal_panel.html",
        {"appraisal": appraisal, "request": request},
        request=request,
    )


def test_pip_pages_and_the_close_form(aw, client_as):
    appraisal = publish_worked_example(aw, grade_thresholds={"S": "99", "A": "95", "B": "90"})
    pip = Pip.objects.get(appraisal=appraisal)
    page = client_as("member").get("/appraisal/pips/")
    assert page.status_code == 200 and 'data-testid="pip-row"' in page.content.decode()
    html = client_as("member").get(f"/appraisal/pips/{pip.pk}/").content.decode()
    assert 'data-testid="pip-checks"' in html and "pip-close-form" not in html
    assert client_as("sales_manager").get(f"/appraisal/pips/{pip.pk}/").status_code == 404
    manager = client_as("mkt_manager")
    assert "pip-close-form" in manager.get(f"/appraisal/pips/{pip.pk}/").content.decode()
    response = manager.post(
        f"/appraisal/pips/{pip.pk}/check/", {"date": pip.check_dates[0], "on_track": "0", "note": "6%"}
    )
    assert response.status_code == 302
    response = manager.post(
        f"/appraisal/pips/{pip.pk}/close/",
        {"version": pip.version + 1, "outcome": "improved", "outcome_note": "8.2%"},
    )
    assert response.status_code == 302
    pip.refresh_from_db()
    assert pip.outcome == "improved"


def test_the_plan_forms_offer_no_read_only_guest_as_mentor(aw, client_as):
    appraisal = publish_worked_example(aw, grade_thresholds={"S": "99", "A": "95", "B": "90"})
    pip = Pip.objects.get(appraisal=appraisal)
    guest = aw.org.person("viewer")
    hr = client_as("hr")
    for url in ("/appraisal/pips/new/", f"/appraisal/pips/{pip.pk}/"):
        html = hr.get(url).content.decode()
        assert 'name="mentor"' in html and f'value="{aw.org.person("sales_manager").pk}"' in html, url
        assert guest.display_name not in html and f'value="{guest.pk}"' not in html, url
    response = hr.post(
        f"/appraisal/pips/{pip.pk}/edit/",
        {
            "version": pip.version,
            "goals": "x",
            "mentor": guest.pk,
            "check_dates": ", ".join(pip.check_dates),
            "ends": pip.ends.isoformat(),
        },
    )
    assert response.status_code == 200  # the form again, with the choice refused
    pip.refresh_from_db()
    assert pip.mentor_id != guest.pk


def test_the_panel_feedback_and_appeal(aw, client_as):
    appraisal = publish_worked_example(aw)
    html = _panel(appraisal, aw.org.person("mkt_manager"))
    assert 'data-testid="feedback-form"' in html and "appeal-button" not in html
    response = client_as("mkt_manager").post(
        f"/appraisal/{appraisal.pk}/feedback/",
        {"held_on": "2024-10-15", "notes": "达成率96%", "next": "/appraisal/pips/"},
    )
    assert response.status_code == 302 and response["Location"] == "/appraisal/pips/"
    html = _panel(appraisal, aw.person)
    assert "达成率96%" in html and "feedback-acknowledge" in html and "appeal-button" in html
    assert "feedback-form" not in html and "12000" not in html and "12,000" not in html
    client_as("member").post(f"/appraisal/{appraisal.pk}/feedback/acknowledge/")
    client_as("mkt_manager").post(f"/appraisal/{appraisal.pk}/feedback/acknowledge/")
    meeting = FeedbackMeeting.objects.get(appraisal=appraisal)
    assert meeting.person_ack_at and meeting.manager_ack_at
    assert "feedback-acknowledged" in _panel(appraisal, aw.person)
    assert (
        client_as("sales_manager").post(f"/appraisal/{appraisal.pk}/feedback/acknowledge/").status_code == 404
    )
    response = client_as("member").post(f"/appraisal/{appraisal.pk}/appeal/", {"reason": "补录数据"})
    assert response.status_code == 302
    assert "appeal-button" not in _panel(appraisal, aw.person)  # one open appeal at a time


def test_a_skip_level_manager_gets_403_on_the_feedback_form_and_acknowledgement(aw, client_as):
    appraisal = published(aw, fy2024("quarter")[1], "70", "B")
    lead = with_direct_manager(aw, appraisal)
    skip_level = client_as("mkt_manager")
    assert skip_level.get(f"/appraisal/{appraisal.pk}/").status_code == 200
    assert 'data-testid="feedback-form"' not in _panel(appraisal, aw.org.person("mkt_manager"))
    assert skip_level.get(f"/appraisal/{appraisal.pk}/feedback/").status_code == 403
    response = skip_level.post(
        f"/appraisal/{appraisal.pk}/feedback/", {"held_on": "2024-10-15", "notes": "x"}
    )
    assert response.status_code == 403
    assert not FeedbackMeeting.objects.filter(appraisal=appraisal).exists()
    direct = login(lead)
    assert 'data-testid="feedback-form"' in _panel(appraisal, lead)
    response = direct.post(
        f"/appraisal/{appraisal.pk}/feedback/", {"held_on": "2024-10-15", "notes": "达成率良好"}
    )
    assert response.status_code == 302
    assert "feedback-acknowledge" not in _panel(appraisal, aw.org.person("mkt_manager"))
    assert skip_level.post(f"/appraisal/{appraisal.pk}/feedback/acknowledge/").status_code == 403
    assert "feedback-acknowledge" in _panel(appraisal, lead)
    direct.post(f"/appraisal/{appraisal.pk}/feedback/acknowledge/")
    meeting = FeedbackMeeting.objects.get(appraisal=appraisal)
    assert meeting.manager_ack_at is not None and meeting.person_ack_at is None


def test_the_committee_decides_on_the_appeal_list(aw, client_as):
    appraisal = publish_worked_example(aw)
    appeal = AppealFactory(appraisal=appraisal)
    CommitteeMemberFactory(person=aw.org.person("sales_manager"), area=CommitteeArea.MARKETING)
    committee = login(aw.org.person("sales_manager"))
    html = committee.get("/appraisal/appeals/").content.decode()
    assert "appeal-decide-form" in html and "12000" not in html
    # The committee member may not open 林晓's appraisal: her name is not a link for him; it is for her.
    link = f'href="/appraisal/{appraisal.pk}/"'
    assert link not in html and committee.get(f"/appraisal/{appraisal.pk}/").status_code == 404
    assert link in client_as("member").get("/appraisal/appeals/?status=all").content.decode()
    assert "appeal-decide-form" not in client_as("member").get("/appraisal/appeals/").content.decode()
    assert (
        'data-testid="appeal-card"'
        not in client_as("mkt_manager").get("/appraisal/appeals/").content.decode()
    )
    prefix = f"a{appeal.pk}"
    response = committee.post(
        f"/appraisal/appeals/{appeal.pk}/decide/",
        {
            f"{prefix}-version": appeal.version,
            f"{prefix}-status": "upheld",
            f"{prefix}-decision": "属实",
            f"{prefix}-new_grade": "S",
        },
    )
    assert response.status_code == 302
    appraisal.refresh_from_db()
    assert (appraisal.effective_grade, appraisal.bonus_amount) == ("S", Decimal("15000.00"))


def test_composites_page_marks_missing_parts_and_hr_computes_all(aw, client_as):
    year = Period.objects.get(kind="year", fiscal_year=2024)
    published(aw, fy2024("quarter")[2], "88.95", "A")
    response = client_as("hr").post(
        "/appraisal/composites/compute/",
        {"year": year.pk, "weight_month": "30", "weight_quarter": "40", "weight_year": "30"},
    )
    assert response.status_code == 302
    assert composites.Composite.objects.get(person=aw.person).final_score == Decimal("88.95")
    html = client_as("member").get(f"/appraisal/composites/?year={year.pk}").content.decode()
    assert 'data-testid="renormalised"' in html and "88.95" in html and "composite-compute" not in html
    assert (
        "composite-compute" in client_as("hr").get(f"/appraisal/composites/?year={year.pk}").content.decode()
    )
    assert (
        'data-testid="composite-row"'
        not in client_as("sales_manager").get(f"/appraisal/composites/?year={year.pk}").content.decode()
    )


def test_promotions_page_for_hr_only(aw, client_as):
    quarters = fy2024("quarter")
    published(aw, quarters[0], "88", "A")
    published(aw, quarters[1], "96", "S")
    html = client_as("hr").get("/appraisal/promotions/").content.decode()
    assert 'data-testid="promotion-row"' in html and "林晓" in html
    assert client_as("mkt_manager").get("/appraisal/promotions/").status_code == 403


def test_the_panel_loads_in_a_bounded_number_of_queries(aw, django_assert_max_num_queries):
    appraisal = publish_worked_example(aw, grade_thresholds={"S": "99", "A": "95", "B": "90"})
    for _i in range(3):
        AppealFactory(appraisal=appraisal, status="rejected", decision="数据无误")
    request = RequestFactory().get(f"/appraisal/{appraisal.pk}/")
    request.user = fresh_user(aw.org.person("mkt_manager"))
    loaded = Appraisal.objects.select_related("cycle", "person", "department").get(pk=appraisal.pk)
    with django_assert_max_num_queries(8):
        html = render_to_string(
            "appraisal/outcomes/_appraisal_panel.html",
            {"appraisal": loaded, "request": request},
            request=request,
        )
    assert html.count('data-testid="appeal-item"') == 3 and 'data-testid="pip-link"' in html


# --- opening a plan by hand ---------------------------------------------------------------------


def test_a_line_manager_opens_a_plan_by_hand_from_the_panel(aw, client_as):
    appraisal = publish_worked_example(aw)  # A: publishing opened no plan
    manager = aw.org.person("mkt_manager")
    html = _panel(appraisal, manager)
    assert f'href="/appraisal/pips/new/?appraisal={appraisal.pk}"' in html
    assert "pip-open-button" not in _panel(appraisal, aw.person)
    page = client_as("mkt_manager").get(f"/appraisal/pips/new/?appraisal={appraisal.pk}")
    assert page.status_code == 200
    assert f'<option value="{appraisal.pk}" selected>' in page.content.decode()
    response = client_as("mkt_manager").post(
        "/appraisal/pips/new/",
        {
            "appraisal": appraisal.pk,
            "goals": "线索转化率提升到8%",
            "mentor": aw.org.person("sales_manager").pk,
            "starts": "2026-01-05",
            "ends": "2026-03-31",
            "check_dates": "2026-02-01, 2026-03-01",
        },
    )
    pip = Pip.objects.get(appraisal=appraisal)
    assert response.status_code == 302 and response["Location"] == f"/appraisal/pips/{pip.pk}/"
    assert (pip.person, pip.mentor, pip.goals) == (
        aw.person,
        aw.org.person("sales_manager"),
        "线索转化率提升到8%",
    )
    assert pip.check_dates == ["2026-02-01", "2026-03-01"]
    # a plan in progress: no button, and the page sends to the plan
    assert "pip-open-button" not in _panel(appraisal, manager)
    again = client_as("hr").get(f"/appraisal/pips/new/?appraisal={appraisal.pk}")
    assert again.status_code == 302 and again["Location"] == f"/appraisal/pips/{pip.pk}/"


def test_hr_opens_a_plan_from_the_list_with_defaults(aw, client_as):
    appraisal = publish_worked_example(aw)
    html = client_as("hr").get("/appraisal/pips/").content.decode()
    assert 'data-testid="pip-open-button"' in html and 'href="/appraisal/pips/new/"' in html
    assert "pip-open-button" not in client_as("member").get("/appraisal/pips/").content.decode()
    assert "pip-open-button" not in client_as("viewer").get("/appraisal/pips/").content.decode()
    response = client_as("hr").post("/appraisal/pips/new/", {"appraisal": appraisal.pk, "goals": "提升留存"})
    assert response.status_code == 302
    pip = Pip.objects.get(appraisal=appraisal)
    assert pip.mentor == aw.org.person("mkt_manager") and len(pip.check_dates) == 3


def test_others_may_not_open_a_plan(aw, client_as):
    appraisal = publish_worked_example(aw)
    for role in ("member", "viewer"):
        assert client_as(role).get("/appraisal/pips/new/").status_code == 403, role
        assert client_as(role).get(f"/appraisal/pips/new/?appraisal={appraisal.pk}").status_code == 403
        response = client_as(role).post("/appraisal/pips/new/", {"appraisal": appraisal.pk, "goals": "x"})
        assert response.status_code == 403, role
    # 王强 manages 销售部, not 林晓: her appraisal does not exist for him, and is no choice of his form
    sales = client_as("sales_manager")
    assert sales.get(f"/appraisal/pips/new/?appraisal={appraisal.pk}").status_code == 404
    response = sales.post("/appraisal/pips/new/", {"appraisal": appraisal.pk, "goals": "x"})
    assert response.status_code == 200 and response.context["form"].errors["appraisal"]
    assert not Pip.objects.filter(appraisal=appraisal).exists()
    # an unpublished result: no plan by hand
    draft = published(aw, fy2024("quarter")[1], "70", "B", stage="calibration")
    assert client_as("hr").get(f"/appraisal/pips/new/?appraisal={draft.pk}").status_code == 403
    response = client_as("hr").post("/appraisal/pips/new/", {"appraisal": draft.pk, "goals": "x"})
    assert response.status_code == 200 and response.context["form"].errors["appraisal"]


def test_bad_input_shows_form_errors(aw, client_as):
    appraisal = publish_worked_example(aw)
    hr = client_as("hr")
    cases = [
        ({"goals": ""}, "goals"),
        ({"starts": "2026-03-01", "ends": "2026-02-01"}, "ends"),
        ({"starts": "2026-13-01"}, "starts"),
        ({"check_dates": "2026-02-30"}, "check_dates"),
        ({"starts": "2026-01-01", "ends": "2026-03-31", "check_dates": "2026-05-01"}, "check_dates"),
        ({"mentor": aw.person.pk}, "mentor"),
        ({"mentor": 99999999}, "mentor"),
        ({"appraisal": "abc"}, "appraisal"),
    ]
    for change, field in cases:
        data = {"appraisal": appraisal.pk, "goals": "提升转化率", **change}
        response = hr.post("/appraisal/pips/new/", data)
        assert response.status_code == 200, change
        assert response.context["form"].errors.get(field), (change, response.context["form"].errors)
        assert 'data-testid="pip-create-form"' in response.content.decode()
    assert not Pip.objects.filter(appraisal=appraisal).exists()
