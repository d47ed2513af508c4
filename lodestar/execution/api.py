"""API: action items with RACI, kanban moves, rescheduling, bulk edits, dependencies, comments,
cross-department requests, phases and history (API.md "Core resources": `/items`).

Endpoints are thin: they fetch items through `access_item` (404 when the caller may not see an
item, 403 when they may see but not change it), turn `*_id` references into records through
`access_person` / `access_department` / `access_goal`, and call the same services and selectors
as the pages. Services raise `ApplicationError`s, which config/api.py turns into JSON errors.
Items go out loaded with their RACI rows and predecessors prefetched, so lists cost the same
number of queries for 5 items or 500.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch
from django.http import QueryDict
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from lodestar.core.errors import ApplicationError, NotFound
from lodestar.core.numbers import amount_str
from lodestar.core.references_by_id import on_field, optional_ref, require_values
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, PageIn, page_out
from lodestar.execution import selectors, services
from lodestar.execution.access import access_item, access_phase, visible_items, visible_phases
from lodestar.execution.models import ActionItem, Comment, Dependency
from lodestar.execution.schemas import (
    BulkIn,
    CommentIn,
    CommentOut,
    CommentPage,
    DependenciesOut,
    DependencyIn,
    HistoryPage,
    ItemFilterIn,
    ItemIn,
    ItemOut,
    ItemPage,
    ItemPatch,
    ItemsOut,
    MoveIn,
    PhaseFilterIn,
    PhaseIn,
    PhaseMoveIn,
    PhaseOut,
    PhasePage,
    PhasePatch,
    PhasesOut,
    RaciIn,
    RequestAnswerIn,
    RescheduleIn,
)
from lodestar.goals.access import access_goal, access_measure
from lodestar.org.permissions import (
    access_department,
    access_person,
    person_of,
    require_person,
)

router = Router(tags=["execution"])

ItemId = Path(..., le=MAX_ID, description="The item's id")
PredecessorId = Path(..., le=MAX_ID, description="The predecessor's id")

# Fields a PATCH may not set to null (the model has no empty value for them).
NOT_NULL_ITEM_FIELDS = ("title", "priority", "status", "is_milestone")
BLANK_ITEM_FIELDS = ("description", "done_standard", "deliverable", "people_needed", "materials", "unit")
HISTORY_SKIPPED = {"id", "version", "created_at", "status_changed_at", "completed_at"}
HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


# --- loading what the endpoints return -----------------------------------------------------


def _items_out(ids: list[int]) -> list[ActionItem]:
    """Items with what ItemOut shows (RACI rows, predecessors, phase), in the order of `ids`.

    Only for items the caller was already allowed to fetch or write."""
    queryset = (
        ActionItem.objects.filter(pk__in=ids)
        .select_related("phase")
        .prefetch_related(
            selectors.RACI_PREFETCH, Prefetch("predecessor_links", queryset=selectors.live_links())
        )
    )
    by_pk = {item.pk: item for item in queryset}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def item_out(item_id: int) -> ActionItem:
    """One action item as `GET /items/{id}` answers it (public: the trash answers a restore with it)."""
    return _items_out([item_id])[0]


def _comment_out(comment_id: int) -> Comment:
    return Comment.objects.select_related("author").prefetch_related("mentions").get(pk=comment_id)


# --- references by id ----------------------------------------------------------------------


def _people(user, field: str, ids) -> list:
    """The people of a list of ids (each once); an id that names no one → 404 on `field`."""
    return [on_field(field, access_person, user, pk) for pk in dict.fromkeys(ids or [])]


def _departments(user, field: str, ids) -> list:
    return [on_field(field, access_department, user, pk) for pk in dict.fromkeys(ids or [])]


def _raci(user, data: dict) -> dict:
    """The RACI keyword arguments of the services, from the `*_ids` fields of a payload."""
    return {
        "responsible": _people(user, "responsible_ids", data.pop("responsible_ids", [])),
        "accountable": optional_ref("accountable_id", access_person, user, data.pop("accountable_id", None)),
        "consulted": _people(user, "consulted_ids", data.pop("consulted_ids", []))
        + _departments(user, "consulted_department_ids", data.pop("consulted_department_ids", [])),
        "informed": _people(user, "informed_ids", data.pop("informed_ids", []))
        + _departments(user, "informed_department_ids", data.pop("informed_department_ids", [])),
    }


def _links(user, data: dict) -> dict:
    """Replace `goal_id`, `measure_id` and `phase_id` (when present) by the records."""
    fetch = {
        "goal_id": ("goal", access_goal),
        "measure_id": ("measure", access_measure),
        "phase_id": ("phase", access_phase),
    }
    for key, (name, get) in fetch.items():
        if key in data:
            data[name] = optional_ref(key, get, user, data.pop(key))
    return data


# --- items ---------------------------------------------------------------------------------


@router.get("/items", response={200: ItemPage, **LIST_ERRORS}, summary="List action items")
def item_list(request, filters: Query[ItemFilterIn]):
    """Items the caller may see. `department_id` includes sub-departments; `status` may repeat."""
    user = request.user
    require_person(user)
    values = filters.dict(exclude_none=True, exclude={"page", "page_size"})
    if "department_id" in values:
        access_department(user, values["department_id"])
    if "goal_id" in values:
        access_goal(user, values["goal_id"])
    if "phase_id" in values:
        access_phase(user, values["phase_id"])
    for field in ("responsible_id", "accountable_id"):
        if field in values:
            on_field(field, access_person, user, values[field])
    params = QueryDict(mutable=True)
    for key, value in values.items():
        if isinstance(value, list):
            params.setlist(key, [str(getattr(v, "value", v)) for v in value])
        elif isinstance(value, bool):
            params[key] = str(value).lower()
        else:
            params[key] = str(getattr(value, "value", value))
    queryset = selectors.item_list(user, params)
    return page_out(queryset, filters.page, filters.page_size)


@router.post(
    "/items",
    response={201: ItemOut, **WRITE_ERRORS},
    summary="Create an item with its RACI, dependencies and (optionally) a request to another department",
)
def item_create(request, payload: ItemIn):
    """Without `responsible_ids` the caller is the R, without `accountable_id` the A. With
    `requested_department_id` the item waits for that department's manager to accept it."""
    user = request.user
    require_person(user)
    data = _links(user, payload.dict())
    department_id = data.pop("department_id")
    if department_id is not None:
        department = on_field("department_id", access_department, user, department_id)
    elif data.get("goal") is not None:
        department = data["goal"].department
    else:
        person = person_of(user)
        department = person.department if person is not None else None
    if department is None:
        raise ApplicationError(
            _("Choose the department whose plan the item belongs to."), field="department_id", code="required"
        )
    raci = _raci(user, data)
    predecessors = [
        on_field("predecessor_ids", access_item, user, pk)
        for pk in dict.fromkeys(data.pop("predecessor_ids"))
    ]
    requested = optional_ref(
        "requested_department_id", access_department, user, data.pop("requested_department_id")
    )
    item = services.item_create(
        actor=user,
        department=department,
        title=data.pop("title"),
        status=data.pop("status"),
        predecessors=predecessors,
        requested_department=requested,
        **raci,
        **data,
    )
    return Status(201, item_out(item.pk))


@router.post(
    "/items/bulk",
    response={200: ItemsOut, **WRITE_ERRORS},
    summary="Change the R, the due date or the status of many items: all of them or none",
)
def item_bulk(request, payload: BulkIn):
    """An item the caller does not see → 404 (`item_ids`); one they may not change → 403;
    either way no item is changed."""
    user = request.user
    require_person(user)
    ids = list(dict.fromkeys(payload.item_ids))
    items = list(visible_items(user).filter(pk__in=ids))
    if len(items) != len(ids):
        raise NotFound(_("Action item not found."), field="item_ids")
    responsible = optional_ref("responsible_id", access_person, user, payload.responsible_id)
    changed = services.items_bulk_update(
        actor=user, items=items, responsible=responsible, due=payload.due, status=payload.status
    )
    changed_ids = {item.pk for item in changed}
    return {"items": _items_out([pk for pk in ids if pk in changed_ids])}


@router.get("/items/{item_id}", response={200: ItemOut, **READ_ERRORS}, summary="One action item")
def item_detail(request, item_id: int = ItemId):
    access_item(request.user, item_id)
    return item_out(item_id)


@router.patch(
    "/items/{item_id}",
    response={200: ItemOut, **WRITE_ERRORS},
    summary="Change an item (send its `version`; a stale one gets 409)",
)
def item_patch(request, payload: ItemPatch, item_id: int = ItemId):
    """The Rs may change `status` and `actual_quantity`; anything else needs the A, a manager of
    the item's department or an admin. Marking it done while a predecessor is open needs an
    `override_reason` (else 409 `predecessor_open`)."""
    user = request.user
    item = access_item(user, item_id, write=True)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    override_reason = data.pop("override_reason", "") or ""
    require_values(data, NOT_NULL_ITEM_FIELDS)
    for field in BLANK_ITEM_FIELDS:
        if field in data and data[field] is None:
            data[field] = ""
    data = _links(user, data)
    services.item_update(actor=user, item=item, version=version, override_reason=override_reason, **data)
    return item_out(item_id)


@router.delete("/items/{item_id}", response={204: None, **WRITE_ERRORS}, summary="Delete an item")
def item_delete(request, item_id: int = ItemId):
    item = access_item(request.user, item_id, manage=True)
    services.item_delete(actor=request.user, item=item)
    return Status(204, None)


@router.put(
    "/items/{item_id}/raci",
    response={200: ItemOut, **WRITE_ERRORS},
    summary="Replace the item's RACI: exactly one A, at least one R, any Cs and Is",
)
def item_raci(request, payload: RaciIn, item_id: int = ItemId):
    """422 `no_accountable` (field `accountable_id`) without an A, `no_responsible`
    (`responsible_ids`) without an R; an id that names no one → 404 on its field."""
    user = request.user
    item = access_item(user, item_id, manage=True)
    data = payload.dict()
    version = data.pop("version")
    services.raci_set(actor=user, item=item, version=version, **_raci(user, data))
    return item_out(item_id)


@router.post(
    "/items/{item_id}/move",
    response={200: ItemOut, **WRITE_ERRORS},
    summary="Kanban: move the item to a status column, above `before_id` or at the end",
)
def item_move(request, payload: MoveIn, item_id: int = ItemId):
    """A stale `version` → 409 `version_conflict`; done with a predecessor open → 409
    `predecessor_open` unless `override_reason` is given."""
    user = request.user
    item = access_item(user, item_id, write=True)
    if payload.before_id is not None:
        on_field("before_id", access_item, user, payload.before_id)
    services.item_move(
        actor=user,
        item=item,
        status=payload.status,
        version=payload.version,
        before_id=payload.before_id,
        override_reason=payload.override_reason,
    )
    return item_out(item_id)


@router.post(
    "/items/{item_id}/reschedule",
    response={200: ItemOut, **WRITE_ERRORS},
    summary="Timeline: new start and due dates",
)
def item_reschedule(request, payload: RescheduleIn, item_id: int = ItemId):
    user = request.user
    item = access_item(user, item_id, manage=True)
    services.item_reschedule(
        actor=user, item=item, start=payload.start, due=payload.due, version=payload.version
    )
    return item_out(item_id)


# --- dependencies --------------------------------------------------------------------------


def _dependencies(user, item: ActionItem) -> dict:
    visible = visible_items(user).order_by("due", "id")
    return {
        "item_id": item.pk,
        "predecessors": list(visible.filter(successor_links__successor=item)),
        "successors": list(visible.filter(predecessor_links__predecessor=item)),
    }


@router.get(
    "/items/{item_id}/dependencies",
    response={200: DependenciesOut, **READ_ERRORS},
    summary="The items this one waits for, and those waiting for it",
)
def dependency_list(request, item_id: int = ItemId):
    item = access_item(request.user, item_id)
    return _dependencies(request.user, item)


@router.post(
    "/items/{item_id}/dependencies",
    response={201: DependenciesOut, **WRITE_ERRORS},
    summary="Add a finish-to-start predecessor (a cycle → 422 `cycle`)",
)
def dependency_add(request, payload: DependencyIn, item_id: int = ItemId):
    user = request.user
    item = access_item(user, item_id, manage=True)
    predecessor = on_field("predecessor_id", access_item, user, payload.predecessor_id)
    try:
        services.dependency_add(actor=user, predecessor=predecessor, successor=item)
    except ApplicationError as exc:
        if exc.field == "predecessor_ids":
            exc.field = "predecessor_id"
        raise
    return Status(201, _dependencies(user, item))


@router.delete(
    "/items/{item_id}/dependencies/{predecessor_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove a predecessor",
)
def dependency_remove(request, item_id: int = ItemId, predecessor_id: int = PredecessorId):
    user = request.user
    item = access_item(user, item_id, manage=True)
    link = (
        Dependency.objects.select_related("predecessor")
        .filter(successor=item, predecessor_id=predecessor_id)
        .first()
    )
    if link is None:
        raise NotFound(_("This item does not depend on that one."), field="predecessor_id")
    services.dependency_remove(actor=user, predecessor=link.predecessor, successor=item)
    return Status(204, None)


# --- comments ------------------------------------------------------------------------------


@router.get(
    "/items/{item_id}/comments",
    response={200: CommentPage, **LIST_ERRORS},
    summary="The item's comments, oldest first",
)
def comment_list(request, filters: Query[PageIn], item_id: int = ItemId):
    item = access_item(request.user, item_id)
    queryset = (
        Comment.objects.filter(item=item)
        .select_related("author")
        .prefetch_related("mentions")
        .order_by("created_at", "id")
    )
    return page_out(queryset, filters.page, filters.page_size)


@router.post(
    "/items/{item_id}/comments",
    response={201: CommentOut, **WRITE_ERRORS},
    summary="Comment on an item; @username or @显示名 notifies that person",
)
def comment_add(request, payload: CommentIn, item_id: int = ItemId):
    item = access_item(request.user, item_id)
    comment = services.comment_add(actor=request.user, item=item, body=payload.body)
    return Status(201, _comment_out(comment.pk))


# --- cross-department requests -------------------------------------------------------------


@router.post(
    "/items/{item_id}/request",
    response={200: ItemOut, **WRITE_ERRORS},
    summary="Accept (naming the R) or decline a request addressed to your department",
)
def request_answer(request, payload: RequestAnswerIn, item_id: int = ItemId):
    """Only a manager of the requested department (or an admin) answers; an answered request → 409
    `request_answered`."""
    user = request.user
    item = access_item(user, item_id)
    responsible = optional_ref("responsible_id", access_person, user, payload.responsible_id)
    services.request_answer(
        actor=user, item=item, accept=payload.accept, responsible=responsible, comment=payload.comment
    )
    return item_out(item_id)


# --- phases --------------------------------------------------------------------------------


@router.get("/phases", response={200: PhasePage, **LIST_ERRORS}, summary="List phases")
def phase_list(request, filters: Query[PhaseFilterIn]):
    user = request.user
    require_person(user)
    queryset = visible_phases(user)
    if filters.department_id is not None:
        access_department(user, filters.department_id)
        queryset = queryset.filter(department_id=filters.department_id)
    if filters.goal_id is not None:
        access_goal(user, filters.goal_id)
        queryset = queryset.filter(goal_id=filters.goal_id)
    return page_out(
        queryset.order_by("department_id", "sort_order", "start", "id"), filters.page, filters.page_size
    )


@router.post(
    "/phases",
    response={201: PhaseOut, **WRITE_ERRORS},
    summary="Add a phase (预热期, 爆发期, 返场期…) to a department's or a goal's plan",
)
def phase_create(request, payload: PhaseIn):
    user = request.user
    department = access_department(user, payload.department_id)
    goal = optional_ref("goal_id", access_goal, user, payload.goal_id)
    try:
        phase = services.phase_create(
            actor=user,
            department=department,
            name=payload.name,
            goal=goal,
            start=payload.start,
            end=payload.end,
        )
    except ApplicationError as exc:
        if exc.code == "due_before_start":
            exc.field = "end"
            exc.message = _("The end date is before the start date.")
        raise
    return Status(201, phase)


PhaseId = Path(..., le=MAX_ID, description="The phase's id")


@router.patch(
    "/phases/{phase_id}",
    response={200: PhaseOut, **WRITE_ERRORS},
    summary="Rename a phase or change its dates (send its `version`)",
)
def phase_patch(request, payload: PhasePatch, phase_id: int = PhaseId):
    """Those who may plan items in the phase's department; `end` before `start` → 422 on `end`."""
    user = request.user
    phase = access_phase(user, phase_id)
    data = payload.dict(exclude_unset=True)
    require_values(data, ("name",))
    return services.phase_update(
        actor=user,
        phase=phase,
        version=data["version"],
        name=data.get("name", phase.name),
        start=data.get("start", phase.start),
        end=data.get("end", phase.end),
    )


@router.post(
    "/phases/{phase_id}/move",
    response={200: PhasesOut, **WRITE_ERRORS},
    summary="Put a phase at `position` among its plan's phases; answers the plan's phases in order",
)
def phase_move(request, payload: PhaseMoveIn, phase_id: int = PhaseId):
    user = request.user
    phase = access_phase(user, phase_id)
    return {"items": services.phase_move(actor=user, phase=phase, position=payload.position)}


# --- history -------------------------------------------------------------------------------


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return amount_str(value)
    return str(value)


def _history_row(row, previous) -> dict:
    """One simple_history row: when, who, and what changed since the row before it."""
    changes = []
    if previous is not None and row.history_type == "~":
        # Compared by hand: simple_history's diff_against skips non-editable fields (the A).
        for field in row.tracked_fields:
            if field.name in HISTORY_SKIPPED:
                continue
            old, new = getattr(previous, field.attname), getattr(row, field.attname)
            if old != new:
                changes.append({"field": field.attname, "old": _text(old), "new": _text(new)})
    user = row.history_user
    person = getattr(user, "person", None) if user is not None else None
    return {
        "id": row.history_id,
        "when": row.history_date,
        "who_id": person.pk if person is not None else None,
        # No user: written outside a request (the demo seed, a management command, a nightly task).
        "who": person.display_name if person is not None else (user.get_username() if user else _("System")),
        "change_type": HISTORY_TYPES.get(row.history_type, row.history_type),
        "changed_fields": [change["field"] for change in changes],
        "changes": changes,
    }


@router.get(
    "/items/{item_id}/history",
    response={200: HistoryPage, **LIST_ERRORS},
    summary="The item's change history, newest first",
)
def item_history(request, filters: Query[PageIn], item_id: int = ItemId):
    item = access_item(request.user, item_id)
    queryset = item.history.select_related("history_user__person").order_by("-history_date", "-history_id")
    count = queryset.count()
    offset = (filters.page - 1) * filters.page_size
    rows = list(queryset[offset : offset + filters.page_size + 1])  # one more: the last row's predecessor
    items = [
        _history_row(row, rows[index + 1] if index + 1 < len(rows) else None)
        for index, row in enumerate(rows[: filters.page_size])
    ]
    return {"items": items, "count": count, "page": filters.page, "page_size": filters.page_size}
