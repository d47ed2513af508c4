"""The Django admin goes through the services, so materialised paths stay right."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from lodestar.conftest import login
from lodestar.org.models import Department


def superuser_client():
    root = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    return login(root)


def test_admin_add_department_sets_the_path(org):
    client = superuser_client()
    response = client.post(
        "/admin/org/department/add/",
        {
            "name": "品牌部",
            "code": "BRAND",
            "parent": org.mkt.pk,
            "manager": "",
            "sort_order": "0",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    brand = Department.objects.get(code="BRAND")
    assert (brand.path, brand.depth) == (f"{org.mkt.path}{brand.pk}/", 2)


def test_admin_change_department_moves_the_subtree(org):
    client = superuser_client()
    response = client.post(
        f"/admin/org/department/{org.mkt.pk}/change/",
        {
            "name": "市场部",
            "code": "MKT",
            "parent": org.sales.pk,
            "manager": org.mkt_manager.pk,
            "sort_order": "1",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    content = Department.objects.get(pk=org.content.pk)
    assert content.path == f"{org.sales.path}{org.mkt.pk}/{org.content.pk}/"
    assert content.depth == 3


def test_admin_lists_open(org):
    client = superuser_client()
    for url in (
        "/admin/org/department/",
        "/admin/org/person/",
        "/admin/org/apitoken/",
        "/admin/core/period/",
    ):
        assert client.get(url).status_code == 200, url
