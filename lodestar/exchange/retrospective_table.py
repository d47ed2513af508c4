"""The retrospective table (营销目标复盘分析表, DOMAIN.md template 3) in and out of Excel.

The seed's eleven columns, in its order: 目标周期 · 目标名称 · 目标值 · 实际完成值 · 达成率 · 关键亮点 · 主要问题 ·
根本原因分析 · 改进计划 · 责任人 · 完成时限; then the hidden ID and 版本. The figures come from the period's
snapshot and the improvement plan is the retrospective's actions, so they are read only; 关键亮点, 主要问题,
根本原因分析, 责任人 and 完成时限 are written through `retrospectives.services.retrospective_update` (who may edit,
who may hand it to someone else). A retrospective is opened in the app, where its snapshot is taken: a row
without an ID is refused with that reason."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lodestar.exchange import columns as c
from lodestar.exchange import records
from lodestar.exchange.columns import Column, TableSpec
from lodestar.exchange.rows import RowProblem, cell_text
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
        "are imported."
    ),
    sheet_zh="复盘分析",
    sheet_en="Retrospectives",
    columns=(
        Column("period", "目标周期", "Period", "", 12, read_only=True),
        Column("title", "目标名称", "Goal", "", 28, read_only=True),
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
        return records.plain_changes(
            retrospective,
            data,
            ("highlights", "problems", "root_cause", "owner", "due"),
            keep_if_empty=("owner", "due"),
        )

    def update(self, retrospective, changes):
        services.retrospective_update(
            actor=self.actor, retrospective=retrospective, version=retrospective.version, **changes
        )

    def create(self, data, values):
        raise RowProblem(
            "id",
            "create_in_app",
            _(
                "A retrospective is opened in Lodestar (its figures come from the period's snapshot), not by import."
            ),
        )
