"""The appraisal results table (考核表) in and out of Excel: one row per appraisal and indicator, as such a
sheet is kept in a Chinese company — 考核周期 · 姓名 · 岗位 · 部门, then the indicator's 考核指标 · 指标类型 ·
权重 · 评分标准 · 达成率 · 上级评分 · 评分说明 · 得分, then the appraisal's 最终得分 · 等级 · 校准理由 · 绩效系数 ·
绩效奖金 · 上级评语 · 上级评价状态, and the hidden ID (the appraisal), 指标ID, 版本 (the appraisal's version) and
评价版本 (the manager review's version).

The appraisal's columns are written on its first row only (as a merged cell reads back) and read from there:
on its other rows they stay empty or repeat the first row's value, otherwise the row is refused.

What a person really enters in such a sheet, and only through the appraisal app's services and rules:

- 上级评分 (1–5) and 评分说明 of a qualitative indicator, 上级评语 and 上级评价状态 (已提交 submits the review,
  after every row of the appraisal is written) go into the manager's review through
  `appraisal.services.reviews.review_save`: only its reviewer, while reviews are open and the review is not
  submitted. A quantitative indicator is scored from the period's snapshot: its 上级评分 stays empty.
- 等级 with 校准理由 is a calibration move through `appraisal.services.calibration.calibrate`: HR partners,
  admins and the department's managers, during the calibration stage, with a reason.

A published cycle is locked: any change is refused. Scores, final score, coefficient and bonus are computed
by Lodestar: read only, a changed cell is ignored (as the other tables' read-only columns). A row without
an ID is refused: appraisals are created when their cycle starts. Each reader sees what the appraisal pages
show them: results (final score, grade, coefficient) per `can_see_result`, the bonus per `can_see_pay`,
the manager's review per `can_read_review`; what is hidden from the exporter is exported empty and an
empty cell never clears it. A record changed in Lodestar since the export (the appraisal's version for a
calibration, the review's for a rating, comment or submission) is a conflict, not overwritten."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lodestar.appraisal.access import can_read_review, can_see_pay, can_see_result, visible_appraisals
from lodestar.appraisal.models import (
    Grade,
    Indicator,
    IndicatorKind,
    Review,
    ReviewRole,
    ReviewStatus,
    ScoringRule,
)
from lodestar.appraisal.services import calibration, reviews
from lodestar.exchange import columns as c
from lodestar.exchange import records
from lodestar.exchange.columns import Column, TableSpec
from lodestar.exchange.rows import RowConflict, RowProblem, cell_text, choice_lookup

INDICATOR_ID_KEY = "indicator_id"
REVIEW_VERSION_KEY = "review_version"
# The appraisal's columns that are read on import: written on its first row.
APPRAISAL_INPUTS = ("grade", "reason", "summary", "review_status")


def _grades() -> list[str]:
    return [value for value, _label in Grade.choices]


def _statuses() -> list[str]:
    return [str(label) for _value, label in ReviewStatus.choices]


SPEC = TableSpec(
    name="appraisals",
    title_zh="绩效考核结果表",
    title_en="Performance appraisal results",
    help=gettext_lazy(
        "One row per appraisal and indicator; the appraisal's final score, grade and comment on its first "
        "row. The manager enters the ratings (1–5) of the qualitative indicators, their comments, the overall "
        "comment and may submit the review while reviews are open; HR and the department's managers change "
        "the grade with a reason during calibration. Scores are computed by Lodestar (read only); a "
        "published cycle is locked."
    ),
    sheet_zh="考核结果",
    sheet_en="Appraisals",
    columns=(
        Column("cycle", "考核周期", "Cycle", "", 18, read_only=True),
        Column("person", "姓名", "Person", "", 10, read_only=True),
        Column("position", "岗位", "Position", "", 12, read_only=True),
        Column("department", "部门", "Department", "", 14, read_only=True),
        Column("indicator", "考核指标", "Indicator", "", 18, read_only=True),
        Column("kind", "指标类型", "Kind", gettext_lazy("Quantitative or qualitative"), 10, read_only=True),
        Column("weight", "权重", "Weight", "", 8, c.PERCENT, read_only=True),
        Column(
            "standard",
            "评分标准",
            "Scoring standard",
            gettext_lazy("How the indicator is scored: its rule, floor and cap, or its rubric"),
            36,
            read_only=True,
        ),
        Column(
            "achievement",
            "达成率",
            "Achievement",
            gettext_lazy("Quantitative indicators: from the period's snapshot"),
            10,
            c.PERCENT,
            read_only=True,
        ),
        Column(
            "rating",
            "上级评分",
            "Manager rating",
            gettext_lazy(
                "The manager's rating of a qualitative indicator, a whole number from 1 to 5 (scores rating × "
                "20); empty for a quantitative one"
            ),
            10,
            c.INTEGER,
        ),
        Column("rating_comment", "评分说明", "Rating comment", gettext_lazy("Why this rating"), 30),
        Column("score", "得分", "Score", gettext_lazy("Computed by Lodestar"), 9, "0.00", read_only=True),
        Column(
            "final_score",
            "最终得分",
            "Final score",
            gettext_lazy("Computed by Lodestar"),
            10,
            "0.00",
            read_only=True,
        ),
        Column(
            "grade",
            "等级",
            "Grade",
            gettext_lazy(
                "S, A, B, C or D (after calibration where it was calibrated); changing it is a calibration "
                "move, with a reason"
            ),
            8,
            choices=_grades,
        ),
        Column(
            "reason",
            "校准理由",
            "Calibration reason",
            gettext_lazy("Why the grade moves: required with a new grade, kept in the calibration history"),
            30,
        ),
        Column("coefficient", "绩效系数", "Bonus coefficient", "", 10, "0.00", read_only=True),
        Column("bonus", "绩效奖金", "Bonus", gettext_lazy("HR and admins only"), 14, c.YUAN, read_only=True),
        Column(
            "summary",
            "上级评语",
            "Manager's comment",
            gettext_lazy("The manager review's overall comment"),
            36,
        ),
        Column(
            "review_status",
            "上级评价状态",
            "Manager review status",
            gettext_lazy("Submitted makes the manager review final: every qualitative indicator rated"),
            12,
            choices=_statuses,
        ),
        Column(
            c.ID_KEY, "ID", "ID", gettext_lazy("Lodestar's id of the appraisal"), 8, c.INTEGER, hidden=True
        ),
        Column(
            INDICATOR_ID_KEY,
            "指标ID",
            "Indicator ID",
            gettext_lazy("Lodestar's id of the indicator"),
            8,
            c.INTEGER,
            hidden=True,
        ),
        Column(
            c.VERSION_KEY,
            "版本",
            "Version",
            gettext_lazy("The appraisal's version when exported: tells a conflict from an edit"),
            8,
            c.INTEGER,
            hidden=True,
        ),
        Column(
            REVIEW_VERSION_KEY,
            "评价版本",
            "Review version",
            gettext_lazy("The manager review's version when exported: tells a conflict from an edit"),
            8,
            c.INTEGER,
            hidden=True,
        ),
    ),
)


# --- export -------------------------------------------------------------------------------------------


def _percent(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def standard_text(indicator: Indicator) -> str:
    """评分标准: a quantitative indicator's rule with its floor and cap, a qualitative one's rubric."""
    if indicator.kind == IndicatorKind.QUALITATIVE:
        rubric = indicator.rubric or {}
        if rubric:
            return "；".join(f"{key}：{rubric[key]}" for key in sorted(rubric, reverse=True) if rubric[key])
        return _("Rated 1–5 by the reviewers (a rating scores rating × 20)")
    if indicator.rule == ScoringRule.STEPS and indicator.steps:
        steps = "；".join(
            f"≥{_percent(Decimal(str(t)))} → {Decimal(str(s)).normalize():f}" for t, s in indicator.steps
        )
        return _("Step table: %(steps)s") % {"steps": steps}
    parts = [_("Achievement × 100")]
    if indicator.floor is not None:
        parts.append(_("0 below %(floor)s") % {"floor": _percent(indicator.floor)})
    if indicator.cap is not None:
        parts.append(_("at most %(cap)s") % {"cap": _percent(indicator.cap)})
    return "，".join(parts)


def _decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def manager_review(appraisal) -> Review | None:
    """The appraisal's manager review (its reviewing manager's), from the prefetched `manager_reviews`."""
    found = list(getattr(appraisal, "manager_reviews", []))
    for review in found:
        if review.reviewer_id == appraisal.manager_id:
            return review
    return found[0] if found else None


def export_rows(user, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """The appraisals the user may see, a row per indicator; `params`: cycle_id, department_id (exactly that
    department)."""
    params = params or {}
    pay = can_see_pay(user)
    queryset = visible_appraisals(user).select_related("cycle", "person", "position", "department")
    for name in ("cycle_id", "department_id"):
        if params.get(name):
            queryset = queryset.filter(**{name: params[name]})
    queryset = queryset.prefetch_related(
        Prefetch("template__indicators", queryset=Indicator.objects.order_by("sort_order", "id")),
        Prefetch(
            "reviews",
            queryset=Review.objects.filter(role=ReviewRole.MANAGER)
            .prefetch_related("ratings")
            .order_by("id"),
            to_attr="manager_reviews",
        ),
    )
    ordered = queryset.order_by("cycle_id", "department__path", "person__display_name", "id")
    for appraisal in ordered.iterator(chunk_size=500):
        yield from appraisal_rows(user, appraisal, pay=pay)


def appraisal_rows(user, appraisal, *, pay: bool) -> Iterator[dict[str, Any]]:
    result = can_see_result(user, appraisal)
    review = manager_review(appraisal)
    if review is not None:
        review.appraisal = appraisal
        if not can_read_review(user, review):
            review = None
    ratings = {r.indicator_id: r for r in review.ratings.all()} if review is not None else {}
    components = {entry.get("indicator_id"): entry for entry in appraisal.components or []}
    indicators = list(appraisal.template.indicators.all()) or [None]
    for index, indicator in enumerate(indicators):
        component = components.get(indicator.pk, {}) if indicator is not None else {}
        rating = ratings.get(indicator.pk) if indicator is not None else None
        row: dict[str, Any] = {
            "cycle": appraisal.cycle.name,
            "person": appraisal.person.display_name,
            "position": appraisal.position.name,
            "department": appraisal.department.name,
            c.ID_KEY: appraisal.pk,
            c.VERSION_KEY: appraisal.version,
            REVIEW_VERSION_KEY: review.version if review is not None else None,
        }
        if indicator is not None:
            achievement = _decimal(component.get("achievement"))
            row.update(
                {
                    "indicator": indicator.name,
                    "kind": indicator.get_kind_display(),
                    "weight": indicator.weight / 100,
                    "standard": standard_text(indicator),
                    "achievement": achievement,
                    "rating": rating.rating if rating is not None else None,
                    "rating_comment": rating.comment if rating is not None else None,
                    "score": _decimal(component.get("score")),
                    INDICATOR_ID_KEY: indicator.pk,
                }
            )
        if index == 0:
            row.update(
                {
                    "final_score": appraisal.final_score if result else None,
                    "grade": appraisal.effective_grade if result else None,
                    "coefficient": appraisal.bonus_coefficient if result else None,
                    "bonus": appraisal.bonus_amount if result and pay else None,
                    "summary": review.summary if review is not None else None,
                    "review_status": review.get_status_display() if review is not None else None,
                }
            )
        yield row


# --- import -------------------------------------------------------------------------------------------


class AppraisalRows:
    """The appraisal table's rows, written through appraisal.services (review_save, calibrate)."""

    def __init__(self, actor) -> None:
        self.actor = actor
        self.lines: dict[int, list[int]] = {}  # appraisal id → its lines, in file order
        self.first_cells: dict[int, dict[str, str]] = {}  # appraisal id → its first row's APPRAISAL_INPUTS
        self.base_versions: dict[tuple[str, int], int] = {}  # record → its version before this import
        self.submit_asked: set[int] = set()  # appraisals whose first row submits the manager review
        self.grades = choice_lookup(Grade.choices)
        self.statuses = choice_lookup(ReviewStatus.choices)

    def prepare(self, rows: list[tuple[int, dict[str, object]]]) -> None:
        """Before the rows: where each appraisal's rows are (its first row holds its own columns; the
        review is submitted after its last)."""
        for line, values in rows:
            try:
                appraisal_id = records.integer(values.get(c.ID_KEY), "id")
            except RowProblem:
                continue
            if appraisal_id is None:
                continue
            if appraisal_id not in self.lines:
                self.first_cells[appraisal_id] = {k: cell_text(values.get(k)) for k in APPRAISAL_INPUTS}
            self.lines.setdefault(appraisal_id, []).append(line)

    # -- reading -------------------------------------------------------------------------------------

    def _rating(self, value: object) -> int | None:
        number = records.number(value, "rating")
        if number is None:
            return None
        if number != number.to_integral_value() or not 1 <= number <= 5:
            raise RowProblem("rating", "rating_range", _("A rating is a whole number from 1 to 5."))
        return int(number)

    def _read(self, values: dict[str, object]) -> dict[str, Any]:
        readers = {
            "rating": self._rating,
            "rating_comment": cell_text,
            "grade": lambda v: records.choice(self.grades, v, "grade"),
            "reason": cell_text,
            "summary": cell_text,
            "review_status": lambda v: records.choice(self.statuses, v, "review_status"),
            INDICATOR_ID_KEY: lambda v: records.integer(v, INDICATOR_ID_KEY),
            c.VERSION_KEY: lambda v: records.integer(v, c.VERSION_KEY),
            REVIEW_VERSION_KEY: lambda v: records.integer(v, REVIEW_VERSION_KEY),
        }
        return records.read_columns(values, readers)

    def _base(self, kind: str, record) -> int:
        return self.base_versions.setdefault((kind, record.pk), record.version)

    def _check_version(self, kind: str, record, exported: int | None) -> None:
        base = self._base(kind, record)
        if exported is not None and exported != base:
            raise RowConflict(
                _(
                    "Changed in Lodestar since the export (version %(old)s, now %(new)s): export again and redo the edit."
                )
                % {"old": exported, "new": base}
            )

    # -- the row -------------------------------------------------------------------------------------

    def apply(self, line: int, values: dict[str, object]) -> str:
        """ "updated" or "unchanged"; raises RowProblem or RowConflict."""
        appraisal_id = records.integer(values.get(c.ID_KEY), "id")
        if appraisal_id is None:
            raise RowProblem(
                "id",
                "create_in_app",
                _("An appraisal is created when its cycle starts, not by import: keep the rows' hidden ID."),
            )
        appraisal = (
            visible_appraisals(self.actor)
            .select_related("cycle", "department", "person", "template")
            .filter(pk=appraisal_id)
            .first()
        )
        if appraisal is None:
            raise RowProblem(
                "id",
                "not_found",
                _("Record %(id)s was not found (deleted, or not visible to you).") % {"id": appraisal_id},
            )
        data = self._read(values)
        lines = self.lines.get(appraisal_id) or [line]
        first, last = line == lines[0], line == lines[-1]
        if not first:
            self._same_as_first_row(appraisal_id, values, lines[0])
        self._base("appraisal", appraisal)
        review = self._review(appraisal)
        review_changes, wants_submit = self._review_changes(appraisal, review, data, values, first=first)
        grade = self._grade_change(appraisal, data) if first else None
        # The review is submitted after the appraisal's last row, so every rating of the file is in it.
        submit = last and (wants_submit or appraisal.pk in self.submit_asked)
        if not (review_changes or grade or wants_submit):
            return "unchanged"
        if appraisal.cycle.is_published:
            raise RowProblem(
                "grade" if grade else "rating",
                "published",
                _("This cycle is published: its results are locked."),
            )
        if review_changes or submit:
            assert review is not None
            self._check_version("review", review, data.get(REVIEW_VERSION_KEY))
            reviews.review_save(
                actor=self.actor, review=review, version=review.version, submit=submit, **review_changes
            )
        if grade:
            self._check_version("appraisal", appraisal, data.get(c.VERSION_KEY))
            calibration.calibrate(
                actor=self.actor,
                appraisal=appraisal,
                to_grade=grade,
                reason=data.get("reason") or "",
                version=appraisal.version,
            )
        if wants_submit and not last:
            self.submit_asked.add(appraisal.pk)
        return "updated"

    def _same_as_first_row(self, appraisal_id: int, values: dict[str, object], first_line: int) -> None:
        headers = {column.key: column.zh for column in SPEC.columns}
        first = self.first_cells.get(appraisal_id, {})
        for name in APPRAISAL_INPUTS:
            text = cell_text(values.get(name))
            if text and text != first.get(name, ""):
                raise RowProblem(
                    name,
                    "not_first_row",
                    _(
                        "%(column)s of an appraisal is read from its first row (line %(line)s): write it there."
                    )
                    % {"column": headers[name], "line": first_line},
                )

    def _review(self, appraisal) -> Review | None:
        found = list(
            Review.objects.filter(appraisal=appraisal, role=ReviewRole.MANAGER)
            .select_related("appraisal__cycle", "appraisal__department")
            .prefetch_related("ratings")
            .order_by("id")
        )
        appraisal.manager_reviews = found
        return manager_review(appraisal)

    def _indicator(self, appraisal, data: dict[str, Any], values: dict[str, object]) -> Indicator | None:
        indicators = list(Indicator.objects.filter(template_id=appraisal.template_id))
        indicator_id = data.get(INDICATOR_ID_KEY)
        if indicator_id is not None:
            for indicator in indicators:
                if indicator.pk == indicator_id:
                    return indicator
            raise RowProblem(
                INDICATOR_ID_KEY,
                "not_found",
                _("Indicator %(id)s is not one of this appraisal's template.") % {"id": indicator_id},
            )
        name = records.key(cell_text(values.get("indicator")))
        for indicator in indicators if name else []:
            if records.key(indicator.name) == name:
                return indicator
        return None

    def _review_changes(self, appraisal, review, data, values, *, first: bool) -> tuple[dict[str, Any], bool]:
        """What the row changes in the manager review, and whether it submits it — compared with what the
        exporter could see of it (a review they may not read was exported empty: an empty cell leaves it
        alone)."""
        rating, comment = data.get("rating"), data.get("rating_comment") or ""
        summary, status = data.get("summary"), data.get("review_status")
        indicator = None
        if rating is not None or comment:
            indicator = self._indicator(appraisal, data, values)
            if indicator is None:
                raise RowProblem("rating", "no_indicator", _("Name the indicator this rating is for."))
            if indicator.kind != IndicatorKind.QUALITATIVE:
                raise RowProblem(
                    "rating",
                    "quantitative",
                    _("%(name)s is scored from the period's snapshot: leave its rating empty.")
                    % {"name": indicator.name},
                )
        if review is None:
            if rating is not None or comment or (first and (summary or status)):
                raise RowProblem(
                    "rating", "no_manager_review", _("This appraisal has no manager review to write in.")
                )
            return {}, False
        readable = can_read_review(self.actor, review)
        changes: dict[str, Any] = {}
        if indicator is None and readable and "rating_comment" in data:
            indicator = self._indicator(appraisal, data, values)  # a comment emptied on a rated indicator
        if indicator is not None:
            existing = next((r for r in review.ratings.all() if r.indicator_id == indicator.pk), None)
            if not readable:
                existing = None
            before = (existing.rating, existing.comment) if existing is not None else (None, "")
            after = (rating if rating is not None else before[0], comment)
            if after[0] is None and after[1]:
                raise RowProblem("rating", "required", _("Give the rating with its comment."))
            if after[0] is not None and after != before:
                changes["ratings"] = [{"indicator_id": indicator.pk, "rating": after[0], "comment": after[1]}]
        if not first:
            return changes, False
        if summary is not None and summary != (review.summary if readable else ""):
            changes["summary"] = summary
        wants_submit = False
        if status and status != (review.status if readable else None):
            if status != ReviewStatus.SUBMITTED:
                raise RowProblem(
                    "review_status",
                    "review_submitted",
                    _("This review has been submitted: it cannot change."),
                )
            wants_submit = True
        return changes, wants_submit

    def _grade_change(self, appraisal, data: dict[str, Any]) -> str | None:
        grade = data.get("grade")
        shown = appraisal.effective_grade if can_see_result(self.actor, appraisal) else ""
        if not grade or grade == shown:
            return None
        return grade
