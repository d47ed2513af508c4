"""The appraisal results table (考核表) out to Excel: person, position, the indicators with their weights and
scores, the final score, the grade (calibrated where it was), the bonus coefficient, and the bonus for HR and
admins only (the same rule as the appraisal pages: `appraisal.access.can_see_pay`).

Export only: scores are computed by Lodestar from the period's snapshot and the reviews, so there is nothing
a file could set; an upload of this table is refused with that reason (imports.table_import_upload)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy

from lodestar.appraisal.access import can_see_pay, visible_appraisals
from lodestar.exchange import columns as c
from lodestar.exchange.columns import Column, TableSpec

SPEC = TableSpec(
    name="appraisals",
    title_zh="绩效考核结果表",
    title_en="Performance appraisal results",
    help=gettext_lazy("One appraisal per row, as scored in Lodestar (read only)."),
    sheet_zh="考核结果",
    sheet_en="Appraisals",
    columns=(
        Column("cycle", "考核周期", "Cycle", "", 18, read_only=True),
        Column("person", "姓名", "Person", "", 10, read_only=True),
        Column("position", "岗位", "Position", "", 12, read_only=True),
        Column("department", "部门", "Department", "", 14, read_only=True),
        Column(
            "indicators",
            "考核指标（权重 / 得分）",
            "Indicators (weight / score)",
            gettext_lazy("Each indicator with its weight and its score"),
            60,
            read_only=True,
        ),
        Column("final_score", "最终得分", "Final score", "", 10, "0.00", read_only=True),
        Column(
            "grade",
            "等级",
            "Grade",
            gettext_lazy("S, A, B or C (after calibration where it was calibrated)"),
            8,
            read_only=True,
        ),
        Column("coefficient", "绩效系数", "Bonus coefficient", "", 10, "0.00", read_only=True),
        Column("bonus", "绩效奖金", "Bonus", gettext_lazy("HR and admins only"), 14, c.YUAN, read_only=True),
        Column(c.ID_KEY, "ID", "ID", "", 8, c.INTEGER, hidden=True),
    ),
)


def _indicators(components: list[dict]) -> str:
    parts = []
    for component in components or []:
        weight = Decimal(str(component.get("weight") or 0)).normalize()
        score = component.get("score")
        shown = "—" if score is None else f"{Decimal(str(score)).quantize(Decimal('0.01'))}"
        parts.append(f"{component.get('name', '')} {weight:f}% / {shown}")
    return "；".join(parts)


def export_rows(user, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """The appraisals the user may see; `params`: cycle_id, department_id (exactly that department)."""
    params = params or {}
    pay = can_see_pay(user)
    queryset = visible_appraisals(user).select_related("cycle", "person", "position", "department")
    for name in ("cycle_id", "department_id"):
        if params.get(name):
            queryset = queryset.filter(**{name: params[name]})
    for appraisal in queryset.order_by("cycle_id", "department__path", "person__display_name", "id").iterator(
        chunk_size=500
    ):
        yield {
            "cycle": appraisal.cycle.name,
            "person": appraisal.person.display_name,
            "position": appraisal.position.name,
            "department": appraisal.department.name,
            "indicators": _indicators(appraisal.components),
            "final_score": appraisal.final_score,
            "grade": appraisal.effective_grade,
            "coefficient": appraisal.bonus_coefficient,
            "bonus": appraisal.bonus_amount if pay else None,
            c.ID_KEY: appraisal.pk,
        }
