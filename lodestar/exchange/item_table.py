"""The task decomposition table (营销策略执行任务分解表, seed 002's template 1) in and out of Excel.

The seed's columns first, in its order: 任务 · 负责人 · 起止时间 · 交付物 · 优先级 · 资源需求; then what Lodestar
keeps of a task (完成标准, 状态, 审批人 (the A of RACI), 所属部门, 目标ID, 计划量, 实际量, 单位, 预算), and the
hidden ID and 版本. Rows are written through execution.services: `item_create`, `item_update` (fields and
status) and `raci_set` (负责人 = the Rs, 审批人 = the A; the Cs and Is are kept), so the item's permissions
(only its A or a manager re-plans it; its R moves the status), dependencies and history all apply."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lodestar.exchange import columns as c
from lodestar.exchange import records
from lodestar.exchange.columns import Column, TableSpec
from lodestar.exchange.rows import RowProblem, cell_text, choice_lookup
from lodestar.execution import selectors
from lodestar.execution.access import visible_items
from lodestar.execution.models import ItemStatus, Priority, RaciRole
from lodestar.execution.services import items as item_services
from lodestar.execution.services import raci as raci_services
from lodestar.goals.access import visible_goals

SPEC = TableSpec(
    name="items",
    title_zh="营销策略执行任务分解表",
    title_en="Marketing strategy task decomposition table",
    help=gettext_lazy(
        "One task per row. Rows with an ID update that task; rows without one create a task. A task changed in "
        "Lodestar since this file was exported is reported as a conflict and not overwritten."
    ),
    sheet_zh="任务分解",
    sheet_en="Tasks",
    columns=(
        Column(
            "title",
            "任务",
            "Task",
            gettext_lazy("What is to be done, e.g. 筛选10位职场博主"),
            30,
            c.TEXT,
            required=True,
        ),
        Column("responsible", "负责人", "Owner", gettext_lazy("Who does it (R): names separated by 、"), 14),
        Column(
            "dates",
            "起止时间",
            "Start–end",
            gettext_lazy("2031-06-01 ~ 2031-06-10 or the seed's 2031.6.1-6.10"),
            24,
        ),
        Column("deliverable", "交付物", "Deliverable", gettext_lazy("e.g. KOL名单及报价单"), 24),
        Column(
            "priority",
            "优先级",
            "Priority",
            gettext_lazy("P0 highest, P1 normal, P2 low"),
            8,
            choices=lambda: list(Priority.values),
        ),
        Column(
            "materials", "资源需求", "Resource needs", gettext_lazy("Materials, lists, support needed"), 24
        ),
        Column("done_standard", "完成标准", "Standard of done", gettext_lazy("e.g. 点赞≥500, 评论≥100"), 22),
        Column(
            "status",
            "状态",
            "Status",
            gettext_lazy("To do, in progress, blocked, done, cancelled"),
            10,
            choices=lambda: [str(label) for _value, label in ItemStatus.choices],
        ),
        Column("accountable", "审批人", "Accountable", gettext_lazy("Who approves (A): one person"), 12),
        Column(
            "department",
            "所属部门",
            "Department",
            gettext_lazy("The department that plans the task"),
            14,
            required=True,
        ),
        Column(
            "goal",
            "目标ID",
            "Goal ID",
            gettext_lazy("The id of the goal the task serves (on the goal's page)"),
            9,
            c.INTEGER,
        ),
        Column("planned_quantity", "计划量", "Planned quantity", "", 10, c.DECIMAL),
        Column("actual_quantity", "实际量", "Actual quantity", "", 10, c.DECIMAL),
        Column("unit", "单位", "Unit", gettext_lazy("e.g. 篇, 场, 条"), 8),
        Column("budget", "预算", "Budget", gettext_lazy("Budget in yuan"), 14, c.YUAN),
        Column(
            c.ID_KEY,
            "ID",
            "ID",
            gettext_lazy("Lodestar's id of the task: empty for a new task"),
            8,
            c.INTEGER,
            hidden=True,
        ),
        Column(
            c.VERSION_KEY,
            "版本",
            "Version",
            gettext_lazy("The task's version when exported: tells a conflict from an edit"),
            8,
            c.INTEGER,
            hidden=True,
        ),
    ),
)

ITEM_FIELDS = (
    "title",
    "deliverable",
    "priority",
    "materials",
    "done_standard",
    "status",
    "start",
    "due",
    "planned_quantity",
    "actual_quantity",
    "unit",
    "budget",
    "goal",
)


def _people(item, role: str) -> list:
    return [r.person for r in item.raci.all() if r.role == role and r.person_id is not None]


def export_rows(user, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """The tasks the user may see, filtered like the task list (department_id with sub-departments,
    goal_id, status …)."""
    queryset = selectors.item_list(user, params or {}).order_by("department__path", "start", "due", "id")
    for item in queryset.iterator(chunk_size=500):
        yield {
            "title": item.title,
            "responsible": "、".join(p.display_name for p in _people(item, RaciRole.RESPONSIBLE)),
            "dates": records.range_text(item.start, item.due),
            "deliverable": item.deliverable,
            "priority": item.priority,
            "materials": item.materials,
            "done_standard": item.done_standard,
            "status": item.get_status_display(),
            "accountable": item.accountable.display_name if item.accountable else None,
            "department": item.department.name,
            "goal": item.goal_id,
            "planned_quantity": item.planned_quantity,
            "actual_quantity": item.actual_quantity,
            "unit": item.unit,
            "budget": item.budget,
            c.ID_KEY: item.pk,
            c.VERSION_KEY: item.version,
        }


class ItemRows(records.RecordRows):
    """The task table's rows, written through execution.services."""

    def __init__(self, actor) -> None:
        super().__init__(actor)
        self.directory = records.Directory.load()
        self.priorities = choice_lookup(Priority.choices)
        self.statuses = choice_lookup(ItemStatus.choices)

    def visible(self):
        return (
            visible_items(self.actor)
            .select_related("department", "accountable")
            .prefetch_related(selectors.RACI_PREFETCH)
        )

    def _goal(self, value: object):
        goal_id = records.integer(value, "goal")
        if goal_id is None:
            return None
        goal = visible_goals(self.actor).filter(pk=goal_id).first()
        if goal is None:
            raise RowProblem(
                "goal",
                "not_found",
                _("Goal %(id)s was not found (deleted, or not visible to you).") % {"id": goal_id},
            )
        return goal

    def fields(self, values):
        d = self.directory
        data = self.read(
            values,
            {
                "title": cell_text,
                "responsible": lambda v: d.persons(v, "responsible"),
                "dates": lambda v: records.date_range(v, "dates"),
                "deliverable": cell_text,
                "priority": lambda v: records.choice(self.priorities, v, "priority"),
                "materials": cell_text,
                "done_standard": cell_text,
                "status": lambda v: records.choice(self.statuses, v, "status"),
                "accountable": lambda v: d.person(v, "accountable"),
                "department": lambda v: d.department(v, "department"),
                "goal": self._goal,
                "planned_quantity": lambda v: records.number(v, "planned_quantity"),
                "actual_quantity": lambda v: records.number(v, "actual_quantity"),
                "unit": cell_text,
                "budget": lambda v: records.number(v, "budget"),
            },
        )
        if "dates" in data:
            data["start"], data["due"] = data.pop("dates") or (None, None)
        return data

    def changes(self, item, data, values):
        changes = records.plain_changes(
            item, data, ITEM_FIELDS, keep_if_empty=("title", "priority", "status")
        )
        if data.get("department") is not None and data["department"] != item.department:
            changes["department"] = data["department"]
        if "responsible" in data and {p.pk for p in data["responsible"]} != {
            p.pk for p in _people(item, RaciRole.RESPONSIBLE)
        }:
            changes["responsible"] = data["responsible"]
        if data.get("accountable") is not None and data["accountable"] != item.accountable:
            changes["accountable"] = data["accountable"]
        return changes

    def update(self, item, changes):
        if "department" in changes:
            raise RowProblem(
                "department",
                "department_read_only",
                _("A task moves to another department on its page, not by import."),
            )
        responsible = changes.pop("responsible", None)
        accountable = changes.pop("accountable", None)
        if changes:
            item = item_services.item_update(actor=self.actor, item=item, version=item.version, **changes)
        if responsible is not None or accountable is not None:
            current = list(item.raci.select_related("person", "department"))
            kept = {
                letter: [r.person or r.department for r in current if r.role == letter]
                for letter in (RaciRole.CONSULTED, RaciRole.INFORMED)
            }
            raci_services.raci_set(
                actor=self.actor,
                item=item,
                responsible=responsible if responsible is not None else _people(item, RaciRole.RESPONSIBLE),
                accountable=accountable or item.accountable,
                consulted=kept[RaciRole.CONSULTED],
                informed=kept[RaciRole.INFORMED],
            )

    def create(self, data, values):
        if not data.get("title"):
            raise RowProblem("title", "required", _("Name the task."))
        if data.get("department") is None:
            raise RowProblem("department", "required", _("Name the task's department (所属部门)."))
        item_services.item_create(
            actor=self.actor,
            department=data["department"],
            title=data["title"],
            responsible=data.get("responsible") or None,
            accountable=data.get("accountable"),
            status=data.get("status") or ItemStatus.TODO,
            start=data.get("start"),
            due=data.get("due"),
            deliverable=data.get("deliverable") or "",
            priority=data.get("priority") or Priority.P1,
            materials=data.get("materials") or "",
            done_standard=data.get("done_standard") or "",
            planned_quantity=data.get("planned_quantity"),
            actual_quantity=data.get("actual_quantity"),
            unit=data.get("unit") or "",
            budget=data.get("budget"),
            goal=data.get("goal"),
        )
