"""Action-plan rules (DOMAIN.md §2): RACI, finish-to-start dependencies, dates and quantities.

Pure functions, no Django. They answer "is this plan valid?" and the services turn the
answers into clear messages.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

RESPONSIBLE, ACCOUNTABLE, CONSULTED, INFORMED = "R", "A", "C", "I"
OPEN_STATUSES = frozenset({"todo", "doing", "blocked"})
TOO_MANY_R = 8  # someone responsible for more open items than this on one matrix is flagged


@dataclass(frozen=True)
class RaciEntry:
    role: str  # "R" | "A" | "C" | "I"
    person_id: int | None = None
    department_id: int | None = None


def raci_problems(entries: Iterable[RaciEntry]) -> list[str]:
    """Codes of what breaks the RACI rule: exactly one A (a person), at least one R.

    "小红书笔记发布 — 专员 R, 经理 A, 内容组 C, 市场部 I" is valid. Returns [] when valid;
    otherwise any of "no_accountable", "several_accountable", "accountable_not_person",
    "no_responsible".
    """
    entries = list(entries)
    problems = []
    accountable = [e for e in entries if e.role == ACCOUNTABLE]
    if not accountable:
        problems.append("no_accountable")
    elif len(accountable) > 1:
        problems.append("several_accountable")
    elif accountable[0].person_id is None:
        problems.append("accountable_not_person")
    if not any(e.role == RESPONSIBLE for e in entries):
        problems.append("no_responsible")
    return problems


def would_create_cycle(edges: Iterable[tuple[int, int]], new_edge: tuple[int, int]) -> bool:
    """Whether adding predecessor→successor `new_edge` closes a cycle in the dependency graph.

    A cycle exists when the successor already (transitively) precedes the predecessor, or
    when an item would depend on itself.
    """
    predecessor, successor = new_edge
    if predecessor == successor:
        return True
    following: dict[int, list[int]] = defaultdict(list)
    for a, b in edges:
        following[a].append(b)
    stack, seen = [successor], set()
    while stack:
        node = stack.pop()
        if node == predecessor:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(following[node])
    return False


def dates_problem(start: dt.date | None, due: dt.date | None) -> str | None:
    """ "due_before_start" when the due date comes before the start date."""
    if start is not None and due is not None and due < start:
        return "due_before_start"
    return None


def completion_rate(planned: Decimal | None, actual: Decimal | None) -> Decimal | None:
    """完成率 = actual / planned (DOMAIN.md §3: 5 of 7 → 0.714…, 12 of 10 → 1.2); None without a plan."""
    if planned is None or actual is None or planned <= 0:
        return None
    return actual / planned


def is_overdue(due: dt.date | None, status: str, today: dt.date) -> bool:
    return due is not None and status in OPEN_STATUSES and due < today


def overloaded_people(responsible_counts: dict[int, int], limit: int = TOO_MANY_R) -> set[int]:
    """People who are R on more open items than `limit` (a RACI gap worth a look)."""
    return {person for person, count in responsible_counts.items() if count > limit}


def shift_dates(
    start: dt.date | None, due: dt.date | None, days: int
) -> tuple[dt.date | None, dt.date | None]:
    """Move an item on the timeline by `days`, keeping its length."""
    delta = dt.timedelta(days=days)
    return (start + delta if start else None, due + delta if due else None)


def can_hold_letter(letter: str, *, role: str, manages_a_department: bool) -> bool:
    """Whether someone with system `role` is offered for a RACI letter on the item form.

    A viewer (访客, a read-only guest such as a finance observer) can only be kept informed (I):
    they cannot do, approve or advise on the work. A system admin with no department role (the IT
    admin who keeps the system running) holds no letter; an admin who manages a department
    does. Members and HR partners hold any letter.
    """
    if role == "viewer":
        return letter == INFORMED
    if role == "admin":
        return manages_a_department
    return True


def phase_fits(
    *, phase_department_id: int, phase_goal_id: int | None, item_department_id: int, item_goal_id: int | None
) -> bool:
    """Whether an item may sit in a phase: the phase belongs to the item's plan, that is to its
    department's own plan (a phase without a goal) or to its goal's plan (双11天猫GMV's 预热期 →
    爆发期 → 返场期). A goal's phases are not offered to items of other goals, nor to items
    without a goal."""
    if phase_goal_id is None:
        return phase_department_id == item_department_id
    return phase_goal_id == item_goal_id
