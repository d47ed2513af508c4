"""Action-plan rules without a database (DOMAIN.md §2–3): RACI, dependency cycles, dates,
completion rate, overdue items and timeline shifts, plus properties of the cycle check.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lodestar.execution import domain
from lodestar.execution.domain import RaciEntry

D = Decimal

# People and departments of the seeds' example, by id.
ZHUANYUAN, JINGLI = 11, 12  # 专员, 经理
NEIRONGZU, SHICHANGBU = 21, 22  # 内容组, 市场部


# --- RACI ------------------------------------------------------------------------------------


def test_raci_seed_example_is_valid():
    """小红书笔记发布 — 专员 R, 经理 A, 内容组 C, 市场部 I."""
    entries = [
        RaciEntry("R", person_id=ZHUANYUAN),
        RaciEntry("A", person_id=JINGLI),
        RaciEntry("C", department_id=NEIRONGZU),
        RaciEntry("I", department_id=SHICHANGBU),
    ]
    assert domain.raci_problems(entries) == []


def test_raci_accepts_any_iterable_and_several_r_c_i():
    entries = (
        e
        for e in [
            RaciEntry("R", person_id=1),
            RaciEntry("R", person_id=2),
            RaciEntry("A", person_id=1),  # the same person may be R and A
            RaciEntry("C", person_id=3),
            RaciEntry("C", department_id=4),
            RaciEntry("I", person_id=5),
            RaciEntry("I", department_id=6),
        ]
    )
    assert domain.raci_problems(entries) == []


def test_raci_minimal_plan_is_one_r_and_one_a():
    assert domain.raci_problems([RaciEntry("R", person_id=1), RaciEntry("A", person_id=2)]) == []


@pytest.mark.parametrize(
    ("entries", "problems"),
    [
        ([RaciEntry("R", person_id=1)], ["no_accountable"]),
        ([RaciEntry("A", person_id=1)], ["no_responsible"]),
        ([], ["no_accountable", "no_responsible"]),
        (
            [RaciEntry("C", person_id=1), RaciEntry("I", department_id=2)],
            ["no_accountable", "no_responsible"],
        ),
        (
            [RaciEntry("R", person_id=1), RaciEntry("A", person_id=2), RaciEntry("A", person_id=3)],
            ["several_accountable"],
        ),
        ([RaciEntry("R", person_id=1), RaciEntry("A", department_id=9)], ["accountable_not_person"]),
        ([RaciEntry("A", department_id=9)], ["accountable_not_person", "no_responsible"]),
        (
            [RaciEntry("A", person_id=1), RaciEntry("A", person_id=2)],
            ["several_accountable", "no_responsible"],
        ),
    ],
)
def test_raci_problems(entries, problems):
    assert domain.raci_problems(entries) == problems


def test_raci_two_a_even_for_the_same_person_is_refused():
    entries = [RaciEntry("R", person_id=1), RaciEntry("A", person_id=2), RaciEntry("A", person_id=2)]
    assert domain.raci_problems(entries) == ["several_accountable"]


def test_raci_department_as_r_still_counts_as_an_r():
    # The rule asks for at least one R; whether an R may be a department is the service's business.
    assert domain.raci_problems([RaciEntry("R", department_id=1), RaciEntry("A", person_id=2)]) == []


# --- dependency cycles -------------------------------------------------------------------------


def test_self_loop_is_a_cycle():
    assert domain.would_create_cycle([], (1, 1))
    assert domain.would_create_cycle([(1, 2), (2, 3)], (2, 2))


def test_two_item_loop():
    assert domain.would_create_cycle([(1, 2)], (2, 1))


def test_adding_an_existing_or_parallel_edge_is_no_cycle():
    assert not domain.would_create_cycle([(1, 2)], (1, 2))
    assert not domain.would_create_cycle([(1, 2), (2, 3)], (1, 3))


def test_kol_chain():
    """KOL筛选 → 签约 → 跟踪: 跟踪 cannot come before 筛选."""
    screening, signing, tracking = 1, 2, 3
    chain = [(screening, signing), (signing, tracking)]
    assert domain.would_create_cycle(chain, (tracking, screening))
    assert domain.would_create_cycle(chain, (signing, screening))
    assert not domain.would_create_cycle(chain, (screening, tracking))


@pytest.mark.parametrize("length", [3, 50, 2000])
def test_long_chain(length):
    chain = [(i, i + 1) for i in range(1, length)]
    assert domain.would_create_cycle(chain, (length, 1))
    assert domain.would_create_cycle(chain, (length // 2 + 1, length // 2))
    assert not domain.would_create_cycle(chain, (1, length))
    assert not domain.would_create_cycle(chain, (length, length + 1))


def test_diamond_and_unrelated_items():
    diamond = [(1, 2), (1, 3), (2, 4), (3, 4)]
    assert domain.would_create_cycle(diamond, (4, 1))
    assert domain.would_create_cycle(diamond, (4, 2))
    assert not domain.would_create_cycle(diamond, (2, 3))
    assert not domain.would_create_cycle(diamond, (3, 2))
    assert not domain.would_create_cycle(diamond, (5, 6))
    assert not domain.would_create_cycle(diamond, (4, 5))


def test_existing_cycle_elsewhere_does_not_hang():
    # Bad data (a loop between 7 and 8) must not make the check loop forever.
    edges = [(7, 8), (8, 7), (1, 2)]
    assert not domain.would_create_cycle(edges, (2, 3))
    assert domain.would_create_cycle([*edges, (2, 7)], (8, 1))


def test_edges_may_be_a_generator():
    assert domain.would_create_cycle(((i, i + 1) for i in range(10)), (10, 0))


# --- dates, rates, overdue, shifts -------------------------------------------------------------


JULY_1, JULY_10 = dt.date(2026, 7, 1), dt.date(2026, 7, 10)


@pytest.mark.parametrize(
    ("start", "due", "problem"),
    [
        (JULY_1, JULY_10, None),
        (JULY_1, JULY_1, None),  # a one-day task
        (JULY_10, JULY_1, "due_before_start"),
        (JULY_10, JULY_10 - dt.timedelta(days=1), "due_before_start"),
        (None, JULY_1, None),
        (JULY_1, None, None),
        (None, None, None),
    ],
)
def test_dates_problem(start, due, problem):
    assert domain.dates_problem(start, due) == problem


def test_completion_rate_seed_examples():
    """Tracking table: 7 planned, 5 done → 71%; 10 planned, 12 done → 120%; 80万 / 75万 → 94%."""
    rate = domain.completion_rate(D(7), D(5))
    assert rate.quantize(D("0.001")) == D("0.714")
    assert round(rate * 100) == 71
    assert domain.completion_rate(D(10), D(12)) == D("1.2")
    assert round(domain.completion_rate(D(800000), D(750000)) * 100) == 94


def test_completion_rate_is_exact_decimal():
    assert domain.completion_rate(D(20), D(20)) == 1
    assert domain.completion_rate(D(20), D(0)) == 0
    assert isinstance(domain.completion_rate(D(7), D(5)), Decimal)


@pytest.mark.parametrize(("planned", "actual"), [(None, D(5)), (D(5), None), (D(0), D(5)), (D(-1), D(5))])
def test_completion_rate_without_a_plan(planned, actual):
    assert domain.completion_rate(planned, actual) is None


TODAY = dt.date(2026, 7, 15)


@pytest.mark.parametrize(
    ("due", "status", "overdue"),
    [
        (TODAY - dt.timedelta(days=1), "todo", True),
        (TODAY - dt.timedelta(days=1), "doing", True),
        (TODAY - dt.timedelta(days=30), "blocked", True),
        (TODAY, "doing", False),  # due today is not late yet
        (TODAY + dt.timedelta(days=1), "todo", False),
        (TODAY - dt.timedelta(days=1), "done", False),
        (TODAY - dt.timedelta(days=1), "cancelled", False),
        (None, "todo", False),
    ],
)
def test_is_overdue(due, status, overdue):
    assert domain.is_overdue(due, status, TODAY) is overdue


def test_shift_dates_keeps_the_length():
    start, due = domain.shift_dates(JULY_1, JULY_10, 7)
    assert (start, due) == (dt.date(2026, 7, 8), dt.date(2026, 7, 17))
    assert due - start == JULY_10 - JULY_1


def test_shift_dates_backwards_and_across_the_year():
    assert domain.shift_dates(dt.date(2026, 1, 3), dt.date(2026, 1, 5), -5) == (
        dt.date(2025, 12, 29),
        dt.date(2025, 12, 31),
    )
    assert domain.shift_dates(dt.date(2026, 2, 27), dt.date(2026, 2, 28), 2) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 2),
    )


def test_shift_dates_keeps_missing_dates_missing():
    assert domain.shift_dates(None, JULY_10, 3) == (None, dt.date(2026, 7, 13))
    assert domain.shift_dates(JULY_1, None, -1) == (dt.date(2026, 6, 30), None)
    assert domain.shift_dates(None, None, 10) == (None, None)
    assert domain.shift_dates(JULY_1, JULY_10, 0) == (JULY_1, JULY_10)


def test_overloaded_people():
    counts = {1: domain.TOO_MANY_R, 2: domain.TOO_MANY_R + 1, 3: 0}
    assert domain.overloaded_people(counts) == {2}
    assert domain.overloaded_people(counts, limit=0) == {1, 2}
    assert domain.overloaded_people({}) == set()


# --- properties of the cycle check -------------------------------------------------------------

NODES = st.integers(min_value=0, max_value=25)


def _forward(pair: tuple[int, int]) -> tuple[int, int]:
    a, b = sorted(pair)
    return a, b


forward_edges = st.lists(st.tuples(NODES, NODES).filter(lambda p: p[0] != p[1]).map(_forward), max_size=80)


def _reachable(edges, start: int) -> set[int]:
    following = defaultdict(set)
    for a, b in edges:
        following[a].add(b)
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        for nxt in following[node]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


@given(edges=forward_edges, new=st.tuples(NODES, NODES).filter(lambda p: p[0] != p[1]).map(_forward))
def test_edges_from_lower_to_higher_ids_never_make_a_cycle(edges, new):
    """A graph whose edges all go from a lower to a higher id is a DAG, and stays one."""
    assert domain.would_create_cycle(edges, new) is False


@given(edges=forward_edges.filter(bool), data=st.data())
def test_reversing_any_existing_path_makes_a_cycle(edges, data):
    start = data.draw(st.sampled_from(sorted({a for a, _b in edges})))
    end = data.draw(st.sampled_from(sorted(_reachable(edges, start))))
    # There is a path start → … → end, so end → start closes a loop.
    assert domain.would_create_cycle(edges, (end, start)) is True


@given(edges=forward_edges, node=NODES)
def test_self_loop_is_always_a_cycle(edges, node):
    assert domain.would_create_cycle(edges, (node, node)) is True


@given(edges=forward_edges, a=NODES, b=NODES)
def test_cycle_check_matches_reachability(edges, a, b):
    """Adding a → b closes a loop exactly when a is reachable from b (or a is b)."""
    expected = a == b or a in _reachable(edges, b)
    assert domain.would_create_cycle(edges, (a, b)) is expected
