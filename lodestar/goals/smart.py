"""The SMART check (DOMAIN.md §1): flag what a goal's wording is missing, with a suggestion.

Rule-based, for Chinese and English text. The checks are warnings, never blockers:
"提升销量" is flagged; "2024年Q3通过线上渠道实现新品A销售额500万元,较Q2增长25%" passes.
Pure: the caller passes the text and the facts (measures, owner, period dates).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

NUMBER = re.compile(r"\d|[一二三四五六七八九十百千万亿两]+(?:个|万|千|百|倍|成)")
UNIT = re.compile(
    r"(%|％|‰|元|万|亿|千|百|篇|条|个|人|次|场|家|单|件|位|天|周|小时|分钟|倍|点|粉|"
    r"\b(?:yuan|rmb|cny|usd|percent|pts?|points?|posts?|videos?|users?|leads?|people|customers?|orders?|"
    r"times|days?|weeks?|hours?|k|m)\b)",
    re.IGNORECASE,
)
VAGUE_VERBS = (
    "提升",
    "加强",
    "提高",
    "优化",
    "改善",
    "增强",
    "推进",
    "做好",
    "促进",
    "扩大",
    "improve",
    "increase",
    "enhance",
    "strengthen",
    "boost",
    "grow",
    "optimi",
)
DATE_PATTERNS = [
    re.compile(r"(?P<year>20\d{2})\s*年\s*(?P<month>1[0-2]|0?[1-9])\s*月(?:\s*(?P<day>[0-3]?\d)\s*[日号])?"),
    re.compile(r"(?P<year>20\d{2})-(?P<month>1[0-2]|0?[1-9])(?:-(?P<day>[0-3]?\d))?"),
    re.compile(r"(?P<year>20\d{2})\s*(?:年\s*)?[Qq](?P<quarter>[1-4])"),
]
DEADLINE_WORDS = re.compile(
    r"(月底|年底|季末|季度末|之前|以前|截止|前完成|by\s+\w+|before|deadline|end of|\bQ[1-4]\b|\d+\s*月|20\d{2})",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SmartWarning:
    code: str  # no_number | no_unit | no_deadline | deadline_outside_period | no_owner | vague_verb | no_measure
    message: str
    suggestion: str


def _mentioned_dates(text: str) -> list[tuple[dt.date, dt.date]]:
    spans = []
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            year = int(match.group("year"))
            groups = match.groupdict()
            if groups.get("quarter"):
                quarter = int(groups["quarter"])
                start = dt.date(year, 3 * quarter - 2, 1)
                end_month = 3 * quarter
            else:
                month = int(groups["month"])
                if groups.get("day"):
                    try:
                        day = dt.date(year, month, int(groups["day"]))
                    except ValueError:
                        continue
                    spans.append((day, day))
                    continue
                start = dt.date(year, month, 1)
                end_month = month
            next_month = dt.date(year + (end_month // 12), end_month % 12 + 1, 1)
            spans.append((start, next_month - dt.timedelta(days=1)))
    return spans


def check_goal(
    *,
    name: str,
    description: str,
    has_measures: bool,
    has_owner: bool,
    period_start: dt.date | None,
    period_end: dt.date | None,
    gettext=lambda s: s,
) -> list[SmartWarning]:
    """Warnings for a goal's wording; `gettext` translates the messages (the domain has no Django)."""
    _ = gettext
    text = f"{name} {description}".strip()
    warnings: list[SmartWarning] = []
    # A date or a quarter ("2024年Q3", "7月") says when, not how much: it does not count as a number.
    without_dates = text
    for pattern in DATE_PATTERNS:
        without_dates = pattern.sub(" ", without_dates)
    without_dates = re.sub(r"[Qq][1-4]|(?:20\d{2}\s*年)|(?:\d{1,2}\s*月(?:底|初|中)?)", " ", without_dates)
    has_number = bool(NUMBER.search(without_dates))
    if not has_number and not has_measures:
        warnings.append(
            SmartWarning(
                "no_number",
                _("Measurable: the goal has no number."),
                _("Add the figure to reach, e.g. “销售额500万元” or “曝光量≥200万”, or add a measure."),
            )
        )
    if has_number and not UNIT.search(text) and not has_measures:
        warnings.append(
            SmartWarning(
                "no_unit",
                _("Measurable: the number has no unit."),
                _("Say what is counted: 元/万元, %, 篇, 人, 次 …"),
            )
        )
    if not has_measures:
        warnings.append(
            SmartWarning(
                "no_measure",
                _("Measurable: no measure is defined."),
                _("Add at least one measure with a baseline and a target so progress can be tracked."),
            )
        )
    if period_start is None or period_end is None:
        warnings.append(
            SmartWarning(
                "no_deadline",
                _("Time-bound: the goal has no period."),
                _("Choose the period (quarter, month …) by which it must be reached."),
            )
        )
    else:
        for start, end in _mentioned_dates(text):
            if end < period_start or start > period_end:
                warnings.append(
                    SmartWarning(
                        "deadline_outside_period",
                        _("Time-bound: a date in the text lies outside the goal's period."),
                        _("Align the date in the description with the period, or choose another period."),
                    )
                )
                break
        if not DEADLINE_WORDS.search(text) and not _mentioned_dates(text):
            warnings.append(
                SmartWarning(
                    "no_deadline",
                    _("Time-bound: the text names no deadline."),
                    _("Say by when, e.g. “2024年Q3” or “7月底前”."),
                )
            )
    if not has_owner:
        warnings.append(
            SmartWarning(
                "no_owner",
                _("Specific: the goal has no owner."),
                _("Name the one person responsible for it."),
            )
        )
    lowered = text.lower()
    if any(verb in lowered for verb in VAGUE_VERBS) and not has_number:
        warnings.append(
            SmartWarning(
                "vague_verb",
                _("Specific: a vague verb (提升, 加强 …) with nothing measurable."),
                _("Say from what to what, e.g. “复购率从15%提升到20%”."),
            )
        )
    return warnings
