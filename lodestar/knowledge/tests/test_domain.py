"""The pure rules of the knowledge library: the Markdown sanitiser, the version diff, search words and
the annual report's counts (DOMAIN.md §4)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lodestar.knowledge import domain

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<p onclick="alert(1)">点我</p>',
    "<scr<script>ipt>alert(1)</script>",
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
]


@pytest.mark.parametrize("payload", XSS)
def test_the_sanitiser_drops_scripts_styles_and_handlers(payload):
    html = domain.render_markdown(payload).lower()
    assert "<script" not in html
    assert "<style" not in html
    assert "<iframe" not in html
    assert "<svg" not in html
    assert "javascript:" not in html
    assert "data:text" not in html
    assert " onerror" not in html and " onclick" not in html and " onload" not in html
    assert "style=" not in html


def test_markdown_keeps_headings_lists_tables_and_links_get_noopener():
    html = domain.render_markdown(
        "## 线索孵化\n\n1. 线索入库\n2. 48小时内首次触达\n\n| 阶段 | 时限 |\n| --- | --- |\n| 首触 | 48h |\n\n"
        "[手册](https://example.com/sop)"
    )
    assert "<h2>线索孵化</h2>" in html
    assert "<ol>" in html and "<li>线索入库</li>" in html
    assert "<table>" in html and "<td>首触</td>" in html
    assert 'href="https://example.com/sop"' in html
    assert 'rel="noopener noreferrer"' in html


@given(st.text(max_size=300))
def test_no_text_ever_yields_a_script_or_an_event_handler(text):
    html = domain.render_markdown(text).lower()
    assert "<script" not in html
    assert "javascript:" not in html or "&lt;" in html or "href" not in html
    for attr in ("onerror=", "onload=", "onclick=", "onmouseover="):
        assert f" {attr}" not in html


def test_line_diff_marks_added_and_removed_lines():
    old = "## 步骤\n1. 线索入库\n2. 48小时内首次触达\n3. 每周跟进"
    new = "## 步骤\n1. 线索入库\n2. 24小时内首次触达\n3. 每周跟进\n4. 月度复盘"
    lines = domain.line_diff(old, new)
    kinds = [(line.kind, line.text) for line in lines]
    assert ("removed", "2. 48小时内首次触达") in kinds
    assert ("added", "2. 24小时内首次触达") in kinds
    assert ("added", "4. 月度复盘") in kinds
    assert ("same", "1. 线索入库") in kinds
    assert domain.diff_counts(lines) == (2, 1)
    removed = next(line for line in lines if line.kind == "removed")
    assert removed.old_number == 3 and removed.new_number is None


def test_line_diff_of_equal_texts_is_empty_and_far_lines_become_a_gap():
    assert domain.line_diff("a\nb", "a\nb") == []
    old = "\n".join(f"行{i}" for i in range(30))
    new = old.replace("行2\n", "行二\n").replace("行27", "行二十七")
    lines = domain.line_diff(old, new, context=2)
    assert any(line.kind == "gap" for line in lines)
    assert all(line.text != "行15" for line in lines)


@given(
    st.lists(st.text(alphabet="abc中文 ", max_size=6), max_size=8),
    st.lists(st.text(alphabet="abc中文 ", max_size=6), max_size=8),
)
def test_the_diff_rebuilds_both_versions(old_lines, new_lines):
    old, new = "\n".join(old_lines), "\n".join(new_lines)
    lines = domain.line_diff(old, new, context=10**6)
    if old.splitlines() == new.splitlines():
        assert lines == []
        return
    assert [line.text for line in lines if line.kind in ("same", "removed")] == old.splitlines()
    assert [line.text for line in lines if line.kind in ("same", "added")] == new.splitlines()


def test_search_terms_split_on_spaces_and_chinese_punctuation():
    assert domain.search_terms("新品上市，小红书  大促。私域、抖音；KOL") == [
        "新品上市",
        "小红书",
        "大促",
        "私域",
        "抖音",
        "KOL",
    ]
    assert domain.search_terms("  ") == []
    assert domain.search_terms(None) == []
    assert domain.search_terms("大促 大促 kol KOL") == ["大促", "kol"]


@given(st.text(max_size=200))
def test_search_terms_are_never_blank_and_bounded(text):
    terms = domain.search_terms(text)
    assert len(terms) <= domain.MAX_TERMS
    assert all(t and t.strip() == t and len(t) <= domain.MAX_TERM_LENGTH for t in terms)


def test_tag_names_and_highlights():
    assert domain.tag_names("新品上市期，大促, 私域") == ["新品上市期", "大促", "私域"]
    assert domain.tag_names(["抖音", "抖音", " "]) == ["抖音"]
    assert domain.highlight_spans("新品上市小红书种草", ["小红书"]) == [
        ("新品上市", False),
        ("小红书", True),
        ("种草", False),
    ]


def row(rate, original=None, pk=1):
    return domain.ResultRow(pk, f"目标{pk}", None, None, None, rate, original)


def test_year_results_count_met_and_missed():
    # DOMAIN.md §4: 480万 of 500万 → 96% (missed); 220万 of 200万 → 110% (met).
    result = domain.year_results(
        [row(Decimal("0.96"), Decimal("0.96"), 1), row(Decimal("1.10"), None, 2), row(None, None, 3)]
    )
    assert (result.met, result.missed, result.unknown) == (1, 1, 1)
    assert result.mean_achievement == Decimal("1.0300")
    assert result.mean_original_achievement == Decimal("0.9600")
    assert domain.year_results([]).mean_achievement is None


@given(st.lists(st.one_of(st.none(), st.decimals(min_value=0, max_value=5, places=4)), max_size=20))
def test_every_goal_is_counted_once(rates):
    result = domain.year_results([row(r, pk=i) for i, r in enumerate(rates)])
    assert result.met + result.missed + result.unknown == len(rates)


def test_top_counts_most_cited_first():
    assert domain.top_counts(
        ["资源不足", "内容质量", "资源不足", "", None, "执行问题", "内容质量", "资源不足"], limit=2
    ) == [
        ("资源不足", 3),
        ("内容质量", 2),
    ]
