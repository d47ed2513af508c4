"""Dependencies between action items: a successor waits for its predecessors (no loops)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, NotFound, PermissionDeniedError
from lodestar.core.services import Actor
from lodestar.execution import domain
from lodestar.execution.access import can_manage_item, visible_items
from lodestar.execution.models import ActionItem, Dependency
from lodestar.execution.services.common import check_item_open

# --- dependencies ------------------------------------------------------------------------


def add_dependency(predecessor: ActionItem, successor: ActionItem, *, actor: Actor) -> Dependency:
    """Link two items: any item the actor can see, in any department (a 内容营销部 item may wait on
    品牌部 work); never into a loop."""
    if not visible_items(actor).filter(pk=predecessor.pk).exists():
        raise NotFound(_("Action item not found."), field="predecessor_ids")
    edges = list(Dependency.objects.values_list("predecessor_id", "successor_id"))
    if domain.would_create_cycle(edges, (predecessor.pk, successor.pk)):
        raise ApplicationError(
            _("“%(a)s” already depends on “%(b)s”: this would make a loop.")
            % {"a": predecessor.title, "b": successor.title},
            code="cycle",
            field="predecessor_ids",
        )
    return Dependency.objects.get_or_create(predecessor=predecessor, successor=successor)[0]


@transaction.atomic
def dependency_add(*, actor: Actor, predecessor: ActionItem, successor: ActionItem) -> Dependency:
    if not can_manage_item(actor, successor):
        raise PermissionDeniedError(
            _("Only the item's A, its department's manager or an admin can re-plan it.")
        )
    check_item_open(successor)
    return add_dependency(predecessor, successor, actor=actor)


@transaction.atomic
def dependency_remove(*, actor: Actor, predecessor: ActionItem, successor: ActionItem) -> None:
    if not can_manage_item(actor, successor):
        raise PermissionDeniedError(
            _("Only the item's A, its department's manager or an admin can re-plan it.")
        )
    check_item_open(successor)
    Dependency.objects.filter(predecessor=predecessor, successor=successor).delete()
