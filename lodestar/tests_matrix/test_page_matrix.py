"""Permission matrix for the HTML pages (issue 6, "Safety").

Every named URL pattern of the URL conf (outside admin:, api:, i18n, login/logout) must have an
entry in MATRIX giving the status of a GET for each role. A page missing from MATRIX fails
`test_every_page_is_in_the_matrix`, so a new page cannot escape the matrix.

    星辰公司 (company; admin and HR sit here)
    ├── 市场部 MKT (manager 赵敏; member 林晓, viewer 访客)   owns the private goal and the item
    └── 销售部 SALES (manager 王强; member 周杰)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lodestar.core.services import period_generate_fiscal_year
from lodestar.execution import services as execution
from lodestar.goals import consensus
from lodestar.goals import services as goals
from lodestar.goals.adjustments import adjustment_create
from lodestar.goals.models import Visibility
from lodestar.goals.reuse import template_create_from_goals
from lodestar.notifications.models import Notification, WebhookEndpoint
from lodestar.org.models import Department, Person, Role
from lodestar.org.services import api_token_create, department_create
from lodestar.tracking import alerts
from lodestar.tracking.models import Alert, AlertCondition, AlertRule
from lodestar.tracking.services import checkin_submit

User = get_user_model()

ROLES = ("admin", "manager", "manager_elsewhere", "member", "member_elsewhere", "hr", "viewer", "anonymous")
SKIPPED_NAMESPACES = {"admin", "api"}
SKIPPED_NAMES = {"login", "logout", "set_language"}

LOGIN = 302  # anonymous: redirected to the login page
OK, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 200, 403, 404, 405


def row(
    admin, manager, manager_elsewhere, member, member_elsewhere, hr, viewer, anonymous=LOGIN
) -> dict[str, int]:
    return dict(
        zip(
            ROLES,
            (admin, manager, manager_elsewhere, member, member_elsewhere, hr, viewer, anonymous),
            strict=True,
        )
    )


def everyone(status: int) -> dict[str, int]:
    return row(*([status] * 7))


# POST-only endpoints (require_POST outside the login check): a GET is 405 for everyone,
# anonymous included; nothing is changed.
POST_ONLY = {role: NOT_ALLOWED for role in ROLES}

# Roles: admin; manager = 赵敏, manager of 市场部 (the owning department); manager_elsewhere = manager of
# 销售部; member = 林晓 of 市场部 (R on the item); member_elsewhere = 周杰 of 销售部; hr; viewer (市场部,
# read only); anonymous. The goal is department-private, so outside 市场部 it does not exist (404).
MATRIX: dict[str, dict[str, int]] = {
    "alerts:acknowledge": POST_ONLY,
    "alerts:comment": POST_ONLY,
    "alerts:detail": row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    "alerts:list": everyone(OK),
    "alerts:resolve": POST_ONLY,
    "alerts:rule_delete": POST_ONLY,
    "alerts:rule_edit": row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    "alerts:rule_new": row(OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "alerts:rules": row(OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "execution:attachment": POST_ONLY,
    "execution:attachment_download": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "execution:bulk": POST_ONLY,
    "execution:comment": POST_ONLY,
    "execution:create": row(OK, OK, OK, OK, OK, OK, FORBIDDEN),
    "execution:dependency": POST_ONLY,
    "execution:detail": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "execution:edit": row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "execution:kanban": everyone(OK),
    "execution:kanban_move": POST_ONLY,
    "execution:mine": everyone(OK),
    "execution:raci": everyone(OK),
    "execution:request": POST_ONLY,
    "execution:row": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "execution:status": POST_ONLY,
    "execution:table": everyone(OK),
    "execution:timeline": everyone(OK),
    "execution:timeline_data": everyone(OK),
    "execution:timeline_reschedule": POST_ONLY,
    "goals:adjustment_add": POST_ONLY,
    "goals:consensus_decide": POST_ONLY,
    "goals:consensus_start": POST_ONLY,
    "goals:consensus_withdraw": POST_ONLY,
    "goals:copy": everyone(OK),
    "goals:create": row(OK, OK, OK, OK, OK, OK, FORBIDDEN),
    "goals:decompose": row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "goals:delete": POST_ONLY,
    "goals:detail": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "goals:edit": row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "goals:measure_add": row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "goals:measure_current": POST_ONLY,
    "goals:measure_delete": POST_ONLY,
    "goals:measure_edit": row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "goals:mine": everyone(OK),
    "goals:row": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "goals:status": POST_ONLY,
    "goals:table": everyone(OK),
    "goals:template_new": everyone(OK),
    "goals:template_use": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "goals:templates": everyone(OK),
    "goals:tree": everyone(OK),
    "goals:tree_children": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "home": everyone(OK),
    "notifications:deliveries": row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "notifications:inbox": everyone(OK),
    "notifications:preferences": everyone(OK),
    "notifications:read": POST_ONLY,
    "notifications:webhook_delete": POST_ONLY,
    "notifications:webhook_edit": row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "notifications:webhook_new": row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "notifications:webhook_test": POST_ONLY,
    "notifications:webhooks": row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "org:chart": everyone(OK),
    "org:department_delete": POST_ONLY,
    "org:department_edit": row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "org:department_new": row(OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "org:departments": row(OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "org:directory": everyone(OK),
    "org:import": row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "org:import_template": row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "org:person": everyone(OK),
    "org:person_edit": row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "org:person_new": row(OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "password_change": everyone(OK),
    "periods:custom": row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "periods:generate": POST_ONLY,
    "periods:list": everyone(OK),
    "periods:settings": row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "periods:toggle": POST_ONLY,
    "trash:list": row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "trash:restore": POST_ONLY,
    "profile": everyone(OK),
    "token_revoke": POST_ONLY,
    "tracking:checkin_row": everyone(NOT_ALLOWED),
    "tracking:department_report": everyone(OK),
    "tracking:measure": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "tracking:measure_plan": everyone(NOT_ALLOWED),
    "tracking:meeting": everyone(OK),
    "tracking:report": everyone(OK),
}


# --- URL conf ----------------------------------------------------------------------------------


def _names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            if pattern.name in SKIPPED_NAMES or pattern.name in {"static", "media", "serve"}:
                continue
            names.add(f"{namespace}{pattern.name}")
    return names


def page_names() -> set[str]:
    return _names(get_resolver())


# --- the world ----------------------------------------------------------------------------------


def _person(
    username: str, display_name: str, department: Department | None, role: str = Role.MEMBER
) -> Person:
    user = User.objects.create_user(username=username, password="pw-for-tests-only")
    return Person.objects.create(user=user, display_name=display_name, department=department, role=role)


def fresh(person: Person):
    return User.objects.get(pk=person.user_id)


def build_world() -> dict:
    admin = _person("m_admin", "管理员", None, Role.ADMIN)
    company = department_create(actor=fresh(admin), name="星辰公司", parent=None, code="CO")
    Person.objects.filter(pk=admin.pk).update(department=company)
    mkt = department_create(actor=fresh(admin), name="市场部", parent=company, code="MKT")
    sales = department_create(actor=fresh(admin), name="销售部", parent=company, code="SALES")
    manager = _person("m_manager", "赵敏", mkt)
    manager_elsewhere = _person("m_manager_elsewhere", "王强", sales)
    Department.objects.filter(pk=mkt.pk).update(manager=manager)
    Department.objects.filter(pk=sales.pk).update(manager=manager_elsewhere)
    member = _person("m_member", "林晓", mkt)
    member_elsewhere = _person("m_member_elsewhere", "周杰", sales)
    hr = _person("m_hr", "孙丽", company, Role.HR)
    viewer = _person("m_viewer", "访客", mkt, Role.VIEWER)
    for department in (company, mkt, sales):
        department.refresh_from_db()
    year = period_generate_fiscal_year(actor=fresh(admin), year=2026)

    goal = goals.goal_create(
        actor=fresh(manager),
        name="新品A 小红书曝光",
        department=mkt,
        period=year,
        owner=manager,
        visibility=Visibility.DEPARTMENT,
        measures=[
            {"name": "小红书笔记", "unit": "count", "direction": "higher", "baseline": None, "target": "50"}
        ],
    )
    record = consensus.consensus_start(
        actor=fresh(manager),
        goals=[goal],
        participants=[{"person": manager, "required": True}],
        minutes="Agreed.",
    )
    consensus.consensus_decide(actor=fresh(manager), record=record, decision="agreed")
    goal.refresh_from_db()
    measure = goal.measures.get()
    adjustment_create(actor=fresh(manager), goal=goal, measure=measure, new_target="40", reason="预算调整")
    template = template_create_from_goals(
        actor=fresh(manager), name="渠道专员KPI", goals=[goal], department=mkt
    )

    item = execution.item_create(
        actor=fresh(manager),
        department=mkt,
        title="投放KOL",
        goal=goal,
        responsible=[member],
        accountable=manager,
        consulted=[viewer],
        informed=[],
    )
    attachment = execution.attachment_add(
        actor=fresh(member),
        item=item,
        upload=SimpleUploadedFile("brief.pdf", b"%PDF-1.4 brief", content_type="application/pdf"),
    )
    execution.comment_add(actor=fresh(member), item=item, body="已联系三位KOL")

    checkin_submit(
        actor=fresh(manager),
        measure=measure,
        period_start=dt.date(2026, 11, 16),
        period_end=dt.date(2026, 11, 22),
        cumulative=Decimal("10"),
    )
    rule = alerts.rule_create(
        actor=fresh(manager),
        name="达成率<80%",
        scope=AlertRule.Scope.DEPARTMENT,
        department=mkt,
        condition=AlertCondition.ACHIEVEMENT_BELOW,
        threshold=Decimal("0.8"),
        recipients=["owner", "manager"],
    )
    alert = Alert.objects.filter(rule=rule).first() or Alert.objects.create(
        rule=rule,
        dedupe_key=f"measure:{measure.pk}",
        goal=goal,
        measure=measure,
        subject="小红书笔记 达成率低",
    )
    alert.recipients.add(manager)
    endpoint = WebhookEndpoint.objects.create(
        name="市场部群", kind=WebhookEndpoint.Kind.GENERIC, url="https://example.com/hook", department=mkt
    )
    token, _secret = api_token_create(actor=fresh(member), name="报表脚本", scope="read")
    Notification.objects.create(recipient=member, actor=manager, verb="mentioned", title="@林晓 请看")

    people = {
        "admin": admin,
        "manager": manager,
        "manager_elsewhere": manager_elsewhere,
        "member": member,
        "member_elsewhere": member_elsewhere,
        "hr": hr,
        "viewer": viewer,
    }
    kwargs = {
        "goal_id": goal.pk,
        "measure_id": measure.pk,
        "record_id": record.pk,
        "template_id": template.pk,
        "item_id": item.pk,
        "attachment_id": attachment.pk,
        "alert_id": alert.pk,
        "rule_id": rule.pk,
        "endpoint_id": endpoint.pk,
        "token_id": token.pk,
        "department_id": mkt.pk,
        "person_id": member.pk,
        "period_id": year.pk,
        "kind": "people",
        "pk": measure.pk,
    }
    return {"people": people, "kwargs": kwargs}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once per module inside a transaction that is rolled back at the end; each test runs in
    a savepoint within it (pytest-django's `db`)."""
    from django.test import override_settings

    with (
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


def url_for(name: str, kwargs: dict) -> str:
    resolver_kwargs = {}
    for pattern_kwargs in _kwarg_names(name):
        resolver_kwargs[pattern_kwargs] = kwargs[pattern_kwargs]
    if name == "tracking:checkin_row":
        resolver_kwargs["kind"] = "measure"
    return reverse(name, kwargs=resolver_kwargs)


def _kwarg_names(name: str) -> list[str]:
    resolver = get_resolver()
    possibilities = resolver.reverse_dict.getlist(name.split(":")[-1])
    namespace = name.split(":")[0] if ":" in name else None
    if namespace:
        resolver = resolver.namespace_dict[namespace][1]
        possibilities = resolver.reverse_dict.getlist(name.split(":")[-1])
    for possibility, _pattern, _defaults, _converters in possibilities:
        for _result, params in possibility:
            return list(params)
    return []


# --- tests -------------------------------------------------------------------------------------


def test_every_page_is_in_the_matrix():
    names = page_names()
    missing = sorted(names - MATRIX.keys())
    assert not missing, f"URL names without a MATRIX entry: {missing}"
    stale = sorted(MATRIX.keys() - names)
    assert not stale, f"MATRIX entries for URL names that no longer exist: {stale}"
    for name, expected in MATRIX.items():
        assert set(expected) == set(ROLES), name


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_get(world, db, client, name, role):
    url = url_for(name, world["kwargs"])
    if role != "anonymous":
        client.force_login(fresh(world["people"][role]))
    response = client.get(url)
    expected = MATRIX[name][role]
    assert response.status_code == expected, f"GET {name} ({url}) as {role}"
    if expected == LOGIN:
        assert response["Location"].startswith(reverse("login")), response["Location"]


@pytest.mark.parametrize("role", ["manager_elsewhere", "member_elsewhere"])
def test_template_list_hides_other_departments_templates(world, db, client, role):
    client.force_login(fresh(world["people"][role]))
    assert "渠道专员KPI" not in client.get(reverse("goals:templates")).content.decode()
