"""Pure rules of the knowledge library (DOMAIN.md §4 "Lessons go into a case library … and into SOPs";
"annual: a whitepaper of successes, failures, capability gaps").

- `render_markdown`: an SOP's Markdown as HTML that is safe to show (Python-Markdown, then nh3 with an
  allowlist: no scripts, styles or `on*` attributes; links get `rel="noopener noreferrer"`).
- `line_diff`: what changed between two versions of an SOP, line by line (difflib).
- `search_terms`: the words of a search box, split on spaces and Chinese punctuation.
- `year_results`, `top_counts`: the annual report's figures from close snapshots and the causes
  most cited in the year's retrospectives and check-ins.

No database access here: the services and selectors pass plain values in.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import markdown
import nh3

# --- Markdown, sanitised -------------------------------------------------------------------------

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "s", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "abbr": {"title"},
    "code": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitise_html(html: str) -> str:
    """Keep only the allowlisted tags and attributes; scripts, styles, `on*` handlers and
    `javascript:` links are dropped, every link gets `rel="noopener noreferrer"`."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """An SOP's Markdown as safe HTML (tables and fenced code understood)."""
    html = markdown.markdown(text or "", extensions=["tables", "fenced_code", "sane_lists"])
    return sanitise_html(html)


# --- diff between versions ---------------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    """One line of a unified diff: `kind` is "same", "added", "removed" or "gap" (lines skipped)."""

    kind: str
    text: str
    old_number: int | None = None
    new_number: int | None = None


def line_diff(old: str, new: str, *, context: int = 3) -> list[DiffLine]:
    """The lines of `new` against `old`: unchanged lines (up to `context` around each change),
    removed lines, added lines, and a "gap" marker where unchanged lines were left out.

    An empty list means the two texts are the same."""
    old_lines = (old or "").splitlines()
    new_lines = (new or "").splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    lines: list[DiffLine] = []
    for index, group in enumerate(matcher.get_grouped_opcodes(context)):
        if index:
            lines.append(DiffLine("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(
                    DiffLine("same", old_lines[i], i + 1, j + 1)
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                )
                continue
            if tag in ("replace", "delete"):
                lines.extend(DiffLine("removed", old_lines[i], i + 1, None) for i in range(i1, i2))
            if tag in ("replace", "insert"):
                lines.extend(DiffLine("added", new_lines[j], None, j + 1) for j in range(j1, j2))
    return lines


def diff_counts(lines: Iterable[DiffLine]) -> tuple[int, int]:
    """(added, removed) line counts of a diff."""
    counted = Counter(line.kind for line in lines)
    return counted["added"], counted["removed"]


# --- search ------------------------------------------------------------------------------------

# Spaces and the punctuation people type between words, ASCII and full-width (，。、；：！？ …).
_SEPARATORS = re.compile(r"[\s,.;:!?/|、，。；：！？“”‘’「」『』（）()《》【】\[\]·…—~～]+")
MAX_TERMS = 8
MAX_TERM_LENGTH = 40


def search_terms(query: str | None) -> list[str]:
    """The words of a search: split on whitespace and (Chinese) punctuation, duplicates dropped,
    order kept, at most MAX_TERMS words of at most MAX_TERM_LENGTH characters.

    "新品上市，小红书  大促" → ["新品上市", "小红书", "大促"]. Every word must match (AND)."""
    terms: list[str] = []
    for part in _SEPARATORS.split(query or ""):
        part = part.strip()[:MAX_TERM_LENGTH]
        if part and part.lower() not in (t.lower() for t in terms):
            terms.append(part)
    return terms[:MAX_TERMS]


def tag_names(text: str | Iterable[str] | None) -> list[str]:
    """Tag names from a comma/space separated text or a list: trimmed, de-duplicated, max 40 chars."""
    if text is None:
        return []
    parts = _SEPARATORS.split(text) if isinstance(text, str) else [str(p) for p in text]
    names: list[str] = []
    for part in parts:
        name = part.strip()[:40]
        if name and name not in names:
            names.append(name)
    return names


def highlight_spans(text: str, terms: Sequence[str]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is_match) for highlighting the search words (case-insensitive)."""
    if not text or not terms:
        return [(text or "", False)]
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    pieces: list[tuple[str, bool]] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            pieces.append((text[position : match.start()], False))
        pieces.append((match.group(0), True))
        position = match.end()
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces


# --- annual report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    """One goal's year result from its close snapshot (rates are fractions, None when unknown)."""

    goal_id: int
    name: str
    target: Decimal | None
    original_target: Decimal | None
    actual: Decimal | None
    achievement_rate: Decimal | None
    original_achievement_rate: Decimal | None
    unit: str = ""  # as written after a figure: 元, 万元, %, or nothing for counts


@dataclass
class YearResults:
    rows: list[ResultRow] = field(default_factory=list)
    met: int = 0
    missed: int = 0
    unknown: int = 0
    # Mean achievement against the current and the original targets (None without any figure).
    mean_achievement: Decimal | None = None
    mean_original_achievement: Decimal | None = None


ONE = Decimal(1)


def _mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.0001"))


def year_results(rows: Iterable[ResultRow]) -> YearResults:
    """Count goals that met (achievement ≥ 100%) and missed their target (DOMAIN.md §4: 达成率 =
    actual / target; 480万 of 500万 → 96%, missed) and average both achievements.

    One row per goal: the caller passes the goal-level figure of the latest close snapshot."""
    result = YearResults(rows=list(rows))
    current, original = [], []
    for row in result.rows:
        if row.achievement_rate is None:
            result.unknown += 1
        elif row.achievement_rate >= ONE:
            result.met += 1
        else:
            result.missed += 1
        if row.achievement_rate is not None:
            current.append(row.achievement_rate)
        rate = row.original_achievement_rate if row.original_achievement_rate is not None else None
        if rate is not None:
            original.append(rate)
    result.mean_achievement = _mean(current)
    result.mean_original_achievement = _mean(original)
    return result


def top_counts(labels: Iterable[str | None], *, limit: int = 5) -> list[tuple[str, int]]:
    """The most cited labels (deviation categories, improvement themes) with their counts, most cited
    first, ties by name; blanks ignored."""
    counted = Counter(label.strip() for label in labels if label and label.strip())
    return sorted(counted.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]


def visible_figures(figures: list[dict], visible_goal_ids: set[int]) -> list[dict]:
    """A case's snapshot rows of the goals its reader may see (a case may cite another department's goal)."""
    return [row for row in figures if row.get("goal_id") in visible_goal_ids]
