"""The three sizes of generated organisation. L is the one the targets are set for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    people: int
    divisions: int  # level 1 under the company
    departments_per_division: int  # level 2
    teams_per_department: tuple[int, int]  # level 3, min and max per department
    goals_per_person: int  # personal KPIs per fiscal year, aligned to a team goal
    items_per_goal: tuple[int, int]  # action items per personal goal, min and max
    measures_two_in: int  # every n-th personal goal has a second measure


SCALES = {
    "S": Scale("S", people=100, divisions=2, departments_per_division=2, teams_per_department=(1, 3),
               goals_per_person=4, items_per_goal=(2, 4), measures_two_in=10),
    "M": Scale("M", people=500, divisions=4, departments_per_division=3, teams_per_department=(2, 5),
               goals_per_person=6, items_per_goal=(3, 6), measures_two_in=10),
    # ~150 departments four levels deep, ~30,000 goals and measures, ~150,000 items, ~1.5M check-ins.
    "L": Scale("L", people=2000, divisions=6, departments_per_division=4, teams_per_department=(2, 8),
               goals_per_person=7, items_per_goal=(4, 7), measures_two_in=10),
}  # fmt: skip
