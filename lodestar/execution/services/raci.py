"""RACI (谁负责/谁批准/咨询谁/告知谁): who is responsible, accountable, consulted and informed."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.services import Actor, bump_version, check_version, validated
from lodestar.execution import domain
from lodestar.execution.access import can_manage_item
from lodestar.execution.models import ActionItem, RaciAssignment, RaciRole
from lodestar.execution.services.common import actor_person, check_item_open, notify_on_commit
from lodestar.org.models import Department, Person, Role

RACI_FIELDS = {"R": "responsible_ids", "A": "accountable_id", "C": "consulted_ids", "I": "informed_ids"}
# Literal messages (gettext_lazy) so that makemessages extracts them; translated when raised.
RACI_MESSAGES = {
    "no_accountable": ("accountable_id", gettext_lazy("Name exactly one accountable person (A).")),
    "several_accountable": (
        "accountable_id",
        gettext_lazy("An item has exactly one accountable person (A)."),
    ),
    "accountable_not_person": (
        "accountable_id",
        gettext_lazy("The accountable (A) must be a person, not a department."),
    ),
    "no_responsible": ("responsible_ids", gettext_lazy("Name at least one responsible person (R).")),
}


# --- RACI --------------------------------------------------------------------------------


def raci_rows(
    item: ActionItem | None,
    responsible: Iterable[Person],
    accountable: Person | None,
    consulted: Iterable[Person | Department],
    informed: Iterable[Person | Department],
) -> list[RaciAssignment]:
    rows = [RaciAssignment(item=item, role=RaciRole.RESPONSIBLE, person=p) for p in responsible]
    if accountable is not None:
        rows.append(RaciAssignment(item=item, role=RaciRole.ACCOUNTABLE, person=accountable))
    for role, targets in ((RaciRole.CONSULTED, consulted), (RaciRole.INFORMED, informed)):
        for target in targets:
            if isinstance(target, Department):
                rows.append(RaciAssignment(item=item, role=role, department=target))
            else:
                rows.append(RaciAssignment(item=item, role=role, person=target))
    return rows


def validate_raci(rows: list[RaciAssignment]) -> None:
    entries = [
        domain.RaciEntry(r.role, r.person_id or (r.person.pk if r.person else None), r.department_id)
        for r in rows
    ]
    problems = domain.raci_problems(entries)
    if problems:
        field, message = RACI_MESSAGES[problems[0]]
        raise ApplicationError(str(message), field=field, code=problems[0])
    _check_letters(rows)
    inactive = [r for r in rows if r.person is not None and not r.person.is_active]
    if inactive:
        names = "、".join(dict.fromkeys(r.person.display_name for r in inactive if r.person is not None))
        raise ApplicationError(
            _("%(names)s is no longer active.") % {"names": names}, field=RACI_FIELDS[inactive[0].role]
        )


def _check_letters(rows: list[RaciAssignment]) -> None:
    """A guest (viewer) is only kept informed (`domain.can_hold_letter`): the pickers offer them
    for nothing else and this refuses the same from the API. (An admin without a department of
    their own is left out of the pickers only: an admin may still name themself, and is the
    default R and A of an item they create.)"""
    for row in rows:
        person = row.person
        if person is not None and person.role == Role.VIEWER and row.role != RaciRole.INFORMED:
            raise ApplicationError(
                _("%(name)s is a guest and can only be kept informed (I).") % {"name": person.display_name},
                field=RACI_FIELDS[row.role],
                code="cannot_hold_letter",
            )


def dedupe(people: Iterable[Person | None]) -> list[Person]:
    return list({p.pk: p for p in people if p is not None}.values())


@transaction.atomic
def raci_set(
    *,
    actor: Actor,
    item: ActionItem,
    responsible: list[Person],
    accountable: Person | None,
    consulted: Iterable[Person | Department] = (),
    informed: Iterable[Person | Department] = (),
    version: int | None = None,
) -> ActionItem:
    """Replace an item's RACI: exactly one A (a person), at least one R; C and I people or departments."""
    person = actor_person(actor)
    item = ActionItem.objects.select_for_update(of=("self",)).select_related("department").get(pk=item.pk)
    if not can_manage_item(actor, item):
        raise PermissionDeniedError(
            _("Only the item's A, its department's manager or an admin can re-plan it.")
        )
    check_version(item, version)
    check_item_open(item)
    before = set(item.raci.filter(role=RaciRole.RESPONSIBLE).values_list("person_id", flat=True))
    rows = raci_rows(item, dedupe(responsible), accountable, list(consulted), list(informed))
    validate_raci(rows)
    item.raci.all().delete()
    # `rows` were validated as a whole above (one A, at least one R, each person once).
    RaciAssignment.objects.bulk_create([validated(row, validate_constraints=False) for row in rows])
    item.accountable = accountable
    bump_version(item)
    item.save(update_fields=["accountable", "version", "updated_at"])
    newly = [p for p in responsible if p.pk not in before]
    notify_on_commit(
        newly, person, "assigned", _("You are responsible for “%(title)s”") % {"title": item.title}, item
    )
    return item
