"""The trash: deleted goals, action items, check-ins, cases and SOPs, newest first, for the admin to restore.

The trash stands above goals, execution, tracking and knowledge and reads their models; restoring goes
through each app's own restore service (services.py).

One page costs a fixed number of queries whatever its size: a count and a slice of the UNION of
(kind, id, deleted_at) over the five tables, then one query per kind for the rows on the page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import CharField, Value
from django.utils.translation import gettext_lazy as _

from lodestar.execution.models import ActionItem
from lodestar.goals.models import Goal
from lodestar.knowledge.models import Case, Sop
from lodestar.org.models import Department, Person
from lodestar.org.permissions import require_admin
from lodestar.tracking.models import CheckIn

KINDS = {
    "goal": _("Goal"),
    "item": _("Action item"),
    "checkin": _("Check-in"),
    "case": _("Case"),
    "sop": _("SOP"),
}


@dataclass
class TrashRow:
    kind: str
    id: int
    title: str
    department: Department | None
    deleted_at: dt.datetime
    deleted_by: Person | None

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])


def _deleted_keys(kind: str):
    model = {"goal": Goal, "item": ActionItem, "checkin": CheckIn, "case": Case, "sop": Sop}[kind]
    return (
        model.all_objects.filter(deleted_at__isnull=False)
        .annotate(trash_kind=Value(kind, output_field=CharField()))
        .values_list("trash_kind", "pk", "deleted_at")
        .order_by()  # the models' default ordering is not allowed inside a UNION
    )


def _load(kind: str, ids: list[int]) -> dict:
    if not ids:
        return {}
    if kind == "goal":
        goals = Goal.all_objects.select_related("department", "deleted_by").filter(pk__in=ids)
        return {g.pk: (g.name, g.department, g.deleted_by) for g in goals}
    if kind == "item":
        items = ActionItem.all_objects.select_related("department", "deleted_by").filter(pk__in=ids)
        return {i.pk: (i.title, i.department, i.deleted_by) for i in items}
    if kind in ("case", "sop"):
        model = Case if kind == "case" else Sop
        rows = model.all_objects.select_related("department", "deleted_by").filter(pk__in=ids)
        return {r.pk: (r.title, r.department, r.deleted_by) for r in rows}
    checkins = CheckIn.all_objects.select_related(
        "measure__goal__department", "item__department", "deleted_by"
    ).filter(pk__in=ids)
    return {c.pk: (_checkin_title(c), _checkin_department(c), c.deleted_by) for c in checkins}


def _checkin_title(checkin: CheckIn) -> str:
    subject = checkin.measure.name if checkin.measure_id else checkin.item.title
    return f"{subject} · {checkin.period_start:%Y-%m-%d} – {checkin.period_end:%Y-%m-%d}"


def _checkin_department(checkin: CheckIn) -> Department:
    return checkin.measure.goal.department if checkin.measure_id else checkin.item.department


def trash_page(user, *, kind: str | None, page: int, page_size: int) -> tuple[list[TrashRow], int]:
    """One page of the trash (admins only), optionally of one kind; returns (rows, total count)."""
    require_admin(user)
    kinds = [kind] if kind else list(KINDS)
    queryset = _deleted_keys(kinds[0])
    if len(kinds) > 1:
        queryset = queryset.union(*(_deleted_keys(k) for k in kinds[1:]), all=True)
    queryset = queryset.order_by("-deleted_at", "trash_kind", "-pk")
    count = queryset.count()
    offset = (page - 1) * page_size
    keys = list(queryset[offset : offset + page_size])
    loaded = {k: _load(k, [pk for key_kind, pk, _at in keys if key_kind == k]) for k in kinds}
    rows = []
    for key_kind, pk, deleted_at in keys:
        title, department, deleted_by = loaded[key_kind][pk]
        rows.append(TrashRow(key_kind, pk, title, department, deleted_at, deleted_by))
    return rows, count
