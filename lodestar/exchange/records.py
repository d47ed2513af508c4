"""What every table's import shares: the directory of names a file uses (people, departments, periods), the
cell readers that turn a cell into a record's field (or a RowProblem naming the column), and `RecordRows`,
the one flow of a row: no id → create; an id → find the record among those the user may see, compare,
refuse a record changed in the app since the export (RowConflict), update through the app's service.

A table (goal_table.py, item_table.py …) declares its columns and fills in `fields`, `changes`, `create` and
`update`; the flow, the conflict rule and the lookups are written here once."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from lodestar.core.models import Period, PeriodKind
from lodestar.core.parsing import CellError, parse_date, parse_number
from lodestar.exchange.columns import ID_KEY, VERSION_KEY, normal_header
from lodestar.exchange.rows import RowConflict, RowProblem, cell_text
from lodestar.org.models import Department, Person

_DATE_TOKEN = re.compile(
    r"\d{4}\s*[./\-年]\s*\d{1,2}\s*[./\-月]\s*\d{1,2}\s*日?|\d{1,2}\s*[./\-月]\s*\d{1,2}\s*日?"
)
_LIST_SPLIT = re.compile(r"[、,，;；/]+")


def key(text: str) -> str:
    """A name as looked up: spaces, full-width forms and case ignored."""
    return "".join(normal_header(text).split())


def split_names(value: object) -> list[str]:
    return [name.strip() for name in _LIST_SPLIT.split(cell_text(value)) if name.strip()]


def integer(value: object, field_name: str) -> int | None:
    """A whole positive number (an id, a version), or None for an empty cell."""
    if value is None or cell_text(value) == "":
        return None
    try:
        number = parse_number(value)
    except CellError as exc:
        raise RowProblem(
            field_name, "not_a_number", _("“%(value)s” is not a number.") % {"value": value}
        ) from exc
    if number != number.to_integral_value() or number < 1 or number > 2**31:
        raise RowProblem(field_name, "not_a_number", _("“%(value)s” is not an id.") % {"value": value})
    return int(number)


def number(value: object, field_name: str) -> Decimal | None:
    if value is None or cell_text(value) == "":
        return None
    try:
        return parse_number(value)
    except CellError as exc:
        raise RowProblem(field_name, exc.code, _("“%(value)s” is not a number.") % {"value": value}) from exc


def date(value: object, field_name: str) -> dt.date | None:
    """A date cell (a date, an Excel serial number, 2031/7/1, 2031年7月1日 …) or None."""
    if value is None or cell_text(value) == "":
        return None
    try:
        return parse_date(value)
    except CellError as exc:
        raise RowProblem(
            field_name,
            exc.code,
            _("“%(value)s” is not a date (write 2031/7/1, 2031-07-01 or 2031年7月1日).")
            % {"value": cell_text(value)},
        ) from exc


def date_range(value: object, field_name: str) -> tuple[dt.date, dt.date] | None:
    """起止时间: "2031-07-01 ~ 2031-09-30", or the seed's "2031.7.1-9.30" (the end's year is the start's);
    None for an empty cell."""
    text = cell_text(value)
    if not text:
        return None
    tokens = _DATE_TOKEN.findall(text)
    if len(tokens) != 2:
        raise RowProblem(
            field_name,
            "not_a_range",
            _("“%(value)s” is not a start and end such as 2031-07-01 ~ 2031-09-30.") % {"value": text},
        )
    try:
        start = parse_date(_full_date(tokens[0], None))
        end = parse_date(_full_date(tokens[1], start.year))
    except CellError as exc:
        raise RowProblem(
            field_name, exc.code, _("“%(value)s” holds a date that is not real.") % {"value": text}
        ) from exc
    return start, end


def date_or_range(value: object, field_name: str) -> tuple[dt.date, dt.date] | None:
    """日期/周次: a start and end, or one day (a date cell, a serial number, 2031/7/1)."""
    if isinstance(value, (dt.date, int, float, Decimal)) or len(_DATE_TOKEN.findall(cell_text(value))) < 2:
        day = date(value, field_name)
        return (day, day) if day else None
    return date_range(value, field_name)


def range_text(start: dt.date | None, end: dt.date | None) -> str:
    if start is None and end is None:
        return ""
    return f"{start:%Y-%m-%d} ~ {end:%Y-%m-%d}" if start and end else f"{(start or end):%Y-%m-%d}"


def _full_date(token: str, year: int | None) -> str:
    token = "".join(token.split())
    if re.match(r"^\d{4}", token) or year is None:
        return token
    return f"{year}.{token.replace('月', '.').rstrip('日')}"


def choice(table: dict[str, str], value: object, field_name: str) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    found = table.get(key(text))
    if found is None:
        raise RowProblem(
            field_name, "invalid_choice", _("“%(value)s” is not one of the listed values.") % {"value": text}
        )
    return found


def read_columns(values: dict[str, object], readers: dict[str, Any]) -> dict[str, Any]:
    """Each present column through its reader; every problem of the row collected at once."""
    problems: list[RowProblem] = []
    out: dict[str, Any] = {}
    for column, reader in readers.items():
        if column not in values:
            continue
        try:
            out[column] = reader(values[column])
        except RowProblem as problem:
            problems.append(problem)
    if problems:
        raise RowProblem.many(problems)
    return out


@dataclass
class Directory:
    """The names a file may use, read once per import: active people (display name or user name),
    active departments (name), periods other than weeks (name, key, or start and end)."""

    people: dict[str, list[Person]] = field(default_factory=dict)
    departments: dict[str, list[Department]] = field(default_factory=dict)
    periods_by_dates: dict[tuple, list[Period]] = field(default_factory=dict)
    periods_by_name: dict[str, list[Period]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Directory:
        directory = cls()
        for person in Person.objects.filter(is_active=True).select_related("user"):
            for text in {person.display_name, person.user.username}:
                directory.people.setdefault(key(text), []).append(person)
        for department in Department.objects.filter(is_active=True):
            directory.departments.setdefault(key(department.name), []).append(department)
        for period in Period.objects.exclude(kind=PeriodKind.WEEK).order_by("start", "id"):
            directory.periods_by_dates.setdefault((period.start, period.end), []).append(period)
            for text in {period.name, period.key}:
                if text:
                    directory.periods_by_name.setdefault(key(text), []).append(period)
        return directory

    @staticmethod
    def one(table: dict[str, list], text: str, field_name: str, what: str) -> Any:
        found = table.get(key(text), [])
        if not found:
            raise RowProblem(
                field_name, "unknown", _("No %(what)s named “%(value)s”.") % {"what": what, "value": text}
            )
        if len({obj.pk for obj in found}) > 1:
            raise RowProblem(
                field_name,
                "ambiguous",
                _("Several %(what)s are named “%(value)s”: use a unique name.")
                % {"what": what, "value": text},
            )
        return found[0]

    def person(self, value: object, field_name: str) -> Person | None:
        text = cell_text(value)
        return self.one(self.people, text, field_name, _("person")) if text else None

    def persons(self, value: object, field_name: str) -> list[Person]:
        return [self.one(self.people, name, field_name, _("person")) for name in split_names(value)]

    def department(self, value: object, field_name: str) -> Department | None:
        text = cell_text(value)
        return self.one(self.departments, text, field_name, _("department")) if text else None

    def department_list(self, value: object, field_name: str) -> list[Department]:
        return [self.one(self.departments, name, field_name, _("department")) for name in split_names(value)]

    def period(self, value: object, field_name: str) -> Period:
        text = cell_text(value)
        if not text:
            raise RowProblem(field_name, "required", _("Give the start and end (起止时间)."))
        by_name = self.periods_by_name.get(key(text))
        if by_name:
            return by_name[0]
        start, end = date_range(text, field_name)  # type: ignore[misc]
        found = self.periods_by_dates.get((start, end))
        if not found:
            raise RowProblem(
                field_name,
                "no_period",
                _(
                    "No period runs from %(start)s to %(end)s: create it first or use an existing period's dates."
                )
                % {"start": start.isoformat(), "end": end.isoformat()},
            )
        # Several periods with the same dates (a quarter and a custom period): the standard kinds first.
        order = [PeriodKind.QUARTER, PeriodKind.MONTH, PeriodKind.YEAR]
        return sorted(found, key=lambda p: order.index(p.kind) if p.kind in order else len(order))[0]


class RecordRows:
    """The flow of one row (see the module docstring); subclasses fill in the table's part."""

    not_found_message = ""

    def __init__(self, actor) -> None:
        self.actor = actor

    # -- the table's part ----------------------------------------------------------------------------

    def visible(self) -> QuerySet:
        raise NotImplementedError

    def fields(self, values: dict[str, object]) -> dict[str, Any]:
        raise NotImplementedError

    def changes(self, record: Any, data: dict[str, Any], values: dict[str, object]) -> dict[str, Any]:
        raise NotImplementedError

    def create(self, data: dict[str, Any], values: dict[str, object]) -> None:
        raise NotImplementedError

    def update(self, record: Any, changes: dict[str, Any]) -> None:
        raise NotImplementedError

    # -- the flow ------------------------------------------------------------------------------------

    def read(self, values: dict[str, object], readers: dict[str, Any]) -> dict[str, Any]:
        return read_columns(values, readers)

    def apply(self, line: int, values: dict[str, object]) -> str:
        """ "created", "updated" or "unchanged"; raises RowProblem or RowConflict."""
        record_id = integer(values.get(ID_KEY), "id")
        data = self.fields(values)
        if record_id is None:
            self.create(data, values)
            return "created"
        record = self.visible().filter(pk=record_id).first()
        if record is None:
            raise RowProblem(
                "id",
                "not_found",
                _("Record %(id)s was not found (deleted, or not visible to you).") % {"id": record_id},
            )
        changes = self.changes(record, data, values)
        if not changes:
            return "unchanged"
        version = integer(values.get(VERSION_KEY), "version")
        if version is not None and version != record.version:
            raise RowConflict(
                _(
                    "Changed in Lodestar since the export (version %(old)s, now %(new)s): export again and redo the edit."
                )
                % {"old": version, "new": record.version}
            )
        self.update(record, changes)
        return "updated"


def plain_changes(
    record: Any, data: dict[str, Any], names: tuple[str, ...], keep_if_empty: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The fields of `names` whose value in the row differs from the record's; a field of `keep_if_empty`
    left empty keeps its value (a required field is not blanked by an empty cell)."""
    changes: dict[str, Any] = {}
    for name in names:
        if name not in data:
            continue
        value = data[name]
        if name in keep_if_empty and value in (None, ""):
            continue
        current = getattr(record, name)
        if isinstance(value, Decimal) and isinstance(current, Decimal):
            if value.compare(current) == 0:  # 60 and 60.00 are the same figure
                continue
        elif value == current or (value in (None, "") and current in (None, "")):
            continue
        changes[name] = value
    return changes
