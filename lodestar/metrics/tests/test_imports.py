"""The import of platform exports (issue 16): encodings, exact totals, bad rows refused, idempotence."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db.models import Sum
from django.test import TestCase

from lodestar.core.errors import ApplicationError
from lodestar.metrics import import_services as imports
from lodestar.metrics.models import MetricImport, MetricPoint, MetricPointChange, SourceMetric
from lodestar.metrics.signals import points_imported
from lodestar.metrics.tests.support import MAPPING, csv_bytes, daily_rows, upload

Status = MetricImport.Status


def run(source, data: bytes, *, name="罗盘导出.csv", skip=False, mapping=MAPPING, actor=None):
    metric_import = imports.metric_import_upload(actor=actor, source=source, file=upload(data, name))
    metric_import = imports.metric_import_set_mapping(
        actor=actor,
        metric_import=metric_import,
        date_column=mapping["date_column"],
        channel_column=mapping.get("channel_column", ""),
        columns=mapping["columns"],
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        imports.metric_import_start(actor=actor, metric_import=metric_import, skip_bad_rows=skip)
    return MetricImport.objects.get(pk=metric_import.pk)


def totals(source) -> dict[str, Decimal]:
    return dict(
        MetricPoint.objects.filter(metric__source=source)
        .values("metric__name")
        .annotate(total=Sum("value"))
        .values_list("metric__name", "total")
    )


def file_totals(rows) -> dict[str, Decimal]:
    amount = sum((Decimal(r[2].replace(",", "")) for r in rows), Decimal(0))
    visitors = sum((Decimal(r[3]) for r in rows), Decimal(0))
    rate = sum((Decimal(r[4].rstrip("%")) / 100 for r in rows), Decimal(0))
    return {"成交金额": amount, "访客数": visitors, "转化率": rate}


def test_gbk_export_imports_with_exact_totals(org, source):
    rows = daily_rows(60)
    data = csv_bytes(rows, encoding="gbk")
    assert b'"900,000.0"' in data and b"\r\n" in data
    received = []
    points_imported.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="test-gbk")
    try:
        done = run(source, data)
    finally:
        points_imported.disconnect(dispatch_uid="test-gbk")
    assert done.status == Status.DONE, (done.failure, done.errors[:3])
    assert done.encoding == "gb18030"
    assert (done.rows_total, done.rows_ok, done.points_created) == (120, 120, 360)
    assert totals(source) == file_totals(rows)
    assert done.date_from == dt.date(2031, 7, 1) and done.date_to == dt.date(2031, 8, 29)
    (signal,) = received
    assert signal["metric_ids"] == sorted(
        SourceMetric.objects.filter(source=source).values_list("pk", flat=True)
    )
    assert (signal["date_from"], signal["date_to"]) == (dt.date(2031, 7, 1), dt.date(2031, 8, 29))


def test_bad_rows_are_all_reported_and_nothing_written(org, source):
    rows = daily_rows(5)
    rows[1][0] = "2031/2/30"  # line 3: impossible date
    rows[3][2] = "N/A"  # line 5: N/A in a number column
    rows[4][0] = rows[2][0]  # line 6: duplicate date for 抖音 (line 4)
    rows[6][1] = "快手"  # line 8: unknown channel
    rows[8][3] = ""  # line 10: empty value
    done = run(source, csv_bytes(rows))
    assert done.status == Status.INVALID
    found = {(e["row"], e["field"], e["code"]) for e in done.errors}
    assert found == {
        (3, "日期", "impossible_date"),
        (5, "成交金额", "not_available"),
        (6, "日期", "duplicate_date"),
        (8, "渠道", "unknown_channel"),
        (10, "访客数", "empty"),
    }
    assert (done.rows_total, done.rows_bad, done.rows_ok) == (10, 5, 5)
    assert MetricPoint.objects.count() == 0
    messages = [e["message"] for e in imports.error_items(done)]
    assert all(messages)

    # The user chooses to skip them: the 5 good rows are imported.
    with TestCase.captureOnCommitCallbacks(execute=True):
        imports.metric_import_start(actor=None, metric_import=done, skip_bad_rows=True)
    done.refresh_from_db()
    assert done.status == Status.DONE
    assert MetricPoint.objects.count() == 15


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-8", "gb18030"])
def test_encodings(org, source, encoding):
    rows = daily_rows(3)
    done = run(source, csv_bytes(rows, encoding=encoding))
    assert done.status == Status.DONE, done.errors
    assert totals(source) == file_totals(rows)


def test_lf_tab_separated_and_wan(org, source):
    text = "日期\t渠道\t成交金额\t访客数\t转化率\n2031年7月1日\t抖音\t12.5万\t１，２００\t5‰\n"
    done = run(source, text.encode("utf-8"))
    assert done.status == Status.DONE, done.errors
    assert totals(source) == {
        "成交金额": Decimal(125000),
        "访客数": Decimal(1200),
        "转化率": Decimal("0.005"),
    }


def test_xlsx_with_serial_dates(org, source):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["日期", "渠道", "成交金额", "访客数", "转化率"])
    sheet.append([47299, "抖音", 933940.5, 10, 0.05])  # an undated number cell: Excel serial
    sheet.append(["47300", "天猫", "1,234", 11, "5%"])  # the serial as text
    sheet.append([dt.date(2029, 7, 2), "小红书", 7, 12, 0.1])  # a real date cell
    buffer = io.BytesIO()
    workbook.save(buffer)
    done = run(source, buffer.getvalue(), name="export.xlsx")
    assert done.status == Status.DONE, done.errors
    assert done.encoding == "xlsx"
    dates = sorted(set(MetricPoint.objects.values_list("date", flat=True)))
    assert dates == [dt.date(2029, 6, 30), dt.date(2029, 7, 1), dt.date(2029, 7, 2)]
    assert totals(source)["成交金额"] == Decimal("935181.5")
    assert totals(source)["转化率"] == Decimal("0.2")


def test_reimport_is_idempotent_and_changes_are_history(org, source):
    rows = daily_rows(10)
    first = run(source, csv_bytes(rows))
    assert first.points_created == 60
    again = run(source, csv_bytes(rows))
    assert (again.points_created, again.points_updated, again.points_unchanged) == (0, 0, 60)
    assert MetricPoint.objects.count() == 60
    # An overlapping file: days 6–12, one changed value on day 8 for 抖音.
    overlap = daily_rows(12)[10:]
    overlap[4][2] = "1,000,000"
    third = run(source, csv_bytes(overlap))
    assert MetricPoint.objects.count() == 72
    assert (third.points_created, third.points_updated) == (12, 1)
    (change,) = MetricPointChange.objects.all()
    assert change.new_value == Decimal("1000000") and change.metric_import_id == third.pk
    assert change.point.value == Decimal("1000000")
    assert change.old_value == Decimal(rows[14][2].replace(",", ""))


def test_reimport_signal_names_only_the_changed_metrics(org, source):
    rows = daily_rows(3)
    run(source, csv_bytes(rows))
    rows[2][3] = "5555"  # 访客数 of day 2, 抖音
    received = []
    points_imported.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="test-changed")
    try:
        again = run(source, csv_bytes(rows))
        unchanged = run(source, csv_bytes(rows))
    finally:
        points_imported.disconnect(dispatch_uid="test-changed")
    assert (again.points_created, again.points_updated, again.points_unchanged) == (0, 1, 17)
    assert (unchanged.points_updated, unchanged.points_unchanged) == (0, 18)
    (signal,) = received  # nothing changed the third time: no signal
    assert signal["metric_ids"] == [SourceMetric.objects.get(source=source, name="访客数").pk]


def test_saved_mapping_is_reused_for_the_same_header(org, source):
    run(source, csv_bytes(daily_rows(1)))
    second = imports.metric_import_upload(actor=None, source=source, file=upload(csv_bytes(daily_rows(2))))
    assert second.mapping["date_column"] == "日期"
    assert [c["metric"] for c in second.mapping["columns"]] == ["成交金额", "访客数", "转化率"]


def test_preview_shows_parsed_values_and_errors(org, source):
    rows = daily_rows(2)
    rows[1][2] = "abc"
    metric_import = imports.metric_import_upload(actor=None, source=source, file=upload(csv_bytes(rows)))
    imports.metric_import_set_mapping(
        actor=None,
        metric_import=metric_import,
        date_column="日期",
        channel_column="渠道",
        columns=MAPPING["columns"],
    )
    metric_import.refresh_from_db()
    preview = imports.metric_import_preview(metric_import=metric_import)
    assert preview[0]["row"] == 2 and preview[0]["date"] == dt.date(2031, 7, 1)
    assert preview[0]["values"][0]["value"] == Decimal("900000.0000")
    assert preview[0]["values"][2]["value"] == Decimal("0.0050")
    assert preview[1]["errors"][0]["code"] == "not_a_number"


def test_unreadable_files_are_refused(org, source):
    with pytest.raises(ApplicationError) as caught:
        imports.metric_import_upload(actor=None, source=source, file=upload(b"", "a.csv"))
    assert caught.value.code == "empty"
    with pytest.raises(ApplicationError) as caught:
        imports.metric_import_upload(actor=None, source=source, file=upload(b"PK\x03\x04junk", "a.xlsx"))
    assert caught.value.code == "bad_file"
    with pytest.raises(ApplicationError):
        imports.metric_import_upload(actor=None, source=source, file=upload(b"a,b", "a.pdf"))
    assert MetricImport.objects.count() == 0
