"""The retrospective table (营销目标复盘分析表, DOMAIN.md template 3) in and out of Excel.

The seed's eleven columns, in its order: 目标周期 · 目标名称 · 目标值 · 实际完成值 · 达成率 · 关键亮点 · 主要问题 ·
根本原因分析 · 改进计划 · 责任人 · 完成时限; then the hidden ID and 版本. The figures come from the period's
snapshot and the improvement plan is the retrospective's actions, so they are read only; 关键亮点, 主要问题,
根本原因分析, 责任人 and 完成时限 are written through `retrospectives.services.retrospective_update` (who may edit,
who may hand it to someone else).

A row without an ID opens a retrospective of a goal through `retrospectives.services.retrospective_open`
(which takes the period's snapshot, checks who may open it and refuses a second one for the same goal,
period and cadence), then writes its editable columns through `retrospective_update`. The row names the
period in 目标周期 (a period's name or key such as 2026Q3, the seed's 2024.Q3, its label as exported, or its
start and end) and the goal in 目标名称 (the goal's name among the goals the importer may see; the exported
"period · goal" form is read too). For an existing retrospective both columns are ignored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from lodestar.core.models import Period, PeriodKind
from lodestar.exchange import columns as c
from lodestar.exchange import records
from lodestar.exchange.columns import Column, TableSpec
from lodestar.exchange.rows import RowProblem, cell_text
from lodestar.goals.access import visible_goals
from lodestar.goals.models import Goal
from lodestar.retrospectives import services
from lodestar.retrospectives.access import visible_retrospectives
from lodestar.retrospectives.models import ImprovementAction

SPEC = TableSpec(
    name="retrospectives",
    title_zh="营销目标复盘分析表",
    title_en="Marketing goal retrospective table",
    help=gettext_lazy(
        "One retrospective per row. The figures come from the period's snapshot and the improvement plan from "
        "the retrospective's actions (read only); the highlights, problems, root cause, owner and deadline "
        "are imported. A row without an ID opens the retrospective of the goal named in 目标名称 for the "
        "period in 目标周期."
    ),
    sheet_zh="复盘分析",
    sheet_en="Retrospectives",
    columns=(
        Column(
            "period",
            "目标周期",
            "Period",
            gettext_lazy("A new row: the period, e.g. 2026Q3 (ignored for an existing retrospective)"),
            12,
        ),
        Column(
            "title",
            "目标名称",
            "Goal",
            gettext_lazy("A new row: the goal's name (ignored for an existing retrospective)"),
            28,
        ),
        Column(
            "target",
            "目标值",
            "Target",
            gettext_lazy("From the period's snapshot"),
            14,
            c.DECIMAL,
            read_only=True,
        ),
        Column(
            "actual",
            "实际完成值",
            "Actual",
            gettext_lazy("From the period's snapshot"),
            14,
            c.DECIMAL,
            read_only=True,
        ),
        Column("achievement", "达成率", "Achievement", "", 10, c.PERCENT, read_only=True),
        Column("highlights", "关键亮点", "Key highlights", "", 36),
        Column("problems", "主要问题", "Main problems", "", 36),
        Column("root_cause", "根本原因分析", "Root cause", "", 36),
        Column(
            "plan",
            "改进计划",
            "Improvement plan",
            gettext_lazy("The retrospective's improvement actions (changed on its page)"),
            36,
            read_only=True,
        ),
        Column("owner", "责任人", "Owner", gettext_lazy("A person's name or user name"), 12),
        Column("due", "完成时限", "Deadline", "", 12, c.DATE),
        Column(
            c.ID_KEY,
            "ID",
            "ID",
            gettext_lazy("Lodestar's id of the retrospective"),
            8,
            c.INTEGER,
            hidden=True,
        ),
        Column(
            c.VERSION_KEY,
            "版本",
            "Version",
            gettext_lazy("The retrospective's version when exported: tells a conflict from an edit"),
            8,
            c.INTEGER,
            hidden=True,
        ),
    ),
)


EDITABLE = ("highlights", "problems", "root_cause", "owner", "due")


def export_rows(user, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """The retrospectives the user may see; `params`: period_id, department_id (exactly that department)."""
    params = params or {}
    queryset = visible_retrospectives(user).select_related("period", "owner")
    if params.get("period_id"):
        queryset = queryset.filter(period_id=params["period_id"])
    if params.get("department_id"):
        queryset = queryset.filter(department_id=params["department_id"])
    queryset = queryset.prefetch_related(
        Prefetch("actions", queryset=ImprovementAction.objects.order_by("due", "id"))
    ).order_by("period__start", "id")
    for retrospective in queryset.iterator(chunk_size=500):
        yield {
            "period": retrospective.period.label,
            "title": retrospective.title,
            "target": retrospective.target,
            "actual": retrospective.actual,
            "achievement": retrospective.achievement_rate,
            "highlights": retrospective.highlights,
            "problems": retrospective.problems,
            "root_cause": retrospective.root_cause,
            "plan": "；".join(action.title for action in retrospective.actions.all()),
            "owner": retrospective.owner.display_name,
            "due": retrospective.due,
            c.ID_KEY: retrospective.pk,
            c.VERSION_KEY: retrospective.version,
        }


class RetrospectiveRows(records.RecordRows):
    """The retrospective table's rows, written through retrospectives.services.retrospective_update."""

    def __init__(self, actor) -> None:
        super().__init__(actor)
        self.directory = records.Directory.load()
        self.periods: dict[str, list[Period]] | None = None  # read when a row opens a retrospective
        self.goals: dict[str, list[tuple[int, int]]] | None = None

    def visible(self):
        return visible_retrospectives(self.actor).select_related("owner")

    def fields(self, values):
        return self.read(
            values,
            {
                "highlights": cell_text,
                "problems": cell_text,
                "root_cause": cell_text,
                "owner": lambda v: self.directory.person(v, "owner"),
                "due": lambda v: records.date(v, "due"),
            },
        )

    def changes(self, retrospective, data, values):
        return records.plain_changes(retrospective, data, EDITABLE, keep_if_empty=("owner", "due"))

    def update(self, retrospective, changes):
        services.retrospective_update(
            actor=self.actor, retrospective=retrospective, version=retrospective.version, **changes
        )

    def create(self, data, values):
        """A row without an ID: open the goal's retrospective for the period (retrospective_open takes the
        snapshot and checks who may open it), then write the row's editable columns."""
        period = self._period(values.get("period"))
        goal = self._goal(values.get("title"), period)
        retrospective = services.retrospective_open(actor=self.actor, goal=goal, period=period)
        changes = {
            name: value
            for name, value in data.items()
            if name in EDITABLE and value not in (None, "") and value != getattr(retrospective, name)
        }
        if changes:
            services.retrospective_update(
                actor=self.actor, retrospective=retrospective, version=retrospective.version, **changes
            )

    def _period(self, value: object) -> Period:
        text = cell_text(value)
        if not text:
            raise RowProblem(
                "period", "required", _("Name the period (目标周期) of the new retrospective, e.g. 2026Q3.")
            )
        if self.periods is None:
            self.periods = {}
            for period in Period.objects.exclude(kind=PeriodKind.WEEK).order_by("start", "id"):
                for name in period_names(period):
                    self.periods.setdefault(name, []).append(period)
        found = self.periods.get(period_key(text))
        if found:
            if len({p.pk for p in found}) > 1:
                raise RowProblem(
                    "period",
                    "ambiguous",
                    _("Several periods are named “%(value)s”: give its start and end instead.")
                    % {"value": text},
                )
            return found[0]
        try:
            return self.directory.period(text, "period")
        except RowProblem as problem:
            if problem.items[0][1] != "not_a_range":
                raise
            raise RowProblem(
                "period",
                "unknown",
                _("No period is named “%(value)s”: write its name (e.g. 2026Q3) or its start and end.")
                % {"value": text},
            ) from problem

    def _goal(self, value: object, period: Period) -> Goal:
        text = cell_text(value)
        if not text:
            raise RowProblem("title", "required", _("Name the goal (目标名称) of the new retrospective."))
        if self.goals is None:
            self.goals = {}
            for pk, name, period_id in visible_goals(self.actor).values_list("pk", "name", "period_id"):
                self.goals.setdefault(records.key(name), []).append((pk, period_id))
        # The export writes "period · goal": the goal's name is what follows the last "·".
        names = [text] + ([text.rsplit("·", 1)[1].strip()] if "·" in text else [])
        found = next((self.goals[records.key(n)] for n in names if records.key(n) in self.goals), [])
        if len(found) > 1:
            found = [(pk, period_id) for pk, period_id in found if period_id == period.pk] or found
        if not found:
            raise RowProblem(
                "title", "unknown", _("No goal you may see is named “%(value)s”.") % {"value": text}
            )
        if len(found) > 1:
            raise RowProblem(
                "title",
                "ambiguous",
                _("Several goals are named “%(value)s”: rename one or open the retrospective in Lodestar.")
                % {"value": text},
            )
        return Goal.objects.select_related("department", "owner", "period").get(pk=found[0][0])


def period_key(text: str) -> str:
    """A period's name as looked up: `records.key` without the separators people put in (2024.Q3, FY2024-Q3)."""
    return re.sub(r"[.\-_/·]", "", records.key(text))


def period_names(period: Period) -> set[str]:
    """The names a file may give a period: its name and key, its label in both languages (as exported) and,
    for a quarter, the seed's year and quarter (2024.Q3)."""
    texts = {period.name, period.key}
    for language in ("zh-hans", "en"):
        with override(language):
            texts.add(period.label)
    if period.kind == PeriodKind.QUARTER and period.key:
        texts.add(f"{period.fiscal_year}Q{period.key.rsplit('Q', 1)[-1]}")
    return {period_key(text) for text in texts if text}
