"""API: alert rules, alerts (acknowledge, comment, resolve), webhook endpoints with a test send
(admin), and the caller's notification preferences (API.md "Core resources": /alert-rules, /alerts).

Thin endpoints over `lodestar.tracking.alerts` and `lodestar.notifications.delivery`; access
helpers answer 404 for what the caller may not see and 403 for what they may see but not change.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from lodestar.core.errors import ApplicationError, NotFound
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, page_out
from lodestar.goals.access import access_goal
from lodestar.notifications import delivery
from lodestar.notifications.models import WebhookEndpoint
from lodestar.org.models import Person
from lodestar.org.permissions import access_department, person_of, require_admin, require_person
from lodestar.tracking import alerts
from lodestar.tracking.alerts_schemas import (
    AlertCommentIn,
    AlertCommentOut,
    AlertFilter,
    AlertOut,
    AlertPage,
    AlertRuleIn,
    AlertRuleOut,
    AlertRulePage,
    AlertRulePatch,
    DeliveryOut,
    EndpointIn,
    EndpointOut,
    EndpointPage,
    PageIn,
    PreferenceIn,
    PreferenceIO,
    ResolveIn,
)
from lodestar.tracking.models import Alert

router = Router(tags=["alerts"])

RuleId = Path(..., le=MAX_ID, description="The alert rule's id")
AlertId = Path(..., le=MAX_ID, description="The alert's id")
EndpointId = Path(..., le=MAX_ID, description="The webhook endpoint's id")


def _rule_references(user, data: dict) -> dict:
    if "department_id" in data:
        pk = data.pop("department_id")
        data["department"] = access_department(user, pk) if pk is not None else None
    if "goal_id" in data:
        pk = data.pop("goal_id")
        data["goal"] = access_goal(user, pk) if pk is not None else None
    if "goal_type_id" in data:
        pk = data.pop("goal_type_id")
        data["goal_type"] = alerts.goal_type_for_rule(pk) if pk is not None else None
    return data


# --- alert rules ---------------------------------------------------------------------------


@router.get(
    "/alert-rules", response={200: AlertRulePage, **LIST_ERRORS}, summary="List the alert rules you manage"
)
def rule_list(request, filters: Query[PageIn]):
    require_person(request.user)
    return page_out(
        alerts.manageable_rules(request.user).order_by("scope", "name", "id"), filters.page, filters.page_size
    )


@router.post("/alert-rules", response={201: AlertRuleOut, **WRITE_ERRORS}, summary="Create an alert rule")
def rule_create(request, payload: AlertRuleIn):
    data = _rule_references(request.user, payload.dict())
    rule = alerts.rule_create(actor=request.user, **data)
    return Status(201, rule)


@router.get("/alert-rules/{rule_id}", response={200: AlertRuleOut, **READ_ERRORS}, summary="One alert rule")
def rule_detail(request, rule_id: int = RuleId):
    return alerts.access_rule(request.user, rule_id)


@router.patch(
    "/alert-rules/{rule_id}", response={200: AlertRuleOut, **WRITE_ERRORS}, summary="Change an alert rule"
)
def rule_update(request, payload: AlertRulePatch, rule_id: int = RuleId):
    rule = alerts.access_rule(request.user, rule_id)
    data = payload.dict(exclude_unset=True)
    for key in ("name", "scope", "condition", "recipients", "channels", "is_active", "against_full_target"):
        if key in data and data[key] is None:
            raise ApplicationError(_("This field cannot be empty."), field=key, code="required")
    data = _rule_references(request.user, data)
    return alerts.rule_update(actor=request.user, rule=rule, **data)


@router.delete("/alert-rules/{rule_id}", response={204: None, **WRITE_ERRORS}, summary="Delete an alert rule")
def rule_delete(request, rule_id: int = RuleId):
    alerts.rule_delete(actor=request.user, rule=alerts.access_rule(request.user, rule_id))
    return Status(204, None)


# --- alerts --------------------------------------------------------------------------------


def _alerts_out():
    return Alert.objects.prefetch_related(Prefetch("recipients", queryset=Person.objects.only("id")))


def _alert_out(alert_id: int) -> Alert:
    return _alerts_out().get(pk=alert_id)


@router.get("/alerts", response={200: AlertPage, **LIST_ERRORS}, summary="List alerts")
def alert_list(request, filters: Query[AlertFilter]):
    person = require_person(request.user)
    queryset = alerts.visible_alerts(request.user).prefetch_related(
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
    return _alert_out(alerts.access_alert(request.user, alert_id).pk)


@router.post(
    "/alerts/{alert_id}/acknowledge", response={200: AlertOut, **WRITE_ERRORS}, summary="Acknowledge an alert"
)
def alert_acknowledge(request, alert_id: int = AlertId):
    alert = alerts.access_alert(request.user, alert_id, act=True)
    alerts.alert_acknowledge(actor=request.user, alert=alert)
    return _alert_out(alert.pk)


@router.post(
    "/alerts/{alert_id}/resolve", response={200: AlertOut, **WRITE_ERRORS}, summary="Resolve an alert"
)
def alert_resolve(request, payload: ResolveIn | None = None, alert_id: int = AlertId):
    alert = alerts.access_alert(request.user, alert_id, act=True)
    alerts.alert_resolve(actor=request.user, alert=alert, comment=payload.comment if payload else "")
    return _alert_out(alert.pk)


@router.post(
    "/alerts/{alert_id}/comments",
    response={201: AlertCommentOut, **WRITE_ERRORS},
    summary="Comment on an alert",
)
def alert_comment(request, payload: AlertCommentIn, alert_id: int = AlertId):
    alert = alerts.access_alert(request.user, alert_id, act=True)
    return Status(201, alerts.alert_comment(actor=request.user, alert=alert, body=payload.body))


# --- webhook endpoints ---------------------------------------------------------------------


def _endpoint(user, endpoint_id: int) -> WebhookEndpoint:
    require_admin(user)
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound(_("Webhook not found."), field="endpoint_id")
    return endpoint


@router.get(
    "/webhook-endpoints",
    response={200: EndpointPage, **LIST_ERRORS},
    summary="List webhook endpoints (admin)",
)
def endpoint_list(request, filters: Query[PageIn]):
    require_admin(request.user)
    return page_out(WebhookEndpoint.objects.order_by("name", "id"), filters.page, filters.page_size)


@router.post(
    "/webhook-endpoints",
    response={201: EndpointOut, **WRITE_ERRORS},
    summary="Add a webhook endpoint (admin)",
)
def endpoint_create(request, payload: EndpointIn):
    require_admin(request.user)
    data = payload.dict()
    pk = data.pop("department_id")
    data["department"] = access_department(request.user, pk) if pk is not None else None
    return Status(201, delivery.endpoint_create(actor=request.user, **data))


@router.delete(
    "/webhook-endpoints/{endpoint_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a webhook endpoint (admin)",
)
def endpoint_delete(request, endpoint_id: int = EndpointId):
    delivery.endpoint_delete(actor=request.user, endpoint=_endpoint(request.user, endpoint_id))
    return Status(204, None)


@router.post(
    "/webhook-endpoints/{endpoint_id}/test",
    response={200: DeliveryOut, **WRITE_ERRORS},
    summary="Send a test message now and return the delivery (admin)",
)
def endpoint_test(request, endpoint_id: int = EndpointId):
    return delivery.endpoint_test_send(actor=request.user, endpoint=_endpoint(request.user, endpoint_id))


# --- notification preferences --------------------------------------------------------------


@router.get(
    "/me/notification-preferences",
    response={200: PreferenceIO, **READ_ERRORS},
    summary="Your notification preferences",
)
def preference_detail(request):
    person = require_person(request.user)
    if person is None:
        raise NotFound(_("Your account is not linked to a person in the organisation."))
    return delivery.preference_of(person)


@router.put(
    "/me/notification-preferences",
    response={200: PreferenceIO, **WRITE_ERRORS},
    summary="Set your notification preferences",
)
def preference_update(request, payload: PreferenceIn):
    if person_of(request.user) is None:
        raise NotFound(_("Your account is not linked to a person in the organisation."))
    return delivery.preference_update(actor=request.user, **payload.dict())
