"""The execution tracking table (营销目标执行过程跟踪表, DOMAIN.md template 2) in and out of Excel.

The seed's nine columns first, in its order: 日期/周次 · 核心任务 · 负责人 · 计划完成量 · 实际完成量 · 完成率 ·
偏差原因 · 改进措施 · 资源需求; then 预算需求 (元), what the row reports on (指标ID of a measure or 任务ID of an
action item, shown by name in 核心任务), and the hidden ID and 版本. 负责人 (the author) and 完成率 are read
only. Rows are written through `tracking.services.checkin_submit`, which checks who may report, the goal's
period and status, and keeps the cumulative, the measure's current value and the alerts in step.

The export streams: rows are read in chunks with their measure, item and author joined (no per-row query),
so 50,000 rows export in bounded memory (bench/exchange.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lodestar.exchange import columns as c
from lodestar.exchange import records
from lodestar.exchange.columns import Column, TableSpec
from lodestar.exchange.rows import RowProblem, cell_text
from lodestar.execution.access import visible_items
from lodestar.goals.access import visible_goals
from lodestar.goals.models import Measure
from lodestar.org.models import Department
from lodestar.tracking import domain
from lodestar.tracking.access import visible_checkins
from lodestar.tracking.models import CheckInPeriod
from lodestar.tracking.services import checkins as checkin_services

SPEC = TableSpec(
    name="check-ins",
    title_zh="营销目标执行过程跟踪表",
    title_en="Marketing goal execution tracking table",
    help=gettext_lazy(
        "One check-in per row: a period's planned and actual amount on a measure (指标ID) or an action item "
        "(任务ID). Rows with an ID correct that check-in; rows without one report a new period."
    ),
    sheet_zh="执行跟踪",
    sheet_en="Tracking",
    columns=(
        Column(
            "period",
            "日期/周次",
            "Date / week",
            gettext_lazy("The period reported on: 2031-07-01 ~ 2031-07-07 (a day, a week or a month)"),
            24,
            required=True,
        ),
        Column(
            "task",
            "核心任务",
            "Core task",
            gettext_lazy("The measure or task reported on"),
            28,
            read_only=True,
        ),
        Column("author", "负责人", "Owner", gettext_lazy("Who reported"), 10, read_only=True),
        Column("planned", "计划完成量", "Planned", "", 12, c.DECIMAL),
        Column("actual", "实际完成量", "Actual", "", 12, c.DECIMAL, required=True),
        Column(
            "completion",
            "完成率",
            "Completion rate",
            gettext_lazy("Actual ÷ planned"),
            10,
            c.PERCENT,
            read_only=True,
        ),
        Column("deviation_reason", "偏差原因", "Deviation reason", "", 30),
        Column("improvement", "改进措施", "Improvement", "", 30),
        Column("resource_other", "资源需求", "Resource needs", "", 24),
        Column(
            "resource_budget",
            "预算需求",
            "Budget needed",
            gettext_lazy("Extra budget needed, in yuan"),
            14,
            c.YUAN,
        ),
        Column(
            "measure", "指标ID", "Measure ID", gettext_lazy("The id of the measure reported on"), 9, c.INTEGER
        ),
        Column(
            "item", "任务ID", "Task ID", gettext_lazy("The id of the action item reported on"), 9, c.INTEGER
        ),
        Column(
            c.ID_KEY,
            "ID",
            "ID",
            gettext_lazy("Lodestar's id of the check-in: empty for a new one"),
            8,
            c.INTEGER,
            hidden=True,
        ),
        Column(
            c.VERSION_KEY,
            "版本",
            "Version",
            gettext_lazy("The check-in's version when exported: tells a conflict from an edit"),
            8,
            c.INTEGER,
            hidden=True,
        ),
    ),
)

FIELDS = ("planned", "actual", "deviation_reason", "improvement", "resource_other", "resource_budget")


def export_rows(user, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """The check-ins the user may see (of goals and items they see), in period order; `params`:
    measure_id, item_id, goal_id (its measures' check-ins), author_id, department_id (and below),
    start / end (the weeks within). Read as tuples with the names joined in (no
    model instances): a 50,000-row export spends its time writing the file, not building objects."""
    params = params or {}
    queryset = visible_checkins(user)
    for name in ("measure_id", "item_id", "author_id"):
        if params.get(name):
            queryset = queryset.filter(**{name: params[name]})
    if params.get("goal_id"):
        queryset = queryset.filter(measure__goal_id=params["goal_id"])
    if params.get("department_id"):
        # A department's check-ins: those of its goals and items and of the departments below it (the
        # department report's rows).
        department = Department.objects.filter(pk=params["department_id"]).first()
        path = department.path if department else "-"
        queryset = queryset.filter(
            Q(measure__goal__department__path__startswith=path) | Q(item__department__path__startswith=path)
        )
    if params.get("start"):
        queryset = queryset.filter(period_start__gte=params["start"])
    if params.get("end"):
        queryset = queryset.filter(period_end__lte=params["end"])
    rows = queryset.order_by("period_start", "id").values_list(
        "period_start",
        "period_end",
        "measure__name",
        "item__title",
        "author__display_name",
        "planned",
        "actual",
        "deviation_reason",
        "improvement",
        "resource_other",
        "resource_budget",
        "measure_id",
        "item_id",
        "pk",
        "version",
    )
    for (
        start,
        end,
        measure_name,
        item_title,
        author,
        planned,
        actual,
        reason,
        improvement,
        resources,
        budget,
        measure_id,
        item_id,
        pk,
        version,
    ) in rows.iterator(chunk_size=2000):
        yield {
            "period": records.range_text(start, end),
            "task": measure_name or item_title or "",
            "author": author,
            "planned": planned,
            "actual": actual,
            "completion": domain.completion_rate(planned, actual),
            "deviation_reason": reason,
            "improvement": improvement,
            "resource_other": resources,
            "resource_budget": budget,
            "measure": measure_id,
            "item": item_id,
            c.ID_KEY: pk,
            c.VERSION_KEY: version,
        }


def _period_kind(start, end) -> str:
    days = (end - start).days + 1
    if days == 1:
        return CheckInPeriod.DAY
    return CheckInPeriod.WEEK if days <= 7 else CheckInPeriod.MONTH


class CheckInRows(records.RecordRows):
    """The tracking table's rows, written through tracking.services.checkin_submit."""

    def visible(self):
        return visible_checkins(self.actor)

    def fields(self, values):
        readers: dict[str, Any] = {
            "period": lambda v: records.date_or_range(v, "period"),
            "deviation_reason": cell_text,
            "improvement": cell_text,
            "resource_other": cell_text,
            "measure": lambda v: records.integer(v, "measure"),
            "item": lambda v: records.integer(v, "item"),
        }
        for name in ("planned", "actual", "resource_budget"):
            readers[name] = lambda v, name=name: records.number(v, name)
        return self.read(values, readers)

    def changes(self, checkin, data, values):
        changes = records.plain_changes(checkin, data, FIELDS)
        if data.get("period") and data["period"] != (checkin.period_start, checkin.period_end):
            changes["period"] = data["period"]
        return changes

    def update(self, checkin, changes):
        if "period" in changes:
            raise RowProblem(
                "period", "period_read_only", _("Report another period as a new row (without an ID).")
            )
        fields = {name: changes.get(name, getattr(checkin, name)) for name in FIELDS}
        if fields["actual"] is None:
            fields["cumulative"] = checkin.cumulative
        checkin_services.checkin_submit(
            actor=self.actor,
            measure=checkin.measure,
            item=checkin.item,
            period_start=checkin.period_start,
            period_end=checkin.period_end,
            period_kind=checkin.period_kind,
            version=checkin.version,
            deviation_category=checkin.deviation_category,
            **fields,
        )

    def create(self, data, values):
        if not data.get("period"):
            raise RowProblem("period", "required", _("Give the period reported on (日期/周次)."))
        measure = item = None
        if data.get("measure"):
            measure = Measure.objects.filter(goal__in=visible_goals(self.actor), pk=data["measure"]).first()
            if measure is None:
                raise RowProblem(
                    "measure", "not_found", _("Measure %(id)s was not found.") % {"id": data["measure"]}
                )
        if data.get("item"):
            item = visible_items(self.actor).filter(pk=data["item"]).first()
            if item is None:
                raise RowProblem("item", "not_found", _("Task %(id)s was not found.") % {"id": data["item"]})
        if (measure is None) == (item is None):
            raise RowProblem(
                "measure",
                "required",
                _("Give the 指标ID of a measure or the 任务ID of a task (one of them)."),
            )
        start, end = data["period"]
        checkin_services.checkin_submit(
            actor=self.actor,
            measure=measure,
            item=item,
            period_start=start,
            period_end=end,
            period_kind=_period_kind(start, end),
            **{name: data.get(name) for name in FIELDS if name in data},
        )
