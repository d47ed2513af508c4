"""The SMART check (lodestar.goals.smart): rule-based warnings in Chinese and English, no database."""

from __future__ import annotations

import datetime as dt

from lodestar.goals.smart import SmartWarning, check_goal

Q3_2024 = {"period_start": dt.date(2024, 7, 1), "period_end": dt.date(2024, 9, 30)}
SEED_EXAMPLE = "2024年Q3通过线上渠道(抖音+天猫)实现新品A销售额500万元,较Q2增长25%,新客占比不低于40%"


def codes(**kwargs) -> list[str]:
    defaults = {"description": "", "has_measures": True, "has_owner": True, **Q3_2024}
    return [w.code for w in check_goal(**{**defaults, **kwargs})]


def test_vague_chinese_goal_is_flagged():
    found = codes(name="提升销量", has_measures=False)
    assert "vague_verb" in found
    assert "no_number" in found
    assert "no_measure" in found
    assert "no_deadline" in found


def test_vague_verb_is_flagged_even_with_measures_when_the_text_has_no_number():
    found = codes(name="加强品牌建设")
    assert "vague_verb" in found
    assert "no_number" not in found  # the measures carry the number


def test_the_seeds_smart_example_passes_clean():
    assert codes(name="新品A Q3销售额", description=SEED_EXAMPLE) == []
    assert codes(name=SEED_EXAMPLE) == []


def test_a_verb_with_a_figure_is_not_vague():
    assert "vague_verb" not in codes(name="2024年9月底前复购率从15%提升到20%")


def test_a_date_outside_the_period_is_flagged():
    assert codes(name="小红书笔记20篇", description="2024年12月底前完成") == ["deadline_outside_period"]
    assert codes(name="小红书笔记20篇", description="2024年Q4完成") == ["deadline_outside_period"]
    assert codes(name="Publish 20 posts by 2025-01-15") == ["deadline_outside_period"]


def test_a_date_inside_the_period_is_fine():
    assert codes(name="7月完成小红书笔记20篇,曝光量80万+", description="2024年7月31日前完成") == []
    assert codes(name="Publish 20 posts by 2024-09-30") == []


def test_english_vague_goal_is_flagged():
    found = codes(name="Improve brand awareness", has_measures=False)
    assert {"vague_verb", "no_number", "no_measure", "no_deadline"} <= set(found)


def test_english_measurable_goal_passes():
    assert codes(name="Reach 2M views on Xiaohongshu in Q3 2024") == []


def test_number_without_unit_is_flagged_when_no_measure_defines_it():
    found = codes(name="2024年Q3新品A销售 500", has_measures=False)
    assert "no_unit" in found
    assert "no_number" not in found
    assert "no_unit" not in codes(name="2024年Q3新品A销售 500")


def test_missing_owner_is_flagged():
    assert codes(name=SEED_EXAMPLE, has_owner=False) == ["no_owner"]


def test_missing_period_is_flagged():
    assert codes(name=SEED_EXAMPLE, period_start=None, period_end=None) == ["no_deadline"]


def test_each_warning_has_a_message_and_a_suggestion_and_is_translatable():
    warnings = check_goal(
        name="提升销量",
        description="",
        has_measures=False,
        has_owner=False,
        period_start=None,
        period_end=None,
        gettext=lambda s: f"«{s}»",
    )
    assert warnings
    for warning in warnings:
        assert isinstance(warning, SmartWarning)
        assert warning.message.startswith("«") and warning.suggestion.startswith("«")
    assert "no_owner" in [w.code for w in warnings]
