"""Issue 11: the RACI rule's messages come back in the request's language (they were translated
from a variable and never extracted), and a bulk change of R tells the new R, once per bulk action
(page and API), as creating an item does.

The organisation, `make_item`, `api` and `client_for` come from conftest.py.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from lodestar.core.errors import ApplicationError
from lodestar.execution.models import RaciAssignment, RaciRole
from lodestar.execution.services.raci import validate_raci
from lodestar.notifications.models import Notification

CHINESE = {
    "no_accountable": "请指定唯一的负责人（A）。",
    "several_accountable": "一项任务只能有一位负责人（A）。",
    "accountable_not_person": "负责人（A）必须是个人，不能是部门。",
    "no_responsible": "请至少指定一位执行人（R）。",
}


def test_raci_errors_of_the_api_are_in_chinese(org, make_item, api):
    item = make_item()
    manager = api("mkt_manager", language="zh-Hans")
    url = f"/items/{item.pk}/raci"
    body = manager.put(url, {"version": item.version, "responsible_ids": [org.member.pk]}).json()
    assert (body["code"], body["message"]) == ("no_accountable", CHINESE["no_accountable"])
    body = manager.put(
        url, {"version": item.version, "responsible_ids": [], "accountable_id": org.member.pk}
    ).json()
    assert (body["code"], body["message"]) == ("no_responsible", CHINESE["no_responsible"])
    english = api("mkt_manager", language="en")
    body = english.put(url, {"version": item.version, "responsible_ids": [org.member.pk]}).json()
    assert body["message"] == "Name exactly one accountable person (A)."


@pytest.mark.parametrize("code", sorted(CHINESE))
def test_every_raci_message_is_translated(org, code):
    rows = {
        "no_accountable": [RaciAssignment(role=RaciRole.RESPONSIBLE, person=org.member)],
        "several_accountable": [
            RaciAssignment(role=RaciRole.RESPONSIBLE, person=org.member),
            RaciAssignment(role=RaciRole.ACCOUNTABLE, person=org.member),
            RaciAssignment(role=RaciRole.ACCOUNTABLE, person=org.accountable),
        ],
        "accountable_not_person": [
            RaciAssignment(role=RaciRole.RESPONSIBLE, person=org.member),
            RaciAssignment(role=RaciRole.ACCOUNTABLE, department=org.mkt),
        ],
        "no_responsible": [RaciAssignment(role=RaciRole.ACCOUNTABLE, person=org.member)],
    }[code]
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as exc:
        validate_raci(rows)
    assert (exc.value.code, exc.value.message) == (code, CHINESE[code])


# --- a bulk change of R notifies the new R ---------------------------------------------------


def assigned(person) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person, verb="assigned").order_by("pk"))


def test_bulk_new_responsible_is_notified_once_api(org, make_item, api, django_capture_on_commit_callbacks):
    first, second = make_item("小红书笔记"), make_item("抖音短视频")
    already = make_item("直播脚本", responsible=[org.member])
    before = len(assigned(org.member))
    with django_capture_on_commit_callbacks(execute=True):
        response = api("mkt_manager").post(
            "/items/bulk",
            {"item_ids": [first.pk, second.pk, already.pk], "responsible_id": org.member.pk},
        )
    assert response.status_code == 200, response.content
    notices = assigned(org.member)[before:]
    assert len(notices) == 1  # once per person per bulk action
    assert "小红书笔记" in notices[0].title and "抖音短视频" in notices[0].title
    assert "直播脚本" not in notices[0].title  # already the R: nothing new
    assert notices[0].actor_id == org.mkt_manager.pk
    # Re-sending the same change tells nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        api("mkt_manager").post("/items/bulk", {"item_ids": [first.pk], "responsible_id": org.member.pk})
    assert len(assigned(org.member)) == before + 1


def test_bulk_new_responsible_is_notified_page(
    org, make_item, client_for, django_capture_on_commit_callbacks
):
    item = make_item("小红书笔记")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("mkt_manager").post(
            reverse("execution:bulk"), {"items": [item.pk], "responsible": org.member.pk}
        )
    assert response.status_code == 302
    notices = assigned(org.member)
    assert [n.url for n in notices] == [f"/execution/items/{item.pk}/"]
    assert "小红书笔记" in notices[0].title
    # The actor is not told about their own change.
    with django_capture_on_commit_callbacks(execute=True):
        client_for("mkt_manager").post(
            reverse("execution:bulk"), {"items": [item.pk], "responsible": org.mkt_manager.pk}
        )
    assert assigned(org.mkt_manager) == []
