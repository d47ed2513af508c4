"""Permission matrix for the REST API (issue "The core loop at scale and safe").

Every operation (method + path) of the OpenAPI document must have an entry in OPS giving the status
each role gets; an operation missing from OPS fails `test_every_operation_is_in_the_matrix`, so a
new endpoint cannot escape the matrix. Path parameters are filled from the world (world.py), each
role calls with its own read-write Bearer token, anonymous sends no credentials (401). Writes
carry a small valid body, so an allowed role really gets its 200/201/204; each test runs in a
savepoint of the module's world transaction (`db`), so a write never leaks into the next test.

Roles: admin; manager = 赵敏, manager of 市场部 (owns the department-private goal and the items);
manager_elsewhere = manager of 销售部; member = 林晓 of 市场部 (R on the item); member_elsewhere =
周杰 of 销售部; hr; viewer (市场部, read only); anonymous. Outside 市场部 the private goal and
everything under it do not exist (404); people and departments are public (403 where not allowed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model

from config.api import api
from lodestar.budget.models import BudgetLine
from lodestar.core.models import Period
from lodestar.core.testing import ApiClient
from lodestar.execution.models import ActionItem, Phase
from lodestar.goals.models import Goal, Measure
from lodestar.knowledge.models import Case, Sop
from lodestar.metrics.models import DataSource, Discrepancy, SourceMetric
from lodestar.notifications import delivery
from lodestar.org.models import ApiToken, Department, Person, Position
from lodestar.org.services import api_token_create
from lodestar.retrospectives.models import ImprovementAction, Retrospective
from lodestar.tests_matrix.world import ROLES, fresh
from lodestar.tracking.models import CheckIn

OK, CREATED, NO_CONTENT = 200, 201, 204
FORBIDDEN, NOT_FOUND, CONFLICT, UNAUTHENTICATED = 403, 404, 409, 401
PREFIX = "/api/v1"


def row(admin, manager, manager_elsewhere, member, member_elsewhere, hr, viewer, anonymous=UNAUTHENTICATED):
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
    """Everyone but the read-only guest, who is refused (403): appraisal's operations."""
    return row(*([status] * 6), FORBIDDEN)


# The goal, its measure, items, check-in and alert belong to 市场部 and the goal is department-
# private: readable there (and by admin / HR), 404 in 销售部.
PRIVATE_READ = row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK)
ADMIN_ONLY = row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN)
ACCEPTED = 202


def SOURCE_WRITE(status: int) -> dict[str, int]:
    """市场部's data source: its manager, its specialist and admins manage it; HR and the viewer read it
    (403); in 销售部 it does not exist (404)."""
    return row(status, status, NOT_FOUND, status, NOT_FOUND, FORBIDDEN, FORBIDDEN)


Body = Callable[[dict], dict]


@dataclass(frozen=True)
class Op:
    expected: dict[str, int]
    body: Body | None = None
    # Path parameter → key of world["kwargs"] when it is not the parameter's own name.
    params: dict[str, str] = field(default_factory=dict)
    # Why an entry is not the plain reading of the rules (required for an expected 400/409/422).
    why: str = ""
    # Query string parameters (from the world) for operations that require them.
    query: Body | None = None
    # Send a multipart upload (a small PDF as `file`) instead of a JSON body.
    multipart: bool = False


def _empty_goal_table() -> bytes:
    """The goal table as exported, without rows: an upload the import accepts for checking."""
    import io

    from lodestar.exchange import goal_table
    from lodestar.exchange.xlsx_writer import write_table

    buffer = io.BytesIO()
    write_table(goal_table.SPEC, [], buffer)
    return buffer.getvalue()


def version(model: type[Model], pk: int) -> int:
    """The record's current version (read at request time: a PATCH needs it, and it is constant
    because every test's writes are rolled back)."""
    return model.objects.values_list("version", flat=True).get(pk=pk)


def _budget_category(code: str) -> int:
    from lodestar.budget.models import BudgetCategory

    return BudgetCategory.objects.values_list("pk", flat=True).get(code=code)


def quarter_id(w: dict) -> int:
    return Period.objects.filter(parent_id=w["period_id"]).order_by("start").values_list("pk", flat=True)[0]


PASSWORD = "pw-for-tests-only"

OPS: dict[str, Op] = {
    # --- core: the caller, tokens, periods ---------------------------------------------------
    "GET /me": Op(everyone(OK)),
    "GET /trash": Op(ADMIN_ONLY),
    "POST /auth/token": Op(
        row(CREATED, CREATED, CREATED, CREATED, CREATED, CREATED, CREATED, CREATED),
        lambda w: {"username": "m_viewer", "password": PASSWORD},
        why="the sign-in endpoint for scripts: open to anyone who knows the credentials (anonymous too)",
    ),
    "GET /periods": Op(everyone(OK)),
    "POST /periods": Op(
        row(CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"kind": "custom", "name": "双11大促", "start": "2026-11-01", "end": "2026-11-11"},
    ),
    "GET /periods/{period_id}": Op(everyone(OK)),
    "PATCH /periods/{period_id}": Op(
        ADMIN_ONLY, lambda w: {"version": version(Period, w["period_id"]), "name": "2026财年"}
    ),
    "POST /periods/{period_id}/close": Op(
        row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"department_id": w["department_id"], "withdraw_pending": True},
    ),
    "POST /periods/{period_id}/reopen": Op(
        row(CONFLICT, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"reason": "补录数据"},
        why="the world's period is open: an admin's reopen is a 409 not_closed; everyone else may not reopen",
    ),
    "GET /snapshots": Op(everyone(OK)),
    # --- org ---------------------------------------------------------------------------------
    "GET /departments": Op(everyone(OK)),
    "POST /departments": Op(
        row(CREATED, CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"name": "品牌组", "parent_id": w["department_id"]},
    ),
    "GET /departments/{department_id}": Op(everyone(OK)),
    "PATCH /departments/{department_id}": Op(
        row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"version": version(Department, w["department_id"]), "name": "市场中心"},
    ),
    "DELETE /departments/{department_id}": Op(
        row(NO_CONTENT, NO_CONTENT, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        params={"department_id": "empty_department_id"},
    ),
    "GET /people": Op(everyone(OK)),
    "POST /people": Op(
        row(CREATED, CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"username": "m_new", "display_name": "新人", "department_id": w["department_id"]},
    ),
    "GET /people/{person_id}": Op(everyone(OK)),
    "PATCH /people/{person_id}": Op(
        row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"version": version(Person, w["person_id"]), "title": "内容专员"},
    ),
    # --- goals -------------------------------------------------------------------------------
    "GET /goals": Op(everyone(OK)),
    "POST /goals": Op(
        row(CREATED, CREATED, FORBIDDEN, CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {
            "name": "新品B 抖音曝光",
            "department_id": w["department_id"],
            "period_id": w["period_id"],
        },
    ),
    "PUT /goals/weights": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"weights": [{"goal_id": w["goal_id"], "weight": "100"}]},
    ),
    "POST /goals/copy": Op(
        row(CREATED, CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {
            "department_id": w["department_id"],
            "source_period_id": w["period_id"],
            "target_period_id": w["next_year_id"],
        },
    ),
    "GET /goals/{goal_id}": Op(PRIVATE_READ),
    "POST /goals/{goal_id}/restore": Op(ADMIN_ONLY, params={"goal_id": "trashed_goal_id"}),
    "PATCH /goals/{goal_id}": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"version": version(Goal, w["goal_id"]), "description": "聚焦新品首发"},
    ),
    "DELETE /goals/{goal_id}": Op(
        row(NO_CONTENT, NO_CONTENT, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        params={"goal_id": "draft_goal_id"},
    ),
    "POST /goals/{goal_id}/status": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"status": "closed", "version": version(Goal, w["goal_id"])},
    ),
    "GET /goals/{goal_id}/measures": Op(PRIVATE_READ),
    "POST /goals/{goal_id}/measures": Op(
        row(CREATED, CREATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"name": "曝光量", "target": "100000"},
    ),
    "GET /measures/{measure_id}": Op(PRIVATE_READ),
    "PATCH /measures/{measure_id}": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"version": version(Measure, w["measure_id"]), "name": "小红书笔记数"},
    ),
    "DELETE /measures/{measure_id}": Op(
        row(NO_CONTENT, NO_CONTENT, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        params={"measure_id": "draft_measure_id"},
    ),
    "POST /goals/{goal_id}/decompose": Op(
        row(CREATED, CREATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {
            "dimension": "person",
            "measure_id": w["measure_id"],
            "mode": "percent",
            "parts": [
                {"label": "林晓", "share": "60", "owner_id": w["person_id"]},
                {"label": "赵敏", "share": "40", "owner_id": w["manager_id"]},
            ],
        },
    ),
    "GET /goals/{goal_id}/adjustments": Op(PRIVATE_READ),
    "POST /goals/{goal_id}/adjustments": Op(
        row(CREATED, CREATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"measure_id": w["measure_id"], "new_target": "45", "reason": "渠道费用上调"},
    ),
    # The world's adjustment was requested by the manager and approved by the admin: an approver may
    # decide (409: no longer pending), the requester may not decide on their own request (403) but
    # may withdraw (409 likewise); nobody else may do either.
    "POST /goals/{goal_id}/adjustments/{adjustment_id}/approve": Op(
        row(CONFLICT, FORBIDDEN, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"comment": "同意"},
        why="the world's adjustment is already approved (a pending one would block the create row above)",
    ),
    "POST /goals/{goal_id}/adjustments/{adjustment_id}/reject": Op(
        row(CONFLICT, FORBIDDEN, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"comment": "预算不足"},
        why="the world's adjustment is already approved (a pending one would block the create row above)",
    ),
    "POST /goals/{goal_id}/adjustments/{adjustment_id}/withdraw": Op(
        row(FORBIDDEN, CONFLICT, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        why="the world's adjustment is already approved: only its requester (the manager) gets as far as 409",
    ),
    "GET /goals/{goal_id}/consensus": Op(PRIVATE_READ),
    "POST /goals/{goal_id}/consensus": Op(
        row(CREATED, CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"minutes": "周会对齐", "participants": [{"person_id": w["manager_id"], "required": True}]},
        params={"goal_id": "draft_goal_id"},
    ),
    "POST /consensus/{record_id}/decisions": Op(
        # The goal is public: everyone sees the record, only its participants may decide (403 else).
        row(FORBIDDEN, OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"decision": "agreed"},
        params={"record_id": "pending_record_id"},
    ),
    "POST /consensus/{record_id}/withdraw": Op(
        row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        params={"record_id": "pending_record_id"},
    ),
    "GET /goal-templates": Op(everyone(OK)),
    "POST /goal-templates": Op(
        row(CREATED, CREATED, NOT_FOUND, CREATED, NOT_FOUND, CREATED, FORBIDDEN),
        lambda w: {"name": "内容专员KPI", "goal_ids": [w["goal_id"]]},
    ),
    "POST /goal-templates/{template_id}/apply": Op(
        row(CREATED, CREATED, NOT_FOUND, CREATED, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {
            "period_id": w["period_id"],
            "assignments": [{"owner_id": w["person_id"], "department_id": w["department_id"]}],
        },
    ),
    "GET /goal-types": Op(everyone(OK)),
    # --- execution ---------------------------------------------------------------------------
    "GET /items": Op(everyone(OK)),
    "POST /items": Op(
        row(CREATED, CREATED, FORBIDDEN, CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"title": "写种草笔记", "department_id": w["department_id"]},
    ),
    "POST /items/bulk": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"item_ids": [w["item_id"]], "due": "2026-12-20"},
    ),
    "GET /items/{item_id}": Op(PRIVATE_READ),
    "POST /items/{item_id}/restore": Op(ADMIN_ONLY, params={"item_id": "trashed_item_id"}),
    "PATCH /items/{item_id}": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"version": version(ActionItem, w["item_id"]), "description": "三位头部KOL"},
    ),
    "DELETE /items/{item_id}": Op(
        row(NO_CONTENT, NO_CONTENT, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN)
    ),
    "PUT /items/{item_id}/raci": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {
            "version": version(ActionItem, w["item_id"]),
            "responsible_ids": [w["person_id"]],
            "accountable_id": w["manager_id"],
        },
    ),
    "POST /items/{item_id}/move": Op(
        row(OK, OK, NOT_FOUND, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"status": "doing", "version": version(ActionItem, w["item_id"])},
    ),
    "POST /items/{item_id}/reschedule": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"version": version(ActionItem, w["item_id"]), "start": "2026-12-01", "due": "2026-12-10"},
    ),
    "GET /items/{item_id}/dependencies": Op(PRIVATE_READ),
    "POST /items/{item_id}/dependencies": Op(
        row(CREATED, CREATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"predecessor_id": w["third_item_id"]},
    ),
    "DELETE /items/{item_id}/dependencies/{predecessor_id}": Op(
        row(NO_CONTENT, NO_CONTENT, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN)
    ),
    "GET /items/{item_id}/comments": Op(PRIVATE_READ),
    "POST /items/{item_id}/comments": Op(
        row(CREATED, CREATED, NOT_FOUND, CREATED, NOT_FOUND, CREATED, FORBIDDEN), lambda w: {"body": "收到"}
    ),
    "POST /items/{item_id}/request": Op(
        row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"accept": True, "responsible_id": w["person_id"]},
        params={"item_id": "request_item_id"},
    ),
    "GET /phases": Op(everyone(OK)),
    "POST /phases": Op(
        row(CREATED, CREATED, FORBIDDEN, CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"department_id": w["department_id"], "name": "预热期"},
    ),
    "PATCH /phases/{phase_id}": Op(
        row(OK, OK, NOT_FOUND, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"version": version(Phase, w["phase_id"]), "name": "预售期"},
    ),
    "POST /phases/{phase_id}/move": Op(
        row(OK, OK, NOT_FOUND, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN), lambda w: {"position": 0}
    ),
    "GET /items/{item_id}/history": Op(PRIVATE_READ),
    # --- alerts and notifications ------------------------------------------------------------
    "GET /alert-rules": Op(everyone(OK)),
    "POST /alert-rules": Op(
        row(CREATED, CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {
            "name": "达成率<50%",
            "scope": "department",
            "department_id": w["department_id"],
            "condition": "achievement_below",
            "threshold": "0.5",
            "recipients": ["owner"],
        },
    ),
    "GET /alert-rules/{rule_id}": Op(row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
    "PATCH /alert-rules/{rule_id}": Op(
        row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND), lambda w: {"name": "达成率<70%"}
    ),
    "DELETE /alert-rules/{rule_id}": Op(
        row(NO_CONTENT, NO_CONTENT, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)
    ),
    "GET /alerts": Op(everyone(OK)),
    "GET /alerts/{alert_id}": Op(row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
    "POST /alerts/{alert_id}/acknowledge": Op(
        row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)
    ),
    "POST /alerts/{alert_id}/resolve": Op(
        row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND), lambda w: {"comment": "已加投"}
    ),
    "POST /alerts/{alert_id}/comments": Op(
        row(CREATED, CREATED, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        lambda w: {"body": "跟进中"},
    ),
    "GET /webhook-endpoints": Op(ADMIN_ONLY),
    "POST /webhook-endpoints": Op(
        row(CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"name": "销售部群", "kind": "generic", "url": "https://example.com/sales"},
    ),
    "DELETE /webhook-endpoints/{endpoint_id}": Op(
        row(NO_CONTENT, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN)
    ),
    "GET /webhook-endpoints/{endpoint_id}": Op(ADMIN_ONLY),
    "PATCH /webhook-endpoints/{endpoint_id}": Op(ADMIN_ONLY, lambda w: {"events": ["goal.created"]}),
    "POST /webhook-endpoints/{endpoint_id}/test": Op(ADMIN_ONLY),
    "GET /webhook-deliveries": Op(ADMIN_ONLY),
    "POST /webhook-deliveries/{delivery_id}/resend": Op(
        row(CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN)
    ),
    "GET /me/notification-preferences": Op(everyone(OK)),
    "PUT /me/notification-preferences": Op(everyone(OK), lambda w: {"email_enabled": False}),
    # --- tracking ----------------------------------------------------------------------------
    "GET /check-ins": Op(everyone(OK)),
    "POST /check-ins": Op(
        row(CREATED, CREATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {
            "measure_id": w["measure_id"],
            "period_start": "2026-11-23",
            "period_end": "2026-11-29",
            "cumulative": "12",
        },
    ),
    "GET /check-ins/{checkin_id}": Op(PRIVATE_READ),
    "POST /check-ins/{checkin_id}/restore": Op(ADMIN_ONLY, params={"checkin_id": "trashed_checkin_id"}),
    "POST /cases/{case_id}/restore": Op(ADMIN_ONLY, params={"case_id": "trashed_case_id"}),
    "POST /sops/{sop_id}/restore": Op(ADMIN_ONLY, params={"sop_id": "trashed_sop_id"}),
    "PATCH /check-ins/{checkin_id}": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"version": version(CheckIn, w["checkin_id"]), "comment": "补充：两篇爆文"},
    ),
    "DELETE /check-ins/{checkin_id}": Op(
        row(NO_CONTENT, NO_CONTENT, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN)
    ),
    "GET /measures/{measure_id}/plan": Op(PRIVATE_READ),
    "PUT /measures/{measure_id}/plan": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"source": "even", "step_days": 7, "version": version(Measure, w["measure_id"])},
    ),
    "GET /measures/{measure_id}/forecast": Op(PRIVATE_READ),
    "GET /deviation-categories": Op(everyone(OK)),
    # --- dashboards (看板): the company's for everyone; 市场部's and 林晓's as their pages ------------------
    "GET /dashboards/company": Op(everyone(OK)),
    "GET /dashboards/department/{department_id}": Op(row(OK, OK, FORBIDDEN, OK, FORBIDDEN, OK, OK)),
    "GET /dashboards/person/{person_id}": Op(row(OK, OK, FORBIDDEN, OK, FORBIDDEN, OK, FORBIDDEN)),
    # --- knowledge: the company's case and SOP libraries ---------------------------------------------
    # Everyone reads; a case is filed for the writer's own department (viewers never write) and changed
    # by its author (the member), managers of 市场部 and admins; an SOP is created by managers for their
    # departments, versioned by its owner (the member) and managers, deleted by managers and admins.
    # --- platform data (metrics.access): 市场部's source; its specialists and managers manage it, HR reads ---
    # --- the seed tables in Excel (exchange): everyone exports and uploads what they may see and write
    # (the row checks go through the services' own permissions; the read-only guest uploads nothing); an import is its uploader's (and admins').
    "GET /exports/{table}": Op(everyone(OK)),
    "POST /imports/{table}": Op(
        row(ACCEPTED, ACCEPTED, ACCEPTED, ACCEPTED, ACCEPTED, ACCEPTED, FORBIDDEN),
        lambda w: {"file": SimpleUploadedFile("goals.xlsx", _empty_goal_table())},
        multipart=True,
    ),
    "GET /imports/{table}/{import_id}": Op(
        row(OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        params={"import_id": "table_import_id"},
    ),
    "POST /imports/{table}/{import_id}/apply": Op(
        row(ACCEPTED, ACCEPTED, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
        lambda w: {"skip_bad_rows": False},
        params={"import_id": "table_import_id"},
    ),
    "GET /data-sources": Op(everyone(OK)),
    "POST /data-sources": Op(
        row(CREATED, CREATED, FORBIDDEN, CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"name": "巨量千川", "department_id": w["department_id"]},
    ),
    "GET /data-sources/{source_id}": Op(PRIVATE_READ),
    "PATCH /data-sources/{source_id}": Op(
        SOURCE_WRITE(OK), lambda w: {"version": version(DataSource, w["source_id"]), "description": "日报"}
    ),
    "DELETE /data-sources/{source_id}": Op(SOURCE_WRITE(NO_CONTENT)),
    "GET /data-sources/{source_id}/metrics": Op(PRIVATE_READ),
    "POST /data-sources/{source_id}/metrics": Op(SOURCE_WRITE(CREATED), lambda w: {"name": "访客数"}),
    "PATCH /data-sources/{source_id}/metrics/{metric_id}": Op(
        SOURCE_WRITE(OK), lambda w: {"version": version(SourceMetric, w["metric_id"]), "unit": "元"}
    ),
    "DELETE /data-sources/{source_id}/metrics/{metric_id}": Op(SOURCE_WRITE(NO_CONTENT)),
    "GET /metric-imports": Op(everyone(OK)),
    "POST /metric-imports": Op(
        SOURCE_WRITE(ACCEPTED),
        lambda w: {
            "source_id": w["source_id"],
            "file": SimpleUploadedFile("罗盘.csv", "日期,成交金额\n2026/7/2,12\n".encode()),
        },
        multipart=True,
    ),
    "GET /metric-imports/{import_id}": Op(PRIVATE_READ),
    "PUT /metric-imports/{import_id}/mapping": Op(
        SOURCE_WRITE(OK),
        lambda w: {
            "date_column": "日期",
            "channel_column": "渠道",
            "columns": [{"column": "成交金额", "metric": "成交金额"}],
        },
    ),
    "GET /metric-imports/{import_id}/preview": Op(PRIVATE_READ),
    "POST /metric-imports/{import_id}/start": Op(SOURCE_WRITE(ACCEPTED), lambda w: {"skip_bad_rows": False}),
    "GET /metric-series": Op(everyone(OK)),
    "GET /cases": Op(everyone(OK)),
    "POST /cases": Op(
        row(CREATED, CREATED, CREATED, CREATED, CREATED, CREATED, FORBIDDEN),
        lambda w: {"title": "私域大促案例", "outcome": "failure", "tags": ["大促"]},
    ),
    "GET /cases/{case_id}": Op(everyone(OK)),
    "PATCH /cases/{case_id}": Op(
        row(OK, OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"title": "小红书种草（修订）", "version": version(Case, w["case_id"])},
    ),
    "DELETE /cases/{case_id}": Op(
        row(NO_CONTENT, NO_CONTENT, FORBIDDEN, NO_CONTENT, FORBIDDEN, FORBIDDEN, FORBIDDEN)
    ),
    "GET /sops": Op(everyone(OK)),
    "POST /sops": Op(
        row(CREATED, CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {
            "title": "私域运营SOP",
            "department_id": w["department_id"],
            "review_date": "2027-03-31",
            "body_markdown": "1. 入群欢迎",
        },
    ),
    "GET /sops/{sop_id}": Op(everyone(OK)),
    "PATCH /sops/{sop_id}": Op(
        row(OK, OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"review_date": "2027-06-30", "version": version(Sop, w["sop_id"])},
    ),
    "DELETE /sops/{sop_id}": Op(
        row(NO_CONTENT, NO_CONTENT, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN)
    ),
    "GET /sops/{sop_id}/versions": Op(everyone(OK)),
    "POST /sops/{sop_id}/versions": Op(
        row(CREATED, CREATED, FORBIDDEN, CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {"body_markdown": "## 步骤\n1. 线索入库\n2. 24小时内首触", "change_note": "缩短时限"},
    ),
    "GET /sops/{sop_id}/versions/{number}": Op(everyone(OK), params={"number": "sop_version_number"}),
    # --- cross-verification (数据交叉验证): a discrepancy on the goal's measure (owner 赵敏), spot checks ---
    # Seen by whoever sees the goal; settled by its owner, its managers and admins; spot checks are
    # recorded by managers and admins.
    "GET /discrepancies": Op(everyone(OK)),
    "GET /discrepancies/{discrepancy_id}": Op(PRIVATE_READ),
    "PATCH /discrepancies/{discrepancy_id}": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {
            "status": "explained",
            "note": "平台退款次周入账",
            "version": version(Discrepancy, w["discrepancy_id"]),
        },
    ),
    "GET /spot-checks": Op(everyone(OK)),
    "POST /spot-checks": Op(
        row(CREATED, CREATED, CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        lambda w: {
            "source_id": w["data_source_id"],
            "period_start": "2026-11-16",
            "period_end": "2026-11-22",
            "result": "mismatch",
            "note": "后台导出与上报相差两篇",
        },
    ),
    # --- retrospectives (复盘): the goal's retrospective, owned by 赵敏 ------------------------------
    # --- budget: 市场部's FY2026 lines (抖音 ROI 4, LinkedIn ROI 0.5); guests see no budget -----------
    "GET /budget-lines": Op(members(OK)),
    "POST /budget-lines": Op(
        row(CREATED, CREATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {
            "period_id": w["period_id"],
            "department_id": w["department_id"],
            "category_id": _budget_category("content"),
            "planned": "12000.00",
        },
    ),
    "GET /budget-lines/{line_id}": Op(row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, FORBIDDEN)),
    "PATCH /budget-lines/{line_id}": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"version": version(BudgetLine, w["line_id"]), "planned": "110000", "reason": "加投"},
    ),
    "DELETE /budget-lines/{line_id}": Op(
        row(CONFLICT, CONFLICT, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        why="the world's line has spend: a line with spend is kept (409 has_spend)",
    ),
    "PUT /budget-lines/{line_id}/attribution": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"month": "2026-04-01", "revenue": "50000", "leads": 12},
    ),
    "GET /spend": Op(members(OK)),
    "POST /spend": Op(
        row(CREATED, CREATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"line_id": w["line_id"], "date": "2026-04-02", "amount": "800"},
    ),
    "DELETE /spend/{spend_id}": Op(
        row(NO_CONTENT, NO_CONTENT, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN)
    ),
    "GET /channel-roi": Op(members(OK), query=lambda w: {"period_id": w["period_id"]}),
    "POST /channel-roi/reallocations": Op(
        row(CREATED, CREATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"period_id": w["period_id"], "department_id": w["department_id"]},
    ),
    "GET /retrospectives": Op(everyone(OK)),
    "POST /retrospectives": Op(
        row(CREATED, CREATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"goal_id": w["goal_id"], "period_id": quarter_id(w), "cadence": "quarter"},
    ),
    "GET /retrospectives/{retrospective_id}": Op(PRIVATE_READ),
    "PATCH /retrospectives/{retrospective_id}": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"version": version(Retrospective, w["retrospective_id"]), "problems": "素材测试周期过长"},
    ),
    "POST /retrospectives/{retrospective_id}/complete": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN)
    ),
    "POST /retrospectives/{retrospective_id}/sign-off": Op(
        row(CONFLICT, CONFLICT, NOT_FOUND, CONFLICT, NOT_FOUND, CONFLICT, CONFLICT),
        why="the world's retrospective is still open: it must be completed before anyone signs it off",
    ),
    "POST /retrospectives/{retrospective_id}/reopen": Op(
        row(CONFLICT, CONFLICT, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        why="the world's retrospective is open: there is nothing to reopen",
    ),
    "GET /retrospectives/{retrospective_id}/whys": Op(PRIVATE_READ),
    "POST /retrospectives/{retrospective_id}/whys": Op(
        row(CREATED, CREATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"question": "为什么档期延后？", "answer": "未提前锁定"},
    ),
    "PATCH /retrospectives/{retrospective_id}/whys/{why_id}": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"answer": "KOL合作档期延后"},
    ),
    "DELETE /retrospectives/{retrospective_id}/whys/{why_id}": Op(
        row(NO_CONTENT, NO_CONTENT, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN)
    ),
    "GET /retrospectives/{retrospective_id}/actions": Op(PRIVATE_READ),
    "POST /retrospectives/{retrospective_id}/actions": Op(
        row(CREATED, CREATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"title": "素材三版并行测试", "owner_id": w["manager_id"], "due": "2027-02-28"},
    ),
    "PATCH /retrospectives/{retrospective_id}/actions/{action_id}": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"version": version(ImprovementAction, w["action_id"]), "title": "提前一个月锁定KOL档期"},
    ),
    "DELETE /retrospectives/{retrospective_id}/actions/{action_id}": Op(
        row(NO_CONTENT, NO_CONTENT, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN)
    ),
    "POST /retrospectives/{retrospective_id}/actions/{action_id}/promote": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN), lambda w: {"promote_as": "item"}
    ),
}

# --- appraisal (issue #15 "Privacy") ------------------------------------------------------------
# The world's cycle appraises 市场部 for the quarter and is in its self stage: 林晓 (member) is appraised,
# 赵敏 (manager) is her reviewing manager, 周杰 (member_elsewhere) was asked for a peer review. An
# appraisal is visible to the person, their line managers, HR and admins only (404 for everyone else);
# pay bases and promotion candidates are HR and admins' (403); setup writes are HR and admins' (403).
# The read-only guest (viewer) has no appraisal at all: every operation answers 403 (`members`, and the
# last column of each row).
APPRAISAL_READ = row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, FORBIDDEN)
HR_ONLY = row(OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN)
HR_CREATES = row(CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED, FORBIDDEN)
HR_DELETES = row(NO_CONTENT, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NO_CONTENT, FORBIDDEN)
# The cycle: HR and admins, and whoever is involved in it (appraised, reviewing, line manager).
CYCLE_RUN = row(OK, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN)
# The plan of 林晓 (mentor 赵敏): the person, the mentor and line managers, HR, admins.
PIP_MANAGE = row(OK, OK, NOT_FOUND, FORBIDDEN, NOT_FOUND, OK, FORBIDDEN)


def _appraisal_model(name: str):
    from lodestar.appraisal import models

    return getattr(models, name)


def aversion(name: str, pk: int) -> int:
    return version(_appraisal_model(name), pk)


def pay_base_version(w: dict) -> int:
    return _appraisal_model("PayBase").objects.values_list("version", flat=True).get(person_id=w["person_id"])


APPRAISAL_OPS: dict[str, Op] = {
    # setup: positions, templates, indicators, pay bases, competencies, committee
    "GET /positions": Op(members(OK)),
    "POST /positions": Op(HR_CREATES, lambda w: {"name": "销售岗", "code": "sales-rep"}),
    "GET /positions/{position_id}": Op(members(OK)),
    "PATCH /positions/{position_id}": Op(
        HR_ONLY, lambda w: {"version": version(Position, w["position_id"]), "name": "内容专员岗"}
    ),
    "DELETE /positions/{position_id}": Op(HR_DELETES, params={"position_id": "spare_position_id"}),
    "GET /appraisal-templates": Op(members(OK)),
    "POST /appraisal-templates": Op(
        HR_CREATES, lambda w: {"name": "新品期模板", "position_id": w["position_id"], "market_stage": "new"}
    ),
    "GET /appraisal-templates/{template_id}": Op(
        members(OK), params={"template_id": "appraisal_template_id"}
    ),
    "PATCH /appraisal-templates/{template_id}": Op(
        HR_ONLY,
        lambda w: {"version": aversion("Template", w["appraisal_template_id"]), "name": "市场专员模板"},
        params={"template_id": "appraisal_template_id"},
    ),
    "POST /appraisal-templates/{template_id}/copy": Op(
        HR_CREATES,
        lambda w: {"market_stage": "mature", "name": "成熟期模板"},
        params={"template_id": "appraisal_template_id"},
    ),
    "DELETE /appraisal-templates/{template_id}": Op(HR_DELETES, params={"template_id": "spare_template_id"}),
    "GET /appraisal-templates/{template_id}/indicators": Op(
        members(OK), params={"template_id": "appraisal_template_id"}
    ),
    "POST /appraisal-templates/{template_id}/indicators": Op(
        HR_CREATES,
        lambda w: {"name": "方案创新", "kind": "qualitative", "weight": "10"},
        params={"template_id": "spare_template_id"},
    ),
    "PUT /appraisal-templates/{template_id}/indicators": Op(
        HR_ONLY,
        lambda w: {"indicators": [{"name": "团队协作", "kind": "qualitative", "weight": "100"}]},
        params={"template_id": "spare_template_id"},
    ),
    "PATCH /appraisal-templates/{template_id}/indicators/{indicator_id}": Op(
        HR_ONLY,
        lambda w: {"version": aversion("Indicator", w["spare_indicator_id"]), "name": "沟通协作"},
        params={"template_id": "spare_template_id", "indicator_id": "spare_indicator_id"},
    ),
    "DELETE /appraisal-templates/{template_id}/indicators/{indicator_id}": Op(
        HR_DELETES, params={"template_id": "spare_template_id", "indicator_id": "spare_indicator_id"}
    ),
    "GET /pay-bases": Op(HR_ONLY),
    "PUT /pay-bases/{person_id}": Op(HR_ONLY, lambda w: {"amount": "12000", "version": pay_base_version(w)}),
    "DELETE /pay-bases/{person_id}": Op(HR_DELETES),
    "GET /competencies": Op(members(OK)),
    "POST /competencies": Op(HR_CREATES, lambda w: {"name": "数据分析", "group": "professional"}),
    "PATCH /competencies/{competency_id}": Op(HR_ONLY, lambda w: {"name": "沟通表达"}),
    "GET /committee-members": Op(members(OK)),
    "POST /committee-members": Op(HR_CREATES, lambda w: {"person_id": w["manager_id"], "area": "marketing"}),
    "DELETE /committee-members/{member_id}": Op(HR_DELETES, params={"member_id": "committee_member_id"}),
    # cycles and calibration
    "GET /appraisal-cycles": Op(members(OK)),
    "POST /appraisal-cycles": Op(
        HR_CREATES,
        lambda w: {
            "period_id": quarter_id(w),
            "name": "Q1 销售部考核",
            "scope": {"department_ids": [w["sales_id"]]},
        },
    ),
    "GET /appraisal-cycles/{cycle_id}": Op(row(OK, OK, NOT_FOUND, OK, OK, OK, FORBIDDEN)),
    "PATCH /appraisal-cycles/{cycle_id}": Op(
        CYCLE_RUN, lambda w: {"version": aversion("Cycle", w["cycle_id"]), "name": "Q1 市场部考核"}
    ),
    "DELETE /appraisal-cycles/{cycle_id}": Op(
        row(NO_CONTENT, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NO_CONTENT, FORBIDDEN),
        params={"cycle_id": "draft_cycle_id"},
        why="the draft cycle appraises nobody yet: only HR and admins see it",
    ),
    "POST /appraisal-cycles/{cycle_id}/start": Op(
        row(OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, FORBIDDEN),
        lambda w: {"version": aversion("Cycle", w["draft_cycle_id"])},
        params={"cycle_id": "draft_cycle_id"},
    ),
    "POST /appraisal-cycles/{cycle_id}/advance": Op(
        CYCLE_RUN, lambda w: {"version": aversion("Cycle", w["cycle_id"])}
    ),
    "POST /appraisal-cycles/{cycle_id}/publish": Op(
        row(CONFLICT, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN, CONFLICT, FORBIDDEN),
        lambda w: {"version": aversion("Cycle", w["cycle_id"])},
        why="the cycle is in its self stage: HR and admins may publish only after calibration (409)",
    ),
    "GET /appraisal-cycles/{cycle_id}/scope": Op(CYCLE_RUN),
    "GET /calibrations": Op(
        row(OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
        query=lambda w: {"cycle_id": w["cycle_id"]},
    ),
    "POST /calibrations": Op(
        row(CONFLICT, CONFLICT, NOT_FOUND, CONFLICT, NOT_FOUND, CONFLICT, FORBIDDEN),
        lambda w: {
            "appraisal_id": w["appraisal_id"],
            "to_grade": "B",
            "reason": "对齐部门分布",
            "version": aversion("Appraisal", w["appraisal_id"]),
        },
        why="the cycle is in its self stage: the appraisal's readers get a 409 not_calibration "
        "(the stage is checked first)",
    ),
    "GET /calibrations/{move_id}": Op(APPRAISAL_READ),
    # appraisals and reviews
    "GET /appraisals": Op(members(OK)),
    "GET /appraisals/{appraisal_id}": Op(APPRAISAL_READ),
    "GET /appraisals/{appraisal_id}/score": Op(APPRAISAL_READ),
    "GET /appraisals/{appraisal_id}/reviews": Op(APPRAISAL_READ),
    "POST /appraisals/{appraisal_id}/reviews": Op(
        row(CREATED, CREATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, CREATED, FORBIDDEN),
        lambda w: {"reviewer_id": w["manager_elsewhere_id"]},
    ),
    # The peer review asked of 周杰: he reads (and writes) his own review, never the appraisal.
    "GET /appraisals/{appraisal_id}/reviews/{review_id}": Op(
        row(OK, OK, NOT_FOUND, NOT_FOUND, OK, OK, FORBIDDEN), params={"review_id": "peer_review_id"}
    ),
    "PATCH /appraisals/{appraisal_id}/reviews/{review_id}": Op(
        row(FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND, OK, FORBIDDEN, FORBIDDEN),
        lambda w: {"version": aversion("Review", w["peer_review_id"]), "summary": "策划扎实"},
        params={"review_id": "peer_review_id"},
    ),
    "DELETE /appraisals/{appraisal_id}/reviews/{review_id}": Op(
        row(NO_CONTENT, NO_CONTENT, NOT_FOUND, FORBIDDEN, NOT_FOUND, NO_CONTENT, FORBIDDEN),
        params={"review_id": "peer_review_id"},
    ),
    "GET /appraisals/{appraisal_id}/evidence": Op(APPRAISAL_READ),
    "POST /appraisals/{appraisal_id}/evidence": Op(
        row(FORBIDDEN, FORBIDDEN, NOT_FOUND, CREATED, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"kind": "link", "url": "https://example.com/report", "note": "活动复盘"},
    ),
    "POST /appraisals/{appraisal_id}/evidence/upload": Op(
        row(FORBIDDEN, FORBIDDEN, NOT_FOUND, CREATED, NOT_FOUND, FORBIDDEN, FORBIDDEN), multipart=True
    ),
    "DELETE /appraisals/{appraisal_id}/evidence/{evidence_id}": Op(
        row(FORBIDDEN, FORBIDDEN, NOT_FOUND, NO_CONTENT, NOT_FOUND, FORBIDDEN, FORBIDDEN)
    ),
    "GET /appraisals/{appraisal_id}/competencies": Op(APPRAISAL_READ),
    "PUT /appraisals/{appraisal_id}/competencies": Op(
        row(OK, FORBIDDEN, NOT_FOUND, FORBIDDEN, NOT_FOUND, OK, FORBIDDEN),
        lambda w: {"ratings": [{"competency_id": w["competency_id"], "rating": 4}]},
        why="self stage: HR and admins rate competencies until publishing, the line manager from the manager stage",
    ),
    # outcomes
    "GET /appraisals/{appraisal_id}/feedback": Op(
        row(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN),
        why="no feedback meeting is written before publishing (404 for the readers too)",
    ),
    "PUT /appraisals/{appraisal_id}/feedback": Op(
        row(CONFLICT, CONFLICT, NOT_FOUND, CONFLICT, NOT_FOUND, CONFLICT, FORBIDDEN),
        lambda w: {"held_on": "2026-04-10", "notes": "达成率良好"},
        why="the appraisal's readers get a 409 not_published (checked before who may write): the cycle is in its self stage",
    ),
    "POST /appraisals/{appraisal_id}/feedback/acknowledge": Op(
        row(CONFLICT, CONFLICT, NOT_FOUND, CONFLICT, NOT_FOUND, CONFLICT, FORBIDDEN),
        why="the appraisal's readers get a 409 no_feedback: no meeting notes exist before publishing",
    ),
    "GET /pips": Op(members(OK)),
    "POST /pips": Op(
        row(CREATED, CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN, CREATED, FORBIDDEN),
        lambda w: {"person_id": w["person_id"], "goals": "线索转化率提升到8%"},
    ),
    "GET /pips/{pip_id}": Op(row(OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, FORBIDDEN)),
    "PATCH /pips/{pip_id}": Op(
        PIP_MANAGE, lambda w: {"version": aversion("Pip", w["pip_id"]), "goals": "线索转化率提升到9%"}
    ),
    "POST /pips/{pip_id}/checks": Op(
        row(CREATED, CREATED, NOT_FOUND, FORBIDDEN, NOT_FOUND, CREATED, FORBIDDEN),
        lambda w: {
            "date": _appraisal_model("Pip").objects.get(pk=w["pip_id"]).check_dates[0],
            "on_track": True,
            "note": "回升到7%",
        },
    ),
    "POST /pips/{pip_id}/close": Op(PIP_MANAGE, lambda w: {"outcome": "improved", "outcome_note": "达标"}),
    "GET /appeals": Op(members(OK)),
    "POST /appeals": Op(
        row(FORBIDDEN, FORBIDDEN, NOT_FOUND, CONFLICT, NOT_FOUND, FORBIDDEN, FORBIDDEN),
        lambda w: {"appraisal_id": w["appraisal_id"], "reason": "快照未计入补录数据"},
        why="an appeal is the person's own (others 403/404); 林晓's is a 409 not_published: the cycle is in its self stage",
    ),
    # The committee (HR) and admins see every appeal, the person their own.
    "GET /appeals/{appeal_id}": Op(row(OK, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, OK, FORBIDDEN)),
    "POST /appeals/{appeal_id}/decide": Op(
        row(OK, NOT_FOUND, NOT_FOUND, FORBIDDEN, NOT_FOUND, OK, FORBIDDEN),
        lambda w: {"status": "rejected", "decision": "数据无误"},
    ),
    "GET /composites": Op(members(OK)),
    "POST /composites": Op(
        HR_CREATES, lambda w: {"person_id": w["person_id"], "year_period_id": w["period_id"]}
    ),
    "GET /promotion-candidates": Op(HR_ONLY),
}
OPS.update(APPRAISAL_OPS)


# --- the OpenAPI document ----------------------------------------------------------------------


def operations() -> set[str]:
    """ "METHOD /path" of every operation in the OpenAPI document, without the /api/v1 prefix."""
    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path.removeprefix(PREFIX)}"
        for path, methods in schema["paths"].items()
        for method in methods
    }


def url_for(key: str, kwargs: dict) -> tuple[str, str]:
    method, path = key.split(" ", 1)
    params = OPS[key].params
    for name in re.findall(r"{(\w+)}", path):
        path = path.replace(f"{{{name}}}", str(kwargs[params.get(name, name)]))
    return method.lower(), path


def call(world: dict, key: str, role: str):
    method, path = url_for(key, world["kwargs"])
    body = OPS[key].body
    client = ApiClient(token=world["tokens"][role]) if role != "anonymous" else ApiClient()
    if OPS[key].multipart:
        if body:  # the operation's own form fields and file
            return client.client.post(PREFIX + path, body(world["kwargs"]), headers=client.headers)
        upload = SimpleUploadedFile("report.pdf", b"%PDF-1.4 report", content_type="application/pdf")
        return client.client.post(PREFIX + path, {"file": upload, "note": "复盘"}, headers=client.headers)
    if method in ("get", "delete"):
        query = OPS[key].query
        return client.send(method, path, query=query(world["kwargs"]) if query else None)
    return client.send(method, path, body(world["kwargs"]) if body else {})


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """The webhook test send would POST to example.com; the matrix is about who may, not the wire."""
    monkeypatch.setattr(delivery, "_post", lambda endpoint, message: 200)


# --- tests -------------------------------------------------------------------------------------


def test_expected_statuses_are_documented():
    """API.md: every status an endpoint can return is listed in the OpenAPI document."""
    schema = api.get_openapi_schema()
    for key, entry in OPS.items():
        method, path = key.split(" ", 1)
        documented = {str(status) for status in schema["paths"][PREFIX + path][method.lower()]["responses"]}
        undocumented = {str(status) for status in entry.expected.values()} - documented
        assert not undocumented, f"{key} answers {sorted(undocumented)}, not in its OpenAPI responses"


def test_every_operation_is_in_the_matrix():
    documented = operations()
    missing = sorted(documented - OPS.keys())
    assert not missing, f"API operations without an OPS entry: {missing}"
    stale = sorted(OPS.keys() - documented)
    assert not stale, f"OPS entries for operations that no longer exist: {stale}"
    for key, entry in OPS.items():
        assert set(entry.expected) == set(ROLES), key
        unusual = {status for status in entry.expected.values() if status in (400, 409, 422)}
        assert not unusual or entry.why, f"{key}: say why {sorted(unusual)} is the expected answer"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(OPS))
def test_operation(world, db, key, role):
    response = call(world, key, role)
    expected = OPS[key].expected[role]
    assert response.status_code == expected, f"{key} as {role}: {response.content[:300]!r}"
    if expected >= 400:
        # Every refusal has the documented error shape (API.md "Errors").
        assert {"code", "message", "field", "errors"} <= response.json().keys()


def test_session_auth_needs_csrf_for_writes(world, db):
    """The browser session works for reads; a write without the CSRF token is refused (403), a
    read-write token needs none."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(fresh(world["people"]["manager"]))
    assert browser.get(f"{PREFIX}/me").status_code == OK
    body = {"title": "写种草笔记", "department_id": world["kwargs"]["department_id"]}
    response = browser.post(f"{PREFIX}/items", body, content_type="application/json")
    assert response.status_code == FORBIDDEN


def test_read_only_token_cannot_write(world, db):
    _token, secret = api_token_create(
        actor=fresh(world["people"]["manager"]), name="只读", scope=ApiToken.Scope.READ
    )
    client = ApiClient(token=secret)
    assert client.get("/items").status_code == OK
    response = client.post(
        "/items", {"title": "写种草笔记", "department_id": world["kwargs"]["department_id"]}
    )
    assert response.status_code == FORBIDDEN
    assert response.json()["code"] == "token_read_only"


def test_unknown_token_is_unauthenticated(world, db):
    response = ApiClient(token="lds_not-a-real-token").get("/me")
    assert response.status_code == UNAUTHENTICATED
    assert response.json()["code"] == "not_authenticated"
