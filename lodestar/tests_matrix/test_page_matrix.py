"""Permission matrix for the HTML pages (issue 6, "Safety").

Every named URL pattern of the URL conf (outside admin:, api:, i18n, login/logout) must have an
entry in MATRIX giving the status of a GET for each role. A page missing from MATRIX fails
`test_every_page_is_in_the_matrix`, so a new page cannot escape the matrix.

    星辰公司 (company; admin and HR sit here)
    ├── 市场部 MKT (manager 赵敏; member 林晓, viewer 访客)   owns the private goal and the item
    └── 销售部 SALES (manager 王强; member 周杰)

The world (world.py) is built once per module by the `world` fixture in conftest.py.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lodestar.tests_matrix.world import ROLES, fresh

SKIPPED_NAMESPACES = {"admin", "api"}
SKIPPED_NAMES = {"login", "logout", "set_language"}

LOGIN = 302  # anonymous: redirected to the login page
OK, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 200, 403, 404, 405
SENT_ON = -302  # a 302 to another page than the login page (plain 302 means: to the login page)


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


def members(status: int) -> dict[str, int]:
    """Everyone but the read-only guest, who is refused (403): appraisal's pages."""
    return row(*([status] * 6), FORBIDDEN)


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
    # 看板: the company's for everyone (figures from what each may see); 市场部's for its people, its
    # managers, HR and admins; 林晓's for her, her managers up the line, HR and admins.
    "dashboards:index": everyone(SENT_ON),  # to the company dashboard (anonymous: to the login page)
    "dashboards:company": everyone(OK),
    "dashboards:company_export": everyone(OK),
    "dashboards:department": row(OK, OK, FORBIDDEN, OK, FORBIDDEN, OK, OK),
    "dashboards:department_export": row(OK, OK, FORBIDDEN, OK, FORBIDDEN, OK, OK),
    "dashboards:department_report": row(OK, OK, FORBIDDEN, OK, FORBIDDEN, OK, OK),
    "dashboards:department_report_pdf": row(OK, OK, FORBIDDEN, OK, FORBIDDEN, OK, OK),
    "dashboards:person": row(OK, OK, FORBIDDEN, OK, FORBIDDEN, OK, FORBIDDEN),
    "dashboards:person_export": row(OK, OK, FORBIDDEN, OK, FORBIDDEN, OK, FORBIDDEN),
    "exchange:export": everyone(OK),
    "exchange:import_upload": everyone(OK),
    "exchange:import_detail": row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    # POST only inside the login check: anonymous goes to the login page first.
    "exchange:import_apply": {**POST_ONLY, "anonymous": LOGIN},
    "execution:attachment": POST_ONLY,
    "execution:attachment_download": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "execution:bulk": POST_ONLY,
    "execution:comment": POST_ONLY,
    "execution:create": row(OK, OK, OK, OK, OK, OK, FORBIDDEN),
    "execution:dependency": POST_ONLY,
    "execution:detail": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "execution:form_choices": everyone(OK),
    "execution:phase_add": POST_ONLY,
    "execution:phase_edit": POST_ONLY,
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
    "goals:adjustment_approve": POST_ONLY,
    "goals:adjustment_reject": POST_ONLY,
    "goals:adjustment_withdraw": POST_ONLY,
    "goals:consensus_decide": POST_ONLY,
    "goals:consensus_start": POST_ONLY,
    "goals:consensus_withdraw": POST_ONLY,
    "goals:copy": everyone(OK),
    "goals:create": row(OK, OK, OK, OK, OK, OK, FORBIDDEN),
    "goals:decompose": row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "goals:delete": POST_ONLY,
    "goals:detail": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "goals:report": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "goals:report_pdf": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "goals:edit": row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "goals:measure_add": row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "goals:measure_current": POST_ONLY,
    "goals:measure_delete": POST_ONLY,
    "goals:measure_edit": row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "goals:mine": everyone(OK),
    "goals:parent_options": everyone(OK),
    "goals:row": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "goals:status": POST_ONLY,
    "goals:table": everyone(OK),
    "goals:template_new": row(OK, OK, OK, OK, OK, OK, FORBIDDEN),
    "goals:template_use": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "goals:templates": everyone(OK),
    "goals:tree": everyone(OK),
    "goals:tree_children": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "home": everyone(OK),
    # The knowledge library is the company's: everyone reads; the case's author (the member), managers
    # of its department and admins change it; the SOP's owner (the member) and managers add versions.
    "knowledge:cases": everyone(OK),
    # Platform data (metrics.access): 市场部's source is read in 市场部 and by admins and HR, managed by its
    # manager and specialist; anyone who writes may add a source for their own department.
    "metrics:sources": everyone(OK),
    "metrics:source_create": row(OK, OK, OK, OK, OK, FORBIDDEN, FORBIDDEN),
    "metrics:source_detail": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "metrics:import_upload": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "metrics:source_edit": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "metrics:source_delete": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "metrics:import_detail": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "metrics:import_mapping": POST_ONLY,
    "metrics:import_start": POST_ONLY,
    "knowledge:case_list": everyone(OK),
    "knowledge:case_create": row(OK, OK, OK, OK, OK, OK, FORBIDDEN),
    "knowledge:case_suggested": everyone(NOT_FOUND),  # without ?goal=
    "knowledge:case_detail": everyone(OK),
    "knowledge:case_edit": row(OK, OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "knowledge:case_delete": POST_ONLY,
    "knowledge:sops": everyone(OK),
    "knowledge:sop_create": row(OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "knowledge:sop_detail": everyone(OK),
    "knowledge:sop_edit": row(OK, OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "knowledge:sop_version_new": row(OK, OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "knowledge:sop_diff": everyone(OK),
    "knowledge:sop_delete": POST_ONLY,
    # The annual report opens on the reader's own department (the company for admins and HR).
    "knowledge:report": everyone(OK),
    "knowledge:report_pdf": everyone(OK),
    "notifications:deliveries": row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "notifications:delivery_resend": POST_ONLY,
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
    # The first-start setup is closed once an organisation exists (404, anonymous included); the offer
    # to become the admin person is for a superuser without a person only.
    "setup:admin": row(*([NOT_FOUND] * 8)),
    "setup:departments": row(*([NOT_FOUND] * 8)),
    "setup:done": row(*([NOT_FOUND] * 8)),
    "setup:link": everyone(NOT_FOUND),
    "setup:link_skip": POST_ONLY,
    "setup:people": row(*([NOT_FOUND] * 8)),
    "setup:start": row(*([NOT_FOUND] * 8)),
    "trash:list": row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "trash:restore": POST_ONLY,
    "profile": everyone(OK),
    "token_revoke": POST_ONLY,
    # --- budget (市场部's lines; guests see no budget; members read their own department's) ---
    "budget:lines": row(OK, OK, OK, OK, OK, OK, FORBIDDEN),
    "budget:channels": row(OK, OK, OK, OK, OK, OK, FORBIDDEN),
    "budget:line_new": row(OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "budget:spend_import": row(OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "budget:line_detail": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, FORBIDDEN),
    "budget:line_edit": row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "budget:line_delete": POST_ONLY,
    "budget:spend_add": POST_ONLY,
    "budget:attribution": POST_ONLY,
    "budget:spend_delete": POST_ONLY,
    "budget:reallocation_accept": POST_ONLY,
    "retrospectives:list": everyone(OK),
    "verification:list": everyone(OK),
    "verification:detail": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "verification:settle": POST_ONLY,
    "verification:spot_check_create": POST_ONLY,
    "retrospectives:detail": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "retrospectives:open_for_department": row(OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "retrospectives:open_for_goal": row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
    "retrospectives:attachment_download": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "retrospectives:edit": POST_ONLY,
    "retrospectives:why_add": POST_ONLY,
    "retrospectives:why_delete": POST_ONLY,
    "retrospectives:why_move": POST_ONLY,
    "retrospectives:action_add": POST_ONLY,
    "retrospectives:action_delete": POST_ONLY,
    "retrospectives:action_promote": POST_ONLY,
    "retrospectives:action_done": POST_ONLY,
    "retrospectives:complete": POST_ONLY,
    "retrospectives:sign_off": POST_ONLY,
    "retrospectives:reopen": POST_ONLY,
    "retrospectives:comment": POST_ONLY,
    "retrospectives:attachment": POST_ONLY,
    "tracking:checkin_row": everyone(NOT_ALLOWED),
    "tracking:department_report": everyone(OK),
    "tracking:measure": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK),
    "tracking:measure_plan": everyone(NOT_ALLOWED),
    "tracking:decision_status": everyone(NOT_ALLOWED),
    "tracking:meeting": everyone(OK),
    "tracking:meeting_minutes": everyone(OK),
    "tracking:meeting_minutes_pdf": everyone(OK),
    "tracking:meeting_remind": everyone(NOT_ALLOWED),
    "tracking:report": everyone(OK),
    # The close page: admins and department managers (a manager only closes their own departments).
    "tracking:period_close": row(OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "tracking:period_reopen": POST_ONLY,
    # --- appraisal (issue #15): an appraisal, its reviews and plan are 林晓's, her line managers', HR's and
    # admins' only (404 for everyone else); setup edits, pay bases and promotions are HR and admins' (403).
    # The world's cycle is in its self stage: appeals and feedback come after publishing (403 for readers).
    # The read-only guest (viewer) has no appraisal at all: 403 on every page (a GET of a POST-only one: 405).
    "appraisal:appeal_create": row(
        FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN
    ),
    "appraisal:appeal_decide": POST_ONLY,
    "appraisal:appeal_list": members(OK),
    "appraisal:calibration": row(OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "appraisal:calibration_move": POST_ONLY,
    "appraisal:competencies_save": POST_ONLY,
    "appraisal:composite_compute_all": POST_ONLY,
    "appraisal:composite_list": members(OK),
    "appraisal:cycle_advance": POST_ONLY,
    "appraisal:cycle_create": row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "appraisal:cycle_detail": row(OK, OK, NOT_FOUND, OK, OK, OK, FORBIDDEN),
    "appraisal:cycle_edit": row(OK, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "appraisal:cycle_list": members(OK),
    "appraisal:cycle_publish": POST_ONLY,
    "appraisal:cycle_start": POST_ONLY,
    "appraisal:cycle_status": row(OK, OK, NOT_FOUND, OK, OK, OK, FORBIDDEN),
    "appraisal:detail": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, FORBIDDEN),
    "appraisal:report": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, FORBIDDEN),
    "appraisal:report_pdf": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, FORBIDDEN),
    "appraisal:evidence_add": POST_ONLY,
    "appraisal:evidence_delete": POST_ONLY,
    "appraisal:evidence_download": members(NOT_FOUND),
    "appraisal:feedback_acknowledge": POST_ONLY,
    "appraisal:feedback_edit": row(
        FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN
    ),
    "appraisal:home": members(OK),
    "appraisal:peer_add": POST_ONLY,
    "appraisal:peer_remove": POST_ONLY,
    "appraisal:pip_check": POST_ONLY,
    "appraisal:pip_close": POST_ONLY,
    # Opening a plan by hand: HR, admins and whoever manages people (the form offers only the published
    # appraisals of the people they may open one for; the world's cycle is unpublished: none yet).
    "appraisal:pip_create": row(OK, OK, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "appraisal:pip_detail": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, FORBIDDEN),
    "appraisal:pip_edit": POST_ONLY,
    "appraisal:pip_list": members(OK),
    "appraisal:promotions": row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "appraisal:review": row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, FORBIDDEN),
    "appraisal:setup_committee": members(OK),
    "appraisal:setup_committee_remove": POST_ONLY,
    "appraisal:setup_competencies": members(OK),
    "appraisal:setup_competency": POST_ONLY,
    "appraisal:setup_pay_base_set": POST_ONLY,
    "appraisal:setup_pay_bases": row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "appraisal:setup_position": row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
    "appraisal:setup_position_delete": POST_ONLY,
    "appraisal:setup_positions": members(OK),
    "appraisal:setup_template": members(OK),
    "appraisal:setup_template_copy": POST_ONLY,
    "appraisal:setup_template_delete": POST_ONLY,
    "appraisal:setup_template_edit": POST_ONLY,
    "appraisal:setup_templates": members(OK),
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


# URL parameter → key of the world's kwargs, where a page's parameter means another record than the
# world's key of that name (template_id is the goal template elsewhere).
PAGE_PARAMS: dict[str, dict[str, str]] = {
    "appraisal:setup_template": {"template_id": "appraisal_template_id"},
    "appraisal:setup_template_copy": {"template_id": "appraisal_template_id"},
    "appraisal:setup_template_edit": {"template_id": "appraisal_template_id"},
    "appraisal:setup_template_delete": {"template_id": "spare_template_id"},
    "appraisal:setup_position_delete": {"position_id": "spare_position_id"},
    "appraisal:setup_committee_remove": {"member_id": "committee_member_id"},
    "exchange:import_detail": {"import_id": "table_import_id"},
    "exchange:import_apply": {"import_id": "table_import_id"},
    "verification:detail": {"pk": "discrepancy_id"},
    "verification:settle": {"pk": "discrepancy_id"},
}


def url_for(name: str, kwargs: dict) -> str:
    resolver_kwargs = {}
    params = PAGE_PARAMS.get(name, {})
    for pattern_kwargs in _kwarg_names(name):
        resolver_kwargs[pattern_kwargs] = kwargs[params.get(pattern_kwargs, pattern_kwargs)]
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
    if expected == SENT_ON:
        assert response.status_code == 302, f"GET {name} ({url}) as {role}"
        assert not response["Location"].startswith(reverse("login")), response["Location"]
        return
    assert response.status_code == expected, f"GET {name} ({url}) as {role}"
    if expected == LOGIN:
        assert response["Location"].startswith(reverse("login")), response["Location"]


@pytest.mark.parametrize("role", ["manager_elsewhere", "member_elsewhere"])
def test_template_list_hides_other_departments_templates(world, db, client, role):
    client.force_login(fresh(world["people"][role]))
    assert "渠道专员KPI" not in client.get(reverse("goals:templates")).content.decode()
