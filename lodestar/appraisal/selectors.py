"""Read-only queries of appraisal's person-facing pages and API: my appraisals, the reviews waiting for me,
my team's appraisals, one appraisal's page (score components as stored, the reviews the reader may see,
the evidence pack) and the competency radar (a person vs their department's average, per cycle)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Exists, OuterRef, Prefetch, Q, QuerySet

from lodestar.appraisal import access
from lodestar.appraisal.models import (
    Appraisal,
    CompetencyRating,
    Evidence,
    Rating,
    Review,
    ReviewRole,
    ReviewStatus,
    Stage,
)
from lodestar.execution.access import visible_items
from lodestar.execution.models import RaciAssignment, RaciRole
from lodestar.org.permissions import managed_paths, person_of, subtree_q
from lodestar.tracking.access import visible_checkins

RUNNING_STAGES = (Stage.SELF, Stage.MANAGER, Stage.PEER, Stage.CALIBRATION)
# A manager's team block: running cycles, and published ones until their feedback meetings are over.
TEAM_STAGES = (*RUNNING_STAGES, Stage.PUBLISHED, Stage.FEEDBACK)
WRITTEN_SHOWN = 50
APPRAISAL_RELATED = ("cycle__period", "person", "department", "position", "template", "manager")


def my_appraisals(user) -> list[Appraisal]:
    person = person_of(user)
    if person is None:
        return []
    return list(
        Appraisal.objects.filter(person=person)
        .exclude(cycle__stage=Stage.SETUP)
        .select_related(*APPRAISAL_RELATED)
        .order_by("-cycle__period__start", "-cycle_id")
    )


def reviews_waiting(user) -> list[Review]:
    """My pending reviews in cycles whose reviews are open (with the cycle's current stage)."""
    person = person_of(user)
    if person is None:
        return []
    return list(
        Review.objects.filter(
            reviewer=person, status=ReviewStatus.PENDING, appraisal__cycle__stage__in=access.REVIEW_STAGES
        )
        .select_related("appraisal__cycle", "appraisal__person", "appraisal__department")
        .order_by("appraisal__cycle__period__start", "appraisal_id", "role")
    )


def team_appraisals(user) -> list[Appraisal]:
    """The appraisals I review as a line manager (reviewing manager, or a manager of the department),
    in cycles that are running, published or in their feedback meetings (not in setup)."""
    person = person_of(user)
    if person is None:
        return []
    paths = managed_paths(user)
    condition = Q(manager=person)
    if paths:
        condition |= subtree_q(paths, "department__path")
    return list(
        Appraisal.objects.filter(condition, cycle__stage__in=TEAM_STAGES)
        .exclude(person=person)
        .select_related(*APPRAISAL_RELATED)
        .order_by("cycle_id", "department__path", "person__display_name")
    )


def reviews_written(user, limit: int = WRITTEN_SHOWN) -> list[Review]:
    """The reviews I submitted about someone else (as their manager or a cross-department reviewer),
    newest first, at most `limit` + 1 (the extra one tells the page there are more). One query: the
    reader is their author, so no anonymity rule applies (it only hides the author from the reviewee)."""
    person = person_of(user)
    if person is None:
        return []
    return list(
        Review.objects.filter(
            reviewer=person,
            role__in=(ReviewRole.MANAGER, ReviewRole.PEER),
            status=ReviewStatus.SUBMITTED,
        )
        .exclude(appraisal__person=person)
        .select_related("appraisal__cycle__period", "appraisal__person", "appraisal__department")
        .order_by("-submitted_at", "-id")[: limit + 1]
    )


@dataclass
class ReviewRow:
    review: Review
    reviewer_name: str | None  # None: an anonymous peer, hidden from the person appraised
    ratings: list[Rating] = field(default_factory=list)


def visible_reviews(user, appraisal: Appraisal) -> list[ReviewRow]:
    """The reviews of an appraisal the reader may read, with the reviewer hidden where the rules say so."""
    reviews = (
        Review.objects.filter(appraisal=appraisal)
        .select_related("reviewer")
        .prefetch_related(Prefetch("ratings", queryset=Rating.objects.select_related("indicator")))
        .order_by("role", "id")
    )
    rows = []
    for review in reviews:
        review.appraisal = appraisal
        if not access.can_read_review(user, review):
            continue
        name = review.reviewer.display_name if access.can_see_reviewer(user, review) else None
        rows.append(ReviewRow(review, name, list(review.ratings.all())))
    role_order = {ReviewRole.SELF: 0, ReviewRole.MANAGER: 1, ReviewRole.PEER: 2}
    rows.sort(key=lambda r: (role_order.get(r.review.role, 3), r.review.pk))  # type: ignore[call-overload]
    return rows


def evidence_of(appraisal: Appraisal) -> list[Evidence]:
    """The evidence pack with what each piece links to (one query, whatever the kinds)."""
    return list(
        Evidence.objects.filter(appraisal=appraisal)
        .select_related("added_by", "goal", "item", "case", "checkin__measure", "checkin__item")
        .order_by("created_at", "id")
    )


# --- what the evidence pack may link to ------------------------------------------------------------
# The candidates offered on the appraisal page, and the one set its view checks a chosen id against.
# Each is the app's own visibility rule (what the reader may see) narrowed to the appraised person's work
# in the cycle's period, so a list stays short and another person's record is never offered.

EVIDENCE_CHOICES_SHOWN = 50


def evidence_items(user, appraisal: Appraisal) -> QuerySet:
    """Action items the user sees (`execution.access.visible_items`) that the appraised person is
    accountable or responsible for (their A or an R), within the cycle's period: an item of one of the
    period's goals, or one due in the period (started in it, when it has no due date)."""
    period = appraisal.cycle.period
    person_id = appraisal.person_id
    theirs = Q(accountable_id=person_id) | Q(
        Exists(
            RaciAssignment.objects.filter(
                item=OuterRef("pk"),
                person_id=person_id,
                role__in=(RaciRole.RESPONSIBLE, RaciRole.ACCOUNTABLE),
            )
        )
    )
    in_period = (
        Q(goal__period_id=period.pk)
        | Q(due__gte=period.start, due__lte=period.end)
        | Q(due__isnull=True, start__gte=period.start, start__lte=period.end)
    )
    return visible_items(user).filter(theirs, in_period).order_by("-due", "title", "id")


def evidence_checkins(user, appraisal: Appraisal) -> QuerySet:
    """Check-ins the user sees (`tracking.access.visible_checkins`) that the appraised person made on
    the measures of their own goals, for weeks or months overlapping the cycle's period."""
    period = appraisal.cycle.period
    person_id = appraisal.person_id
    return (
        visible_checkins(user)
        .filter(
            author_id=person_id,
            measure__goal__owner_id=person_id,
            period_start__lte=period.end,
            period_end__gte=period.start,
        )
        .select_related("measure__goal")
        .order_by("-period_start", "-id")
    )


def evidence_cases(user, appraisal: Appraisal) -> QuerySet:
    """Cases of the library (knowledge reads them for every signed-in person: `knowledge.access.can_read`)
    that concern the appraised person's period: written by them, linked to one of their goals of the
    period, or filed for the period. knowledge sits on appraisal's floor, so the model comes through the
    relation; its default manager leaves deleted cases out."""
    period = appraisal.cycle.period
    person_id = appraisal.person_id
    case_model = Evidence._meta.get_field("case").related_model
    if person_of(user) is None:
        return case_model.objects.none()
    links = case_model.goals.through.objects.filter(goal__owner_id=person_id, goal__period_id=period.pk)
    return case_model.objects.filter(
        Q(author_id=person_id) | Q(pk__in=links.values("case_id")) | Q(period_id=period.pk)
    ).order_by("-created_at", "-id")


def competency_ratings(appraisal: Appraisal) -> list[CompetencyRating]:
    return list(
        CompetencyRating.objects.filter(appraisal=appraisal)
        .select_related("competency")
        .order_by("competency__group", "competency__sort_order", "competency_id")
    )


def radar(person_id: int, *, appraisal_ids: list[int] | None = None) -> dict:
    """A person's competency ratings per cycle vs the mean of their department's appraisals in the same
    cycle (two queries). `{"indicators": [{"name", "max"}], "series": [{"cycle", "person", "department"}]}`."""
    own = CompetencyRating.objects.filter(appraisal__person_id=person_id)
    if appraisal_ids is not None:
        own = own.filter(appraisal_id__in=appraisal_ids)
    rows = list(
        own.values_list(
            "appraisal__cycle_id",
            "appraisal__cycle__name",
            "appraisal__department_id",
            "competency_id",
            "competency__name",
            "competency__group",
            "competency__sort_order",
            "rating",
        ).order_by("appraisal__cycle__period__start", "appraisal__cycle_id")
    )
    if not rows:
        return {"indicators": [], "series": []}
    cycles: dict[int, tuple[str, int]] = {}
    competencies: dict[int, tuple] = {}
    mine: dict[tuple[int, int], int] = {}
    for cycle_id, cycle_name, department_id, comp_id, comp_name, group, order, rating in rows:
        cycles[cycle_id] = (cycle_name, department_id)
        competencies[comp_id] = (group, order, comp_id, comp_name)
        mine[(cycle_id, comp_id)] = rating
    condition = Q()
    for cycle_id, (_name, department_id) in cycles.items():
        condition |= Q(appraisal__cycle_id=cycle_id, appraisal__department_id=department_id)
    averages: dict[tuple[int, int], Decimal] = {}
    for cycle_id, comp_id, mean in (
        CompetencyRating.objects.filter(condition, competency_id__in=list(competencies))
        .values("appraisal__cycle_id", "competency_id")
        .annotate(mean=Avg("rating"))
        .values_list("appraisal__cycle_id", "competency_id", "mean")
    ):
        averages[(cycle_id, comp_id)] = Decimal(str(mean)).quantize(Decimal("0.01"))
    ordered = sorted(competencies.values())
    series = []
    for cycle_id, (cycle_name, _department_id) in cycles.items():
        series.append(
            {
                "cycle": cycle_name,
                "person": [mine.get((cycle_id, c[2])) for c in ordered],
                "department": [
                    float(averages[(cycle_id, c[2])]) if (cycle_id, c[2]) in averages else None
                    for c in ordered
                ],
            }
        )
    return {"indicators": [{"name": c[3], "max": 5} for c in ordered], "series": series}


def qualitative_by_role(components: list[dict]) -> dict[int, dict]:
    """For each qualitative component: its ratings by kind of reviewer and the renormalised weights."""
    out: dict[int, dict] = defaultdict(dict)
    for component in components or []:
        if component.get("kind") != "qualitative":
            continue
        source = component.get("source") or {}
        out[component["indicator_id"]] = {
            "ratings": source.get("ratings", {}),
            "by_role": source.get("by_role", {}),
            "weights": source.get("weights", {}),
        }
    return dict(out)
