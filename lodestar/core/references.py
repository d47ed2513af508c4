"""What still refers to a record that someone wants to delete, said in words ("该部门仍有 12 个目标、3 名成员").

A hard delete of a record that other records point at either fails in the database (`PROTECT`: a
`ProtectedError`, which used to surface as a 500) or silently takes those records with it (`CASCADE`).
Services call `refuse_delete_while_referenced()` before deleting, so the user gets a 409 `in_use`
(API) or a message (pages) that names what blocks the delete; `in_use_error()` turns a
`ProtectedError` that slipped through into the same answer.

The reverse relations are read from the model's metadata, so a lower app (org) can tell what a
higher app (goals, execution, tracking) keeps pointing at without importing it.
"""

from __future__ import annotations

from collections import Counter

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from lodestar.core.errors import ConflictError

# How to count the records of a model in a sentence, by model label. A model not listed here is
# counted with its verbose name ("3 × 阶段").
_COUNTED = {
    "org.Department": lambda n: ngettext("%(count)d sub-department", "%(count)d sub-departments", n),
    "org.Person": lambda n: ngettext("%(count)d member", "%(count)d members", n),
    "goals.Goal": lambda n: ngettext("%(count)d goal", "%(count)d goals", n),
    "goals.TargetAdjustment": lambda n: ngettext(
        "%(count)d target adjustment", "%(count)d target adjustments", n
    ),
    "execution.ActionItem": lambda n: ngettext("%(count)d action item", "%(count)d action items", n),
    "execution.Phase": lambda n: ngettext("%(count)d phase", "%(count)d phases", n),
    "execution.RaciAssignment": lambda n: ngettext(
        "%(count)d RACI assignment", "%(count)d RACI assignments", n
    ),
    "execution.RecurringItem": lambda n: ngettext("%(count)d recurring item", "%(count)d recurring items", n),
    "tracking.CheckIn": lambda n: ngettext("%(count)d check-in", "%(count)d check-ins", n),
    "alerts.AlertRule": lambda n: ngettext("%(count)d alert rule", "%(count)d alert rules", n),
    "alerts.Alert": lambda n: ngettext("%(count)d alert", "%(count)d alerts", n),
    "notifications.WebhookEndpoint": lambda n: ngettext(
        "%(count)d webhook endpoint", "%(count)d webhook endpoints", n
    ),
}


def _counted(model: type[models.Model], count: int, in_trash: int) -> str:
    phrase = _COUNTED.get(model._meta.label)
    if phrase is not None:
        text = phrase(count) % {"count": count}
    else:
        text = _("%(count)d × %(name)s") % {"count": count, "name": model._meta.verbose_name}
    if in_trash:
        text += ngettext(
            " (%(count)d of them in the trash)", " (%(count)d of them in the trash)", in_trash
        ) % {"count": in_trash}
    return text


def _sentence(obj: models.Model, parts: list[str]) -> str:
    listed = pgettext("list separator", ", ").join(parts)
    return _("This %(thing)s still has %(blockers)s. Move or delete them first.") % {
        "thing": obj._meta.verbose_name,
        "blockers": listed,
    }


def references_to(obj: models.Model, *, allow: frozenset[str] = frozenset()) -> list[tuple[type, int, int]]:
    """(model, count, of which in the trash) for every record that would block or be cascaded by a delete.

    `SET_NULL`/`DO_NOTHING` references (history rows, optional links) do not count; `allow` names the
    model labels that may go with the record (its own parts, such as a measure's plan points).
    """
    found = []
    for relation in obj._meta.related_objects:
        if relation.many_to_many or not relation.field.concrete:
            continue
        if relation.on_delete not in (models.CASCADE, models.PROTECT, models.RESTRICT):
            continue
        model = relation.related_model
        if model._meta.label in allow or model is None:
            continue
        rows = model._base_manager.filter(**{relation.field.name: obj})
        if model is obj.__class__:
            rows = rows.exclude(pk=obj.pk)
        count = rows.count()
        if not count:
            continue
        in_trash = rows.filter(deleted_at__isnull=False).count() if _soft_deletable(model) else 0
        found.append((model, count, in_trash))
    return found


def _soft_deletable(model) -> bool:
    return any(field.name == "deleted_at" for field in model._meta.concrete_fields)


def refuse_delete_while_referenced(obj: models.Model, *, allow: frozenset[str] = frozenset()) -> None:
    """Raise a 409 `in_use` naming, with counts, whatever still refers to `obj`."""
    found = references_to(obj, allow=allow)
    if found:
        raise ConflictError(
            _sentence(obj, [_counted(model, count, in_trash) for model, count, in_trash in found]),
            code="in_use",
        )


def in_use_error(exc: models.ProtectedError | models.RestrictedError) -> ConflictError:
    """The same 409 for a `ProtectedError` raised by a delete that no service checked first."""
    objects = list(
        exc.protected_objects if isinstance(exc, models.ProtectedError) else exc.restricted_objects
    )
    counts = Counter(type(obj) for obj in objects)
    parts = [_counted(model, count, 0) for model, count in counts.items()]
    if not parts:
        return ConflictError(_("Other records still refer to this one."), code="in_use")
    return ConflictError(
        _("Other records still refer to this one: %(blockers)s.")
        % {"blockers": pgettext("list separator", ", ").join(parts)},
        code="in_use",
    )
