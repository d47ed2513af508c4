"""The execution tracking table (营销目标执行过程跟踪表): the seed's columns, completion rate, the round trip
through checkin_submit, and a conflict."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from lodestar.exchange import checkin_table
from lodestar.exchange.imports import table_import_run_now
from lodestar.exchange.models import TableImport
from lodestar.exchange.tests.conftest import load
from lodestar.exchange.xlsx_writer import write_table
from lodestar.execution.services import items as item_services
from lodestar.testing.organisation import fresh_user
from lodestar.tracking.models import CheckIn
from lodestar.tracking.services import checkins as checkin_services

WEEK1 = (dt.date(2026, 7, 6), dt.date(2026, 7, 12))
WEEK2 = (dt.date(2026, 7, 13), dt.date(2026, 7, 19))


@pytest.fixture
def item(world):
    return item_services.item_create(
        actor=fresh_user(world.mkt_manager),
        department=world.mkt,
        title="小红书笔记发布",
        responsible=[world.member],
        accountable=world.mkt_manager,
        planned_quantity=Decimal("20"),
        unit="篇",
    )


@pytest.fixture
def checkin(world, item):
    return checkin_services.checkin_submit(
        actor=fresh_user(world.member),
        item=item,
        period_start=WEEK1[0],
        period_end=WEEK1[1],
        planned=Decimal("7"),
        actual=Decimal("5"),
        deviation_reason="2篇KOL合作档期延后",
    )


def _export(user, tmp_path):
    path = tmp_path / "tracking.xlsx"
    write_table(checkin_table.SPEC, checkin_table.export_rows(user, None), str(path))
    return path


def test_export_has_the_seeds_columns_and_the_completion_rate(world, checkin, tmp_path):
    sheet = load(_export(fresh_user(world.mkt_manager), tmp_path)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:9] == [
        "日期/周次",
        "核心任务",
        "负责人",
        "计划完成量",
        "实际完成量",
        "完成率",
        "偏差原因",
        "改进措施",
        "资源需求",
    ]
    assert [sheet.cell(2, n).value for n in (1, 2, 3, 4, 5)] == [
        "2026-07-06 ~ 2026-07-12",
        "小红书笔记发布",
        "林晓",
        7,
        5,
    ]
    assert (
        sheet.cell(2, 6).value == pytest.approx(5 / 7, abs=1e-4) and sheet.cell(2, 6).number_format == "0.00%"
    )


def test_round_trip_corrects_and_reports_through_checkin_submit(world, item, checkin, tmp_path):
    path = _export(fresh_user(world.member), tmp_path)
    book = load(path)
    sheet = book.worksheets[0]
    sheet.cell(2, 5).value = 6
    sheet.cell(2, 8).value = "增加1位素人博主"
    sheet.append(
        [
            f"{WEEK2[0]:%Y.%-m.%-d}-{WEEK2[1]:%-m.%-d}",
            None,
            None,
            7,
            7,
            None,
            None,
            None,
            None,
            None,
            None,
            item.pk,
        ]
    )
    book.save(path)

    result = table_import_run_now(actor=fresh_user(world.member), table="check-ins", path=str(path))

    assert result.status == TableImport.Status.DONE, result.errors
    assert (result.created, result.updated) == (1, 1)
    checkin.refresh_from_db()
    assert (checkin.actual, checkin.improvement, checkin.version) == (Decimal("6"), "增加1位素人博主", 2)
    second = CheckIn.objects.get(item=item, period_start=WEEK2[0])
    assert second.cumulative == Decimal("13")  # 6 + 7: the service keeps the running total


def test_a_correction_made_in_the_app_since_the_export_is_a_conflict(world, item, checkin, tmp_path):
    path = _export(fresh_user(world.member), tmp_path)
    checkin_services.checkin_submit(
        actor=fresh_user(world.member),
        item=item,
        period_start=WEEK1[0],
        period_end=WEEK1[1],
        version=checkin.version,
        planned=Decimal("7"),
        actual=Decimal("4"),
    )
    book = load(path)
    book.worksheets[0].cell(2, 5).value = 9
    book.save(path)
    result = table_import_run_now(actor=fresh_user(world.member), table="check-ins", path=str(path))
    assert result.status == TableImport.Status.INVALID and len(result.conflicts) == 1
    assert CheckIn.objects.get(pk=checkin.pk).actual == Decimal("4")


def test_the_export_keeps_the_report_pages_scope(world, item, checkin):
    """The buttons on the weekly and department reports export what the page shows: the reader's own
    week, or the department's week — not every check-in the reader may see."""
    checkin_services.checkin_submit(
        actor=fresh_user(world.member),
        item=item,
        period_start=WEEK2[0],
        period_end=WEEK2[1],
        planned=Decimal("7"),
        actual=Decimal("7"),
    )
    manager = fresh_user(world.mkt_manager)
    everything = list(checkin_table.export_rows(manager, None))
    week1 = list(checkin_table.export_rows(manager, {"start": WEEK1[0], "end": WEEK1[1]}))
    mine = list(checkin_table.export_rows(manager, {"author_id": world.member.pk}))
    elsewhere = list(checkin_table.export_rows(manager, {"department_id": world.sales.pk}))
    assert (len(everything), len(week1), len(mine), len(elsewhere)) == (2, 1, 2, 0)
    client = Client()
    client.force_login(fresh_user(world.member))
    response = client.get(
        reverse("exchange:export", args=["check-ins"]),
        {"author": world.member.pk, "week": "2026-W29", "department": world.mkt.pk},
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    assert [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)] == ["2026-07-13 ~ 2026-07-19"]
