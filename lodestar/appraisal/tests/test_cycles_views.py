"""The cycle pages: list, form with the service's errors, cycle page (scope, start, stages, publish) per role."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from lodestar.appraisal.models import Appraisal, Cycle, Stage, StartStatus
from lodestar.appraisal.services import cycles

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _cycle(aw, *, start=True):
    cycle = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3, departments=[aw.org.mkt], name="Q3 市场部")
    if start:
        cycle = cycles.cycle_start(actor=aw.user("hr"), cycle=cycle, version=cycle.version)
    return cycle


def _form(aw, **extra):
    data = {
        "name": "Q3",
        "period": aw.q3.pk,
        "departments": [aw.org.mkt.pk],
        "weight_manager": "60",
        "weight_peer": "20",
        "weight_self": "20",
        "formula": "",
        "threshold_S": "95",
        "threshold_A": "85",
        "threshold_B": "70",
        "coef_S": "1.5",
        "coef_A": "1.2",
        "coef_B": "1",
        "coef_C": "0.8",
        "guideline_s_max": "10",
        "guideline_c_min": "5",
        "pip_on_c": "on",
        "self_starts": "2024-10-01",
        "self_ends": "2024-10-03",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("role", ["hr", "admin", "mkt_manager", "member", "viewer", "sales_manager"])
def test_pages_render_in_chinese_for_every_role(aw, client_as, role):
    cycle = _cycle(aw)
    client = client_as(role, **ZH)
    if role == "viewer":  # the read-only guest has no appraisal
        for name in ("appraisal:cycle_list", "appraisal:cycle_detail", "appraisal:calibration"):
            args = [] if name == "appraisal:cycle_list" else [cycle.pk]
            assert client.get(reverse(name, args=args)).status_code == 403, name
        return
    assert client.get(reverse("appraisal:cycle_list")).status_code == 200
    detail = client.get(reverse("appraisal:cycle_detail", args=[cycle.pk]))
    assert detail.status_code == {"hr": 200, "admin": 200, "mkt_manager": 200, "member": 200}.get(role, 404)
    calibration = client.get(reverse("appraisal:calibration", args=[cycle.pk]))
    assert calibration.status_code == {"hr": 200, "admin": 200, "mkt_manager": 200, "member": 403}.get(
        role, 404
    )
    create = client.get(reverse("appraisal:cycle_create"))
    assert create.status_code == (200 if role in ("hr", "admin") else 403)
    if detail.status_code == 200:
        page = detail.content.decode()
        assert ('data-testid="cycle-advance"' in page) is (role in ("hr", "admin"))
        assert "林晓" in page


def test_bonus_column_only_for_hr_and_admins(aw, client_as):
    cycle = _cycle(aw)
    aw.rate_worked_example(cycle)
    cycles.cycle_advance(actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION)
    url = reverse("appraisal:cycle_detail", args=[cycle.pk])
    hr_page = client_as("hr").get(url).content.decode()
    assert "12,000.00" in hr_page, hr_page[
        hr_page.find("appraisal-row") : hr_page.find("appraisal-row") + 900
    ]
    manager_page = client_as("mkt_manager").get(url).content.decode()
    assert "88.95" in manager_page and "12,000.00" not in manager_page


def test_create_through_the_form_and_its_errors(aw, client_as):
    client = client_as("hr")
    page = client.get(reverse("appraisal:cycle_create")).content.decode()
    assert "跨部门评" in page and "销售额" in page  # the names the formula may use
    response = client.post(reverse("appraisal:cycle_create"), _form(aw, weight_self="30"))
    assert response.status_code == 200
    assert "100%" in response.content.decode()
    response = client.post(reverse("appraisal:cycle_create"), _form(aw, formula="0.5 * 未知 + 1"))
    assert response.status_code == 200 and 'data-testid="formula-error"' in response.content.decode()
    response = client.post(reverse("appraisal:cycle_create"), _form(aw, threshold_A="99"))
    assert response.status_code == 200 and not Cycle.objects.exists()
    response = client.post(reverse("appraisal:cycle_create"), _form(aw))
    cycle = Cycle.objects.get()
    assert response.status_code == 302
    assert [s.stage for s in cycle.stage_dates.all()] == ["self"]
    assert list(cycle.departments.all()) == [aw.org.mkt]


def test_scope_preview_start_advance_publish_through_the_pages(aw, client_as):
    cycle = _cycle(aw, start=False)
    client = client_as("hr")
    url = reverse("appraisal:cycle_detail", args=[cycle.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="scope-preview"' in page and "赵敏" in page
    client.post(reverse("appraisal:cycle_start", args=[cycle.pk]), {"version": cycle.version})
    cycle.refresh_from_db()
    assert cycle.start_status == StartStatus.DONE
    status = client.get(reverse("appraisal:cycle_status", args=[cycle.pk]))
    assert "1 / 1" in status.content.decode() and "every 2s" not in status.content.decode()
    aw.rate_worked_example(cycle)
    client.post(
        reverse("appraisal:cycle_advance", args=[cycle.pk]),
        {"version": cycle.version, "to_stage": "calibration"},
    )
    cycle.refresh_from_db()
    assert cycle.stage == Stage.CALIBRATION
    page = client.get(url).content.decode()
    assert 'data-testid="cycle-publish"' in page
    client.post(reverse("appraisal:cycle_publish", args=[cycle.pk]), {"version": cycle.version})
    cycle.refresh_from_db()
    assert cycle.stage == Stage.PUBLISHED


def test_publish_refused_shows_the_unscored_people(aw, client_as):
    from lodestar.goals.models import Snapshot

    Snapshot.objects.filter(goal__name="Q3客户留存率").delete()
    cycle = _cycle(aw)
    cycle = cycles.cycle_advance(
        actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION
    )
    response = client_as("hr").post(
        reverse("appraisal:cycle_publish", args=[cycle.pk]), {"version": cycle.version}, follow=True
    )
    assert "林晓" in response.content.decode()
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) == 1 and "林晓" in shown[0]  # once, naming the people
    cycle.refresh_from_db()
    assert cycle.stage == Stage.CALIBRATION


def test_status_polls_while_queued(aw, client_as, monkeypatch):
    monkeypatch.setattr(cycles, "START_INLINE_LIMIT", 0)
    cycle = _cycle(aw, start=False)
    client_as("hr").post(reverse("appraisal:cycle_start", args=[cycle.pk]), {"version": cycle.version})
    cycle.refresh_from_db()
    assert cycle.start_status == StartStatus.QUEUED  # the worker runs after the commit
    fragment = client_as("hr").get(reverse("appraisal:cycle_status", args=[cycle.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "0 / 1" in fragment
    assert not Appraisal.objects.filter(cycle=cycle).exists()


def test_edit_a_started_cycle_keeps_its_scope_and_changes_its_settings(aw, client_as):
    cycle = _cycle(aw)
    client = client_as("hr")
    url = reverse("appraisal:cycle_edit", args=[cycle.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        _form(
            aw, departments=[aw.org.sales.pk], weight_manager="70", weight_peer="10", version=cycle.version
        ),
    )
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.weight_manager == 70
    assert list(cycle.departments.all()) == [aw.org.mkt]
    assert client_as("mkt_manager").get(url).status_code == 403


def test_start_refused_for_people_appraised_in_another_cycle_of_the_period(aw, client_as):
    first = _cycle(aw)
    second = cycles.cycle_create(actor=aw.user("hr"), period=aw.q3, name="Q3 全公司")
    response = client_as("hr", **ZH).post(
        reverse("appraisal:cycle_start", args=[second.pk]), {"version": second.version}, follow=True
    )
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) == 1 and "林晓" in shown[0] and aw.q3.label in shown[0]
    assert escape(shown[0]) in response.content.decode()
    second.refresh_from_db()
    assert second.start_status == StartStatus.NOT_STARTED
    assert not Appraisal.objects.filter(cycle=second).exists()
    assert Appraisal.objects.filter(cycle=first).count() == 1


def test_a_stage_ending_before_the_previous_one_is_an_error_on_its_field(aw, client_as):
    response = client_as("hr", **ZH).post(
        reverse("appraisal:cycle_create"),
        _form(aw, manager_starts="2024-10-02", manager_ends="2024-10-02"),
    )
    assert response.status_code == 200 and not Cycle.objects.exists()
    form = response.context["form"]
    [message] = form.errors["manager_ends"]
    assert "上级评" in message and "自评" in message  # e.g. 上级评的结束日期早于自评。
    assert not form.non_field_errors()
    assert 'data-testid="stage-date-error"' in response.content.decode()


def test_the_default_name_is_the_period_label(aw, client_as):
    response = client_as("hr", **ZH).post(reverse("appraisal:cycle_create"), _form(aw, name=""))
    assert response.status_code == 302
    assert aw.q3.label in Cycle.objects.get().name


def test_person_names_link_to_their_appraisal(aw, client_as):
    cycle = _cycle(aw)
    appraisal = Appraisal.objects.get(cycle=cycle)
    link = f'href="{reverse("appraisal:detail", args=[appraisal.pk])}"'
    for role in ("hr", "mkt_manager"):
        assert (
            link in client_as(role).get(reverse("appraisal:cycle_detail", args=[cycle.pk])).content.decode()
        )
    cycle = cycles.cycle_advance(
        actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION
    )
    board = client_as("mkt_manager").get(reverse("appraisal:calibration", args=[cycle.pk])).content.decode()
    assert link in board
    # Every link opens the page for its reader.
    assert client_as("mkt_manager").get(reverse("appraisal:detail", args=[appraisal.pk])).status_code == 200


def test_results_on_the_cycle_page_only_for_who_may_see_them(aw, client_as):
    """A score computed while the reviews are open is no result yet: the cycle page shows it as the
    appraisal page does (`access.can_see_result`) — line managers and HR from calibration, the person once
    published. It used to list every visible appraisal's final score and grade from the start."""
    from lodestar.appraisal.services.scoring import rescore

    cycle = _cycle(aw)
    aw.rate_worked_example(cycle)
    rescore(cycle.appraisals.get(person=aw.person))  # scored during the reviews, as a submission does
    url = reverse("appraisal:cycle_detail", args=[cycle.pk])

    def row(role: str) -> str:
        page = client_as(role).get(url).content.decode()
        start = page.find('data-testid="appraisal-row"')
        return page[start : page.find("</tr>", start)]

    for role in ("member", "mkt_manager", "hr"):
        assert "88.95" not in row(role), role
    cycle.refresh_from_db()
    cycle = cycles.cycle_advance(
        actor=aw.user("hr"), cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION
    )
    assert "88.95" not in row("member")  # her own result waits for publishing
    assert "88.95" in row("mkt_manager") and ">A" in row("mkt_manager")
    assert "88.95" in row("hr") and "12,000.00" in row("hr")
