"""Reads for the weekly meeting (周例会): who owes a check-in and who has handed it in
(填报人数), and the meeting's decisions. Each reads in a fixed number of queries.

- `expected_reporters`: the one definition of an expected reporter; the "due" rules are those of
  each person's own report page (`selectors.due_measure_q`, `selectors.due_item_q`).
- `meeting_decisions`, `carried_decisions`: a meeting's decisions, and what the next one opens with.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from lodestar.execution.models import RaciAssignment
from lodestar.goals.models import Measure
from lodestar.org.models import Person
from lodestar.tracking import domain
from lodestar.tracking.models import CheckIn, MeetingDecision
from lodestar.tracking.selectors import Week, due_item_q, due_measure_q


@dataclass
class Reporting:
    """The week's reporting in a department: the people expected, who reported, who is missing."""

    status: domain.ReportingStatus
    people: dict[int, Person]

    @property
    def reported(self) -> list[Person]:
        return [self.people[p] for p in self.status.reported]

    @property
    def missing(self) -> list[Person]:
        return [self.people[p] for p in self.status.missing]

    @property
    def rows(self) -> list[dict]:
        """Everyone expected, missing first: person, rows submitted / due, reported."""
        status = self.status
        ordered = [*status.missing, *status.reported]
        return [
            {
                "person": self.people[p],
                "due": status.due_rows[p],
                "submitted": status.submitted_rows[p],
                "reported": p in status.reported,
            }
            for p in ordered
        ]


def expected_reporters(department, week: Week) -> Reporting:
    """Who owes a check-in in `week` in the department's subtree, and who has handed one in.

    The one definition of an expected reporter (the meeting's "填报人数 reported / expected"):
    an active person who, in that week, owns an active goal of the subtree with a measure that takes
    check-ins (`due_measure_q`, no decomposed parts), or is the responsible (R) of an open item
    of the subtree (`due_item_q`) — the rows their own weekly report page lists. A row counts as
    submitted with any check-in starting in the week (a weekly or a daily one, whoever entered
    it); who counts as reported is `domain.reporting_status`. Four queries, whatever the size.
    """
    path = department.path
    measures = (
        Measure.objects.filter(
            due_measure_q(week),
            goal__deleted_at__isnull=True,
            goal__department__path__startswith=path,
            goal__owner__is_active=True,
        )
        .annotate(part_count=Count("parts", filter=Q(parts__goal__deleted_at__isnull=True)))
        .filter(part_count=0)
        .values_list("pk", "goal__owner_id")
    )
    items = RaciAssignment.objects.filter(
        due_item_q("item__"),
        role="R",
        person__isnull=False,
        person__is_active=True,
        item__deleted_at__isnull=True,
        item__department__path__startswith=path,
    ).values_list("item_id", "person_id")
    due: dict[int, set] = {}
    for measure_id, owner_id in measures:
        due.setdefault(owner_id, set()).add(("measure", measure_id))
    for item_id, person_id in items:
        due.setdefault(person_id, set()).add(("item", item_id))
    measure_ids = [key[1] for rows in due.values() for key in rows if key[0] == "measure"]
    item_ids = [key[1] for rows in due.values() for key in rows if key[0] == "item"]
    submitted: set = set()
    if due:
        for measure_id, item_id in CheckIn.objects.filter(
            Q(measure_id__in=measure_ids) | Q(item_id__in=item_ids),
            period_start__gte=week.start,
            period_start__lte=week.end,
        ).values_list("measure_id", "item_id"):
            submitted.add(("measure", measure_id) if measure_id else ("item", item_id))
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in=list(due))
        .select_related("department")
        .order_by("department__path", "display_name", "pk")
    }
    ordered = {pk: due[pk] for pk in people}  # the people's order: by department, then name
    return Reporting(status=domain.reporting_status(ordered, submitted), people=people)


# --- meeting decisions -----------------------------------------------------------------------


def _decisions():
    return MeetingDecision.objects.select_related("department", "owner", "item", "created_by").order_by(
        "week_start", "due", "id"
    )


def meeting_decisions(department, week: Week) -> list[MeetingDecision]:
    """The decisions and follow-ups recorded at this week's meeting of the department."""
    return list(_decisions().filter(department=department, week_start=week.start))


def carried_decisions(department, week: Week) -> list[MeetingDecision]:
    """What the meeting opens with: last week's decisions (open or done) and any earlier one
    still open."""
    return list(
        _decisions().filter(
            Q(week_start=week.previous.start)
            | Q(week_start__lt=week.start, status=MeetingDecision.Status.OPEN),
            department=department,
        )
    )
