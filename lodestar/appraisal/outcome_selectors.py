"""Reads of what follows a published result: promotion candidates, the improvement plans, appeals and
composites a reader may see, and what an appraisal page's outcomes panel shows — each in a fixed number
of queries."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from lodestar.appraisal import access
from lodestar.appraisal.domain import grades as grade_rules
from lodestar.appraisal.models import Appeal, Appraisal, FeedbackMeeting, Pip, PipCheck, Stage
from lodestar.core.models import Period, PeriodKind
from lodestar.org.models import Person

PUBLISHED_STAGES = (Stage.PUBLISHED, Stage.FEEDBACK)


@dataclass(frozen=True)
class QuarterResult:
    appraisal_id: int
    cycle_id: int
    cycle: str
    period_id: int
    period: str
    start: dt.date
    end: dt.date
    grade: str


@dataclass(frozen=True)
class PromotionCandidate:
    person: Person
    first: QuarterResult
    second: QuarterResult


def _adjacent(a: QuarterResult, b: QuarterResult) -> bool:
    return b.start == a.end + dt.timedelta(days=1)


def promotion_candidates(*, year_period: Period | None = None) -> list[PromotionCandidate]:
    """People whose effective grades of two consecutive published quarterly cycles are A or S
    (`domain.grades.promotion_candidate`), each with the latest such pair. One query.
    With a year, the later quarter of the pair lies in it."""
    qs = (
        Appraisal.objects.filter(cycle__stage__in=PUBLISHED_STAGES, cycle__period__kind=PeriodKind.QUARTER)
        .select_related("person__department", "cycle__period")
        .order_by("person_id", "cycle__period__start", "cycle_id")
    )
    out: list[PromotionCandidate] = []
    for _person_id, group in itertools.groupby(qs, key=lambda a: a.person_id):
        appraisals = list(group)
        results = [
            QuarterResult(
                appraisal_id=a.pk,
                cycle_id=a.cycle_id,
                cycle=a.cycle.name,
                period_id=a.cycle.period_id,
                period=a.cycle.period.label,
                start=a.cycle.period.start,
                end=a.cycle.period.end,
                grade=a.effective_grade,
            )
            for a in appraisals
        ]
        found = None
        for first, second in itertools.pairwise(results):
            if not _adjacent(first, second):
                continue
            if year_period is not None and not (year_period.start <= second.start <= year_period.end):
                continue
            if grade_rules.promotion_candidate([first.grade, second.grade]):
                found = (first, second)
        if found is not None:
            out.append(PromotionCandidate(person=appraisals[0].person, first=found[0], second=found[1]))
    out.sort(
        key=lambda c: (c.person.department.path if c.person.department_id else "", c.person.display_name)
    )
    return out


def pip_list(user):
    return access.visible_pips(user).select_related("person__department", "mentor", "appraisal__cycle")


def pip_checks(pip: Pip) -> list[dict]:
    """Every check date of the plan with its recorded result (or none yet), in date order."""
    recorded = {c.date.isoformat(): c for c in PipCheck.objects.filter(pip=pip).select_related("recorded_by")}
    dates = sorted(set(pip.check_dates) | set(recorded))
    return [{"date": dt.date.fromisoformat(d), "check": recorded.get(d)} for d in dates]


def appeal_list(user):
    return access.visible_appeals(user).select_related(
        "appraisal__person", "appraisal__cycle__period", "appraisal__department", "decided_by"
    )


def composite_list(user):
    return access.visible_composites(user).select_related("person__department", "year_period")


@dataclass
class Panel:
    """What an appraisal page's outcomes panel shows."""

    feedback: FeedbackMeeting | None
    appeals: list[Appeal] = field(default_factory=list)
    pips: list[Pip] = field(default_factory=list)

    @property
    def open_appeal(self) -> Appeal | None:
        return next((a for a in self.appeals if a.status == "open"), None)


def appraisal_panel(user, appraisal: Appraisal) -> Panel:
    """The feedback meeting, the appeals and the improvement plans of one appraisal: three queries."""
    feedback = FeedbackMeeting.objects.filter(appraisal=appraisal).select_related("written_by").first()
    if feedback is not None:
        feedback.appraisal = appraisal
    appeals = list(Appeal.objects.filter(appraisal=appraisal).select_related("decided_by"))
    for appeal in appeals:
        appeal.appraisal = appraisal
    pips = list(access.visible_pips(user).filter(appraisal=appraisal).order_by("-starts", "-id"))
    return Panel(feedback=feedback, appeals=appeals, pips=pips)
