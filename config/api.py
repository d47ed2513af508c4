"""The REST API: one NinjaAPI at /api/v1 with token and session auth and JSON errors.

Errors always have the shape {"code", "message", "field", "errors"} (API.md), each of `errors` being
{"code", "message", "field", "row", "detail"} (`detail`: the item's extra facts, docs/api.md). Services raise
`ApplicationError` subclasses; request-shape problems from ninja/pydantic become 422 (or
400 when the body is not JSON at all).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.references import in_use_error
from lodestar.core.schemas import DATE_PATTERN, DECIMAL_PATTERN
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


# Every free-text string of the document refuses NUL, as NulFreeParser does.
NUL_FREE_PATTERN = "^[^\\u0000]*$"


def _declare_enforced_formats(node) -> None:
    """Write into the document what the server enforces beyond pydantic's own JSON Schema.

    Free text refuses NUL (NulFreeParser), dates are YYYY-MM-DD of the years 1900–2999 and decimal
    strings are plain decimals (lodestar.core.schemas.check_json_type), so a client generating requests
    from the document (schemathesis does) sends what the server accepts.
    """
    if isinstance(node, dict):
        alternatives = node.get("anyOf")
        if isinstance(alternatives, list):
            types_ = [alt.get("type") for alt in alternatives if isinstance(alt, dict)]
            if "number" in types_ and "string" in types_:
                for alt in alternatives:
                    if alt.get("type") == "string" and "pattern" not in alt and "format" not in alt:
                        alt["pattern"] = DECIMAL_PATTERN
        if node.get("type") == "string" and not ({"pattern", "enum", "const"} & node.keys()):
            fmt = node.get("format")
            if fmt == "date":
                node["pattern"] = DATE_PATTERN
            elif fmt is None:
                node["pattern"] = NUL_FREE_PATTERN
        for value in node.values():
            _declare_enforced_formats(value)
    elif isinstance(node, list):
        for value in node:
            _declare_enforced_formats(value)


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _declare_form_extras(paths: dict) -> None:
    """A form may carry fields the operation does not read (they are ignored), but NulFreeParser refuses
    NUL in any of them: the document says so, as text without NUL, where it said nothing."""
    for operation in (op for item in paths.values() for op in item.values() if isinstance(op, dict)):
        content = (operation.get("requestBody") or {}).get("content") or {}
        for media_type in FORM_TYPES:
            body = (content.get(media_type) or {}).get("schema")
            if isinstance(body, dict) and "additionalProperties" not in body:
                body["additionalProperties"] = {"type": "string"}  # the NUL-free pattern is added below


# Endpoints that moved module keep their OpenAPI operationId, which generated clients are built on.
MOVED_ENDPOINTS = {
    "lodestar.alerts.api": "lodestar.tracking.alerts_api",
    "lodestar.notifications.api": "lodestar.tracking.alerts_api",
    "lodestar.goals.api.adjustments": "lodestar.goals.api",
    "lodestar.goals.api.consensus": "lodestar.goals.api",
    "lodestar.goals.api.decomposition": "lodestar.goals.api",
    "lodestar.goals.api.goals": "lodestar.goals.api",
    "lodestar.goals.api.measures": "lodestar.goals.api",
    "lodestar.goals.api.reuse": "lodestar.goals.api",
}


class LodestarAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        module = operation.view_func.__module__
        return (MOVED_ENDPOINTS.get(module, module) + "_" + operation.view_func.__name__).replace(".", "_")

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        _declare_form_extras(schema.get("paths", {}))
        _declare_enforced_formats(schema.get("paths", {}))
        _declare_enforced_formats(schema.get("components", {}))
        return schema


api = LodestarAPI(
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


def error_item(
    code: str, message: str, field: str | None = None, row: int | None = None, detail: dict | None = None
) -> dict:
    """One entry of `errors`: `detail` carries an `ErrorItem`'s `extra` (ids and such), `{}` when it has none."""
    return {"code": code, "message": message, "field": field, "row": row, "detail": dict(detail or {})}


@api.exception_handler(ApplicationError)
def on_application_error(request, exc: ApplicationError):
    errors = [error_item(e.code, e.message, e.field, e.row, e.extra) for e in exc.errors]
    return api.create_response(
        request, error_body(exc.code, exc.message, exc.field, errors), status=exc.status
    )


def _expected(ctx: dict) -> str:
    # pydantic writes "'todo', 'doing' or 'done'": keep the values, drop the English "or".
    return str(ctx.get("expected", "")).replace(" or ", ", ")


def validation_message(item: dict) -> str:
    """A pydantic error in the request's language, chosen by its `type` and filled from its `ctx`.

    Pydantic's own `msg` is English only; a type not listed here gets a general sentence rather than
    an English one.
    """
    kind = item.get("type", "")
    ctx = item.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("This field is not part of this request; check its name.")
    if kind in ("null_character",):
        return _("Null characters are not allowed.")
    if kind in ("string_too_long", "too_long"):
        if kind == "string_too_long":
            return _("Enter at most %(max)s characters.") % {"max": ctx.get("max_length")}
        return _("Give at most %(max)s entries.") % {"max": ctx.get("max_length")}
    if kind == "string_too_short":
        return _("Enter at least %(min)s characters.") % {"min": ctx.get("min_length")}
    if kind == "too_short":
        return _("Give at least %(min)s entries.") % {"min": ctx.get("min_length")}
    if kind == "string_pattern_mismatch":
        return _("This text does not have the expected form.")
    if kind == "string_type":
        return _("Give a text value.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("Give a whole number.")
    if kind == "int_parsing_size":
        return _("This number is too large.")
    if kind in ("bool_type", "bool_parsing"):
        return _("Give true or false.")
    if kind in ("decimal_type", "decimal_parsing", "float_type", "float_parsing", "finite_number"):
        return _("Give a number, e.g. 5000000 or “5000000.00”.")
    if kind == "decimal_max_digits":
        return _("Give at most %(max)s digits.") % {"max": ctx.get("max_digits")}
    if kind == "decimal_max_places":
        return _("Give at most %(max)s decimal places.") % {"max": ctx.get("decimal_places")}
    if kind == "decimal_whole_digits":
        return _("Give at most %(max)s digits before the decimal point.") % {"max": ctx.get("whole_digits")}
    if kind == "greater_than":
        return _("Give a value greater than %(limit)s.") % {"limit": ctx.get("gt")}
    if kind == "greater_than_equal":
        return _("Give a value greater than or equal to %(limit)s.") % {"limit": ctx.get("ge")}
    if kind == "less_than":
        return _("Give a value less than %(limit)s.") % {"limit": ctx.get("lt")}
    if kind == "less_than_equal":
        return _("Give a value less than or equal to %(limit)s.") % {"limit": ctx.get("le")}
    if kind == "multiple_of":
        return _("Give a multiple of %(value)s.") % {"value": ctx.get("multiple_of")}
    if kind in ("enum", "literal_error"):
        return _("Choose one of: %(values)s.") % {"values": _expected(ctx)}
    if kind in (
        "date_type",
        "date_parsing",
        "date_from_datetime_parsing",
        "date_from_datetime_inexact",
        "date_format",
    ):
        return _("Give a date as YYYY-MM-DD between 1900-01-01 and 2999-12-31.")
    if kind.startswith("datetime_") or kind.startswith("timezone_"):
        return _("Give a date and time in ISO 8601, e.g. 2024-07-01T09:00:00+08:00.")
    if kind.startswith("time_"):
        return _("Give a time as HH:MM, e.g. 16:00.")
    if kind in ("list_type", "tuple_type", "set_type"):
        return _("Give a list.")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("Give an object.")
    if kind in ("url_parsing", "url_type", "url_scheme", "url_syntax_violation", "url_too_long"):
        return _("Give a valid web address (https://…).")
    if kind in ("value_error", "assertion_error"):
        # Raised by our own validators with a message that went through gettext already.
        error = ctx.get("error")
        return str(error) if error else _("This value is not valid.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    return _("This value is not valid.")


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    errors = []
    for item in exc.errors:
        # A field name may carry NUL (an unknown key sent by a client): the error names it without it.
        loc = [
            str(part).replace("\x00", "")
            for part in item.get("loc", [])
            if part not in ("body", "query", "path", "payload")
        ]
        kind = item.get("type", "invalid")
        errors.append(
            error_item(
                "unknown_field" if kind == "extra_forbidden" else kind,
                validation_message(item),
                ".".join(loc) or None,
            )
        )
    malformed = any(e["code"] in ("json_invalid", "model_attributes_type") and not e["field"] for e in errors)
    if malformed:
        return api.create_response(
            request,
            error_body("malformed", _("The request body is not valid JSON."), None, errors),
            status=400,
        )
    first = errors[0] if errors else {"field": None, "message": "", "code": "invalid"}
    if first["code"] == "unknown_field":
        message = _("Unknown field “%(field)s”: this request does not take it.") % {"field": first["field"]}
        return api.create_response(
            request, error_body("unknown_field", message, first["field"], errors), status=422
        )
    message = _("Check the field “%(field)s”: %(detail)s") % {
        "field": first["field"],
        "detail": first["message"],
    }
    return api.create_response(request, error_body("invalid", message, first["field"], errors), status=422)


@api.exception_handler(ProtectedError)
def on_protected_error(request, exc: ProtectedError):
    return on_application_error(request, in_use_error(exc))


@api.exception_handler(RestrictedError)
def on_restricted_error(request, exc: RestrictedError):
    return on_application_error(request, in_use_error(exc))


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
    # Ninja's own texts ("Cannot parse request body") are English only: say it in the request's language.
    message = {
        400: _("The request body is not valid JSON."),
        401: _("Sign in or send a valid API token."),
        403: _("You may not do this."),
        404: _("Not found."),
    }.get(exc.status_code) or str(exc)
    return api.create_response(request, error_body(code, message), status=exc.status_code)


from lodestar.alerts.api import router as alerts_router  # noqa: E402
from lodestar.appraisal.api import router as appraisal_router  # noqa: E402
from lodestar.budget.api import router as budget_router  # noqa: E402
from lodestar.dashboards.api import router as dashboards_router  # noqa: E402
from lodestar.exchange.api import router as exchange_router  # noqa: E402
from lodestar.execution.api import router as execution_router  # noqa: E402
from lodestar.goals.api import router as goals_router  # noqa: E402
from lodestar.knowledge.api import router as knowledge_router  # noqa: E402
from lodestar.metrics.api import router as metrics_router  # noqa: E402
from lodestar.metrics.verification_api import router as verification_router  # noqa: E402
from lodestar.notifications.api import router as notifications_router  # noqa: E402
from lodestar.org.api import router as org_router  # noqa: E402
from lodestar.org.shell_api import router as shell_router  # noqa: E402
from lodestar.retrospectives.api import router as retrospectives_router  # noqa: E402
from lodestar.tracking.api import router as tracking_router  # noqa: E402
from lodestar.trash.api import router as trash_router  # noqa: E402

api.add_router("/", shell_router)
api.add_router("/", org_router)
api.add_router("/", goals_router)
api.add_router("/", execution_router)
api.add_router("/", alerts_router)
api.add_router("/", notifications_router)
api.add_router("/", tracking_router)
api.add_router("/", knowledge_router)
api.add_router("/", retrospectives_router)
api.add_router("/", appraisal_router)
api.add_router("/", metrics_router)
api.add_router("/", verification_router)
api.add_router("/", budget_router)
api.add_router("/", dashboards_router)
api.add_router("/", trash_router)
api.add_router("/", exchange_router)
