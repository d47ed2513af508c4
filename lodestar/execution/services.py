"""Writes for action items: validation, permission, atomicity, and feeding the goal's measure.

Every service is keyword-only, refuses bad input with a message on the field, and writes
inside one transaction; notifications go out on commit.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from lodestar.core.errors import ApplicationError, ConflictError, NotFound, PermissionDeniedError
from lodestar.core.services import bump_version, check_version
from lodestar.core.softdelete import mark_deleted, mark_restored
from lodestar.execution import domain
from lodestar.execution.access import can_manage_item, can_plan_in, can_work_on_item
from lodestar.execution.models import (
    ActionItem,
    Attachment,
    Comment,
    Dependency,
    ItemStatus,
    Phase,
    Priority,
    RaciAssignment,
    RaciRole,
    RecurringItem,
    RequestState,
)
from lodestar.goals.figures import measure_refresh_current
from lodestar.goals.models import GoalStatus, Measure
from lodestar.goals.services import to_decimal
from lodestar.notifications.services import notify
from lodestar.org.models import Department, Person
from lodestar.org.permissions import can_write, require_admin, require_person

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
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_EXTENSIONS = {
    ".pdf",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".xlsx",
    ".xls",
    ".csv",
    ".docx",
    ".doc",
    ".pptx",
    ".ppt",
    ".txt",
    ".md",
    ".zip",
    ".mp4",
    ".mov",
}
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


def _actor(actor) -> Person:
    person = require_person(actor)
    if person is None:
        raise PermissionDeniedError(_("Your account is not linked to a person in the organisation."))
    return person


def _clean(data: dict) -> dict:
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


def _check_dates(start, due) -> None:
    if domain.dates_problem(start, due):
        raise ApplicationError(
            _("The due date is before the start date."), field="due", code="due_before_start"
        )


def _check_links(item_department: Department, goal, measure, phase) -> None:
    if measure is not None and (goal is None or measure.goal_id != goal.pk):
        raise ApplicationError(_("The measure must belong to the item's goal."), field="measure_id")
    if goal is not None and goal.status in (GoalStatus.CANCELLED,):
        raise ApplicationError(_("The goal is cancelled."), field="goal_id")
    # A phase belongs to the item's department's plan, or to the item's goal (not to "no goal").
    if (
        phase is not None
        and phase.department_id != item_department.pk
        and (phase.goal_id is None or phase.goal_id != (goal.pk if goal else None))
    ):
        raise ApplicationError(_("The phase belongs to another plan."), field="phase_id")


# --- RACI --------------------------------------------------------------------------------


def _raci_rows(item, responsible, accountable, consulted, informed) -> list[RaciAssignment]:
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


def _validate_raci(rows: list[RaciAssignment]) -> None:
    entries = [
        domain.RaciEntry(r.role, r.person_id or (r.person.pk if r.person else None), r.department_id)
        for r in rows
    ]
    problems = domain.raci_problems(entries)
    if problems:
        field, message = RACI_MESSAGES[problems[0]]
        raise ApplicationError(str(message), field=field, code=problems[0])
    inactive = [r for r in rows if r.person is not None and not r.person.is_active]
    if inactive:
        names = "、".join(dict.fromkeys(r.person.display_name for r in inactive))
        raise ApplicationError(
            _("%(names)s is no longer active.") % {"names": names}, field=RACI_FIELDS[inactive[0].role]
        )


def _dedupe(people):
    return list({p.pk: p for p in people if p is not None}.values())


@transaction.atomic
def raci_set(
    *,
    actor,
    item: ActionItem,
    responsible: list[Person],
    accountable: Person | None,
    consulted=(),
    informed=(),
    version: int | None = None,
) -> ActionItem:
    """Replace an item's RACI: exactly one A (a person), at least one R; C and I people or departments."""
    person = _actor(actor)
    item = ActionItem.objects.select_for_update(of=("self",)).select_related("department").get(pk=item.pk)
    if not can_manage_item(actor, item):
        raise PermissionDeniedError(
            _("Only the item's A, its department's manager or an admin can re-plan it.")
        )
    check_version(item, version)
    before = set(item.raci.filter(role=RaciRole.RESPONSIBLE).values_list("person_id", flat=True))
    rows = _raci_rows(item, _dedupe(responsible), accountable, list(consulted), list(informed))
    _validate_raci(rows)
    item.raci.all().delete()
    RaciAssignment.objects.bulk_create(rows)
    item.accountable = accountable
    bump_version(item)
    item.save(update_fields=["accountable", "version", "updated_at"])
    newly = [p for p in responsible if p.pk not in before]
    _notify_on_commit(
        newly, person, "assigned", _("You are responsible for “%(title)s”") % {"title": item.title}, item
    )
    return item


# --- items -------------------------------------------------------------------------------


@transaction.atomic
def item_create(
    *,
    actor,
    department: Department,
    title: str,
    responsible: list[Person] | None = None,
    accountable: Person | None = None,
    consulted=(),
    informed=(),
    predecessors=(),
    requested_department: Department | None = None,
    status: str = ItemStatus.TODO,
    **fields,
) -> ActionItem:
    """Create an item with its RACI (and dependencies) in one step.

    Without RACI the creator is both R and A. An item asked of another department waits in
    that department's queue until its manager accepts it and names the R.
    """
    person = _actor(actor)
    if not can_plan_in(actor, department):
        raise PermissionDeniedError(
            _("You can plan items in your own department or in departments you manage."),
            field="department_id",
        )
    data = _clean({"title": title, **{k: v for k, v in fields.items() if k in ITEM_FIELDS}})
    _check_dates(data.get("start"), data.get("due"))
    _check_links(department, data.get("goal"), data.get("measure"), data.get("phase"))
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
    responsible = _dedupe(responsible or [person])
    accountable = accountable or person
    _validate_raci(_raci_rows(None, responsible, accountable, list(consulted), list(informed)))
    item.accountable = accountable
    item.save()
    RaciAssignment.objects.bulk_create(
        _raci_rows(item, responsible, accountable, list(consulted), list(informed))
    )
    for predecessor in predecessors:
        _add_dependency(predecessor, item)
    _feed_measure(item.measure_id)
    _notify_on_commit(
        [p for p in responsible if p.pk != person.pk],
        person,
        "assigned",
        _("You are responsible for “%(title)s”") % {"title": item.title},
        item,
    )
    if item.request_state == RequestState.PENDING and requested_department.manager:
        _notify_on_commit(
            [requested_department.manager],
            person,
            "requested",
            _("%(department)s asks for support: “%(title)s”")
            % {"department": department.name, "title": item.title},
            item,
        )
    return item


def _notify_on_commit(recipients, actor, verb, title, item) -> None:
    recipients = list(recipients)
    if recipients:
        url = f"/execution/items/{item.pk}/"
        transaction.on_commit(
            lambda: notify(recipients=recipients, actor=actor, verb=verb, title=title, url=url)
        )


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
    *, actor, item: ActionItem, version: int | None, override_reason: str = "", **changes
) -> ActionItem:
    """Change an item. Rs may change status and quantities; re-planning needs the A or a manager."""
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
    old_measure = item.measure_id
    data = _clean({k: v for k, v in changes.items() if k in ITEM_FIELDS})
    for field, value in data.items():
        setattr(item, field, value)
    _check_dates(item.start, item.due)
    _check_links(item.department, item.goal, item.measure, item.phase)
    if "status" in changes and changes["status"] is not None:
        _set_status(item, changes["status"], override_reason)
    bump_version(item)
    item.save()
    _feed_measure(item.measure_id)
    if old_measure != item.measure_id:
        _feed_measure(old_measure)
    return item


@transaction.atomic
def item_move(
    *,
    actor,
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
    _feed_measure(item.measure_id)
    return item


@transaction.atomic
def item_reschedule(
    *, actor, item: ActionItem, start: dt.date | None, due: dt.date | None, version: int | None
) -> ActionItem:
    """Timeline: new dates for an item (those who may re-plan it)."""
    item = ActionItem.objects.select_for_update(of=("self",)).select_related("department").get(pk=item.pk)
    if not can_manage_item(actor, item):
        raise PermissionDeniedError(
            _("Only the item's A, its department's manager or an admin can re-plan it.")
        )
    check_version(item, version)
    _check_dates(start, due)
    item.start, item.due = start, due
    bump_version(item)
    item.save()
    return item


@transaction.atomic
def items_bulk_update(
    *,
    actor,
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
        if due is not None:
            _check_dates(item.start, due)
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
            RaciAssignment.objects.create(item=item, role=RaciRole.RESPONSIBLE, person=responsible)
    for measure_id in {i.measure_id for i in locked if i.measure_id}:
        _feed_measure(measure_id)
    if responsible is not None:
        _notify_new_responsible(
            responsible, _actor(actor), [i for i in locked if i.pk not in already_responsible]
        )
    return locked


def _notify_new_responsible(person: Person, actor: Person, items: list[ActionItem]) -> None:
    """One notification per bulk action to the person who became R of `items` (like item_create)."""
    if not items:
        return
    if len(items) == 1:
        _notify_on_commit(
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
def item_delete(*, actor, item: ActionItem) -> None:
    item = ActionItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
    if not can_manage_item(actor, item):
        raise PermissionDeniedError(
            _("Only the item's A, its department's manager or an admin can re-plan it.")
        )
    mark_deleted(item, actor=actor, person=_actor(actor))
    # RACI rows, dependencies, comments and check-ins stay attached for a restore; the pages and
    # the measure's total only see live items.
    _feed_measure(item.measure_id)


@transaction.atomic
def item_restore(*, actor, item_id: int) -> ActionItem:
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
    mark_restored(item, actor=actor)
    _feed_measure(item.measure_id)
    return item


# --- feeding the goal ---------------------------------------------------------------------


def _feed_measure(
    measure_id: int | None, *, change: Decimal = Decimal(0), reported_for: dt.date | None = None
) -> list[int] | None:
    """Hand the linked items' quantities to the measure (goals.figures combines them with its
    own check-ins: see `domain.combined_current`); returns the goal chain rolled up, if any.

    "小红书笔记50篇": every note an item reports as done counts toward the measure, on top of the
    measure's latest own check-in unless that check-in's period already covers it: `change` is
    the item's change reported by a check-in for the period ending `reported_for`; a quantity
    typed on the item itself (no period) counts as reported after any stock-take.
    """
    if not measure_id:
        return None
    measure = (
        Measure.objects.select_for_update(of=("self",)).select_related("goal").filter(pk=measure_id).first()
    )
    if measure is None or measure.parts.filter(goal__deleted_at__isnull=True).exists():
        return None
    total = (
        ActionItem.objects.filter(measure_id=measure_id)
        .exclude(status=ItemStatus.CANCELLED)
        .aggregate(total=Sum("actual_quantity"))["total"]
    )
    covered = (
        reported_for is not None
        and measure.stock_take_end is not None
        and reported_for <= measure.stock_take_end
    )
    return measure_refresh_current(
        measure=measure,
        items_total=total if total is not None else Decimal(0),
        items_included_change=change if covered else Decimal(0),
    )


# --- dependencies ------------------------------------------------------------------------


def _add_dependency(predecessor: ActionItem, successor: ActionItem) -> Dependency:
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
def dependency_add(*, actor, predecessor: ActionItem, successor: ActionItem) -> Dependency:
    if not can_manage_item(actor, successor):
        raise PermissionDeniedError(
            _("Only the item's A, its department's manager or an admin can re-plan it.")
        )
    return _add_dependency(predecessor, successor)


@transaction.atomic
def dependency_remove(*, actor, predecessor: ActionItem, successor: ActionItem) -> None:
    if not can_manage_item(actor, successor):
        raise PermissionDeniedError(
            _("Only the item's A, its department's manager or an admin can re-plan it.")
        )
    Dependency.objects.filter(predecessor=predecessor, successor=successor).delete()


# --- cross-department requests ------------------------------------------------------------


@transaction.atomic
def request_answer(
    *, actor, item: ActionItem, accept: bool, responsible: Person | None = None, comment: str = ""
) -> ActionItem:
    """The requested department's manager accepts (naming the R) or declines a request."""
    from lodestar.org.permissions import is_admin, manages_department

    person = _actor(actor)
    item = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("requested_department")
        .get(pk=item.pk)
    )
    if item.request_state != RequestState.PENDING:
        raise ConflictError(_("This request has already been answered."), code="request_answered")
    if not (is_admin(actor) or manages_department(actor, item.requested_department)):
        raise PermissionDeniedError(_("Only a manager of the requested department can answer this request."))
    if accept:
        if responsible is None:
            raise ApplicationError(_("Name who will do it (R)."), field="responsible_id", code="required")
        if not (
            responsible.department_id
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
        RaciAssignment.objects.create(item=item, role=RaciRole.RESPONSIBLE, person=responsible)
        item.request_state = RequestState.ACCEPTED
        _notify_on_commit(
            [responsible],
            person,
            "assigned",
            _("You are responsible for “%(title)s”") % {"title": item.title},
            item,
        )
    else:
        item.request_state = RequestState.DECLINED
        if comment.strip():
            Comment.objects.create(item=item, author=person, body=comment.strip()[:4000])
    bump_version(item)
    item.save()
    _notify_on_commit(
        [item.accountable],
        person,
        "request_answered",
        (_("Request accepted: “%(title)s”") if accept else _("Request declined: “%(title)s”"))
        % {"title": item.title},
        item,
    )
    return item


# --- comments and attachments --------------------------------------------------------------

MENTION = re.compile(r"@([\w.\-\u4e00-\u9fff]{1,40})")


def mentioned_people(body: str) -> list[Person]:
    """People named as @username or @显示名 in a comment."""
    names = set(MENTION.findall(body))
    names |= {name.rstrip(".-") for name in names}  # "thanks @linxiao." ends the sentence, not the name
    names.discard("")
    if not names:
        return []
    return list(
        Person.objects.filter(is_active=True).filter(user__username__in=names)
        | Person.objects.filter(is_active=True, display_name__in=names)
    )


@transaction.atomic
def comment_add(*, actor, item: ActionItem, body: str) -> Comment:
    person = _actor(actor)
    from lodestar.execution.access import visible_items

    if not can_write(actor) or not visible_items(actor).filter(pk=item.pk).exists():
        raise PermissionDeniedError(_("You may not comment on this item."))
    body = (body or "").strip()
    if not body:
        raise ApplicationError(_("Write a comment."), field="body", code="required")
    if len(body) > 4000:
        raise ApplicationError(_("A comment can be at most 4,000 characters."), field="body")
    comment = Comment.objects.create(item=item, author=person, body=body)
    # Only people who may see the item are notified: the notification shows its title.
    named = mentioned_people(body)
    mentioned = [p for p in named if visible_items(p.user).filter(pk=item.pk).exists()]
    comment.not_notified = [p for p in named if p not in mentioned]
    comment.mentions.set(mentioned)
    _notify_on_commit(
        mentioned,
        person,
        "mentioned",
        _("%(name)s mentioned you on “%(title)s”") % {"name": person.display_name, "title": item.title},
        item,
    )
    return comment


@transaction.atomic
def attachment_add(*, actor, item: ActionItem, upload) -> Attachment:
    person = _actor(actor)
    if not can_work_on_item(actor, item):
        raise PermissionDeniedError(_("You may view this item but not change it."))
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise ApplicationError(
            _("Files of type “%(ext)s” are not accepted.") % {"ext": extension or "?"},
            field="file",
            code="file_type",
        )
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ApplicationError(_("A file can be at most 10 MB."), field="file", code="file_too_large")
    return Attachment.objects.create(
        item=item,
        file=upload,
        name=name,
        size=upload.size,
        content_type=(getattr(upload, "content_type", "") or "")[:100],
        uploaded_by=person,
    )


# --- phases and recurring items ------------------------------------------------------------


DEFAULT_PHASES = ("预热期", "爆发期", "返场期")


@transaction.atomic
def phase_create(*, actor, department: Department, name: str, goal=None, start=None, end=None) -> Phase:
    if not can_plan_in(actor, department):
        raise PermissionDeniedError(
            _("You can plan items in your own department or in departments you manage.")
        )
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Name the phase."), field="name", code="required")
    _check_dates(start, end)
    return Phase.objects.create(
        department=department,
        goal=goal,
        name=name[:60],
        start=start,
        end=end,
        sort_order=Phase.objects.filter(department=department, goal=goal).count(),
    )


def _next_due(rule: RecurringItem, after: dt.date) -> dt.date:
    if rule.frequency == RecurringItem.Frequency.WEEKLY:
        return after + dt.timedelta(days=7)
    month = after.month % 12 + 1
    year = after.year + (1 if after.month == 12 else 0)
    day = min(rule.day_of_month, 28)
    return dt.date(year, month, day)


@transaction.atomic
def generate_recurring_items(*, today: dt.date | None = None) -> int:
    """Create the items of every active recurring rule that is due by `today` (run by the worker).

    Each rule is locked while it is advanced, so two workers never create the same item twice.
    """
    today = today or timezone.localdate()
    created = 0
    for rule in RecurringItem.objects.select_for_update(skip_locked=True).filter(
        is_active=True, next_due__lte=today
    ):
        while rule.next_due <= today:
            item = ActionItem.objects.create(
                department=rule.department,
                goal=rule.goal,
                title=rule.title,
                due=rule.next_due,
                start=rule.next_due,
                priority=rule.priority,
                recurrence=rule,
                created_by=rule.created_by,
                accountable=rule.accountable,
                status_changed_at=timezone.now(),
            )
            RaciAssignment.objects.bulk_create(
                [
                    RaciAssignment(item=item, role=RaciRole.RESPONSIBLE, person=rule.responsible),
                    RaciAssignment(item=item, role=RaciRole.ACCOUNTABLE, person=rule.accountable),
                ]
            )
            created += 1
            rule.next_due = _next_due(rule, rule.next_due)
        rule.save(update_fields=["next_due", "updated_at"])
    return created
