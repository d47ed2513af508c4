"""The knowledge pages per role: the case library (search, highlighting, filters), case detail and form
(also from a retrospective or a goal), suggestions on a goal's page, SOPs with versions and a diff, the
annual report; query budgets on the lists."""

from __future__ import annotations

import datetime as dt

import pytest

from lodestar.knowledge import services
from lodestar.knowledge.models import Case, SopVersion
from lodestar.testing.factories import CaseFactory, RetrospectiveFactory, TagFactory

ROLES = ("admin", "mkt_manager", "sales_manager", "member", "hr", "viewer")


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_libraries(client_as, case, sop, role):
    client = client_as(role)
    for url in (
        "/knowledge/",
        f"/knowledge/cases/{case.pk}/",
        "/knowledge/sops/",
        f"/knowledge/sops/{sop.pk}/",
        f"/knowledge/sops/{sop.pk}/diff/?from=1&to=2",
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("role", "edits"),
    [
        ("member", True),
        ("mkt_manager", True),
        ("admin", True),
        ("sales_manager", False),
        ("hr", False),
        ("viewer", False),
    ],
)
def test_edit_controls_show_only_to_who_may_use_them(client_as, case, role, edits):
    client = client_as(role)
    html = client.get(f"/knowledge/cases/{case.pk}/").content.decode()
    assert ('data-testid="edit-case"' in html) is edits
    assert client.get(f"/knowledge/cases/{case.pk}/edit/").status_code == (200 if edits else 403)
    listing = client.get("/knowledge/").content.decode()
    assert ('data-testid="new-case"' in listing) is (role != "viewer")


def test_search_highlights_and_filters(client_as, case, org):
    CaseFactory(title="私域社群大促", department=org.sales, outcome="failure")
    html = client_as("viewer").get("/knowledge/", {"q": "小红书"}).content.decode()
    assert "<mark>小红书</mark>" in html and "私域社群大促" not in html
    html = client_as("viewer").get("/knowledge/", {"outcome": "failure"}).content.decode()
    assert "私域社群大促" in html and case.title not in html
    html = client_as("viewer").get("/knowledge/", {"tag": "新品上市期"}).content.decode()
    assert case.title in html and "私域社群大促" not in html
    html = client_as("viewer").get("/knowledge/", {"q": "没有这种案例"}).content.decode()
    assert "No case matches" in html or "没有匹配" in html


def test_the_case_detail_shows_the_snapshot_figures_and_links(client_as, case, goal):
    html = client_as("hr").get(f"/knowledge/cases/{case.pk}/").content.decode()
    assert 'data-testid="case-figures"' in html
    assert "销售额" in html and f"/goals/{goal.pk}/" in html
    assert "新品上市期" in html


def test_a_lesson_becomes_a_searchable_case_through_the_form(client_as, goal, org):
    retro = RetrospectiveFactory(goal=goal, title="Q1 新品复盘", highlights="达人种草转化高")
    client = client_as("mkt_manager")
    page = client.get("/knowledge/cases/new/", {"retrospective": retro.pk}).content.decode()
    assert 'data-testid="from-retrospective"' in page and "Q1 新品复盘" in page and "达人种草转化高" in page
    response = client.post(
        "/knowledge/cases/new/",
        {
            "title": "Q1 新品复盘：达人种草",
            "outcome": "success",
            "department": org.mkt.pk,
            "period": goal.period_id,
            "context": "达人种草转化高",
            "body": "腰部达人",
            "reasons": "内容差异化",
            "scenario_tags": "新品上市期，大促",
            "channel_tags": "小红书",
            "industry_tags": "",
            "goals": [goal.pk],
            "retrospective": retro.pk,
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(title="Q1 新品复盘：达人种草")
    assert case.retrospective == retro and case.figures and case.figures[0]["kind"] == "close"
    found = client.get("/knowledge/", {"q": "大促 达人"}).content.decode()  # a tag word and a title word
    assert "Q1 新品复盘：<mark>达人</mark>种草" in found and f"/knowledge/cases/{case.pk}/" in found


def test_a_case_from_a_goal_and_form_errors(client_as, goal, org):
    client = client_as("member")
    page = client.get("/knowledge/cases/new/", {"goal": goal.pk}).content.decode()
    assert goal.name in page
    response = client.post(
        "/knowledge/cases/new/", {"title": "", "outcome": "success", "department": org.content.pk}
    )
    assert response.status_code == 200 and 'data-field-error="title"' in response.content.decode()
    response = client.post(
        "/knowledge/cases/new/", {"title": "x", "outcome": "success", "department": org.sales.pk}
    )
    assert response.status_code == 200 and 'data-field-error="department"' in response.content.decode()
    assert client_as("viewer").get("/knowledge/cases/new/").status_code == 403
    assert client.get("/knowledge/cases/new/", {"retrospective": 999999}).status_code == 404


def test_the_goal_page_asks_for_suggested_cases(client_as, case, goal):
    client = client_as("member")
    assert "/knowledge/cases/suggested/?goal=" in client.get(f"/goals/{goal.pk}/").content.decode()
    fragment = client.get("/knowledge/cases/suggested/", {"goal": goal.pk}).content.decode()
    assert 'data-testid="suggested-case"' in fragment and case.title in fragment
    assert client.get("/knowledge/cases/suggested/", {"goal": 999999}).status_code == 404
    assert client.get("/knowledge/cases/suggested/").status_code == 404


def test_sop_versions_diff_and_rendered_markdown(client_as, sop):
    client = client_as("member")
    html = client.get(f"/knowledge/sops/{sop.pk}/").content.decode()
    assert "<h2>步骤</h2>" in html and "24小时内首次触达" in html and 'data-testid="new-version"' in html
    assert "48小时" in client.get(f"/knowledge/sops/{sop.pk}/", {"version": 1}).content.decode()
    diff = client.get(f"/knowledge/sops/{sop.pk}/diff/", {"from": 1, "to": 2}).content.decode()
    assert 'data-kind="removed"' in diff and 'data-kind="added"' in diff and "每周跟进" in diff
    assert client.get(f"/knowledge/sops/{sop.pk}/diff/", {"from": 1, "to": 9}).status_code == 404
    response = client.post(
        f"/knowledge/sops/{sop.pk}/versions/new/",
        {"body_markdown": "## 步骤\n<script>alert(1)</script>\n1. 线索入库", "change_note": "第三版"},
    )
    assert response.status_code == 302
    assert SopVersion.objects.filter(sop=sop, number=3).exists()
    assert "<script>alert(1)" not in client.get(f"/knowledge/sops/{sop.pk}/").content.decode()
    assert client_as("sales_manager").get(f"/knowledge/sops/{sop.pk}/versions/new/").status_code == 403


def test_an_sop_is_created_and_edited_through_the_forms(client_as, org, case):
    client = client_as("mkt_manager")
    assert client.get("/knowledge/sops/new/").status_code == 200
    response = client.post(
        "/knowledge/sops/new/",
        {
            "title": "私域运营SOP",
            "department": org.mkt.pk,
            "owner": org.member.pk,
            "review_date": "2026-09-30",
            "body_markdown": "1. 入群欢迎语",
            "change_note": "",
            "cases": [case.pk],
        },
    )
    assert response.status_code == 302
    sop = case.sops.get()
    assert sop.title == "私域运营SOP" and sop.versions.get().number == 1
    response = client_as("member").post(
        f"/knowledge/sops/{sop.pk}/edit/",
        {
            "title": "私域运营SOP v2",
            "department": org.mkt.pk,
            "owner": org.member.pk,
            "review_date": "2020-01-01",
            "cases": [],
            "version": sop.version,
        },
    )
    assert response.status_code == 302
    html = client_as("viewer").get(f"/knowledge/sops/{sop.pk}/").content.decode()
    assert 'data-testid="review-due"' in html and "私域运营SOP v2" in html
    assert client_as("member").get("/knowledge/sops/new/").status_code == 403


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("hr", 200),
        ("mkt_manager", 200),
        ("member", 200),
        ("viewer", 200),
        ("sales_manager", 200),
    ],
)
def test_the_annual_report_page_per_role(client_as, case, org, role, status):
    response = client_as(role).get("/knowledge/report/", {"year": 2026})
    assert response.status_code == status
    assert 'data-testid="annual-report"' in response.content.decode()


def test_a_member_cannot_read_another_departments_report(client_as, org):
    assert (
        client_as("member").get("/knowledge/report/", {"year": 2026, "department": org.sales.pk}).status_code
        == 403
    )
    assert client_as("member").get("/knowledge/report/", {"year": 2026, "department": ""}).status_code == 403
    assert client_as("hr").get("/knowledge/report/", {"year": 2026, "department": ""}).status_code == 200


def test_list_query_budgets(client_as, org, django_assert_max_num_queries, q1):
    for index in range(25):
        case = CaseFactory(title=f"案例{index}", department=org.mkt, period=q1)
        case.tags.set([TagFactory(name=f"标签{index % 5}"), TagFactory(name="大促")])
    for index in range(10):
        services.sop_create(
            actor=org.user("admin"),
            title=f"SOP{index}",
            owner=org.member,
            department=org.mkt,
            review_date=dt.date(2026, 1, 1),
            body_markdown="x",
        )
    client = client_as("member")
    with django_assert_max_num_queries(14):
        assert client.get("/knowledge/", {"q": "案例"}).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/knowledge/sops/").status_code == 200
    manager = client_as("mkt_manager")
    with django_assert_max_num_queries(16):
        assert manager.get("/knowledge/report/", {"year": 2026, "department": org.mkt.pk}).status_code == 200
