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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lodestar.core.models import Period, PeriodKind
from lodestar.core.parsing import CellError, parse_date, parse_number
from lodestar.exchange import columns as c
from lodestar.exchange.columns import Column, TableSpec, normal_header
from lodestar.exchange.rows import RowConflict, RowProblem, cell_text, choice_lookup, fraction_to_percent
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
from lodestar.org.models import Department, Person


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
    return f"{period.start:%Y-%m-%d} ~ {period.end:%Y-%m-%d}"


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

_DATE_TOKEN = re.compile(
    r"\d{4}\s*[./\-年]\s*\d{1,2}\s*[./\-月]\s*\d{1,2}\s*日?|\d{1,2}\s*[./\-月]\s*\d{1,2}\s*日?"
)
_SPLIT = re.compile(r"[、,，;；/]+")
_CLAUSE_SPLIT = re.compile(r"[;；\n]+|\s+(?:AND|and|且)\s+|[,，](?=[^,，]*[≥≤><])")
_CLAUSE = re.compile(r"^(?P<name>.+?)\s*(?P<op>≥|>=|＞=|≤|<=|＜=|>|<)\s*(?P<value>.+)$")


def _normal_text(value: str) -> str:
    return "".join(normal_header(value).split())


@dataclass
class GoalRowReader:
    """Reads and applies rows for one import by one actor; lookups are built once per import."""

    actor: Any
    goal_types: dict[str, GoalType] = field(default_factory=dict)
    people: dict[str, list[Person]] = field(default_factory=dict)
    departments: dict[str, list[Department]] = field(default_factory=dict)
    periods_by_dates: dict[tuple, list[Period]] = field(default_factory=dict)
    periods_by_name: dict[str, list[Period]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    visibilities: dict[str, str] = field(default_factory=dict)

    @classmethod
    def prepare(cls, actor) -> GoalRowReader:
        reader = cls(actor=actor)
        for goal_type in GoalType.objects.all():
            for text in (goal_type.code, goal_type.name, goal_type.name_en):
                if text:
                    reader.goal_types[_normal_text(text)] = goal_type
        for person in Person.objects.filter(is_active=True).select_related("user"):
            for text in {person.display_name, person.user.username}:
                reader.people.setdefault(_normal_text(text), []).append(person)
        for department in Department.objects.filter(is_active=True):
            reader.departments.setdefault(_normal_text(department.name), []).append(department)
        for period in Period.objects.exclude(kind=PeriodKind.WEEK).order_by("start", "id"):
            reader.periods_by_dates.setdefault((period.start, period.end), []).append(period)
            for text in {period.name, period.key}:
                if text:
                    reader.periods_by_name.setdefault(_normal_text(text), []).append(period)
        reader.kinds = choice_lookup(GoalKind.choices)
        reader.visibilities = choice_lookup(Visibility.choices)
        return reader

    # -- cells ---------------------------------------------------------------------------------------

    def _one(self, table: dict[str, list], text: str, field_name: str, what: str) -> Any:
        found = table.get(_normal_text(text), [])
        if not found:
            raise RowProblem(
                field_name, "unknown", _("No %(what)s named “%(value)s”.") % {"what": what, "value": text}
            )
        if len({obj.pk for obj in found}) > 1:
            raise RowProblem(
                field_name,
                "ambiguous",
                _("Several %(what)s are named “%(value)s”: use a unique name.")
                % {"what": what, "value": text},
            )
        return found[0]

    def period(self, value: object) -> Period:
        text = cell_text(value)
        if not text:
            raise RowProblem("period", "required", _("Give the start and end (起止时间)."))
        by_name = self.periods_by_name.get(_normal_text(text))
        if by_name:
            return by_name[0]
        tokens = _DATE_TOKEN.findall(text)
        if len(tokens) != 2:
            raise RowProblem(
                "period",
                "not_a_period",
                _("“%(value)s” is not a start and end such as 2031-07-01 ~ 2031-09-30.") % {"value": text},
            )
        try:
            start = parse_date(_full_date(tokens[0], None))
            end = parse_date(_full_date(tokens[1], start.year))
        except CellError as exc:
            raise RowProblem(
                "period", exc.code, _("“%(value)s” holds a date that is not real.") % {"value": text}
            ) from exc
        found = self.periods_by_dates.get((start, end))
        if not found:
            raise RowProblem(
                "period",
                "no_period",
                _(
                    "No period runs from %(start)s to %(end)s: create it first or use an existing period's dates."
                )
                % {"start": start.isoformat(), "end": end.isoformat()},
            )
        # Several periods with the same dates (a quarter and a custom period): the standard kinds first.
        order = [PeriodKind.QUARTER, PeriodKind.MONTH, PeriodKind.YEAR]
        return sorted(found, key=lambda p: order.index(p.kind) if p.kind in order else len(order))[0]

    def weight(self, value: object) -> Decimal | None:
        if value is None or cell_text(value) == "":
            return None
        try:
            number = parse_number(value)
        except CellError as exc:
            raise RowProblem(
                "weight", exc.code, _("“%(value)s” is not a percentage.") % {"value": value}
            ) from exc
        return fraction_to_percent(number)

    def measures(self, text: str) -> list[dict[str, Any]]:
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
            try:
                target = parse_number(value)
            except CellError as exc:
                raise RowProblem(
                    "measures", exc.code, _("“%(value)s” is not a number.") % {"value": match["value"]}
                ) from exc
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

    def fields(self, values: dict[str, object]) -> dict[str, Any]:
        """The row's goal fields, every cell problem collected (RowProblem with all of them)."""
        problems: list[RowProblem] = []
        out: dict[str, Any] = {}

        def read(key: str, reader) -> None:
            if key not in values:
                return
            try:
                out[key] = reader(values[key])
            except RowProblem as problem:
                problems.append(problem)

        read("name", lambda v: cell_text(v))
        read("description", lambda v: cell_text(v))
        read("notes", lambda v: cell_text(v))
        read(
            "goal_type",
            lambda v: (
                self._one(
                    {k: [t] for k, t in self.goal_types.items()}, cell_text(v), "goal_type", _("goal type")
                )
                if cell_text(v)
                else None
            ),
        )
        read(
            "owner",
            lambda v: self._one(self.people, cell_text(v), "owner", _("person")) if cell_text(v) else None,
        )
        read(
            "collaborating",
            lambda v: [
                self._one(self.departments, name, "collaborating", _("department"))
                for name in _SPLIT.split(cell_text(v))
                if name.strip()
            ],
        )
        read(
            "department",
            lambda v: (
                self._one(self.departments, cell_text(v), "department", _("department"))
                if cell_text(v)
                else None
            ),
        )
        read("period", self.period)
        read("weight", self.weight)
        read("kind", lambda v: self._choice(self.kinds, v, "kind"))
        read("visibility", lambda v: self._choice(self.visibilities, v, "visibility"))
        if problems:
            raise RowProblem.many(problems)
        return out

    def _choice(self, table: dict[str, str], value: object, field_name: str) -> str | None:
        text = cell_text(value)
        if not text:
            return None
        found = table.get(_normal_text(text))
        if found is None:
            raise RowProblem(
                field_name,
                "invalid_choice",
                _("“%(value)s” is not one of the listed values.") % {"value": text},
            )
        return found

    # -- apply ---------------------------------------------------------------------------------------

    def apply(self, line: int, values: dict[str, object]) -> str:
        """Create or update the row's goal through the goal services: "created", "updated" or
        "unchanged"; raises RowProblem (a bad row) or RowConflict (changed in the app since the export)."""
        goal_id = _integer(values.get(c.ID_KEY), "id")
        data = self.fields(values)
        if goal_id is None:
            return self._create(data, cell_text(values.get("measures")))
        goal = (
            visible_goals(self.actor)
            .select_related("department", "period", "owner", "goal_type")
            .prefetch_related("measures", "collaborating_departments")
            .filter(pk=goal_id)
            .first()
        )
        if goal is None:
            raise RowProblem(
                "id",
                "not_found",
                _("Goal %(id)s was not found (deleted, or not visible to you).") % {"id": goal_id},
            )
        changes = self._changes(goal, data)
        measures_cell = values.get("measures")
        measures_changed = "measures" in values and _normal_text(cell_text(measures_cell)) != _normal_text(
            measures_text(goal)
        )
        if not changes and not measures_changed:
            return "unchanged"
        version = _integer(values.get(c.VERSION_KEY), "version")
        if version is not None and version != goal.version:
            raise RowConflict(
                _(
                    "Changed in Lodestar since the export (version %(old)s, now %(new)s): export again and redo the edit."
                )
                % {"old": version, "new": goal.version}
            )
        if measures_changed:
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
        return "updated"

    def _changes(self, goal: Goal, data: dict[str, Any]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for key in (
            "name",
            "description",
            "notes",
            "goal_type",
            "owner",
            "department",
            "period",
            "kind",
            "visibility",
        ):
            if key not in data:
                continue
            value = data[key]
            if key in ("kind", "visibility", "department", "period", "name") and value in (None, ""):
                continue  # a required field left empty keeps its value rather than failing on a blank
            if value != getattr(goal, key):
                changes[key] = value
        if "weight" in data and data["weight"] != goal.weight:
            changes["weight"] = data["weight"]  # Decimal equality ignores places: 60 == 60.00
        if "collaborating" in data:
            current = {d.pk for d in goal.collaborating_departments.all()}
            if {d.pk for d in data["collaborating"]} != current:
                changes["collaborating"] = data["collaborating"]
        return changes

    def _create(self, data: dict[str, Any], measures_cell: str) -> str:
        if not data.get("name"):
            raise RowProblem("name", "required", _("Give the goal a name."))
        if data.get("department") is None:
            raise RowProblem("department", "required", _("Name the goal's department (所属部门)."))
        measures = self.measures(measures_cell) if measures_cell else []
        services.goal_create(
            actor=self.actor,
            name=data["name"],
            department=data["department"],
            period=data["period"],
            owner=data.get("owner"),
            measures=measures,
            collaborating_departments=data.get("collaborating") or (),
            kind=data.get("kind") or GoalKind.KPI,
            description=data.get("description") or "",
            goal_type=data.get("goal_type"),
            weight=data.get("weight"),
            notes=data.get("notes") or "",
            visibility=data.get("visibility") or Visibility.PUBLIC,
        )
        return "created"


def _full_date(token: str, year: int | None) -> str:
    """The seed writes 2024.7.1-9.30: the end's year is the start's."""
    token = "".join(token.split())
    if re.match(r"^\d{4}", token) or year is None:
        return token
    return f"{year}.{token.replace('月', '.').rstrip('日')}"


def _integer(value: object, field_name: str) -> int | None:
    if value is None or cell_text(value) == "":
        return None
    try:
        number = parse_number(value)
    except CellError as exc:
        raise RowProblem(
            field_name, "not_a_number", _("“%(value)s” is not a number.") % {"value": value}
        ) from exc
    if number != number.to_integral_value() or number < 1 or number > 2**31:
        raise RowProblem(field_name, "not_a_number", _("“%(value)s” is not an id.") % {"value": value})
    return int(number)
