"""API for departments and people: reads for everyone in the org, writes by admin and subtree managers."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from lodestar.conftest import ApiClient, fresh_user, login
from lodestar.org.models import Department, Person, Role
from lodestar.org.tests.factories import DepartmentFactory, PersonFactory
from lodestar.org.tests.test_shell_api import ERROR_KEYS, assert_error

User = get_user_model()


# --- departments ------------------------------------------------------------------------------


def test_department_list(org, api_as):
    body = api_as("viewer").get("/departments").json()
    assert set(body) == {"items", "count", "page", "page_size"}
    assert body["count"] == 4
    by_code = {d["code"]: d for d in body["items"]}
    assert by_code["MKT"] == {
        "id": org.mkt.pk,
        "name": "市场部",
        "code": "MKT",
        "parent_id": org.company.pk,
        "manager_id": org.mkt_manager.pk,
        "depth": 1,
        "sort_order": 1,
        "is_active": True,
        "member_count": 2,
        "version": 1,
    }
    assert by_code["CO"]["member_count"] == 2  # admin and hr, not the whole subtree
    assert by_code["CO"]["parent_id"] is None


def test_department_list_filters(org, api_as):
    api = api_as("member")
    assert {d["code"] for d in api.get("/departments", parent_id=org.company.pk).json()["items"]} == {
        "MKT",
        "SALES",
    }
    assert {d["code"] for d in api.get("/departments", within_id=org.mkt.pk).json()["items"]} == {
        "MKT",
        "MKT-CONTENT",
    }
    assert {d["code"] for d in api.get("/departments", q="sal").json()["items"]} == {"SALES"}
    assert {d["code"] for d in api.get("/departments", q="内容").json()["items"]} == {"MKT-CONTENT"}
    assert api.get("/departments", is_active="false").json()["count"] == 0
    assert_error(api.get("/departments", within_id=987654), 404, "not_found")
    assert_error(api.get("/departments", parent_id="x"), 422, "invalid", "parent_id")
    assert_error(api.get("/departments", parent_id="99999999999999999999"), 422, "invalid", "parent_id")


def test_department_list_pagination_and_constant_queries(org, api_as, django_assert_max_num_queries):
    api = api_as("member")
    for i in range(30):
        DepartmentFactory(parent=org.sales, name=f"组{i:02d}")
    page = api.get("/departments", page=2, page_size=20).json()
    assert (page["count"], page["page"], page["page_size"], len(page["items"])) == (34, 2, 20, 14)
    assert api.get("/departments", page_size=500).json()["page_size"] == 500
    assert_error(api.get("/departments", page_size=501), 422, "invalid", "page_size")
    with django_assert_max_num_queries(8):
        assert len(api.get("/departments", page_size=500).json()["items"]) == 34


def test_department_detail(org, api_as):
    body = api_as("member").get(f"/departments/{org.content.pk}").json()
    assert (body["id"], body["parent_id"], body["depth"]) == (org.content.pk, org.mkt.pk, 2)
    assert_error(api_as("member").get("/departments/987654"), 404, "not_found", "department_id")


def test_create_department(org, api_as):
    response = api_as("admin").post(
        "/departments",
        {
            "name": "品牌部",
            "code": "BRAND",
            "parent_id": org.company.pk,
            "manager_id": org.hr.pk,
            "sort_order": 3,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    department = Department.objects.get(code="BRAND")
    assert body["id"] == department.pk
    assert (body["parent_id"], body["manager_id"], body["depth"], body["member_count"]) == (
        org.company.pk,
        org.hr.pk,
        1,
        0,
    )
    assert department.path == f"{org.company.path}{department.pk}/"


def test_manager_creates_inside_subtree_only(org, api_as):
    api = api_as("mkt_manager")
    assert api.post("/departments", {"name": "视频组", "parent_id": org.content.pk}).status_code == 201
    assert_error(
        api.post("/departments", {"name": "越权", "parent_id": org.sales.pk}),
        403,
        "permission_denied",
        "parent_id",
    )
    assert_error(api.post("/departments", {"name": "顶层"}), 403, "permission_denied", "parent_id")
    assert not Department.objects.filter(name__in=["越权", "顶层"]).exists()


@pytest.mark.parametrize("role", ["member", "hr", "viewer"])
def test_others_cannot_create_departments(org, api_as, role):
    assert_error(api_as(role).post("/departments", {"name": "x", "parent_id": org.content.pk}), 403)
    assert not Department.objects.filter(name="x").exists()


@pytest.mark.parametrize(
    "payload,status,field",
    [
        ({"name": ""}, 422, "name"),
        ({"name": "x" * 81}, 422, "name"),
        ({"name": "ok", "code": "MKT"}, 422, "code"),
        ({"name": "ok", "parent_id": 987654}, 404, "department_id"),
        ({"name": "ok", "manager_id": 987654}, 404, "person_id"),
        ({"code": "NONAME"}, 422, "name"),
        ({"name": "ok", "sort_order": "first"}, 422, "sort_order"),
    ],
)
def test_create_department_errors(org, api_as, payload, status, field):
    payload = {"parent_id": org.company.pk} | payload
    assert_error(api_as("admin").post("/departments", payload), status, None, field)
    assert Department.objects.count() == 4


def test_patch_department_moves_the_subtree(org, api_as):
    team = DepartmentFactory(parent=org.content, name="小红书组")
    response = api_as("admin").patch(
        f"/departments/{org.mkt.pk}", {"version": 1, "parent_id": org.sales.pk, "name": "市场营销部"}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["parent_id"], response.json()["depth"], response.json()["version"]) == (
        org.sales.pk,
        2,
        2,
    )
    team.refresh_from_db()
    assert team.path == f"{org.sales.path}{org.mkt.pk}/{org.content.pk}/{team.pk}/"
    assert team.depth == 4


def test_patch_department_errors(org, api_as):
    api = api_as("admin")
    assert_error(
        api.patch(f"/departments/{org.mkt.pk}", {"version": 1, "parent_id": org.content.pk}),
        422,
        "invalid",
        "parent_id",
    )
    assert_error(
        api.patch(f"/departments/{org.mkt.pk}", {"version": 7, "name": "x"}),
        409,
        "version_conflict",
        "version",
    )
    assert_error(api.patch(f"/departments/{org.mkt.pk}", {"name": "x"}), 422, "invalid", "version")
    assert_error(api.patch(f"/departments/{org.mkt.pk}", {"version": 1, "name": None}), 422, None, "name")
    assert_error(api.patch(f"/departments/{org.mkt.pk}", {"version": 1, "code": "SALES"}), 422, None, "code")
    assert_error(
        api.patch(f"/departments/{org.content.pk}", {"version": 1, "is_active": False}),
        422,
        None,
        "is_active",
    )
    assert_error(api.patch("/departments/987654", {"version": 1}), 404)
    mkt = Department.objects.get(pk=org.mkt.pk)
    assert (mkt.name, mkt.parent_id, mkt.version) == ("市场部", org.company.pk, 1)


@pytest.mark.parametrize(
    "role,allowed",
    [
        ("admin", True),
        ("mkt_manager", True),
        ("sales_manager", False),
        ("member", False),
        ("hr", False),
        ("viewer", False),
    ],
)
def test_who_may_rename_the_content_team(org, api_as, role, allowed):
    response = api_as(role).patch(f"/departments/{org.content.pk}", {"version": 1, "name": "内容中心"})
    if allowed:
        assert response.status_code == 200
    else:
        assert_error(response, 403, "permission_denied")
    assert (Department.objects.get(pk=org.content.pk).name == "内容中心") is allowed


def test_delete_department(org, api_as):
    empty = DepartmentFactory(parent=org.content, name="空组")
    assert_error(api_as("sales_manager").delete(f"/departments/{empty.pk}"), 403)
    refused = api_as("admin", language="en").delete(f"/departments/{org.mkt.pk}")
    assert_error(refused, 409, "in_use")
    assert "1 sub-department" in refused.json()["message"]
    refused = api_as("admin", language="zh-hans").delete(f"/departments/{org.sales.pk}")
    assert_error(refused, 409, "in_use")
    assert "该部门仍有" in refused.json()["message"] and "名成员" in refused.json()["message"]
    response = api_as("mkt_manager").delete(f"/departments/{empty.pk}")
    assert response.status_code == 204
    assert not Department.objects.filter(pk=empty.pk).exists()
    assert_error(api_as("admin").delete(f"/departments/{empty.pk}"), 404)


# --- people -----------------------------------------------------------------------------------


def test_people_list(org, api_as):
    body = api_as("viewer").get("/people").json()
    assert body["count"] == 6
    member = next(p for p in body["items"] if p["username"] == "member")
    assert member == {
        "id": org.member.pk,
        "username": "member",
        "display_name": "林晓",
        "email": "member@example.com",
        "department_id": org.content.pk,
        "manager_id": org.mkt_manager.pk,
        "title": "专员",
        "phone": "",
        "role": "member",
        "roles": ["member"],
        "is_active": True,
        "version": 1,
    }
    manager = next(p for p in body["items"] if p["username"] == "mkt_manager")
    assert manager["roles"] == ["member", "manager"]


def test_people_filters(org, api_as):
    api = api_as("member")
    names = lambda **q: {p["username"] for p in api.get("/people", **q).json()["items"]}  # noqa: E731
    assert names(department_id=org.mkt.pk) == {"mkt_manager", "member", "viewer"}  # the subtree
    assert names(q="林") == {"member"}
    assert names(q="SALES_") == {"sales_manager"}
    assert names(role="hr") == {"hr"}
    Person.objects.filter(pk=org.viewer.pk).update(is_active=False)
    # Without the filter the API lists everyone, with `is_active` in each item (history needs them).
    assert "viewer" in names()
    assert "viewer" not in names(is_active="true")
    assert names(is_active="false") == {"viewer"}
    assert_error(api.get("/people", role="boss"), 422, "invalid", "role")
    assert_error(api.get("/people", department_id=987654), 404, "not_found")


def test_people_list_makes_constant_queries(org, api_as, django_assert_max_num_queries):
    api = api_as("member")
    with django_assert_max_num_queries(8) as small:
        api.get("/people", page_size=500)
    for i in range(60):
        PersonFactory(department=org.sales, manager=org.sales_manager)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(api.get("/people", page_size=500).json()["items"]) == 66


def test_person_detail(org, api_as):
    assert api_as("member").get(f"/people/{org.hr.pk}").json()["role"] == "hr"
    assert_error(api_as("member").get("/people/987654"), 404, "not_found", "person_id")


def test_create_person(org, api_as):
    response = api_as("mkt_manager").post(
        "/people",
        {
            "username": "wangwu",
            "display_name": "王五",
            "department_id": org.content.pk,
            "email": "w@example.com",
            "title": "编辑",
            "manager_id": org.mkt_manager.pk,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["username"], body["role"], body["manager_id"], body["version"]) == (
        "wangwu",
        "member",
        org.mkt_manager.pk,
        1,
    )
    assert not User.objects.get(username="wangwu").has_usable_password()


@pytest.mark.parametrize(
    "role,payload,status,field",
    [
        ("mkt_manager", {"department_id": "sales"}, 403, "department_id"),
        ("mkt_manager", {"role": "admin"}, 403, "role"),
        ("member", {}, 403, None),
        ("viewer", {}, 403, None),
        ("hr", {}, 403, None),
        ("admin", {"username": "Member"}, 422, "username"),
        ("admin", {"username": "has space"}, 422, "username"),
        ("admin", {"email": "nope"}, 422, "email"),
        ("admin", {"role": "boss"}, 422, "role"),
        ("admin", {"display_name": ""}, 422, "display_name"),
        ("admin", {"department_id": 987654}, 404, "department_id"),
    ],
)
def test_create_person_errors(org, api_as, role, payload, status, field):
    if payload.get("department_id") == "sales":
        payload = payload | {"department_id": org.sales.pk}
    data = {"username": "newbie", "display_name": "新人", "department_id": org.content.pk} | payload
    body = assert_error(api_as(role).post("/people", data), status)
    if field:
        assert body["field"] == field
    assert not Person.objects.filter(display_name="新人").exists()


def test_patch_person(org, api_as):
    api = api_as("admin")
    response = api.patch(
        f"/people/{org.member.pk}",
        {"version": 1, "title": "主编", "role": "viewer", "department_id": org.mkt.pk, "manager_id": None},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["role"], body["department_id"], body["manager_id"], body["version"]) == (
        "主编",
        "viewer",
        org.mkt.pk,
        None,
        2,
    )
    assert_error(api.patch(f"/people/{org.member.pk}", {"version": 1, "title": "x"}), 409, "version_conflict")


def test_patch_person_rules(org, api_as):
    api = api_as("admin")
    assert_error(
        api.patch(f"/people/{org.mkt_manager.pk}", {"version": 1, "manager_id": org.member.pk}),
        422,
        None,
        "manager_id",
    )
    assert_error(
        api.patch(f"/people/{org.member.pk}", {"version": 1, "department_id": None}),
        422,
        None,
        "department_id",
    )
    assert_error(
        api.patch(f"/people/{org.admin.pk}", {"version": 1, "is_active": False}), 422, None, "is_active"
    )
    assert_error(
        api_as("mkt_manager").patch(f"/people/{org.member.pk}", {"version": 1, "role": "admin"}),
        403,
        None,
        "role",
    )
    assert_error(
        api_as("mkt_manager").patch(
            f"/people/{org.member.pk}", {"version": 1, "department_id": org.sales.pk}
        ),
        403,
    )
    assert_error(api.patch("/people/987654", {"version": 1}), 404)
    member = Person.objects.get(pk=org.member.pk)
    assert (member.role, member.department, member.version) == (Role.MEMBER, org.content, 1)


@pytest.mark.parametrize(
    "role,allowed",
    [
        ("admin", True),
        ("mkt_manager", True),
        ("sales_manager", False),
        ("member", False),
        ("hr", False),
        ("viewer", False),
    ],
)
def test_who_may_edit_the_member(org, api_as, role, allowed):
    response = api_as(role).patch(f"/people/{org.member.pk}", {"version": 1, "title": "新职位"})
    if allowed:
        assert response.status_code == 200
    else:
        assert_error(response, 403, "permission_denied")
    assert (Person.objects.get(pk=org.member.pk).title == "新职位") is allowed


def test_viewer_session_never_writes(org):
    api = ApiClient(login(org.viewer))
    assert api.get("/people").status_code == 200
    assert_error(api.patch(f"/people/{org.viewer.pk}", {"version": 1, "title": "x"}), 403)
    assert_error(api.post("/departments", {"name": "x", "parent_id": org.mkt.pk}), 403)


def test_error_bodies_have_the_documented_shape(org, api_as):
    responses = [
        api_as("member").get("/people/987654"),
        api_as("member").post("/departments", {"name": "x", "parent_id": org.content.pk}),
        api_as("admin").post("/departments", {"name": ""}),
        api_as("admin").patch(f"/departments/{org.mkt.pk}", {"version": 9}),
        api_as("admin").post("/departments", raw="{"),
        ApiClient().get("/people"),
    ]
    assert [r.status_code for r in responses] == [404, 403, 422, 409, 400, 401]
    for response in responses:
        assert set(response.json()) == ERROR_KEYS


def test_messages_follow_accept_language(org):
    member = fresh_user(org.member)
    from lodestar.conftest import token_for

    secret = token_for(member)
    english = ApiClient(token=secret, language="en").get("/people/987654").json()["message"]
    chinese = ApiClient(token=secret, language="zh-hans").get("/people/987654").json()["message"]
    assert english == "Person not found."
    assert chinese != english
