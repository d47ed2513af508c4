"""Helpers of the metrics tests: export files as Excel on Chinese Windows writes them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

HEADER = ["日期", "渠道", "成交金额", "访客数", "转化率"]


def csv_bytes(rows: list[list[str]], *, encoding: str = "gbk", header: list[str] | None = None) -> bytes:
    """A csv file: CRLF line ends, a cell quoted when it holds a comma (as Excel saves "933,940")."""

    def cell(text: str) -> str:
        return f'"{text}"' if ("," in text or '"' in text) else text

    lines = [",".join(cell(c) for c in (header or HEADER))] + [",".join(cell(c) for c in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def daily_rows(days: int, channels=("抖音", "天猫"), start=dt.date(2031, 7, 1)) -> list[list[str]]:
    rows = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        for index, channel in enumerate(channels):
            amount = Decimal(900000 + offset * 1234 + index * 77) + Decimal("0.5") * (offset % 3)
            rows.append(
                [
                    f"{day.year}/{day.month}/{day.day}",
                    channel,
                    f"{amount:,}",
                    str(1000 + offset + index),
                    f"{Decimal(offset % 7 + 1) / 2}%",
                ]
            )
    return rows


def upload(data: bytes, name: str = "罗盘导出.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


MAPPING = {
    "date_column": "日期",
    "channel_column": "渠道",
    "columns": [
        {"column": "成交金额", "metric": "成交金额", "measure_id": None},
        {"column": "访客数", "metric": "访客数", "measure_id": None},
        {"column": "转化率", "metric": "转化率", "measure_id": None},
    ],
}
