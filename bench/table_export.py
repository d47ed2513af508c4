"""The tracking table (营销目标执行过程跟踪表) of 50,000 check-ins exported as xlsx (issue #17): time and peak
memory.

`python -m bench table-export [--rows N]` (run by `make bench` as part of `run`, in a child process so that
its peak RSS is the export's alone). Inside a transaction that is rolled back, it adds one action item and
N daily check-ins on it (bulk inserts in batches of 5,000: bench data, not the product's writes), then exports
the table exactly as GET /api/v1/exports/check-ins does (`checkin_table.export_rows` → `write_table`, openpyxl
write-only, streamed to a file) as an admin, and reads the file back to count its rows. Targets: < 20 s and
< 300 MB peak RSS.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from bench.child import cpu_s, memory, run_in_child

TARGET_S = 20
TARGET_MB = 300
DEFAULT_ROWS = 50_000
BATCH = 5_000


class _Rollback(Exception):
    pass


def measure(rows: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from lodestar.exchange import checkin_table
    from lodestar.exchange.xlsx_writer import write_table
    from lodestar.execution.models import ActionItem
    from lodestar.org.models import Department, Person
    from lodestar.tracking.models import CheckIn, CheckInPeriod

    result: dict = {"rows": rows, "target_s": TARGET_S, "target_mb": TARGET_MB}
    try:
        with transaction.atomic():
            department = Department.objects.order_by("pk").first()
            author = Person.objects.order_by("pk").first()
            item = ActionItem.objects.create(department=department, title="bench: 小红书笔记发布", unit="篇")
            start = dt.date(1950, 1, 1)
            started = time.perf_counter()
            for first in range(0, rows, BATCH):
                CheckIn.objects.bulk_create(
                    CheckIn(
                        item=item,
                        author=author,
                        period_kind=CheckInPeriod.DAY,
                        period_start=start + dt.timedelta(days=i),
                        period_end=start + dt.timedelta(days=i),
                        planned=Decimal(7),
                        actual=Decimal(i % 11),
                        cumulative=Decimal(i),
                        deviation_reason="KOL合作档期延后" if i % 3 else "",
                        improvement="增加1位素人博主" if i % 3 else "",
                    )
                    for i in range(first, min(first + BATCH, rows))
                )
            result["generate_s"] = round(time.perf_counter() - started, 1)
            result["rss_before_mb"] = memory().get("VmRSS")
            reader = get_user_model()(username="bench", is_superuser=True)  # sees every check-in
            result["load_before"] = [round(x, 2) for x in os.getloadavg()]
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "tracking.xlsx"
                started, cpu_started = time.perf_counter(), cpu_s()
                written = write_table(
                    checkin_table.SPEC, checkin_table.export_rows(reader, {"item_id": item.pk}), str(path)
                )
                result["export_s"] = round(time.perf_counter() - started, 1)
                # CPU seconds of this process (the database is in-process on SQLite): what the export costs on
                # a machine that is not shared; the wall time above depends on the load average.
                result["export_cpu_s"] = round(cpu_s() - cpu_started, 1)
                result["load_after"] = [round(x, 2) for x in os.getloadavg()]
                result["rows_written"] = written
                result["file_mb"] = round(path.stat().st_size / 1024 / 1024, 1)
                from python_calamine import CalamineWorkbook

                result["rows_read_back"] = (
                    len(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()) - 1
                )
            raise _Rollback
    except _Rollback:
        pass
    result["peak_rss_mb"] = memory().get("VmHWM")
    result["met"] = (
        result.get("rows_written") == rows
        and result.get("rows_read_back") == rows
        and result.get("export_s", TARGET_S) < TARGET_S
        and (result["peak_rss_mb"] or 0) < TARGET_MB
    )
    return result


def time_table_export(rows: int | None = None) -> dict:
    """Run `measure` in a child process (its own peak RSS) and return its JSON answer."""
    rows = rows or int(os.environ.get("TABLE_EXPORT_ROWS", DEFAULT_ROWS))
    return run_in_child("table-export", rows)
