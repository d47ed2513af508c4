"""The goal-setting table (营销目标设定与共识表, DOMAIN.md template 1) in and out of Excel.

The seed's nine columns come first, in its order: 目标名称 · 目标类型 · SMART目标描述 · 负责人 · 协作部门 ·
起止时间 · 衡量标准 · 权重 · 备注. Lodestar adds 所属部门, 类别 and 可见范围 (needed to create a goal), 状态
and 达成率 (read only), and the hidden ID and 版本.

On import a row is read into the fields `goal_create`/`goal_update` take, and written only through those
services (permission, period freeze, sibling weights, history and roll-ups are theirs):

- 起止时间 names the goal's period: "2031-07-01 ~ 2031-09-30" (or the seed's "2031.7.1-9.30", or a period's
  name such as "2031Q3") must be the start and end of a period;
- 衡量标准 creates the measures of a new goal ("销售额 ≥ 5000000 元；新客占比 ≥ 40%"); an existing goal's
  measures change in the app (a target changes through an adjustment), so an edited 衡量标准 of an
  existing goal is a row error, never a silent no-op;
- 权重 is a percentage: 60% (a percent-formatted 0.6) or 60.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lodestar.core.models import Period
from lodestar.exchange import columns as c
from lodestar.exchange import records
from lodestar.exchange.columns import Column, TableSpec
from lodestar.exchange.rows import RowProblem, cell_text, choice_lookup, fraction_to_percent
from lodestar.goals import selectors, services
from lodestar.goals.access import visible_goals
from lodestar.goals.models import (
    DirectionChoice,
    Goal,
    GoalKind,
    GoalType,
    Measure,
    MeasureUnit,
    Visibility,
)


def _goal_types() -> list[str]:
    return [str(t) for t in GoalType.objects.filter(is_active=True).order_by("sort_order", "id")]


def _labels(choices) -> callable:
    return lambda: [str(label) for _value, label in choices]


SPEC = TableSpec(
    name="goals",
    title_zh="营销目标设定与共识表",
    title_en="Marketing goal setting and consensus table",
    help=gettext_lazy(
        "One goal per row. Rows with an ID update that goal; rows without one create a goal. A goal changed "
        "in Lodestar since this file was exported is reported as a conflict and not overwritten."
    ),
    sheet_zh="目标设定",
    sheet_en="Goals",
    columns=(
        Column(
            "name",
            "目标名称",
            "Goal name",
            gettext_lazy("The goal, e.g. 新品A Q3销售额"),
            28,
            c.TEXT,
            required=True,
        ),
        Column(
            "goal_type",
            "目标类型",
            "Goal type",
            gettext_lazy("销售额, 用户增长, 品牌曝光, 用户运营 …"),
            12,
            choices=_goal_types,
        ),
        Column(
            "description",
            "SMART目标描述",
            "SMART description",
            gettext_lazy("Specific, measurable, achievable, relevant, time-bound"),
            48,
        ),
        Column("owner", "负责人", "Owner", gettext_lazy("A person's name or user name"), 12),
        Column(
            "collaborating",
            "协作部门",
            "Collaborating departments",
            gettext_lazy("Department names separated by 、 or commas"),
            16,
        ),
        Column(
            "period",
            "起止时间",
            "Start–end",
            gettext_lazy(
                "The goal's period: 2031-07-01 ~ 2031-09-30, 2031.7.1-9.30 or a period name such as 2031Q3"
            ),
            24,
            required=True,
        ),
        Column(
            "measures",
            "衡量标准",
            "Measures",
            gettext_lazy(
                "Metric conditions separated by ；, e.g. 销售额 ≥ 5000000 元；新客占比 ≥ 40%. Read for new goals; "
                "an existing goal's measures are changed in Lodestar."
            ),
            34,
        ),
        Column(
            "weight",
            "权重",
            "Weight",
            gettext_lazy("Share among sibling goals; siblings add up to 100%"),
            9,
            c.PERCENT,
        ),
        Column("notes", "备注", "Notes", gettext_lazy("Risks and notes"), 30),
        Column(
            "department",
            "所属部门",
            "Department",
            gettext_lazy("The department that owns the goal"),
            14,
            required=True,
        ),
        Column(
            "kind",
            "类别",
            "Kind",
            gettext_lazy("Objective, key result or KPI"),
            10,
            choices=_labels(GoalKind.choices),
        ),
        Column(
            "visibility",
            "可见范围",
            "Visibility",
            gettext_lazy("Who may see the goal"),
            12,
            choices=_labels(Visibility.choices),
        ),
        Column(
            "status",
            "状态",
            "Status",
            gettext_lazy("Changed in Lodestar (consensus, activation)"),
            10,
            read_only=True,
        ),
        Column(
            "achievement",
            "达成率",
            "Achievement",
            gettext_lazy("Computed by Lodestar"),
            10,
            c.PERCENT,
            read_only=True,
        ),
        Column(
            c.ID_KEY,
            "ID",
            "ID",
            gettext_lazy("Lodestar's id of the goal: empty for a new goal"),
            8,
            c.INTEGER,
            hidden=True,
        ),
        Column(
            c.VERSION_KEY,
            "版本",
            "Version",
            gettext_lazy("The goal's version when exported: tells a conflict from an edit"),
            8,
            c.INTEGER,
            hidden=True,
        ),
    ),
)


# --- export -------------------------------------------------------------------------------------------


def period_text(period: Period) -> str:
    return records.range_text(period.start, period.end)


def _number(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def measure_clause(measure: Measure) -> str:
    """A measure as one clause of 衡量标准, in a form the import reads back the same."""
    unit = measure.unit_display
    suffix = f" {unit}" if unit and unit != "%" else unit
    target = f"{_number(measure.target)}{suffix}"
    if measure.direction == DirectionChoice.LOWER:
        return f"{measure.name} ≤ {target}"
    if measure.direction == DirectionChoice.RANGE and measure.range_max is not None:
        return f"{measure.name} {_number(measure.target)} ~ {_number(measure.range_max)}{suffix}"
    if measure.baseline is not None:
        return f"{measure.name} {_number(measure.baseline)} → {target}"
    return f"{measure.name} ≥ {target}"


def measures_text(goal: Goal) -> str:
    return "；".join(measure_clause(m) for m in goal.measures.all())


def export_queryset(user, params: dict[str, Any] | None = None):
    """The goals of the export: those the user may see, filtered like the goal list (department_id with its
    sub-departments, period_id, owner_id, status …), in the table's order."""
    return selectors.goal_list(user, params or {}).order_by(
        "period__start", "department__path", "depth", "sort_order", "id"
    )


def export_rows(user, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    # chunk_size: rows are read from the database in pieces, with their prefetches, not all at once.
    for goal in export_queryset(user, params).iterator(chunk_size=500):
        yield {
            "name": goal.name,
            "goal_type": str(goal.goal_type) if goal.goal_type else None,
            "description": goal.description,
            "owner": goal.owner.display_name if goal.owner else None,
            "collaborating": "、".join(d.name for d in goal.collaborating),
            "period": period_text(goal.period),
            "measures": measures_text(goal),
            "weight": goal.weight / 100 if goal.weight is not None else None,
            "notes": goal.notes,
            "department": goal.department.name,
            "kind": goal.get_kind_display(),
            "visibility": goal.get_visibility_display(),
            "status": goal.get_status_display(),
            "achievement": goal.achievement_rate,
            c.ID_KEY: goal.pk,
            c.VERSION_KEY: goal.version,
        }


# --- import -------------------------------------------------------------------------------------------

_CLAUSE_SPLIT = re.compile(r"[;；\n]+|\s+(?:AND|and|且)\s+|[,，](?=[^,，]*[≥≤><])")
_CLAUSE = re.compile(r"^(?P<name>.+?)\s*(?P<op>≥|>=|＞=|≤|<=|＜=|>|<)\s*(?P<value>.+)$")
GOAL_FIELDS = (
    "name",
    "description",
    "notes",
    "goal_type",
    "owner",
    "department",
    "period",
    "kind",
    "visibility",
    "weight",
)


def weight_cell(value: object) -> Decimal | None:
    found = records.number(value, "weight")
    return None if found is None else fraction_to_percent(found)


def parse_measures(text: str) -> list[dict[str, Any]]:
    """衡量标准 of a new goal: "销售额 ≥ 5000000 元；新客占比 ≥ 40%" → the measures' fields."""
    out = []
    for clause in (part.strip() for part in _CLAUSE_SPLIT.split(text)):
        if not clause:
            continue
        match = _CLAUSE.match(clause)
        if match is None:
            raise RowProblem(
                "measures",
                "not_a_measure",
                _("“%(value)s” is not a measure: write it as 销售额 ≥ 5000000 元 or 新客占比 ≥ 40%%.")
                % {"value": clause},
            )
        value, unit = match["value"].strip(), MeasureUnit.COUNT
        for suffix, suffix_unit in (
            ("%", MeasureUnit.PERCENT),
            ("元", MeasureUnit.YUAN),
            ("人", MeasureUnit.PEOPLE),
        ):
            if value.endswith(suffix):
                value, unit = value[: -len(suffix)].strip(), suffix_unit
                break
        target = records.number(value, "measures")
        lower = match["op"] in ("≤", "<=", "＜=", "<")
        out.append(
            {
                "name": match["name"].strip(),
                "target": target,
                "unit": unit,
                "direction": DirectionChoice.LOWER if lower else DirectionChoice.HIGHER,
            }
        )
    return out


class GoalRows(records.RecordRows):
    """The goal table's rows, written through goals.services (goal_create / goal_update)."""

    def __init__(self, actor) -> None:
        super().__init__(actor)
        self.directory = records.Directory.load()
        self.goal_types: dict[str, list[GoalType]] = {}
        for goal_type in GoalType.objects.all():
            for text in {goal_type.code, goal_type.name, goal_type.name_en} - {""}:
                self.goal_types.setdefault(records.key(text), []).append(goal_type)
        self.kinds = choice_lookup(GoalKind.choices)
        self.visibilities = choice_lookup(Visibility.choices)

    def visible(self):
        return (
            visible_goals(self.actor)
            .select_related("department", "period", "owner", "goal_type")
            .prefetch_related("measures", "collaborating_departments")
        )

    def fields(self, values):
        d = self.directory
        return self.read(
            values,
            {
                "name": cell_text,
                "description": cell_text,
                "notes": cell_text,
                "goal_type": lambda v: (
                    d.one(self.goal_types, cell_text(v), "goal_type", _("goal type"))
                    if cell_text(v)
                    else None
                ),
                "owner": lambda v: d.person(v, "owner"),
                "collaborating": lambda v: d.department_list(v, "collaborating"),
                "department": lambda v: d.department(v, "department"),
                "period": lambda v: d.period(v, "period"),
                "weight": weight_cell,
                "kind": lambda v: records.choice(self.kinds, v, "kind"),
                "visibility": lambda v: records.choice(self.visibilities, v, "visibility"),
            },
        )

    def changes(self, goal, data, values):
        changes = records.plain_changes(
            goal, data, GOAL_FIELDS, keep_if_empty=("name", "department", "period", "kind", "visibility")
        )
        if "collaborating" in data and {d.pk for d in data["collaborating"]} != {
            d.pk for d in goal.collaborating_departments.all()
        }:
            changes["collaborating"] = data["collaborating"]
        if "measures" in values and records.key(cell_text(values["measures"])) != records.key(
            measures_text(goal)
        ):
            changes["measures"] = values["measures"]
        return changes

    def update(self, goal, changes):
        if "measures" in changes:
            raise RowProblem(
                "measures",
                "measures_read_only",
                _(
                    "An existing goal's measures are changed on its page (targets through an adjustment), not by import."
                ),
            )
        collaborating = changes.pop("collaborating", None)
        services.goal_update(
            actor=self.actor,
            goal=goal,
            version=goal.version,
            collaborating_departments=collaborating,
            **changes,
        )

    def create(self, data, values):
        if not data.get("name"):
            raise RowProblem("name", "required", _("Give the goal a name."))
        if data.get("department") is None:
            raise RowProblem("department", "required", _("Name the goal's department (所属部门)."))
        if data.get("period") is None:
            raise RowProblem("period", "required", _("Give the start and end (起止时间)."))
        measures_cell = cell_text(values.get("measures"))
        services.goal_create(
            actor=self.actor,
            name=data["name"],
            department=data["department"],
            period=data["period"],
            owner=data.get("owner"),
            measures=parse_measures(measures_cell) if measures_cell else [],
            collaborating_departments=data.get("collaborating") or (),
            kind=data.get("kind") or GoalKind.KPI,
            description=data.get("description") or "",
            goal_type=data.get("goal_type"),
            weight=data.get("weight"),
            notes=data.get("notes") or "",
            visibility=data.get("visibility") or Visibility.PUBLIC,
        )
