"""API: webhook endpoints with a test send and the delivery log (admin), and the caller's
notification preferences.

Thin endpoints over `lodestar.notifications.delivery`.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from lodestar.core.errors import ApplicationError, NotFound
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, PageIn, page_out
from lodestar.notifications import delivery
from lodestar.notifications.models import Delivery, WebhookEndpoint
from lodestar.notifications.schemas import (
    DeliveryFilter,
    DeliveryOut,
    DeliveryPage,
    EndpointIn,
    EndpointOut,
    EndpointPage,
    EndpointPatch,
    PreferenceIn,
    PreferenceIO,
)
from lodestar.org.permissions import access_department, person_of, require_admin, require_person

router = Router(tags=["alerts"])

EndpointId = Path(..., le=MAX_ID, description="The webhook endpoint's id")
DeliveryId = Path(..., le=MAX_ID, description="The delivery's id in the log")


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


@router.get(
    "/webhook-endpoints/{endpoint_id}",
    response={200: EndpointOut, **READ_ERRORS},
    summary="One webhook endpoint (admin)",
)
def endpoint_detail(request, endpoint_id: int = EndpointId):
    return _endpoint(request.user, endpoint_id)


@router.patch(
    "/webhook-endpoints/{endpoint_id}",
    response={200: EndpointOut, **WRITE_ERRORS},
    summary="Change a webhook endpoint, e.g. its events (admin)",
)
def endpoint_update(request, payload: EndpointPatch, endpoint_id: int = EndpointId):
    endpoint = _endpoint(request.user, endpoint_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    for key in ("name", "kind", "url", "is_active", "events"):
        if key in data and data[key] is None:
            raise ApplicationError(_("This field cannot be empty."), field=key, code="required")
    if "department_id" in data:
        pk = data.pop("department_id")
        data["department"] = access_department(request.user, pk) if pk is not None else None
    return delivery.endpoint_update(actor=request.user, endpoint=endpoint, version=version, **data)


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


@router.get(
    "/webhook-deliveries",
    response={200: DeliveryPage, **LIST_ERRORS},
    summary="The delivery log: every message sent to a webhook, by email or to the inbox, newest first (admin)",
)
def delivery_list(request, filters: Query[DeliveryFilter]):
    require_admin(request.user)
    rows = Delivery.objects.order_by("-created_at", "-id")
    if filters.endpoint_id is not None:
        rows = rows.filter(endpoint_id=filters.endpoint_id)
    for field in ("event", "status", "channel"):
        value = getattr(filters, field)
        if value is not None:
            rows = rows.filter(**{field: value})
    return page_out(rows, filters.page, filters.page_size)


@router.post(
    "/webhook-deliveries/{delivery_id}/resend",
    response={201: DeliveryOut, **WRITE_ERRORS},
    summary="Send a finished webhook delivery again as a new delivery, freshly signed (admin)",
    description=(
        "The new delivery carries the same message (an event's body byte for byte, so the same event `id`) "
        "with a new timestamp and signature, is retried like any other, and names the first delivery in "
        "`resent_from_id`. `409 delivery_pending` while this delivery or a resend of the same message is "
        "still pending; `422 not_resendable` for an inbox or email delivery, `422 endpoint_paused` when the "
        "webhook is paused."
    ),
)
def delivery_resend(request, delivery_id: int = DeliveryId):
    require_admin(request.user)
    row = Delivery.objects.filter(pk=delivery_id).first()
    if row is None:
        raise NotFound(_("Delivery not found."), field="delivery_id")
    return Status(201, delivery.delivery_resend(actor=request.user, delivery=row))


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
