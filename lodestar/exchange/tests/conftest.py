"""Fixtures of the exchange tests: the goals' organisation (roster GOALS, fiscal year 2026: 星辰公司 ›
市场部 (赵敏 manages; 林晓) › 内容组 (陈静), 销售部 (王强 manages; 周杰)), goals made through the services,
and helpers that write a workbook to a temporary file and import it."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lodestar.exchange import goal_table
from lodestar.exchange.imports import table_import_run_now
from lodestar.exchange.xlsx_writer import write_table
from lodestar.goals import services
from lodestar.testing.organisation import GOALS, build_organisation, fresh_user


@pytest.fixture
def world(db):
    return build_organisation(GOALS)


@pytest.fixture
def goals(world):
    """Three goals of 市场部 in Q3 2026 (the seed's template 1 rows) and a department-only goal of 销售部."""
    manager = fresh_user(world.mkt_manager)
    q3 = world.q3
    sales = services.goal_create(
        actor=manager,
        name="新品A Q3销售额",
        department=world.mkt,
        period=q3,
        owner=world.mkt_manager,
        weight=Decimal("60"),
        description="2026年7-9月通过抖音+天猫实现销售额500万元",
        notes="需提前备货",
        collaborating_departments=[world.sales],
        measures=[{"name": "销售额", "target": Decimal("5000000"), "unit": "yuan"}],
    )
    exposure = services.goal_create(
        actor=manager,
        name="小红书品牌曝光",
        department=world.mkt,
        period=q3,
        owner=world.mkt_manager,
        weight=Decimal("30"),
        measures=[{"name": "曝光量", "target": Decimal("2000000")}],
    )
    hidden = services.goal_create(
        actor=fresh_user(world.sales_manager),
        name="销售部内部目标",
        department=world.sales,
        period=q3,
        owner=world.sales_manager,
        visibility="department",
    )
    return {"sales": sales, "exposure": exposure, "hidden": hidden}


def export_workbook(user, tmp_path: Path, *, language: str = "zh-hans", params=None) -> Path:
    path = tmp_path / "goals.xlsx"
    write_table(goal_table.SPEC, goal_table.export_rows(user, params), str(path), language=language)
    return path


def rows_by_name(sheet, header_row: int = 1) -> dict[str, int]:
    names = {}
    for row in range(header_row + 1, sheet.max_row + 1):
        value = sheet.cell(row, 1).value
        if value:
            names[value] = row
    return names


def run_import(user, path: Path, **kwargs):
    return table_import_run_now(actor=user, table="goals", path=str(path), **kwargs)


def load(path: Path):
    return load_workbook(io.BytesIO(path.read_bytes()))
