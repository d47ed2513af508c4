"""Organisation pages: who may open and change what, the forms, the import page, and query counts."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from lodestar.conftest import PASSWORD, fresh_user, login
from lodestar.org.models import Department, Person, Role
from lodestar.org.tests.factories import DepartmentFactory, PersonFactory
from lodestar.org.tests.test_importing import DEPT_HEADER, PEOPLE_HEADER, counts, csv_bytes, xlsx_bytes

ALL = ("admin", "mkt_manager", "sales_manager", "member", "hr", "viewer")


def status(org, role, url, method="get", data=None):
    client = login(org.person(role))
    return getattr(client, method)(url, data or {}).status_code


# --- who may open what ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL)
def test_everyone_in_the_org_reads_directory_chart_and_people(org, role):
    for url in (
        "/org/",
        "/org/chart/",
        f"/org/people/{org.sales_manager.pk}/",
        f"/org/?department={org.mkt.pk}",
        "/org/?q=林",
    ):
        assert status(org, role, url) == 200, url


def test_unknown_ids_are_404(org):
    client = login(org.admin)
    for url in (
        "/org/people/987654/",
        "/org/departments/987654/edit/",
        "/org/people/987654/edit/",
        "/org/?department=987654",
        "/org/?department=abc",
        "/org/import/template/goals.xlsx",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post("/org/departments/987654/delete/").status_code == 404


@pytest.mark.parametrize(
    "url_name,allowed",
    [
        ("departments", {"admin", "mkt_manager", "sales_manager"}),
        ("department_new", {"admin", "mkt_manager", "sales_manager"}),
        ("person_new", {"admin", "mkt_manager", "sales_manager"}),
        ("content_edit", {"admin", "mkt_manager"}),
        ("member_edit", {"admin", "mkt_manager"}),
        ("import", {"admin"}),
        ("template", {"admin"}),
    ],
)
def test_management_pages(org, url_name, allowed):
    url = {
        "departments": "/org/departments/",
        "department_new": "/org/departments/new/",
        "person_new": "/org/people/new/",
        "content_edit": f"/org/departments/{org.content.pk}/edit/",
        "member_edit": f"/org/people/{org.member.pk}/edit/",
        "import": "/org/import/",
        "template": "/org/import/template/departments.xlsx",
    }[url_name]
    for role in ALL:
        assert status(org, role, url) == (200 if role in allowed else 403), (role, url)


def test_navigation_shows_management_to_managers_only(org):
    assert "/org/departments/" in login(org.mkt_manager).get("/org/").content.decode()
    assert "/org/import/" not in login(org.mkt_manager).get("/org/").content.decode()
    assert "/org/import/" in login(org.admin).get("/org/").content.decode()
    for role in ("member", "hr", "viewer"):
        assert "/org/departments/" not in login(org.person(role)).get("/org/").content.decode()


def test_person_page_offers_edit_to_those_who_may(org):
    url = f"/org/people/{org.member.pk}/"
    assert login(org.mkt_manager).get(url).context["can_edit"] is True
    assert login(org.admin).get(url).context["can_edit"] is True
    for role in ("sales_manager", "member", "hr", "viewer"):
        assert login(org.person(role)).get(url).context["can_edit"] is False
    page = login(org.member).get(f"/org/people/{org.mkt_manager.pk}/")
    assert [p.pk for p in page.context["reports"]] == [org.member.pk]
    assert [d.pk for d in page.context["managed"]] == [org.mkt.pk]


def test_manager_cannot_edit_an_admin_placed_in_their_subtree(org):
    Person.objects.filter(pk=org.admin.pk).update(department=org.content)
    client = login(org.mkt_manager)
    assert client.get(f"/org/people/{org.admin.pk}/").context["can_edit"] is False
    assert client.get(f"/org/people/{org.admin.pk}/edit/").status_code == 403
    data = {
        "username": "admin",
        "display_name": "x",
        "department": org.content.pk,
        "role": Role.MEMBER,
        "version": "1",
    }
    assert client.post(f"/org/people/{org.admin.pk}/edit/", data).status_code == 403
    assert Person.objects.get(pk=org.admin.pk).display_name == "管理员"


# --- directory and chart content ---------------------------------------------------------------


def test_directory_search_and_department_filter(org):
    client = login(org.member)
    people = lambda response: {p.user.username for p in response.context["page"].object_list}  # noqa: E731
    assert people(client.get("/org/")) == {"admin", "mkt_manager", "sales_manager", "member", "hr", "viewer"}
    assert people(client.get("/org/", {"department": org.mkt.pk})) == {"mkt_manager", "member", "viewer"}
    assert people(client.get("/org/", {"q": "赵"})) == {"mkt_manager"}
    assert people(client.get("/org/", {"q": "nobody-here"})) == set()
    Person.objects.filter(pk=org.viewer.pk).update(is_active=False)
    assert "viewer" not in people(client.get("/org/"))


def test_directory_paginates(org):
    for _ in range(55):
        PersonFactory(department=org.sales)
    client = login(org.member)
    first = client.get("/org/")
    assert len(first.context["page"].object_list) == 50
    assert len(client.get("/org/", {"page": 2}).context["page"].object_list) == 11
    assert client.get("/org/", {"page": "999"}).status_code == 200


def test_org_chart_tree_and_counts(org):
    DepartmentFactory(parent=org.sales, name="停用组", is_active=False)
    response = login(org.viewer).get("/org/chart/")
    (root,) = response.context["roots"]
    assert root["department"] == org.company
    assert root["total"] == 6  # everyone below the company
    children = {c["department"].code: c for c in root["children"]}
    assert set(children) == {"MKT", "SALES"}  # the inactive team is not on the chart
    assert children["MKT"]["total"] == 3
    assert [c["department"].code for c in children["MKT"]["children"]] == ["MKT-CONTENT"]
    html = response.content.decode()
    assert "内容组" in html and "赵敏" in html
    # The management tree lists inactive departments too.
    manage = login(org.admin).get("/org/departments/")
    assert "停用组" in manage.content.decode()


def test_empty_org_shows_empty_states(db):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "r@example.com", "x")
    client = login(root)
    for url in ("/org/", "/org/chart/", "/org/departments/"):
        response = client.get(url)
        assert response.status_code == 200
        assert 'class="empty"' in response.content.decode()


# --- constant query counts ---------------------------------------------------------------------


def grow(org, n_departments: int, n_people: int) -> None:
    """Add departments (nested up to five levels) and people with managers spread over them."""
    departments = [org.content, org.sales]
    for i in range(n_departments):
        parent = departments[i // 2] if i // 2 < len(departments) else org.company
        departments.append(DepartmentFactory(parent=parent, name=f"部门{i:03d}", sort_order=i % 3))
    people = [org.mkt_manager]
    for i in range(n_people):
        department = departments[i % len(departments)]
        people.append(PersonFactory(department=department, manager=people[i // 3], title=f"岗位{i}"))
    for department, manager in zip(departments[2:], people[1:], strict=False):
        Department.objects.filter(pk=department.pk).update(manager=manager)


PAGES_TO_MEASURE = [
    ("member", "/org/"),
    ("member", "/org/?department={mkt}"),
    ("admin", "/org/"),
    ("viewer", "/org/chart/"),
    ("admin", "/org/chart/"),
    ("admin", "/org/departments/"),
    ("mkt_manager", "/org/departments/"),
    ("mkt_manager", "/org/people/{member}/"),
    ("member", "/"),
]


@pytest.mark.parametrize("role,url", PAGES_TO_MEASURE)
def test_pages_make_a_constant_number_of_queries(org, django_assert_max_num_queries, role, url):
    url = url.format(mkt=org.mkt.pk, member=org.member.pk)
    grow(org, 5, 10)
    client = login(org.person(role))
    with django_assert_max_num_queries(15) as small:
        assert client.get(url).status_code == 200
    queries_small = len(small.captured_queries)

    grow(org, 55, 190)  # now 64 departments and 206 people
    assert Department.objects.count() >= 60 and Person.objects.count() >= 200
    client = login(org.person(role))
    with django_assert_max_num_queries(queries_small):
        response = client.get(url)
    assert response.status_code == 200
    if url == "/org/chart/":
        assert response.content.decode().count('data-testid="org-node"') == Department.objects.count()


# --- department forms ------------------------------------------------------------------------


def test_admin_creates_a_department_with_the_form(org):
    response = login(org.admin).post(
        "/org/departments/new/",
        {
            "name": "品牌部",
            "code": "BRAND",
            "parent": org.company.pk,
            "manager": org.hr.pk,
            "sort_order": "3",
        },
    )
    assert response.status_code == 302
    brand = Department.objects.get(code="BRAND")
    assert (brand.parent, brand.manager, brand.depth, brand.path) == (
        org.company,
        org.hr,
        1,
        f"{org.company.path}{brand.pk}/",
    )


def test_new_department_form_preselects_parent(org):
    response = login(org.mkt_manager).get("/org/departments/new/", {"parent": org.content.pk})
    assert response.context["form"].initial["parent"] == org.content
    # A parent outside the manager's subtree is not offered.
    response = login(org.mkt_manager).get("/org/departments/new/", {"parent": org.sales.pk})
    assert response.context["form"].initial["parent"] is None
    parents = set(response.context["form"].fields["parent"].queryset)
    assert parents == {org.mkt, org.content}


def test_manager_cannot_create_outside_the_subtree_with_the_form(org):
    before = Department.objects.count()
    response = login(org.mkt_manager).post(
        "/org/departments/new/", {"name": "越权", "parent": org.sales.pk, "sort_order": "0"}
    )
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    response = login(org.mkt_manager).post("/org/departments/new/", {"name": "顶层", "sort_order": "0"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Department.objects.count() == before


def test_edit_department_and_stale_version(org):
    client = login(org.admin)
    form = client.get(f"/org/departments/{org.content.pk}/edit/").context["form"]
    assert form.initial["version"] == 1
    data = {
        "name": "内容中心",
        "code": "MKT-CONTENT",
        "parent": org.mkt.pk,
        "sort_order": "0",
        "version": "1",
    }
    assert client.post(f"/org/departments/{org.content.pk}/edit/", data).status_code == 302
    response = client.post(f"/org/departments/{org.content.pk}/edit/", data | {"name": "旧标签页"})
    assert response.status_code == 200
    assert response.context["form"].errors
    content = Department.objects.get(pk=org.content.pk)
    assert (content.name, content.version) == ("内容中心", 2)


def test_move_department_with_the_form_and_no_cycles(org):
    client = login(org.admin)
    page = client.get(f"/org/departments/{org.mkt.pk}/edit/")
    offered = set(page.context["form"].fields["parent"].queryset)
    assert org.content not in offered and org.mkt not in offered  # its own subtree is not offered
    data = {"name": "市场部", "code": "MKT", "parent": org.content.pk, "sort_order": "1", "version": "1"}
    assert client.post(f"/org/departments/{org.mkt.pk}/edit/", data).status_code == 200
    assert Department.objects.get(pk=org.mkt.pk).parent == org.company
    data["parent"] = org.sales.pk
    assert client.post(f"/org/departments/{org.mkt.pk}/edit/", data).status_code == 302
    content = Department.objects.get(pk=org.content.pk)
    assert content.path == f"{org.sales.path}{org.mkt.pk}/{org.content.pk}/"
    assert content.depth == 3


def test_manager_edits_own_department_without_moving_it(org):
    client = login(org.mkt_manager)
    page = client.get(f"/org/departments/{org.mkt.pk}/edit/")
    assert page.context["form"].fields["parent"].disabled
    data = {
        "name": "市场中心",
        "code": "MKT",
        "parent": org.sales.pk,
        "manager": org.mkt_manager.pk,
        "sort_order": "1",
        "version": "1",
    }
    assert client.post(f"/org/departments/{org.mkt.pk}/edit/", data).status_code == 302
    mkt = Department.objects.get(pk=org.mkt.pk)
    assert (mkt.name, mkt.parent) == ("市场中心", org.company)  # renamed, not moved


def test_delete_department_from_the_page(org):
    empty = DepartmentFactory(parent=org.content, name="空组")
    assert login(org.sales_manager).post(f"/org/departments/{empty.pk}/delete/").status_code == 403
    assert login(org.member).post(f"/org/departments/{empty.pk}/delete/").status_code == 403
    response = login(org.mkt_manager).post(f"/org/departments/{org.content.pk}/delete/", follow=True)
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert Department.objects.filter(pk=org.content.pk).exists()
    assert login(org.mkt_manager).post(f"/org/departments/{empty.pk}/delete/").status_code == 302
    assert not Department.objects.filter(pk=empty.pk).exists()
    assert login(org.admin).get(f"/org/departments/{org.content.pk}/delete/").status_code == 405


# --- person forms ----------------------------------------------------------------------------


def test_admin_adds_a_person_with_a_password(org):
    response = login(org.admin).post(
        "/org/people/new/",
        {
            "username": "wangwu",
            "display_name": "王五",
            "email": "wangwu@example.com",
            "title": "编辑",
            "department": org.content.pk,
            "manager": org.mkt_manager.pk,
            "role": Role.HR,
            "password": "Str0ng-pass-ok",
        },
    )
    assert response.status_code == 302
    person = Person.objects.select_related("user").get(user__username="wangwu")
    assert response["Location"] == f"/org/people/{person.pk}/"
    assert (person.role, person.department, person.manager) == (Role.HR, org.content, org.mkt_manager)
    assert person.user.check_password("Str0ng-pass-ok")


def test_manager_cannot_give_roles_with_the_form(org):
    response = login(org.mkt_manager).post(
        "/org/people/new/",
        {
            "username": "zhaoliu",
            "display_name": "赵六",
            "department": org.content.pk,
            "role": Role.ADMIN,
        },
    )
    assert response.status_code == 302
    assert Person.objects.get(user__username="zhaoliu").role == Role.MEMBER


def test_person_form_errors(org):
    client = login(org.admin)
    response = client.post(
        "/org/people/new/",
        {"username": "MEMBER", "display_name": "重名", "department": org.content.pk, "role": Role.MEMBER},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    response = login(org.mkt_manager).post(
        "/org/people/new/",
        {"username": "x1", "display_name": "外部门", "department": org.sales.pk, "role": Role.MEMBER},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["department"]
    assert not Person.objects.filter(display_name__in=["重名", "外部门"]).exists()


def test_edit_person_and_stale_version(org):
    client = login(org.mkt_manager)
    page = client.get(f"/org/people/{org.member.pk}/edit/")
    assert page.context["form"].fields["role"].disabled
    assert org.member not in set(page.context["form"].fields["manager"].queryset)  # not their own manager
    data = {
        "username": "member",
        "display_name": "林晓",
        "email": "member@example.com",
        "title": "资深编辑",
        "phone": "",
        "department": org.content.pk,
        "manager": org.mkt_manager.pk,
        "role": Role.ADMIN,
        "is_active": "on",
        "version": "1",
    }
    assert client.post(f"/org/people/{org.member.pk}/edit/", data).status_code == 302
    member = Person.objects.get(pk=org.member.pk)
    assert (member.title, member.role, member.version) == ("资深编辑", Role.MEMBER, 2)
    response = client.post(f"/org/people/{org.member.pk}/edit/", data | {"title": "旧标签页"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Person.objects.get(pk=org.member.pk).title == "资深编辑"


def test_manager_loop_is_a_form_error(org):
    data = {
        "username": "mkt_manager",
        "display_name": "赵敏",
        "department": org.mkt.pk,
        "manager": org.member.pk,
        "role": Role.MEMBER,
        "is_active": "on",
        "version": "1",
    }
    response = login(org.admin).post(f"/org/people/{org.mkt_manager.pk}/edit/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["manager"]
    assert Person.objects.get(pk=org.mkt_manager.pk).manager is None


def test_forms_need_csrf(org):
    client = login(org.admin, enforce_csrf_checks=True)
    response = client.post(
        "/org/departments/new/", {"name": "x", "parent": org.company.pk, "sort_order": "0"}
    )
    assert response.status_code == 403
    assert not Department.objects.filter(name="x").exists()


# --- import page -----------------------------------------------------------------------------


def upload(client, kind, data, name):
    return client.post("/org/import/", {"kind": kind, "file": SimpleUploadedFile(name, data)})


def test_bad_import_file_shows_row_errors_and_writes_nothing(org):
    before = counts()
    rows = [
        PEOPLE_HEADER,
        ["ok1", "好人", "SALES", "", "", "", "", "", ""],
        ["ok1", "重复", "SALES", "", "", "", "", "", ""],
        ["x2", "无部门", "NOPE", "", "", "", "", "", ""],
    ]
    response = upload(login(org.admin), "people", csv_bytes(rows, "gbk"), "人员.csv")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="import-errors"' in html
    result = response.context["result"]
    assert [(e.row, e.field) for e in result.errors] == [(3, "username"), (4, "department_code")]
    assert "<td>3</td>" in html and "<td>4</td>" in html
    assert "NOPE" in html
    assert counts() == before


def test_good_import_file_redirects_and_writes(org):
    rows = [DEPT_HEADER, ["BRAND", "品牌部", "CO", "", "1"], ["BRAND-PR", "公关组", "BRAND", "", "1"]]
    response = upload(login(org.admin), "departments", xlsx_bytes(rows), "部门.xlsx")
    assert response.status_code == 302
    assert response["Location"] == "/org/departments/"
    assert Department.objects.get(code="BRAND-PR").parent.code == "BRAND"


@pytest.mark.parametrize(
    "data,name",
    [
        (b"garbage", "x.xlsx"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 64, "x.xls"),
        (b"", "empty.csv"),
        (b"\xef\xbb\xbf" + "部门编码,部门名称".encode("gbk"), "bom-but-gbk.csv"),
    ],
)
def test_unreadable_files_are_form_errors(org, data, name):
    before = counts()
    response = upload(login(org.admin), "departments", data, name)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert counts() == before


def test_header_only_file_on_the_page(org):
    response = upload(login(org.admin), "departments", csv_bytes([DEPT_HEADER]), "d.csv")
    assert response.status_code == 200
    assert [e.code for e in response.context["result"].errors] == ["empty"]


@pytest.mark.parametrize("role", ["mkt_manager", "member", "hr", "viewer"])
def test_only_admin_imports_on_the_page(org, role):
    before = counts()
    response = upload(
        login(org.person(role)), "departments", csv_bytes([DEPT_HEADER, ["Z", "甲", "", "", ""]]), "d.csv"
    )
    assert response.status_code == 403
    assert counts() == before


@pytest.mark.parametrize("kind,first", [("departments", "部门编码"), ("people", "账号")])
def test_import_templates_are_real_workbooks(org, kind, first):
    response = login(org.admin).get(f"/org/import/template/{kind}.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="lodestar-{kind}-template.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == first
    assert len(rows) >= 3


def test_admin_login_with_password_then_import(org):
    """A real sign-in (not force_login), as the browser journey does."""
    import axes.utils

    axes.utils.reset()
    from django.test import Client

    client = Client()
    assert client.post("/accounts/login/", {"username": "admin", "password": PASSWORD}).status_code == 302
    assert client.get("/org/import/").status_code == 200
    assert fresh_user(org.admin).last_login is not None


def test_the_directorys_next_page_keeps_the_search_and_department(org):
    """The pages share one pagination component (components/_pagination.html); its links keep the
    list's filters through `{% querystring %}`."""
    from lodestar.conftest import make_person

    for n in range(55):
        make_person(f"p{n:02d}", f"测试{n:02d}", org.content)
    html = login(org.admin).get("/org/", {"q": "测试", "department": org.content.pk}).content.decode()
    assert f"?q=%E6%B5%8B%E8%AF%95&amp;department={org.content.pk}&amp;page=2" in html
    second = login(org.admin).get("/org/", {"q": "测试", "department": org.content.pk, "page": 2})
    assert "测试54" in second.content.decode() and "1 / 2" not in second.content.decode()
