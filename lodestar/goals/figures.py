"""The one writer of a measure's current value (DESIGN.md "one writer per figure").

A measure's `current` is derived from its inputs, which are kept on the measure itself:
- `opening_value`: what was typed on the goal before any check-in or item ("entered by X");
- the stock-take of its latest own check-in (`stock_take_value`, `stock_take_end`, and
  `stock_take_items`, the item quantities that check-in already includes);
- `items_total`: its action items' quantities;
- for a decomposed measure, the sum of its parts.

Tracking (check-ins), execution (items), decomposition and the measure form/API each hand in the
input they own through `measure_refresh_current`; this module combines them with
`domain.combined_current`, records where the value came from (`current_source`, and the history's
change reason: "check-in #12", "check-in #12 + items", "items", "sum of parts", "entered by 赵敏")
and recomputes the measure's figures and the goals above it. No other code saves `current`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from lodestar.goals import domain
from lodestar.goals.domain import CurrentSource
from lodestar.goals.models import Measure

KEEP = object()  # "this input did not change"


@dataclass(frozen=True)
class StockTake:
    """A measure's latest own check-in, as an input of its current value."""

    value: Decimal
    period_end: dt.date
    items_included: Decimal
    checkin_id: int


def inputs_of(measure: Measure) -> domain.CurrentInputs:
    return domain.CurrentInputs(
        accumulates=measure.accumulates,
        opening=measure.opening_value,
        stock_take=measure.stock_take_value,
        stock_take_items=measure.stock_take_items or Decimal(0),
        items_total=measure.items_total,
    )


def source_note(measure: Measure) -> str:
    """The history's change reason for the current value (kept in the language-neutral form)."""
    source = measure.current_source
    if source == CurrentSource.CHECKIN:
        return f"check-in #{measure.current_source_ref}"
    if source == CurrentSource.CHECKIN_ITEMS:
        return f"check-in #{measure.current_source_ref} + items"
    if source == CurrentSource.ITEMS:
        return "items" if measure.opening_value is None else "opening value + items"
    if source == CurrentSource.PARTS:
        return "sum of parts"
    if source == CurrentSource.ENTERED:
        by = measure.current_entered_by
        return f"entered by {by.display_name}" if by is not None else "entered"
    return ""


_CHECKIN_NOTE = re.compile(r"^check-in #(\d+)( \+ items)?$")


def describe_source_note(reason: str) -> str | None:
    """`source_note`'s language-neutral code in the reader's language, for history pages
    (None when `reason` is not one of them)."""
    match = _CHECKIN_NOTE.match(reason)
    if match:
        if match.group(2):
            return _("check-in #%(number)s + items reported after it") % {"number": match.group(1)}
        return _("check-in #%(number)s") % {"number": match.group(1)}
    if reason.startswith("entered by "):
        return _("entered by %(name)s") % {"name": reason.removeprefix("entered by ")}
    return {
        "items": _("action items' quantities"),
        "opening value + items": _("opening value + action items' quantities"),
        "sum of parts": _("sum of the decomposed parts"),
        "entered": _("entered"),
    }.get(reason)


def _apply(measure: Measure) -> bool:
    """Combine the inputs into `current` and `current_source`; True when anything changed."""
    before = (measure.current, measure.current_source, measure.current_source_ref)
    value, source = domain.combined_current(inputs_of(measure))
    measure.current = value
    measure.current_source = source.value
    if source not in (CurrentSource.CHECKIN, CurrentSource.CHECKIN_ITEMS):
        measure.current_source_ref = None
    return (measure.current, measure.current_source, measure.current_source_ref) != before


INPUT_FIELDS = [
    "current",
    "current_source",
    "current_source_ref",
    "current_entered_by",
    "opening_value",
    "stock_take_value",
    "stock_take_end",
    "stock_take_items",
    "items_total",
    "achievement_rate",
    "progress",
    "version",
    "updated_at",
]


def measure_refresh_current(
    *,
    measure: Measure,
    stock_take: StockTake | object | None = KEEP,
    items_total: Decimal | object | None = KEEP,
    items_included_change: Decimal = Decimal(0),
    rollup: bool = True,
) -> list[int] | None:
    """Update the input the caller owns, recompute the current value, save it with its source,
    and roll the change up to the root. Returns the goal chain rolled up (None when the value
    did not move).

    - `stock_take`: the measure's latest own check-in (None: it has none any more);
    - `items_total`: the linked items' quantities; `items_included_change`: how much of a change
      in them was reported for a period the stock-take already covers (a late item report), so
      it is not added on top of the stock-take a second time.

    The caller holds the measure's row lock.
    """
    from lodestar.goals.rollup import measure_figures, recompute_measure, rollup_from

    before = _inputs_tuple(measure)
    if stock_take is not KEEP:
        if stock_take is None:
            measure.stock_take_value = measure.stock_take_end = None
            measure.stock_take_items = Decimal(0)
        else:
            measure.stock_take_value = stock_take.value
            measure.stock_take_end = stock_take.period_end
            measure.stock_take_items = stock_take.items_included
            measure.current_source_ref = stock_take.checkin_id
    if items_total is not KEEP:
        measure.items_total = items_total
    if items_included_change and measure.stock_take_value is not None:
        measure.stock_take_items = (measure.stock_take_items or Decimal(0)) + items_included_change
    changed = _apply(measure)
    if not changed and _inputs_tuple(measure) == before:
        return None
    measure.achievement_rate, measure.progress = measure_figures(measure)
    if changed:
        measure.version += 1
    measure._change_reason = source_note(measure)
    measure.save(update_fields=INPUT_FIELDS)
    if not changed or not rollup:
        return None
    if measure.source_id:  # a part of a decomposed measure: its sources add it up
        recompute_measure(measure)
    return rollup_from(measure.goal)


def _inputs_tuple(measure: Measure) -> tuple:
    return (
        measure.opening_value,
        measure.stock_take_value,
        measure.stock_take_end,
        measure.stock_take_items,
        measure.items_total,
        measure.current_source_ref,
    )


def measure_enter_current(measure: Measure, value: Decimal | None, *, entered_by=None) -> None:
    """A value typed on the goal (the measure form, the API's `current`), before check-ins: it
    becomes the opening value, from which items add up; the caller saves the measure (with its
    other changes) and rolls up. While items feed the measure the typed value is the total to
    show, so the opening is what it leaves for them. Not saved here: measure create and update
    write the row once."""
    if value is not None and measure.items_total is not None and measure.accumulates:
        measure.opening_value = value - measure.items_total
    else:
        measure.opening_value = value
    measure.current_entered_by = entered_by
    _apply(measure)
    if measure.current_source == CurrentSource.ITEMS:
        measure.current_source = CurrentSource.ENTERED.value  # the total was typed just now
    measure._change_reason = source_note(measure)


def measure_set_parts_total(*, measure: Measure, total: Decimal) -> bool:
    """A decomposed measure's current value is the sum of its parts (called by the roll-up,
    which recomputes the goals itself). True when the value changed."""
    from lodestar.goals.rollup import measure_figures

    if total == measure.current:
        return False
    measure.current = total
    measure.current_source = CurrentSource.PARTS.value
    measure.current_source_ref = None
    measure.achievement_rate, measure.progress = measure_figures(measure)
    measure._change_reason = source_note(measure)
    measure.save(
        update_fields=[
            "current",
            "current_source",
            "current_source_ref",
            "achievement_rate",
            "progress",
            "updated_at",
        ]
    )
    return True
