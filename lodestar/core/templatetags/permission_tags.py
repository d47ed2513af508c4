"""`{% may "app.action" obj as name %}`: whether the signed-in reader may use a control (see
lodestar/core/permission_checks.py). The answer is cached per request, so a list asking about the
same object twice costs one check."""

from __future__ import annotations

from django import template

from lodestar.core.permission_checks import allowed

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context, name: str, *objects) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return False
    cache = request.__dict__.setdefault("_lodestar_may", {}) if request is not None else {}
    key = (name, *(getattr(o, "pk", o) for o in objects))
    if key not in cache:
        cache[key] = allowed(name, user, *objects)
    return cache[key]
