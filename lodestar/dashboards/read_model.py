"""The dashboards' read model (看板, issue 16): the `Scope` a dashboard shows — the company, a department's
subtree or a person, a period and the reader — and the `Panel` each of its selectors returns, which the page,
the xlsx export and the API all read. The panels themselves are built in `selectors.py`,
`budget_panels.py` and `verification_panels.py`, which import this module (and this module none of them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q

from lodestar.core.models import Period
from lodestar.goals.access import visible_goals
from lodestar.goals.models import GoalStatus
from lodestar.org.models import Department, Person
from lodestar.org.permissions import visible_q

SHOWN_STATUSES = (GoalStatus.ACTIVE, GoalStatus.CLOSED)  # drafts and cancelled goals are not tracked


@dataclass
class Scope:
    """What a dashboard shows: `kind` company / department / person, the period and the reader."""

    kind: str
    user: object
    period: Period
    today: dt.date
    department: Department | None = None
    person: Person | None = None
    rows: list[Department] = field(default_factory=list)  # the departments the company/department splits into
    # The periods that overlap `period` (id → first and last day): a goal runs in the dashboard's period
    # when its own period is one of them. An `IN` of a few ids instead of a join to the periods and two
    # range tests on every goal lets the database read the goals from an index alone.
    period_days: dict[int, tuple[dt.date, dt.date]] = field(default_factory=dict)
    # Every department's path by id: panels count by department id and fold the counts into `rows`
    # here (`row_of`), instead of joining every counted record to its department.
    department_paths: dict[int, str] = field(default_factory=dict)

    @property
    def goal_q(self) -> Q:
        """Goals of the scope that run in the period (their period overlaps it), tracked ones only."""
        return self.goal_q_through("")

    def goal_q_through(self, goal: str) -> Q:
        """`goal_q` for the goal reached through `goal` (e.g. "measure__goal__" from a check-in)."""
        q = Q(**{f"{goal}period_id__in": list(self.period_days), f"{goal}status__in": SHOWN_STATUSES})
        if self.kind == "department" and self.department is not None:
            q &= Q(**{f"{goal}department__path__startswith": self.department.path})
        elif self.kind == "person" and self.person is not None:
            q &= Q(**{f"{goal}owner": self.person})
        return q

    def visible_goal_q_through(self, goal: str) -> Q:
        """What `goals()` selects, as a filter on the live goal reached through `goal`: a join instead
        of an `IN (…)` of every goal id (the check-in counts join check-in → measure → goal)."""
        visible = visible_q(
            self.user,
            department_field=f"{goal}department",
            owner_field=f"{goal}owner",
            public_field=f"{goal}visibility",
        )
        return visible & self.goal_q_through(goal) & Q(**{f"{goal}deleted_at__isnull": True})

    def goals(self):
        return visible_goals(self.user).filter(self.goal_q)

    def row_of(self) -> Callable[[int | None], int | None]:
        """The id of the row department (`rows`) a department's records count in, by the department's
        id: the deepest row whose subtree holds it (None: none of them)."""
        by_path = row_department_of(self.rows)
        paths = self.department_paths
        return lambda department_id: by_path(paths.get(department_id)) if department_id is not None else None

    @property
    def as_of(self) -> dt.date:
        """The day the plan-to-date is read: today inside the period, its last day after it."""
        return min(max(self.today, self.period.start), self.period.end)


def row_department_of(rows: list[Department]) -> Callable[[str | None], int | None]:
    """The id of the deepest row department whose subtree holds a department, from its path (None:
    none of them). Panels count by department in the database and fold the counts into the rows here:
    a `CASE` of one `LIKE` per row department, evaluated on every counted record, cost more than the
    counting itself (1.8 s of the company dashboard's check-ins at scale L)."""
    deepest_first = sorted(rows, key=lambda d: -d.depth)
    found: dict[str, int | None] = {}

    def row_of(path: str | None) -> int | None:
        if path is None:
            return None
        if path not in found:
            found[path] = next((d.pk for d in deepest_first if path.startswith(d.path)), None)
        return found[path]

    return row_of


@dataclass
class Column:
    """A column of a panel's table. `kind`: text, int (shown as "12,345"), rate (4-place fraction), amount
    (a figure in its measure's unit), money (both shown as "9,000.00"), ratio (ROI, shown with two
    decimals), date, health; how each is shown: `board_views.display`.
    `link`: "goal" / "department" / "person" / "alert" / "item" / "measure" / "discrepancy" — the row's
    `<link>_id` opens it."""

    key: str
    label: str
    kind: str = "text"
    link: str = ""


@dataclass
class Panel:
    """One panel: its figures as rows (decimals as strings, rates as 4-place fraction strings), the
    columns of its table, and optionally a short list under it (`items`, with `item_columns`)."""

    key: str
    title: str
    columns: list[Column]
    rows: list[dict]
    note: str = ""
    truncated: bool = False
    items: list[dict] = field(default_factory=list)
    item_columns: list[Column] = field(default_factory=list)
    item_total: int = 0
