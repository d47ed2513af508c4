"""Glue between services and HTML views: access errors become 403/404 pages, rule errors form errors."""

from __future__ import annotations

from contextlib import contextmanager
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from lodestar.core.errors import ApplicationError, NotFound, PermissionDeniedError
from lodestar.core.references import in_use_error


def page_view(view):
    """A signed-in HTML view whose access helpers may raise NotFound/PermissionDeniedError."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        except (ProtectedError, RestrictedError) as exc:
            # A delete that no service checked first: say what blocks it on the page it came from.
            messages.error(request, in_use_error(exc).message)
            back = request.META.get("HTTP_REFERER", "")
            if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
                back = "/"
            return HttpResponseRedirect(back)

    return wrapper


def add_error_to_form(form, exc: ApplicationError) -> None:
    """Show a service's error on the matching form field, or on the form when no field matches."""
    field = exc.field
    if field and field.endswith("_id") and field[:-3] in form.fields:
        field = field[:-3]
    form.add_error(field if _visible(form, field) else None, exc.message)
    for item in exc.errors:
        form.add_error(item.field if _visible(form, item.field) else None, item.message)


def _visible(form, field: str | None) -> bool:
    """Errors on hidden fields (such as `version`) would not be seen: show them on the form instead."""
    return bool(field) and field in form.fields and not form.fields[field].widget.is_hidden


MAX_ID = 2**63 - 1


def int_param(value) -> int | None:
    """A positive id from a query string or form value, or None — never an int the database can't hold."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


_PLACEHOLDER_PK = 987654321


def url_pattern(name: str) -> str:
    """The URL of a view that takes one id, as a `str.format` pattern ("/goals/{}/"): reversed once
    per page instead of once per row of a long list."""
    return reverse(name, args=[_PLACEHOLDER_PK]).replace(str(_PLACEHOLDER_PK), "{}")


@contextmanager
def service_errors(target):
    """`with service_errors(form):` around a service call on a page: a broken rule
    (`ApplicationError`) becomes the form's error on the matching field; with the request instead
    of a form it becomes an error message. The one way a page view reports a service's refusal."""
    try:
        yield
    except ApplicationError as exc:
        if isinstance(target, HttpRequest):
            messages.error(target, exc.message)
        else:
            add_error_to_form(target, exc)
