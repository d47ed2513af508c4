"""API: alert rules, alerts (acknowledge, comment, resolve) (API.md "Core resources": /alert-rules,
/alerts). Webhook endpoints and notification preferences are `lodestar.notifications.api`.

Thin endpoints over the alerts app's `access`, `rules` and `services`; the access helpers answer
404 for what the caller may not see and 403 for what they may see but not change.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from lodestar.alerts import access, rules, services
from lodestar.alerts.models import Alert
from lodestar.alerts.schemas import (
    AlertCommentIn,
    AlertCommentOut,
    AlertFilter,
    AlertOut,
    AlertPage,
    AlertRuleIn,
    AlertRuleOut,
    AlertRulePage,
    AlertRulePatch,
    ResolveIn,
)
from lodestar.core.errors import ApplicationError
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, PageIn, page_out
from lodestar.goals.access import access_goal
from lodestar.org.models import Person
from lodestar.org.permissions import access_department, require_person

router = Router(tags=["alerts"])

RuleId = Path(..., le=MAX_ID, description="The alert rule's id")
AlertId = Path(..., le=MAX_ID, description="The alert's id")


def _rule_references(user, data: dict) -> dict:
    if "department_id" in data:
        pk = data.pop("department_id")
        data["department"] = access_department(user, pk) if pk is not None else None
    if "goal_id" in data:
        pk = data.pop("goal_id")
        data["goal"] = access_goal(user, pk) if pk is not None else None
    if "goal_type_id" in data:
        pk = data.pop("goal_type_id")
        data["goal_type"] = access.goal_type_for_rule(pk) if pk is not None else None
    return data


# --- alert rules ---------------------------------------------------------------------------


@router.get(
    "/alert-rules", response={200: AlertRulePage, **LIST_ERRORS}, summary="List the alert rules you manage"
)
def rule_list(request, filters: Query[PageIn]):
    require_person(request.user)
    return page_out(
        access.manageable_rules(request.user).order_by("scope", "name", "id"), filters.page, filters.page_size
    )


@router.post("/alert-rules", response={201: AlertRuleOut, **WRITE_ERRORS}, summary="Create an alert rule")
def rule_create(request, payload: AlertRuleIn):
    data = _rule_references(request.user, payload.dict())
    rule = rules.rule_create(actor=request.user, **data)
    return Status(201, rule)


@router.get("/alert-rules/{rule_id}", response={200: AlertRuleOut, **READ_ERRORS}, summary="One alert rule")
def rule_detail(request, rule_id: int = RuleId):
    return access.access_rule(request.user, rule_id)


@router.patch(
    "/alert-rules/{rule_id}", response={200: AlertRuleOut, **WRITE_ERRORS}, summary="Change an alert rule"
)
def rule_update(request, payload: AlertRulePatch, rule_id: int = RuleId):
    rule = access.access_rule(request.user, rule_id)
    data = payload.dict(exclude_unset=True)
    for key in ("name", "scope", "condition", "recipients", "channels", "is_active", "against_full_target"):
        if key in data and data[key] is None:
            raise ApplicationError(_("This field cannot be empty."), field=key, code="required")
    data = _rule_references(request.user, data)
    return rules.rule_update(actor=request.user, rule=rule, **data)


@router.delete("/alert-rules/{rule_id}", response={204: None, **WRITE_ERRORS}, summary="Delete an alert rule")
def rule_delete(request, rule_id: int = RuleId):
    rules.rule_delete(actor=request.user, rule=access.access_rule(request.user, rule_id))
    return Status(204, None)


# --- alerts --------------------------------------------------------------------------------


def _alerts_out():
    return Alert.objects.prefetch_related(Prefetch("recipients", queryset=Person.objects.only("id")))


def _alert_out(alert_id: int) -> Alert:
    return _alerts_out().get(pk=alert_id)


@router.get("/alerts", response={200: AlertPage, **LIST_ERRORS}, summary="List alerts")
def alert_list(request, filters: Query[AlertFilter]):
    person = require_person(request.user)
    queryset = access.visible_alerts(request.user).prefetch_related(
        Prefetch("recipients", queryset=Person.objects.only("id"))
    )
    if filters.status == "unresolved":
        queryset = queryset.exclude(status=Alert.Status.RESOLVED)
    elif filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.goal_id is not None:
        queryset = queryset.filter(goal_id=filters.goal_id)
    if filters.mine:
        queryset = (
            queryset.filter(pk__in=Alert.recipients.through.objects.filter(person=person).values("alert"))
            if person
            else queryset.none()
        )
    return page_out(queryset.order_by("-created_at", "-id"), filters.page, filters.page_size)


@router.get("/alerts/{alert_id}", response={200: AlertOut, **READ_ERRORS}, summary="One alert")
def alert_detail(request, alert_id: int = AlertId):
    return _alert_out(access.access_alert(request.user, alert_id).pk)


@router.post(
    "/alerts/{alert_id}/acknowledge", response={200: AlertOut, **WRITE_ERRORS}, summary="Acknowledge an alert"
)
def alert_acknowledge(request, alert_id: int = AlertId):
    alert = access.access_alert(request.user, alert_id, act=True)
    services.alert_acknowledge(actor=request.user, alert=alert)
    return _alert_out(alert.pk)


@router.post(
    "/alerts/{alert_id}/resolve", response={200: AlertOut, **WRITE_ERRORS}, summary="Resolve an alert"
)
def alert_resolve(request, payload: ResolveIn | None = None, alert_id: int = AlertId):
    alert = access.access_alert(request.user, alert_id, act=True)
    services.alert_resolve(actor=request.user, alert=alert, comment=payload.comment if payload else "")
    return _alert_out(alert.pk)


@router.post(
    "/alerts/{alert_id}/comments",
    response={201: AlertCommentOut, **WRITE_ERRORS},
    summary="Comment on an alert",
)
def alert_comment(request, payload: AlertCommentIn, alert_id: int = AlertId):
    alert = access.access_alert(request.user, alert_id, act=True)
    return Status(201, services.alert_comment(actor=request.user, alert=alert, body=payload.body))
