"""Who receives an alert, and the reporting line it escalates along: `owner` (the goal's owner),
`responsible` / `accountable` (the item's R and A), `manager` (the manager of the subject's
department, or of the nearest department above that has one)."""

from __future__ import annotations

from lodestar.alerts.models import AlertRule
from lodestar.alerts.subjects import Hit
from lodestar.execution.models import ActionItem, RaciRole
from lodestar.org.models import Department, Person


def department_manager(department: Department | None, *, besides: Person | None = None) -> Person | None:
    """The manager of the department, or of the nearest department above that has one (other than `besides`)."""
    while department is not None:
        manager = department.manager
        if manager is not None and manager.is_active and (besides is None or manager.pk != besides.pk):
            return manager
        department = department.parent
    return None


def one_level_up(person: Person) -> Person | None:
    """The person's direct manager, or else the manager of their department (or the one above)."""
    manager = person.manager
    if manager is not None and manager.is_active and manager.pk != person.pk:
        return manager
    return department_manager(person.department, besides=person)


def _responsible(item: ActionItem) -> list[Person]:
    return [r.person for r in item.raci.all() if r.role == RaciRole.RESPONSIBLE and r.person is not None]


def recipients_for(rule: AlertRule, hit: Hit) -> list[Person]:
    """The rule's recipients for this subject, in rank order (lowest first); the manager when none resolve."""
    wanted = set(rule.recipients or [])
    people: list[Person] = []
    owner = hit.extra.get("owner") or (hit.goal.owner if hit.goal is not None else None)
    if "responsible" in wanted and hit.item is not None:
        people += _responsible(hit.item)
    if "owner" in wanted and owner is not None:
        people.append(owner)
    if "accountable" in wanted and hit.item is not None and hit.item.accountable is not None:
        people.append(hit.item.accountable)
    # The owner's manager: when the goal's owner manages its department (most department goals),
    # "owner + manager" must reach the one above, not the owner twice.
    manager = department_manager(hit.department, besides=owner)
    if "manager" in wanted and manager is not None:
        people.append(manager)
    if not people and manager is not None:
        people.append(manager)
    unique = {}
    for person in people:
        if person.is_active:
            unique.setdefault(person.pk, person)
    return list(unique.values())
