"""A corpus of bad inputs sent to the HTML forms, the API's create/update endpoints and the importers.

Every case must end in a clear error (a form error on the page; JSON 4xx with code, message and the
field) with nothing written, or be stored exactly as sent (emoji and mixed scripts are valid text).
Never a 500 and never a half-written record. Each (target, field, value) is its own named test.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pytest
from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone
from openpyxl import Workbook

from lodestar.alerts.models import AlertRule
from lodestar.conftest import login, token_for
from lodestar.core.errors import ApplicationError
from lodestar.core.models import Period, PeriodKind
from lodestar.core.testing import ApiClient
from lodestar.exchange.readers import read_table
from lodestar.execution.models import ActionItem
from lodestar.goals.models import Goal, GoalStatus, Measure
from lodestar.org import importing
from lodestar.org.models import Department, Person
from lodestar.tracking.models import CheckIn

pytestmark = pytest.mark.usefixtures("demo_world")

MIXED = "中文 English 😀 עברית العربية 👩‍💻 ﷺ"

TEXT = {
    "over_long": "长" * 6000 + "x" * 6000,
    "nul_byte": "周报\x00草稿",
    "emoji_mixed_scripts": MIXED,
}
NUMBER = {
    "float_1e30": 1e30,
    "minus_one": -1,
    "zero": 0,
    "int_10_pow_30": 10**30,
    "nan": "NaN",
    "infinity": "Infinity",
}
DATE = {"feb_30": "2026-02-30", "yesterday": "yesterday", "empty": ""}
VALUES = {"text": TEXT, "number": NUMBER, "date": DATE}

# Values that no field may ever store: they are not what the user meant (NUL is also refused by
# PostgreSQL, so storing it on SQLite would only hide the bug).
ALWAYS_REJECTED = {"nul_byte", "nan", "infinity", "feb_30", "yesterday"}


@dataclass
class Demo:
    """Ids in the seeded demo organisation that the valid baseline payloads refer to."""

    admin: Person
    department: Department
    period: Period
    goal: Goal
    top_goal: Goal  # without a parent: its edit form needs no parent choice
    measure: Measure
    item: ActionItem
    checkin: CheckIn
    rule: AlertRule
    quarter: Period

    def reload(self) -> Demo:
        """Fresh versions after the baseline call changed a record."""
        for record in vars(self).values():
            record.refresh_from_db()
        return self


@pytest.fixture
def demo(db) -> Demo:
    goal = Goal.objects.filter(status=GoalStatus.ACTIVE, measures__isnull=False).order_by("pk").first()
    return Demo(
        admin=Person.objects.get(user__username="admin"),
        department=Department.objects.get(code="MKT"),
        period=goal.period,
        goal=goal,
        top_goal=Goal.objects.filter(parent__isnull=True).order_by("pk").first(),
        measure=goal.measures.order_by("pk").first(),
        item=ActionItem.objects.filter(goal=goal).order_by("pk").first()
        or ActionItem.objects.order_by("pk").first(),
        checkin=CheckIn.objects.filter(measure__isnull=False).order_by("pk").first(),
        rule=AlertRule.objects.order_by("pk").first(),
        quarter=Period.objects.filter(kind=PeriodKind.QUARTER).order_by("start").last(),
    )


def cases(targets: list) -> list:
    """One pytest param per (target, field, value), named e.g. `goal-create-name-nul_byte`."""
    params = []
    for target in targets:
        for field, kind in target.fields.items():
            for label, value in VALUES[kind].items():
                params.append(pytest.param(target, field, label, value, id=f"{target.name}-{field}-{label}"))
    return params


def same_value(stored, sent) -> bool:
    """Stored exactly as sent: text character for character, numbers by value."""
    if isinstance(sent, str) and not isinstance(stored, Decimal | int | float):
        return str(stored if stored is not None else "") == sent
    try:
        return Decimal(str(stored)) == Decimal(str(sent))
    except (InvalidOperation, TypeError):
        return False


# --- API --------------------------------------------------------------------------------------


@dataclass
class ApiTarget:
    name: str
    method: str
    path: Callable[[Demo], str]
    payload: Callable[[Demo], dict]
    model: str
    fields: dict[str, str]


def _checkin_payload(demo: Demo) -> dict:
    # A week long after the demo's check-ins, inside the goal's period.
    end = demo.period.end
    return {
        "measure_id": demo.measure.pk,
        "period_kind": "week",
        "period_start": str(end.fromordinal(end.toordinal() - 6)),
        "period_end": str(end),
        "planned": "5",
        "actual": "4",
    }


API_TARGETS = [
    ApiTarget(
        "department-create",
        "post",
        lambda d: "/departments",
        lambda d: {"name": "新部门", "code": "NEW-DEPT", "parent_id": d.department.pk},
        "org.Department",
        {"name": "text", "code": "text", "sort_order": "number"},
    ),
    ApiTarget(
        "person-create",
        "post",
        lambda d: "/people",
        lambda d: {"username": "newbie", "display_name": "新同事", "department_id": d.department.pk},
        "org.Person",
        {"display_name": "text", "username": "text", "title": "text", "phone": "text"},
    ),
    ApiTarget(
        "period-create",
        "post",
        lambda d: "/periods",
        lambda d: {"kind": "custom", "name": "618大促", "start": "2026-06-01", "end": "2026-06-18"},
        "core.Period",
        {"name": "text", "start": "date", "end": "date"},
    ),
    ApiTarget(
        "goal-create",
        "post",
        lambda d: "/goals",
        lambda d: {"name": "新目标", "department_id": d.department.pk, "period_id": d.period.pk},
        "goals.Goal",
        {"name": "text", "description": "text", "notes": "text", "weight": "number", "sort_order": "number"},
    ),
    ApiTarget(
        "goal-update",
        "patch",
        lambda d: f"/goals/{d.goal.pk}",
        lambda d: {"version": d.goal.version},
        "goals.Goal",
        {"name": "text", "context": "text", "weight": "number"},
    ),
    ApiTarget(
        "measure-create",
        "post",
        lambda d: f"/goals/{d.goal.pk}/measures",
        lambda d: {"name": "新指标", "target": "100"},
        "goals.Measure",
        {"name": "text", "unit_label": "text", "target": "number", "baseline": "number"},
    ),
    ApiTarget(
        "item-create",
        "post",
        lambda d: "/items",
        lambda d: {"title": "新任务", "department_id": d.department.pk},
        "execution.ActionItem",
        {
            "title": "text",
            "description": "text",
            "budget": "number",
            "planned_quantity": "number",
            "start": "date",
            "due": "date",
        },
    ),
    ApiTarget(
        "item-update",
        "patch",
        lambda d: f"/items/{d.item.pk}",
        lambda d: {"version": d.item.version},
        "execution.ActionItem",
        {"title": "text", "deliverable": "text", "actual_quantity": "number", "due": "date"},
    ),
    ApiTarget(
        "checkin-create",
        "post",
        lambda d: "/check-ins",
        _checkin_payload,
        "tracking.CheckIn",
        {
            "comment": "text",
            "deviation_reason": "text",
            "actual": "number",
            "planned": "number",
            "confidence": "number",
            "period_start": "date",
        },
    ),
    ApiTarget(
        "alert-rule-create",
        "post",
        lambda d: "/alert-rules",
        lambda d: {
            "name": "达成率<80%",
            "scope": "department",
            "department_id": d.department.pk,
            "condition": "achievement_below",
            "threshold": "0.8",
            "recipients": ["owner"],
            "channels": ["inbox"],
        },
        "alerts.AlertRule",
        {"name": "text", "threshold": "number", "escalate_after_days": "number"},
    ),
    ApiTarget(
        "department-update",
        "patch",
        lambda d: f"/departments/{d.department.pk}",
        lambda d: {"version": d.department.version},
        "org.Department",
        {"name": "text", "sort_order": "number"},
    ),
    ApiTarget(
        "person-update",
        "patch",
        lambda d: f"/people/{d.admin.pk}",
        lambda d: {"version": d.admin.version},
        "org.Person",
        {"display_name": "text", "phone": "text"},
    ),
    ApiTarget(
        "period-update",
        "patch",
        lambda d: f"/periods/{d.quarter.pk}",
        lambda d: {"version": d.quarter.version},
        "core.Period",
        {"name": "text", "end": "date"},
    ),
    ApiTarget(
        "measure-update",
        "patch",
        lambda d: f"/measures/{d.measure.pk}",
        lambda d: {"version": d.measure.version},
        "goals.Measure",
        {"name": "text", "target": "number", "current": "number"},
    ),
    ApiTarget(
        "checkin-update",
        "patch",
        lambda d: f"/check-ins/{d.checkin.pk}",
        lambda d: {"version": d.checkin.version},
        "tracking.CheckIn",
        {"comment": "text", "actual": "number"},
    ),
    ApiTarget(
        "alert-rule-update",
        "patch",
        lambda d: f"/alert-rules/{d.rule.pk}",
        # No version yet; sent anyway so the case still works once rules check it.
        lambda d: {"version": d.rule.version},
        "alerts.AlertRule",
        {"name": "text", "threshold": "number", "days": "number"},
    ),
    ApiTarget(
        "webhook-create",
        "post",
        lambda d: "/webhook-endpoints",
        lambda d: {"name": "市场群机器人", "kind": "generic", "url": "https://hooks.example.com/x"},
        "notifications.WebhookEndpoint",
        {"name": "text", "url": "text", "secret": "text"},
    ),
]


def count(model: str) -> int:
    return apps.get_model(model)._base_manager.count()


def snapshot(model: str) -> list:
    """Every row of the model, to show that a refused request changed nothing."""
    return list(apps.get_model(model)._base_manager.order_by("pk").values())


@pytest.fixture
def admin_api(demo) -> ApiClient:
    return ApiClient(token=token_for(demo.admin))


@pytest.mark.parametrize(("target", "field", "label", "value"), cases(API_TARGETS))
def test_api_bad_input(target: ApiTarget, field, label, value, demo, admin_api):
    payload = target.payload(demo)
    assert admin_api.send(target.method, target.path(demo), payload).status_code in (200, 201), (
        "the baseline payload must be valid, or the case tests nothing"
    )
    # The baseline call wrote a record (or a new version): start each bad call from that state.
    if target.method == "patch":
        payload = target.payload(demo.reload())
    else:
        _undo_baseline(target)
    before = snapshot(target.model)
    response = admin_api.send(target.method, target.path(demo), {**payload, field: value})
    assert response.status_code < 500, response.content
    body = response.json()
    if response.status_code < 300:
        assert label not in ALWAYS_REJECTED, f"{label} was accepted: {body.get(field)!r}"
        # Write-only fields (a webhook's secret) are not echoed: read them from the database.
        stored = body[field] if field in body else getattr(_record_of(target, body["id"]), field)
        assert same_value(stored, value), f"stored {stored!r}, sent {value!r}"
    else:
        assert 400 <= response.status_code < 500
        assert body["code"] and body["message"], body
        assert body["field"] == field, body
        assert snapshot(target.model) == before, "a refused request wrote something"


def _record_of(target: ApiTarget, pk: int):
    return apps.get_model(target.model)._base_manager.get(pk=pk)


def _undo_baseline(target: ApiTarget) -> None:
    """Remove the record the baseline created, so unique names and periods are free again."""
    _remove(apps.get_model(target.model)._base_manager.order_by("-pk").first())


def _remove(record) -> None:
    if record is None:
        return
    type(record)._base_manager.filter(pk=record.pk).delete()
    if isinstance(record, Person):
        type(record.user).objects.filter(pk=record.user_id).delete()


# --- HTML forms -------------------------------------------------------------------------------


@dataclass
class FormTarget:
    name: str
    url: Callable[[Demo], str]
    data: Callable[[Demo], dict]
    model: str
    fields: dict[str, str]
    # How to find the record the form wrote or edited, to compare what was stored.
    record: Callable[[Demo], models.Model | None]
    # Forms rendered several to a page (the weekly report's rows) prefix their field names.
    prefix: Callable[[Demo], str] | None = None

    def post_data(self, demo: Demo, data: dict) -> dict:
        if self.prefix is None:
            return data
        return {f"{self.prefix(demo)}-{key}": value for key, value in data.items()}


def _newest(model: str):
    return lambda demo: apps.get_model(model)._base_manager.order_by("-pk").first()


def _goal_form(demo: Demo) -> dict:
    return {
        "kind": "kpi",
        "name": "新目标",
        "owner": demo.admin.pk,
        "department": demo.department.pk,
        "period": demo.period.pk,
        "visibility": "public",
    }


def _item_form(demo: Demo) -> dict:
    return {"title": "新任务", "department": demo.department.pk, "priority": "P1"}


def _measure_form(demo: Demo) -> dict:
    return {"name": "新指标", "unit": "count", "direction": "higher", "target": "100", "accumulates": ""}


def _this_week() -> tuple[dt.date, dt.date]:
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    return monday, monday + dt.timedelta(days=6)


def _checkin_row_url(demo: Demo) -> str:
    year, week, _day = _this_week()[0].isocalendar()
    return f"/tracking/rows/measure/{demo.measure.pk}/?week={year}-W{week:02d}"


def _checkin_form(demo: Demo) -> dict:
    existing = CheckIn.objects.filter(measure=demo.measure, period_start=_this_week()[0]).first()
    start, end = _this_week()
    return {
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "version": existing.version if existing else "",
        "planned": "5",
        "actual": "4",
        "comment": "",
    }


FORM_TARGETS = [
    FormTarget(
        "department-form",
        lambda d: "/org/departments/new/",
        lambda d: {"name": "新部门", "code": "NEW-DEPT", "parent": d.department.pk, "sort_order": "0"},
        "org.Department",
        {"name": "text", "code": "text", "sort_order": "number"},
        _newest("org.Department"),
    ),
    FormTarget(
        "person-form",
        lambda d: "/org/people/new/",
        lambda d: {
            "username": "newbie",
            "display_name": "新同事",
            "department": d.department.pk,
            "role": "member",
            "password": "a-long-enough-password-1",
            "is_active": "on",
        },
        "org.Person",
        {"display_name": "text", "username": "text", "title": "text"},
        _newest("org.Person"),
    ),
    FormTarget(
        "period-form",
        lambda d: "/periods/custom/",
        lambda d: {"name": "618大促", "start": "2026-06-01", "end": "2026-06-18"},
        "core.Period",
        {"name": "text", "start": "date", "end": "date"},
        _newest("core.Period"),
    ),
    FormTarget(
        "goal-create-form",
        lambda d: "/goals/new/",
        _goal_form,
        "goals.Goal",
        {"name": "text", "description": "text", "weight": "number"},
        _newest("goals.Goal"),
    ),
    FormTarget(
        "goal-edit-form",
        lambda d: f"/goals/{d.top_goal.pk}/edit/",
        lambda d: {
            **_goal_form(d),
            "kind": d.top_goal.kind,
            "name": d.top_goal.name,
            "owner": d.top_goal.owner_id,
            "department": d.top_goal.department_id,
            "period": d.top_goal.period_id,
            "visibility": d.top_goal.visibility,
            "version": d.top_goal.version,
        },
        "goals.Goal",
        {"name": "text", "notes": "text", "weight": "number"},
        lambda d: Goal._base_manager.get(pk=d.top_goal.pk),
    ),
    FormTarget(
        "measure-form",
        lambda d: f"/goals/{d.goal.pk}/measures/new/",
        _measure_form,
        "goals.Measure",
        {"name": "text", "unit_label": "text", "target": "number", "baseline": "number"},
        _newest("goals.Measure"),
    ),
    FormTarget(
        "item-create-form",
        lambda d: "/execution/items/new/",
        _item_form,
        "execution.ActionItem",
        {"title": "text", "description": "text", "budget": "number", "due": "date"},
        _newest("execution.ActionItem"),
    ),
    FormTarget(
        "item-edit-form",
        lambda d: f"/execution/items/{d.item.pk}/edit/",
        lambda d: {
            **_item_form(d),
            "title": d.item.title,
            "department": d.item.department_id,
            "goal": d.item.goal_id or "",
            "measure": d.item.measure_id or "",
            "priority": d.item.priority,
            "version": d.item.version,
        },
        "execution.ActionItem",
        {"title": "text", "deliverable": "text", "planned_quantity": "number", "start": "date"},
        lambda d: ActionItem._base_manager.get(pk=d.item.pk),
    ),
    FormTarget(
        "checkin-row-form",
        _checkin_row_url,
        _checkin_form,
        "tracking.CheckIn",
        {"comment": "text", "improvement": "text", "actual": "number", "confidence": "number"},
        lambda d: CheckIn._base_manager.filter(measure=d.measure).order_by("-version", "-pk").first(),
        prefix=lambda d: f"m-{d.measure.pk}",
    ),
    FormTarget(
        "alert-rule-form",
        lambda d: "/alerts/rules/new/",
        lambda d: {
            "name": "达成率<80%",
            "scope": "department",
            "department": d.department.pk,
            "condition": "achievement_below",
            "threshold": "0.8",
            "recipients": ["owner"],
            "channels": ["inbox"],
            "is_active": "on",
        },
        "alerts.AlertRule",
        {"name": "text", "threshold": "number", "days": "number"},
        _newest("alerts.AlertRule"),
    ),
    FormTarget(
        "webhook-form",
        lambda d: "/inbox/webhooks/new/",
        lambda d: {"name": "市场群机器人", "kind": "generic", "url": "https://hooks.example.com/x"},
        "notifications.WebhookEndpoint",
        {"name": "text", "url": "text", "secret": "text"},
        _newest("notifications.WebhookEndpoint"),
    ),
]


def _form_errors(response) -> dict:
    """The errors of the bound forms the page rendered."""
    errors: dict = {}
    contexts = response.context if isinstance(response.context, list) else [response.context]
    for context in contexts:
        for value in context.flatten().values() if context is not None else []:
            value = getattr(value, "form", value)  # a weekly report row carries its form
            if isinstance(value, forms.BaseForm) and value.is_bound:
                errors.update(value.errors)
    return errors


def _form_ok(response) -> bool:
    return response.status_code == 302 or (response.status_code == 200 and not _form_errors(response))


@pytest.fixture
def admin_browser(demo):
    return login(demo.admin)


@pytest.mark.parametrize(("target", "field", "label", "value"), cases(FORM_TARGETS))
def test_form_bad_input(target: FormTarget, field, label, value, demo, admin_browser):
    baseline = admin_browser.post(target.url(demo), target.post_data(demo, target.data(demo)))
    assert _form_ok(baseline), _form_errors(baseline) or baseline.status_code
    if target.record(demo) is not None and "edit" not in target.name and target.prefix is None:
        _remove(target.record(demo))  # frees unique names; the edit forms need a fresh version instead
    data = target.data(demo.reload())
    before = snapshot(target.model)
    response = admin_browser.post(target.url(demo), target.post_data(demo, {**data, field: value}))
    assert response.status_code < 500
    errors = _form_errors(response)
    if _form_ok(response):
        assert label not in ALWAYS_REJECTED, f"{label} was accepted"
        stored = getattr(target.record(demo), field)
        assert same_value(stored, value) or (value == "" and stored is None), (stored, value)
    else:
        assert response.status_code in (200, 400), response.status_code
        assert field in errors, errors
        assert snapshot(target.model) == before, "a refused form wrote something"


# --- importers --------------------------------------------------------------------------------


def _xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


PEOPLE_HEADER = ["账号", "姓名", "部门编码"]


def _zip_bomb() -> bytes:
    """A well-formed xlsx whose sheet XML inflates to ~300 MB from a few hundred kB."""
    out = io.BytesIO()
    real = zipfile.ZipFile(io.BytesIO(_xlsx([PEOPLE_HEADER])))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in real.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with bomb.open(info.filename, "w", force_zip64=True) as sheet:
                    sheet.write(b'<?xml version="1.0"?><worksheet><sheetData>')
                    chunk = b"<row>" + b" " * (1024 * 1024 - 11) + b"</row>"
                    for _ in range(300):
                        sheet.write(chunk)
                    sheet.write(b"</sheetData></worksheet>")
            else:
                bomb.writestr(info, real.read(info.filename))
    return out.getvalue()


def _csv(rows: list[list[str]], encoding: str, bom: bool = False) -> bytes:
    text = "\r\n".join(",".join(row) for row in rows) + "\r\n"
    return (codecs.BOM_UTF8 if bom else b"") + text.encode(encoding)


def _person_csv(username: str, name: str, encoding: str, bom: bool = False) -> Callable[[], bytes]:
    return lambda: _csv([["username", "name", "department"], [username, name, "MKT"]], encoding, bom)


def _valid_xlsx() -> bytes:
    return _xlsx([PEOPLE_HEADER, ["newbie", "新同事", "MKT"]])


# label → (file name, the file's bytes)
IMPORT_CASES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "random_bytes_named_xlsx": ("people.xlsx", lambda: bytes(range(256)) * 40),
    "truncated_xlsx": ("people.xlsx", lambda: _valid_xlsx()[:700]),
    "zip_bomb_xlsx": ("people.xlsx", _zip_bomb),
    "empty_file": ("people.csv", lambda: b""),
    "shift_jis_csv": ("people.csv", _person_csv("yamada", "山田太郎ｶﾀｶﾅ", "shift_jis")),
    "latin1_csv": ("people.csv", _person_csv("cafe", "Café Müller", "latin-1")),
    "nul_bytes_csv": ("people.csv", _person_csv("nul", "a\x00b", "utf-8")),
    # Files that must be imported exactly: mixed scripts, GBK with a rare name character, and UTF-16
    # without a byte-order mark (recognised from its NUL bytes).
    "utf16_without_bom_csv": ("people.csv", _person_csv("utf16", "新同事", "utf-16-le")),
    "utf16_be_without_bom_csv": ("people.csv", _person_csv("utf16be", "新同事", "utf-16-be")),
    "emoji_mixed_scripts_csv": ("people.csv", _person_csv("mixed", MIXED, "utf-8", bom=True)),
    "gbk_csv_rare_character": ("people.csv", _person_csv("wangzhe", "王喆", "gbk")),
}
IMPORTED = {
    "emoji_mixed_scripts_csv": ("mixed", MIXED),
    "gbk_csv_rare_character": ("wangzhe", "王喆"),
    "utf16_without_bom_csv": ("utf16", "新同事"),
    "utf16_be_without_bom_csv": ("utf16be", "新同事"),
}


@dataclass
class ImportOutcome:
    error: ApplicationError | None
    people_before: int
    people_after: int


def _assert_import_outcome(label: str, outcome: ImportOutcome) -> None:
    if label in IMPORTED:
        assert outcome.error is None, outcome.error
        username, name = IMPORTED[label]
        assert Person.objects.get(user__username=username).display_name == name
    else:
        assert outcome.error is not None, f"{label} was imported"
        assert outcome.error.message and (outcome.error.field == "file" or outcome.error.errors)
        assert outcome.people_after == outcome.people_before, "a refused import wrote something"


@pytest.mark.parametrize("label", list(IMPORT_CASES))
def test_importer_bad_file(label, demo):
    filename, make = IMPORT_CASES[label]
    data = make()
    before = count("org.Person")
    error = None
    try:
        result = importing.org_import(actor=demo.admin.user, kind="people", data=data, filename=filename)
    except ApplicationError as exc:
        error = exc
    else:
        if not result.committed:
            error = ApplicationError(
                "; ".join(e.message for e in result.errors), errors=result.errors, field="file"
            )
    _assert_import_outcome(label, ImportOutcome(error, before, count("org.Person")))


@pytest.mark.parametrize("label", list(IMPORT_CASES))
def test_import_upload_page_bad_file(label, demo, admin_browser):
    filename, make = IMPORT_CASES[label]
    before = count("org.Person")
    upload = SimpleUploadedFile(filename, make(), content_type="application/octet-stream")
    response = admin_browser.post("/org/import/", {"kind": "people", "file": upload})
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert label in IMPORTED, f"{label} was imported"
        username, name = IMPORTED[label]
        assert Person.objects.get(user__username=username).display_name == name
    else:
        assert label not in IMPORTED, _form_errors(response)
        result = response.context.get("result")
        assert _form_errors(response) or (result is not None and result.errors), "no error shown"
        assert count("org.Person") == before


def test_zip_bomb_is_refused_before_inflating():
    data = _zip_bomb()
    assert len(data) < 2 * 1024 * 1024  # small on the wire ...
    with pytest.raises(ApplicationError) as caught:
        read_table(data, "people.xlsx")
    assert caught.value.code == "file_too_large"  # ... and refused from its declared size


def test_json_body_that_is_not_json_is_a_clear_400(demo, admin_api):
    response = admin_api.client.post(
        "/api/v1/goals", b"\xff\xfe{not json", content_type="application/json", headers=admin_api.headers
    )
    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "malformed"


@pytest.mark.parametrize("path", ["/goals", "/items", "/people"])
def test_nul_in_a_search_query_is_a_field_error(path, admin_api):
    response = admin_api.get(path, q="周报\x00")
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid" and body["field"] == "q" and body["message"]


@pytest.mark.parametrize("path", ["/goals", "/items", "/people"])
def test_mixed_scripts_search_query_is_fine(path, admin_api):
    assert admin_api.get(path, q=MIXED).status_code == 200
