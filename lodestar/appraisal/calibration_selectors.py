"""Read queries of the cycle and calibration pages (and their API): a constant number of queries
whatever the size of the cycle.

Calibration groups appraisals by the first-level department under the company (市场部, 销售部 …): that is
where a marketing director reads the guideline (S ≤ 10%, C ≥ 5%), and a team of three would otherwise
never be allowed an S. A manager who manages a department deeper than the first level sees it as their
own group; people placed at the company itself form the company's group.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from lodestar.appraisal import access
from lodestar.appraisal.domain import grades as grade_rules
from lodestar.appraisal.models import (
    Appraisal,
    CalibrationMove,
    Cycle,
    Review,
    ReviewRole,
    ReviewStatus,
    Stage,
)
from lodestar.appraisal.services.calibration import cycle_grades
from lodestar.org.models import Department
from lodestar.org.permissions import is_admin, is_hr, managed_paths

# --- calibration -------------------------------------------------------------------------------------


@dataclass
class GradeCell:
    grade: str
    count: int
    share: Decimal  # a fraction (0.10 is 10%); rounded only for display
    out: bool  # against the guideline (too many S, too few C)

    @property
    def percent(self) -> Decimal:
        return self.share * 100


@dataclass
class CalibrationGroup:
    department_id: int | None
    name: str
    path: str
    distribution: grade_rules.Distribution
    cells: list[GradeCell]
    appraisals: list[Appraisal] = field(default_factory=list)
    suggestions: dict[int, str] = field(default_factory=dict)  # appraisal id → suggested grade
    unscored: int = 0

    @property
    def within(self) -> bool:
        return self.distribution.within


@dataclass
class CalibrationBoard:
    cycle: Cycle
    grades: list[str]
    groups: list[CalibrationGroup]
    total: CalibrationGroup
    moves: list[CalibrationMove]


def _first_level(path: str) -> str:
    ids = [part for part in path.strip("/").split("/") if part]
    return "/" + "/".join(ids[:2]) + "/" if len(ids) >= 2 else path


def group_path(path: str, own_roots: list[str]) -> str:
    """The department an appraisal is calibrated in: the first level under the company, or a deeper
    department the reader manages (a team lead sees their team as one group)."""
    first = _first_level(path)
    for root in sorted(own_roots, key=len):
        if path.startswith(root) and len(root) > len(first):
            return root
    return first


def _cells(dist: grade_rules.Distribution, grades: list[str]) -> list[GradeCell]:
    cells = []
    for grade in grades:
        if grade == "S":
            out = dist.s_over > 0
        elif grade in ("C", "D"):
            out = dist.c_short > 0
        else:
            out = False
        cells.append(GradeCell(grade, dist.counts.get(grade, 0), dist.share(grade), out))
    return cells


def _group(cycle: Cycle, grades: list[str], rows: list[Appraisal], **info) -> CalibrationGroup:
    scored = [a for a in rows if a.effective_grade]
    dist = grade_rules.distribution(
        [a.effective_grade for a in scored], s_max=cycle.guideline_s_max, c_min=cycle.guideline_c_min
    )
    suggestions = {}
    if cycle.stage == Stage.CALIBRATION:  # the people to move: only while grades can still be moved
        suggestions = grade_rules.people_to_move(
            [(a.pk, a.effective_grade, a.final_score or Decimal(0)) for a in scored], dist
        )
    return CalibrationGroup(
        distribution=dist,
        cells=_cells(dist, grades),
        appraisals=rows,
        suggestions=suggestions,
        unscored=len(rows) - len(scored),
        **info,
    )


def calibration_board(user, cycle: Cycle) -> CalibrationBoard:
    """Per department and for the whole scope the reader calibrates: the effective grades against the
    cycle's guideline with the people the guideline points at (only while the cycle is in its calibration
    stage: not during the reviews, not once published), and the log of moves. Four queries."""
    appraisals = list(
        access.calibration_appraisals(user, cycle)
        .select_related("person", "department", "position")
        .order_by("department__path", "person__display_name", "id")
    )
    own_roots = [] if (is_admin(user) or is_hr(user)) else managed_paths(user)
    by_group: dict[str, list[Appraisal]] = defaultdict(list)
    for appraisal in appraisals:
        appraisal.cycle = cycle
        by_group[group_path(appraisal.department.path, own_roots)].append(appraisal)
    departments = {
        d["path"]: d for d in Department.objects.filter(path__in=list(by_group)).values("id", "name", "path")
    }
    grades = cycle_grades(cycle)
    groups = []
    for path in sorted(by_group):
        department = departments.get(path, {"id": None, "name": path})
        groups.append(
            _group(
                cycle,
                grades,
                by_group[path],
                department_id=department["id"],
                name=department["name"],
                path=path,
            )
        )
    total = _group(cycle, grades, appraisals, department_id=None, name="", path="")
    moves = list(
        CalibrationMove.objects.filter(appraisal__in=[a.pk for a in appraisals])
        .select_related("appraisal__person", "moved_by")
        .order_by("-created_at", "-id")
    )
    return CalibrationBoard(cycle=cycle, grades=grades, groups=groups, total=total, moves=moves)


# --- the cycle page ----------------------------------------------------------------------------------


@dataclass
class StageCompletion:
    role: str
    label: str
    submitted: int
    total: int


def stage_completion(appraisals) -> list[StageCompletion]:
    """Reviews submitted out of the total, per kind of review (self, manager, peer). One query."""
    rows = {
        row["role"]: row
        for row in Review.objects.filter(appraisal__in=appraisals)
        .values("role")
        .annotate(total=Count("id"), submitted=Count("id", filter=Q(status=ReviewStatus.SUBMITTED)))
    }
    return [
        StageCompletion(
            role.value,
            role.label,
            rows.get(role.value, {}).get("submitted", 0),
            rows.get(role.value, {}).get("total", 0),
        )
        for role in ReviewRole
    ]


def review_status(appraisal_ids: list[int]) -> dict[int, dict[str, tuple[int, int]]]:
    """Per appraisal and kind of review: (submitted, total). One query."""
    out: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    rows = (
        Review.objects.filter(appraisal_id__in=appraisal_ids)
        .values("appraisal_id", "role")
        .annotate(total=Count("id"), submitted=Count("id", filter=Q(status=ReviewStatus.SUBMITTED)))
    )
    for row in rows:
        out[row["appraisal_id"]][row["role"]] = (row["submitted"], row["total"])
    return out


def cycle_appraisals(user, cycle: Cycle):
    """The appraisals of the cycle the reader may see, ready for the list."""
    return (
        access.visible_appraisals(user)
        .filter(cycle=cycle)
        .select_related("person", "department", "position")
        .order_by("department__path", "person__display_name", "id")
    )
