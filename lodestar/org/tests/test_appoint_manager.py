"""Issue 11: a manager may appoint as a department's manager only someone of the departments they
manage; an admin may appoint anyone (service, page and API). The org comes from lodestar/conftest.py:
mkt_manager runs 市场部 (with 内容组, where `member` works); sales_manager runs 销售部.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from lodestar.conftest import fresh_user
from lodestar.core.errors import ApplicationError
from lodestar.org import services
from lodestar.org.models import Department
from lodestar.org.tests.test_shell_api import assert_error

RULE_ZH = "经理只能任命自己所管部门的人员"


def test_service_refuses_someone_from_another_department(org):
    with pytest.raises(ApplicationError) as exc:
        services.department_create(
            actor=fresh_user(org.mkt_manager), name="视频组", parent=org.content, manager=org.sales_manager
        )
    assert (exc.value.code, exc.value.field) == ("manager_outside_subtree", "manager_id")
    assert org.sales_manager.display_name in exc.value.message
    assert not Department.objects.filter(name="视频组").exists()
    # Someone of the manager's own subtree is fine; an admin may appoint anyone.
    services.department_create(
        actor=fresh_user(org.mkt_manager), name="视频组", parent=org.content, manager=org.member
    )
    services.department_create(
        actor=fresh_user(org.admin), name="直播组", parent=org.content, manager=org.sales_manager
    )


def test_service_refuses_the_same_on_update(org):
    video = services.department_create(
        actor=fresh_user(org.mkt_manager), name="视频组", parent=org.content, manager=org.member
    )
    with pytest.raises(ApplicationError):
        services.department_update(
            actor=fresh_user(org.mkt_manager), department=video, version=video.version, manager=org.hr
        )
    video.refresh_from_db()
    assert video.manager_id == org.member.pk


def test_api_refuses_with_422_naming_the_rule(org, api_as):
    api = api_as("mkt_manager", language="zh-Hans")
    response = api.post(
        "/departments", {"name": "视频组", "parent_id": org.content.pk, "manager_id": org.sales_manager.pk}
    )
    body = assert_error(response, 422, "manager_outside_subtree", "manager_id")
    assert RULE_ZH in body["message"]
    assert not Department.objects.filter(name="视频组").exists()
    response = api.post(
        "/departments", {"name": "视频组", "parent_id": org.content.pk, "manager_id": org.member.pk}
    )
    assert response.status_code == 201, response.content
    video = Department.objects.get(name="视频组")
    response = api.patch(
        f"/departments/{video.pk}", {"version": video.version, "manager_id": org.sales_manager.pk}
    )
    assert_error(response, 422, "manager_outside_subtree", "manager_id")


def manager_options(page: str) -> set[str]:
    select = re.search(r'<select name="manager".*?</select>', page, re.S).group()
    return set(re.findall(r'<option value="(\d+)"', select))


def test_page_offers_only_appointable_people_and_refuses_others(org, client_as):
    client = client_as("mkt_manager")
    page = client.get(reverse("org:department_new")).content.decode()
    assert str(org.member.pk) in manager_options(page)
    assert str(org.sales_manager.pk) not in manager_options(page)
    assert RULE_ZH in page  # the rule is said beside the field
    response = client.post(
        reverse("org:department_new"),
        {"name": "视频组", "parent": org.content.pk, "manager": org.sales_manager.pk, "sort_order": 0},
    )
    assert response.status_code == 200
    assert re.search(r'data-field-error="manager">[^<]*' + RULE_ZH, response.content.decode())
    assert not Department.objects.filter(name="视频组").exists()
    # An admin sees and may appoint everyone.
    admin_page = client_as("admin").get(reverse("org:department_new")).content.decode()
    assert str(org.sales_manager.pk) in manager_options(admin_page)
