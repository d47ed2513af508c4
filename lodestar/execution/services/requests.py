"""Cross-department requests: the asked department's manager accepts (naming the R) or declines."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.services import Actor, bump_version, validated_save
from lodestar.execution.models import ActionItem, Comment, RaciAssignment, RaciRole, RequestState
from lodestar.execution.services.common import actor_person, check_item_open, notify_on_commit
from lodestar.org.models import Person

# --- cross-department requests ------------------------------------------------------------


@transaction.atomic
def request_answer(
    *, actor: Actor, item: ActionItem, accept: bool, responsible: Person | None = None, comment: str = ""
) -> ActionItem:
    """The requested department's manager accepts (naming the R) or declines a request."""
    from lodestar.org.permissions import is_admin, manages_department

    person = actor_person(actor)
    item = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("requested_department")
        .get(pk=item.pk)
    )
    if item.request_state != RequestState.PENDING:
        raise ConflictError(_("This request has already been answered."), code="request_answered")
    check_item_open(item)
    if not (is_admin(actor) or manages_department(actor, item.requested_department)):
        raise PermissionDeniedError(_("Only a manager of the requested department can answer this request."))
    if accept:
        if responsible is None:
            raise ApplicationError(_("Name who will do it (R)."), field="responsible_id", code="required")
        if not (
            responsible.department is not None
            and item.requested_department is not None
            and responsible.department.path.startswith(item.requested_department.path)
        ):
            raise ApplicationError(
                _("The R must belong to the requested department."), field="responsible_id"
            )
        if not responsible.is_active:
            raise ApplicationError(
                _("%(names)s is no longer active.") % {"names": responsible.display_name},
                field="responsible_id",
            )
        item.raci.filter(role=RaciRole.RESPONSIBLE).delete()
        # The only R now: the rows were just cleared.
        validated_save(
            RaciAssignment(item=item, role=RaciRole.RESPONSIBLE, person=responsible),
            validate_constraints=False,
        )
        item.request_state = RequestState.ACCEPTED
        notify_on_commit(
            [responsible],
            person,
            "assigned",
            _("You are responsible for “%(title)s”") % {"title": item.title},
            item,
        )
    else:
        item.request_state = RequestState.DECLINED
        if comment.strip():
            validated_save(Comment(item=item, author=person, body=comment.strip()[:4000]))
    bump_version(item)
    item.save()
    notify_on_commit(
        [item.accountable],
        person,
        "request_answered",
        (_("Request accepted: “%(title)s”") if accept else _("Request declined: “%(title)s”"))
        % {"title": item.title},
        item,
    )
    return item
