"""The REST API: one NinjaAPI at /api/v1 with token and session auth and JSON errors.

Errors always have the shape {"code", "message", "field", "errors"} (API.md). Services raise
`ApplicationError` subclasses; request-shape problems from ninja/pydantic become 422 (or
400 when the body is not JSON at all).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.org.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """`Authorization: Bearer lds_…` with a personal API token. Read-only tokens may only GET."""

    def authenticate(self, request: HttpRequest, token: str):
        api_token = api_token_authenticate(token)
        if api_token is None:
            return None
        if api_token.scope == "read" and request.method not in ("GET", "HEAD", "OPTIONS"):
            raise PermissionDeniedError(_("This API token is read-only."), code="token_read_only")
        user = api_token.person.user
        user._lodestar_person = api_token.person
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's session cookie, with CSRF checked for unsafe methods."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest):
        # Without a signed-in session there is nothing for CSRF to protect: answer 401, not a CSRF 403
        # (a script whose token expired must learn that it is not authenticated).
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


def refuse_nul(value, loc: tuple) -> None:
    """Raise a 422 naming the field when a string anywhere in `value` holds a NUL character."""
    if isinstance(value, str):
        if "\x00" in value:
            raise NinjaValidationError(
                [{"type": "null_character", "loc": loc, "msg": _("Null characters are not allowed.")}]
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            refuse_nul(item, (*loc, index))


class NulFreeParser(Parser):
    """JSON bodies and query strings without NUL characters.

    PostgreSQL refuses NUL in text (the insert fails with a DataError, a 500), while SQLite stores
    it; refusing it here, for every operation at once, gives both databases the same clear 422.
    """

    def parse_body(self, request: HttpRequest):
        data = super().parse_body(request)
        refuse_nul(data, ("body",))
        return data

    def parse_querydict(self, data, list_fields, request: HttpRequest):
        result = super().parse_querydict(data, list_fields, request)
        refuse_nul(result, ("query",))
        return result


api = NinjaAPI(
    title="Lodestar API",
    version="1.0.0",
    description="Goals, execution, tracking, reviews and appraisal for marketing teams. "
    "Authenticate with `Authorization: Bearer <token>` (create one on your profile page or with "
    "`POST /auth/token`) or with the browser session.",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=NulFreeParser(),
)


def error_body(code: str, message: str, field: str | None = None, errors: list | None = None) -> dict:
    return {"code": code, "message": message, "field": field, "errors": errors or []}


@api.exception_handler(ApplicationError)
def on_application_error(request, exc: ApplicationError):
    errors = [{"code": e.code, "message": e.message, "field": e.field, "row": e.row} for e in exc.errors]
    return api.create_response(
        request, error_body(exc.code, exc.message, exc.field, errors), status=exc.status
    )


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    errors = []
    for item in exc.errors:
        loc = [str(part) for part in item.get("loc", []) if part not in ("body", "query", "path", "payload")]
        errors.append(
            {
                "code": item.get("type", "invalid"),
                "message": item.get("msg", ""),
                "field": ".".join(loc) or None,
                "row": None,
            }
        )
    malformed = any(e["code"] in ("json_invalid", "model_attributes_type") and not e["field"] for e in errors)
    if malformed:
        return api.create_response(
            request,
            error_body("malformed", _("The request body is not valid JSON."), None, errors),
            status=400,
        )
    first = errors[0] if errors else {"field": None, "message": ""}
    message = _("Check the field “%(field)s”: %(detail)s") % {
        "field": first["field"],
        "detail": first["message"],
    }
    return api.create_response(request, error_body("invalid", message, first["field"], errors), status=422)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return api.create_response(
        request, error_body("not_authenticated", _("Sign in or send a valid API token.")), status=401
    )


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return api.create_response(
        request, error_body("permission_denied", str(exc) or _("You may not do this.")), status=403
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, error_body("not_found", _("Not found.")), status=404)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, NinjaValidationError):
        # Ninja wraps every error of the body parser in a 400; NulFreeParser's is a field error.
        return on_validation_error(request, exc.__cause__)
    code = {
        400: "malformed",
        401: "not_authenticated",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
    }.get(exc.status_code, "error")
    return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)


from lodestar.core.api import router as core_router  # noqa: E402
from lodestar.core.trash_api import router as trash_router  # noqa: E402
from lodestar.execution.api import router as execution_router  # noqa: E402
from lodestar.goals.api import router as goals_router  # noqa: E402
from lodestar.org.api import router as org_router  # noqa: E402
from lodestar.tracking.alerts_api import router as alerts_router  # noqa: E402
from lodestar.tracking.api import router as tracking_router  # noqa: E402

api.add_router("/", core_router)
api.add_router("/", org_router)
api.add_router("/", goals_router)
api.add_router("/", execution_router)
api.add_router("/", alerts_router)
api.add_router("/", tracking_router)
api.add_router("/", trash_router)
