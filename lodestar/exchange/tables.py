"""The seeds' tables Lodestar exchanges, by their API name: each one a declaration (a TableSpec, its export
rows, its row reader) in a module of its own (goal_table.py …). Pages, API, commands and tasks look a table
up here, so adding one is adding a line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from lodestar.core.errors import NotFound
from lodestar.exchange import appraisal_table, checkin_table, goal_table, item_table, retrospective_table
from lodestar.exchange.columns import TableSpec


@dataclass(frozen=True)
class ExchangeTable:
    spec: TableSpec
    export_rows: Callable[[Any, dict[str, Any] | None], Iterator[dict[str, Any]]]
    # actor → an object with apply(line, values) -> outcome (and optionally prepare(rows), given every
    # row before the first is applied)
    row_reader: Callable[[Any], Any]


TABLES: dict[str, ExchangeTable] = {
    "goals": ExchangeTable(goal_table.SPEC, goal_table.export_rows, goal_table.GoalRows),
    "items": ExchangeTable(item_table.SPEC, item_table.export_rows, item_table.ItemRows),
    "check-ins": ExchangeTable(checkin_table.SPEC, checkin_table.export_rows, checkin_table.CheckInRows),
    "retrospectives": ExchangeTable(
        retrospective_table.SPEC, retrospective_table.export_rows, retrospective_table.RetrospectiveRows
    ),
    "appraisals": ExchangeTable(
        appraisal_table.SPEC, appraisal_table.export_rows, appraisal_table.AppraisalRows
    ),
}


def table_named(name: str) -> ExchangeTable:
    """The table called `name` (404 naming the field "table" otherwise)."""
    table = TABLES.get(name)
    if table is None:
        raise NotFound(
            _("Unknown table “%(table)s”: one of %(tables)s.") % {"table": name, "tables": ", ".join(TABLES)},
            field="table",
        )
    return table


def export_filename(table: ExchangeTable, language: str, today) -> str:
    return f"{table.spec.title(language)}-{today:%Y%m%d}.xlsx"
