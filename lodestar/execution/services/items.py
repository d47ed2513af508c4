"""Writes for action items: create, change, move on the board, reschedule, bulk changes, delete.

Every service is keyword-only, refuses bad input with a message on the field, and writes
inside one transaction; notifications go out on commit. Each write feeds the goal's measure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, TypedDict, Unpack

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lodestar.core.errors import ApplicationError, ConflictError, NotFound, PermissionDeniedError
from lodestar.core.services import Actor, bump_version, check_version, validated, validated_save
from lodestar.core.softdelete import mark_deleted, mark_restored
from lodestar.execution import domain
from lodestar.execution.access import can_manage_item, can_plan_in, can_work_on_item
from lodestar.execution.models import (
    ActionItem,
    ItemStatus,
    Phase,
    Priority,
    RaciAssignment,
    RaciRole,
    RequestState,
)
from lodestar.execution.services.common import (
    actor_person,
    check_dates,
    check_item_open,
    feed_measure,
    notify_on_commit,
)
from lodestar.execution.services.dependencies import add_dependency
from lodestar.execution.services.raci import dedupe, raci_rows, validate_raci
from lodestar.goals.closing_rules import check_goal_period_open
from lodestar.goals.models import Goal, GoalStatus, Measure
from lodestar.goals.services import Number, to_decimal
from lodestar.notifications.services import notify
from lodestar.org.models import Department, Person
from lodestar.org.permissions import require_admin

ITEM_FIELDS = (
    "title",
    "description",
    "start",
    "due",
    "is_milestone",
    "done_standard",
    "deliverable",
    "budget",
    "people_needed",
    "materials",
    "priority",
    "planned_quantity",
    "actual_quantity",
    "unit",
    "phase",
    "goal",
    "measure",
)


class ItemChanges(TypedDict, total=False):
    """The fields an item change may carry; only those given are changed (a PATCH). `status`
    moves the item through `_set_status` (done needs its predecessors done, or a reason)."""

    title: str
    description: str
    start: dt.date | None
    due: dt.date | None
    is_milestone: bool
    done_standard: str
    deliverable: str
    budget: Number | None
    people_needed: str
    materials: str
    priority: str
    planned_quantity: Number | None
    actual_quantity: Number | None
    unit: str
    phase: Phase | None
    goal: Goal | None
    measure: Measure | None
    status: str | None


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Normalise and check the plain fields of an item."""
    if "title" in data:
        data["title"] = (data["title"] or "").strip()
        if not data["title"]:
            raise ApplicationError(_("Say what the task is."), field="title", code="required")
        if len(data["title"]) > 200:
            raise ApplicationError(_("The task can be at most 200 characters."), field="title")
    for field in ("budget", "planned_quantity", "actual_quantity"):
        if field in data:
            data[field] = to_decimal(data[field], field)
            if data[field] is not None and data[field] < 0:
                raise ApplicationError(_("This value cannot be negative."), field=field, code="negative")
    if "priority" in data and data["priority"] not in Priority.values:
        raise ApplicationError(_("Choose P0, P1 or P2."), field="priority")
    for field, limit in (
        ("done_standard", 300),
        ("deliverable", 300),
        ("people_needed", 200),
        ("materials", 300),
        ("unit", 20),
    ):
        if field in data:
            data[field] = (data[field] or "").strip()
            if len(data[field]) > limit:
                raise ApplicationError(_("This text is too long."), field=field)
    return data


def _check_links(
    item_department: Department, goal: Goal | None, measure: Measure | None, phase: Phase | None
) -> None:
    if measure is not None and (goal is None or measure.goal_id != goal.pk):
        raise ApplicationError(_("The measure must belong to the item's goal."), field="measure_id")
    if goal is not None and goal.status in (GoalStatus.CANCELLED,):
        raise ApplicationError(_("The goal is cancelled."), field="goal_id")
    if phase is not None and not domain.phase_fits(
        phase_department_id=phase.department_id,
        phase_goal_id=phase.goal_id,
        item_department_id=item_department.pk,
        item_goal_id=goal.pk if goal else None,
    ):
        raise ApplicationError(_("The phase belongs to another plan."), field="phase_id")


# --- items -------------------------------------------------------------------------------


@transaction.atomic
def item_create(
    *,
    actor: Actor,
    department: Department,
    title: str,
    responsible: Sequence[Person] | None = None,
    accountable: Person | None = None,
    consulted: Iterable[Person | Department] = (),
    informed: Iterable[Person | Department] = (),
    predecessors: Iterable[ActionItem] = (),
    requested_department: Department | None = None,
    status: str = ItemStatus.TODO,
    description: str = "",
    start: dt.date | None = None,
    due: dt.date | None = None,
    is_milestone: bool = False,
    done_standard: str = "",
    deliverable: str = "",
    budget: Number | None = None,
    people_needed: str = "",
    materials: str = "",
    priority: str = Priority.P1,
    planned_quantity: Number | None = None,
    actual_quantity: Number | None = None,
    unit: str = "",
    phase: Phase | None = None,
    goal: Goal | None = None,
    measure: Measure | None = None,
) -> ActionItem:
    """Create an item with its RACI (and dependencies) in one step.

    Without RACI the creator is both R and A. An item asked of another department waits in
    that department's queue until its manager accepts it and names the R.
    """
    person = actor_person(actor)
    if not can_plan_in(actor, department):
        raise PermissionDeniedError(
            _("You can plan items in your own department or in departments you manage."),
            field="department_id",
        )
    data = _clean(
        {
            "title": title,
            "description": description,
            "start": start,
            "due": due,
            "is_milestone": is_milestone,
            "done_standard": done_standard,
            "deliverable": deliverable,
            "budget": budget,
            "people_needed": people_needed,
            "materials": materials,
            "priority": priority,
            "planned_quantity": planned_quantity,
            "actual_quantity": actual_quantity,
            "unit": unit,
            "phase": phase,
            "goal": goal,
            "measure": measure,
        }
    )
    check_dates(start, due)
    _check_links(department, goal, measure, phase)
    check_goal_period_open(goal or (measure.goal if measure is not None else None), field="goal_id")
    if status not in domain.OPEN_STATUSES:
        raise ApplicationError(_("A new item starts as to do, in progress or blocked."), field="status")
    item = ActionItem(
        department=department, created_by=person, status=status, status_changed_at=timezone.now(), **data
    )
    if requested_department is not None and requested_department != department:
        item.requested_department = requested_department
        item.request_state = RequestState.PENDING
    last = ActionItem.objects.filter(department=department, status=status).order_by("-position").first()
    item.position = (last.position + 1) if last else 1
    # Without a named R the creator holds it; for a request, until the other department names one.
    responsible = dedupe(responsible or [person])
    accountable = accountable or person
    validate_raci(raci_rows(None, responsible, accountable, list(consulted), list(informed)))
    item.accountable = accountable
    validated_save(item)
    # The RACI was validated above as a whole (one A, at least one R, each person once).
    RaciAssignment.objects.bulk_create(
        [
            validated(row, validate_constraints=False)
            for row in raci_rows(item, responsible, accountable, list(consulted), list(informed))
        ]
    )
    for predecessor in predecessors:
        add_dependency(predecessor, item, actor=actor)
    feed_measure(item.measure_id)
    notify_on_commit(
        [p for p in responsible if p.pk != person.pk],
        person,
        "assigned",
        _("You are responsible for “%(title)s”") % {"title": item.title},
        item,
    )
    if (
        requested_department is not None
        and item.request_state == RequestState.PENDING
        and requested_department.manager
    ):
        notify_on_commit(
            [requested_department.manager],
            person,
            "requested",
            _("%(department)s asks for support: “%(title)s”")
            % {"department": department.name, "title": item.title},
            item,
        )
    return item


def _open_predecessors(item: ActionItem) -> list[ActionItem]:
    return list(ActionItem.objects.filter(successor_links__successor=item, status__in=domain.OPEN_STATUSES))


def _set_status(item: ActionItem, status: str, override_reason: str = "") -> None:
    if status not in ItemStatus.values:
        raise ApplicationError(_("Choose a valid status."), field="status")
    if status == item.status:
        return
    if status == ItemStatus.DONE:
        blocking = _open_predecessors(item)
        if blocking and not override_reason.strip():
            raise ConflictError(
                _("“%(titles)s” must be finished first. To mark this done anyway, give a reason.")
                % {"titles": "”、“".join(b.title for b in blocking)},
                code="predecessor_open",
                field="status",
            )
        item.done_override_reason = override_reason.strip()[:300] if blocking else ""
        item.completed_at = timezone.now()
    elif item.status == ItemStatus.DONE:
        item.completed_at = None
    item.status = status
    item.status_changed_at = timezone.now()


@transaction.atomic
def item_update(
    *,
    actor: Actor,
    item: ActionItem,
    version: int | None,
    override_reason: str = "",
    **changes: Unpack[ItemChanges],
) -> ActionItem:
    """Change the fields given. Rs may change status and quantities; re-planning needs the A or a manager."""
    item = ActionItem.objects.select_for_update(of=("self",)).select_related("department").get(pk=item.pk)
    check_version(item, version)
    work_fields = {"status", "actual_quantity"}
    if set(changes) - work_fields:
        if not can_manage_item(actor, item):
            raise PermissionDeniedError(
                _("Only the item's A, its department's manager or an admin can re-plan it.")
            )
    elif not can_work_on_item(actor, item):
        raise PermissionDeniedError(_("You may view this item but not change it."))
    check_item_open(item)
    old_measure = item.measure_id
    data = _clean({k: v for k, v in changes.items() if k in ITEM_FIELDS})
    for field, value in data.items():
        setattr(item, field, value)
    check_dates(item.start, item.due)
    _check_links(item.department, item.goal, item.measure, item.phase)
    if "goal" in data or "measure" in data:
        check_item_open(item, field="goal_id")
    if "status" in changes and changes["status"] is not None:
        _set_status(item, changes["status"], override_reason)
    bump_version(item)
    item.save()
    feed_measure(item.measure_id)
    if old_measure != item.measure_id:
        feed_measure(old_measure)
    return item


@transaction.atomic
def item_move(
    *,
    actor: Actor,
    item: ActionItem,
    status: str,
    version: int | None,
    before_id: int | None = None,
    override_reason: str = "",
) -> ActionItem:
    """Kanban: move an item to a status column, above `before_id` (or to the end)."""
    item = ActionItem.objects.select_for_update(of=("self",)).select_related("department").get(pk=item.pk)
    if not can_work_on_item(actor, item):
        raise PermissionDeniedError(_("You may view this item but not change it."))
    check_item_open(item)
    if version is not None and version != item.version:
        raise ConflictError(
            _("“%(title)s” was changed by someone else meanwhile. The board has been refreshed; try again.")
            % {"title": item.title},
            code="version_conflict",
            field="version",
        )
    _set_status(item, status, override_reason)
    # One ordering per status across departments: a board may show a department's subtree or a
    # goal's items from several departments, and `before_id` can be any card on it.
    column = ActionItem.objects.filter(status=status).exclude(pk=item.pk)
    before = column.filter(pk=before_id).first() if before_id else None
    if before is not None:
        previous = column.filter(position__lt=before.position).order_by("-position").first()
        item.position = (before.position + previous.position) / 2 if previous else before.position - 1
    else:
        last = column.order_by("-position").first()
        item.position = (last.position + 1) if last else 1
    bump_version(item)
    item.save()
    feed_measure(item.measure_id)
    return item


@transaction.atomic
def item_reschedule(
    *, actor: Actor, item: ActionItem, start: dt.date | None, due: dt.date | None, version: int | None
) -> ActionItem:
    """Timeline: new dates for an item (those who may re-plan it)."""
    item = ActionItem.objects.select_for_update(of=("self",)).select_related("department").get(pk=item.pk)
    if not can_manage_item(actor, item):
        raise PermissionDeniedError(
            _("Only the item's A, its department's manager or an admin can re-plan it.")
        )
    check_version(item, version)
    check_item_open(item)
    check_dates(start, due)
    item.start, item.due = start, due
    bump_version(item)
    item.save()
    return item


@transaction.atomic
def items_bulk_update(
    *,
    actor: Actor,
    items: list[ActionItem],
    responsible: Person | None = None,
    due: dt.date | None = None,
    status: str | None = None,
) -> list[ActionItem]:
    """Change the R, the due date or the status of many items at once — all of them or none."""
    if not items:
        raise ApplicationError(_("Choose at least one item."), field="item_ids")
    if responsible is None and due is None and not status:
        raise ApplicationError(_("Choose what to change."), field="status")
    if responsible is not None and not responsible.is_active:
        raise ApplicationError(
            _("%(names)s is no longer active.") % {"names": responsible.display_name}, field="responsible_id"
        )
    locked = list(
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("department")
        .filter(pk__in=[i.pk for i in items])
    )
    already_responsible = (
        set(
            RaciAssignment.objects.filter(
                item__in=locked, role=RaciRole.RESPONSIBLE, person=responsible
            ).values_list("item_id", flat=True)
        )
        if responsible is not None
        else set()
    )
    for item in locked:
        if (responsible is not None or due is not None) and not can_manage_item(actor, item):
            raise PermissionDeniedError(_("You may not re-plan “%(title)s”.") % {"title": item.title})
        if status and not can_work_on_item(actor, item):
            raise PermissionDeniedError(_("You may not change “%(title)s”.") % {"title": item.title})
        check_item_open(item, field="item_ids")
        if due is not None:
            check_dates(item.start, due)
            item.due = due
        if status:
            try:
                _set_status(item, status)
            except ApplicationError as exc:
                exc.message = f"{item.title}: {exc.message}"
                raise
        bump_version(item)
        item.save()
        if responsible is not None:
            item.raci.filter(role=RaciRole.RESPONSIBLE).delete()
            # The only R now: the rows were just cleared.
            validated_save(
                RaciAssignment(item=item, role=RaciRole.RESPONSIBLE, person=responsible),
                validate_constraints=False,
            )
    for measure_id in {i.measure_id for i in locked if i.measure_id}:
        feed_measure(measure_id)
    if responsible is not None:
        _notify_new_responsible(
            responsible, actor_person(actor), [i for i in locked if i.pk not in already_responsible]
        )
    return locked


def _notify_new_responsible(person: Person, actor: Person, items: list[ActionItem]) -> None:
    """One notification per bulk action to the person who became R of `items` (like item_create)."""
    if not items:
        return
    if len(items) == 1:
        notify_on_commit(
            [person],
            actor,
            "assigned",
            _("You are responsible for “%(title)s”") % {"title": items[0].title},
            items[0],
        )
        return
    titles = "、".join(f"“{i.title}”" for i in items[:5]) + ("…" if len(items) > 5 else "")
    title = ngettext(
        "You are responsible for %(count)d item: %(titles)s",
        "You are responsible for %(count)d items: %(titles)s",
        len(items),
    ) % {"count": len(items), "titles": titles}
    transaction.on_commit(
        lambda: notify(recipients=[person], actor=actor, verb="assigned", title=title, url="/execution/mine/")
    )


@transaction.atomic
def item_delete(*, actor: Actor, item: ActionItem) -> None:
    item = ActionItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
    if not can_manage_item(actor, item):
        raise PermissionDeniedError(
            _("Only the item's A, its department's manager or an admin can re-plan it.")
        )
    check_item_open(item)
    mark_deleted(item, actor=actor, person=actor_person(actor))
    # RACI rows, dependencies, comments and check-ins stay attached for a restore; the pages and
    # the measure's total only see live items.
    feed_measure(item.measure_id)


@transaction.atomic
def item_restore(*, actor: Actor, item_id: int) -> ActionItem:
    """Bring a deleted item back (admins only) with its RACI, links and check-ins."""
    require_admin(actor)
    item = (
        ActionItem.all_objects.select_for_update(of=("self",))
        .select_related("goal", "measure__goal")
        .filter(pk=item_id, deleted_at__isnull=False)
        .first()
    )
    if item is None:
        raise NotFound(_("There is no deleted action item with this id."), field="item_id")
    goal = item.goal or (item.measure.goal if item.measure else None)
    if goal is not None and goal.is_deleted:
        raise ConflictError(
            _("Its goal “%(name)s” is deleted: restore the goal first.") % {"name": goal.name},
            code="goal_deleted",
            field="goal_id",
        )
    check_goal_period_open(goal, field="item_id")
    mark_restored(item, actor=actor)
    feed_measure(item.measure_id)
    return item
