"""Reading the knowledge library: case search, cases suggested for a goal, and the annual report's
figures (DOMAIN.md §4, "annual: a whitepaper of successes, failures, capability gaps")."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from lodestar.core.models import Period, choice_label
from lodestar.goals.access import visible_goals
from lodestar.goals.domain import unit_display
from lodestar.goals.models import Goal, Snapshot, SnapshotKind
from lodestar.knowledge import domain
from lodestar.knowledge.models import Case, Sop, Tag
from lodestar.org.models import Department
from lodestar.org.permissions import subtree_q
from lodestar.retrospectives.access import visible_retrospectives


def cases_with_lists():
    return Case.objects.select_related("department", "author", "period").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("kind", "name"))
    )


def search_cases(
    queryset,
    *,
    q: str = "",
    tag: str = "",
    outcome: str = "",
    department: Department | None = None,
    goal_id: int | None = None,
):
    """Filter cases: every search word must match the title, context, what was done, the reasons or a
    tag name (icontains: works for Chinese on SQLite and PostgreSQL)."""
    through = Case.tags.through.objects
    for term in domain.search_terms(q):
        queryset = queryset.filter(
            Q(title__icontains=term)
            | Q(context__icontains=term)
            | Q(body__icontains=term)
            | Q(reasons__icontains=term)
            | Q(pk__in=through.filter(tag__name__icontains=term).values("case_id"))
        )
    if tag:
        queryset = queryset.filter(pk__in=through.filter(tag__name=tag).values("case_id"))
    if outcome in Case.Outcome.values:
        queryset = queryset.filter(outcome=outcome)
    if department is not None:
        queryset = queryset.filter(subtree_q([department.path], "department__path"))
    if goal_id is not None:
        queryset = queryset.filter(
            pk__in=Case.goals.through.objects.filter(goal_id=goal_id).values("case_id")
        )
    return queryset


def suggested_cases(goal: Goal, *, limit: int = 5) -> list[Case]:
    """Cases for a goal's page: those sharing tags with the cases of similar goals (the goal itself, its
    parent and siblings, goals of the same type), or whose tags appear in the goal's name or type."""
    similar = Q(pk=goal.pk)
    if goal.parent_id:
        similar |= Q(pk=goal.parent_id) | Q(parent_id=goal.parent_id)
    if goal.goal_type_id:
        similar |= Q(goal_type_id=goal.goal_type_id)
    similar_goals = Goal.objects.filter(similar).values("pk")
    linked_cases = Case.goals.through.objects.filter(goal_id__in=similar_goals).values("case_id")
    tag_ids = set(Case.tags.through.objects.filter(case_id__in=linked_cases).values_list("tag_id", flat=True))
    words = goal.name + " " + (goal.goal_type.name if goal.goal_type is not None else "")
    tag_ids |= {pk for pk, name in Tag.objects.values_list("pk", "name") if name and name in words}
    if not tag_ids:
        return []
    shared = Count("tags", filter=Q(tags__in=tag_ids), distinct=True)
    return list(
        cases_with_lists()
        .filter(tags__in=tag_ids)
        .annotate(shared=shared)
        .order_by("-shared", "-created_at", "-id")
        .distinct()[:limit]
    )


def sops_with_latest():
    return Sop.objects.select_related("department", "owner").annotate(latest_number=Count("versions"))


# --- annual report -----------------------------------------------------------------------------


@dataclass
class AnnualReport:
    year: int
    department: Department | None
    results: domain.YearResults
    successes: list[Case] = field(default_factory=list)
    failures: list[Case] = field(default_factory=list)
    gaps: list[tuple[str, int]] = field(default_factory=list)
    themes: list[tuple[str, int]] = field(default_factory=list)
    actions: list = field(default_factory=list)
    sops: list[Sop] = field(default_factory=list)


def year_periods(year: int):
    return Period.objects.filter(Q(fiscal_year=year) | Q(fiscal_year__isnull=True, start__year=year))


def _in_department(department: Department | None, path_field: str) -> Q:
    return Q() if department is None else subtree_q([department.path], path_field)


def goal_results(year: int, department: Department | None, *, user=None) -> domain.YearResults:
    """One row per goal with a close snapshot in the year's periods: the goal's latest close figures
    (with `user`: of the goals that reader may see)."""
    snapshots = Snapshot.objects.all()
    if user is not None:
        snapshots = snapshots.filter(goal__in=visible_goals(user).values("pk"))
    rows = (
        snapshots.filter(kind=SnapshotKind.CLOSE, period__in=year_periods(year))
        .filter(_in_department(department, "goal__department__path"))
        .order_by("goal_id", "-taken_at", "measure_id")
        .only(
            "goal_id",
            "goal_name",
            "unit",
            "unit_label",
            "taken_at",
            "target",
            "original_target",
            "actual",
            "achievement_rate",
            "original_achievement_rate",
            "goal_achievement_rate",
        )
    )
    by_goal: dict[int, list[Snapshot]] = {}
    for row in rows:
        group = by_goal.setdefault(row.goal_id, [row])
        if group[0] is not row and group[0].taken_at == row.taken_at:
            group.append(row)
    result_rows = []
    for goal_id, group in by_goal.items():
        first = group[0]
        single = len(group) == 1
        # A single measure is the goal: its own, uncapped rate (44篇 of 40 → 110%, as the row's figures and
        # the original-target column say). Several measures: the goal's roll-up, each capped at 100%
        # (DOMAIN.md "A goal with several measures").
        rate = first.achievement_rate if single else first.goal_achievement_rate
        if rate is None:
            rate = first.goal_achievement_rate
        result_rows.append(
            domain.ResultRow(
                goal_id=goal_id,
                name=first.goal_name,
                target=first.target if single else None,
                original_target=first.original_target if single else None,
                actual=first.actual if single else None,
                achievement_rate=rate,
                original_achievement_rate=first.original_achievement_rate if single else None,
                unit=unit_display(first.unit, first.unit_label) if single else "",
            )
        )
    result_rows.sort(key=lambda r: (r.achievement_rate is None, -(r.achievement_rate or 0), r.name))
    return domain.year_results(result_rows)


def annual_report(year: int, department: Department | None, *, user=None, top: int = 5) -> AnnualReport:
    """The whitepaper's figures. With `user`, only what that reader may see feeds it: the goals'
    results, the check-ins' causes and the improvement actions of retrospectives on visible goals
    (cases and SOPs are the company's shared knowledge)."""
    from lodestar.retrospectives.models import ImprovementAction
    from lodestar.tracking.access import visible_checkins
    from lodestar.tracking.models import CheckIn

    checkins = CheckIn.objects.all() if user is None else visible_checkins(user)
    actions_qs = ImprovementAction.objects.all()
    if user is not None:
        actions_qs = actions_qs.filter(retrospective__in=visible_retrospectives(user).values("pk"))

    periods = year_periods(year)
    cases = (
        cases_with_lists()
        .filter(Q(period__in=periods) | Q(period__isnull=True, created_at__year=year))
        .filter(_in_department(department, "department__path"))
    )
    gaps = domain.top_counts(
        (
            choice_label(name, name_en)
            for name, name_en in checkins.filter(period_start__year=year, deviation_category__isnull=False)
            .filter(
                _in_department(department, "measure__goal__department__path")
                | (_in_department(department, "item__department__path") if department else Q())
            )
            .values_list("deviation_category__name", "deviation_category__name_en")
        ),
        limit=top,
    )
    actions = list(
        actions_qs.filter(retrospective__period__in=periods)
        .filter(_in_department(department, "retrospective__department__path"))
        .select_related("owner", "retrospective")
        .order_by("due", "id")[:50]
    )
    return AnnualReport(
        year=year,
        department=department,
        results=goal_results(year, department, user=user),
        successes=list(cases.filter(outcome=Case.Outcome.SUCCESS)[:top]),
        failures=list(cases.filter(outcome=Case.Outcome.FAILURE)[:top]),
        gaps=gaps,
        themes=domain.top_counts((a.title for a in actions), limit=top),
        actions=actions,
        sops=list(
            Sop.objects.filter(_in_department(department, "department__path"))
            .select_related("owner")
            .order_by("title")[:20]
        ),
    )
