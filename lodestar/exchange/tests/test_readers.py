"""Reading uploaded spreadsheets: encodings, cell values, limits (no database)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from lodestar.core.errors import ApplicationError
from lodestar.exchange.readers import _cell_text, decode_text, read_table

TEXT = "部门编码,部门名称\nMKT,市场营销中心\n"


@pytest.mark.parametrize(
    "data,encoding",
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("utf-16-be").join([b"\xfe\xff", b""]), "utf-16"),
        (TEXT.encode("gbk"), "gb18030"),
        ("部门,𠀀生僻字\n".encode("gb18030"), "gb18030"),
    ],
)
def test_decode_text(data, encoding):
    text, found = decode_text(data)
    assert found == encoding
    assert "部门" in text
    assert not text.startswith("\ufeff")


@pytest.mark.parametrize(
    "data", [b"\xef\xbb\xbf" + TEXT.encode("gbk"), b"\xff\xfe" + b"a\x00b", b"\xfe\xff\xd8\x00"]
)
def test_bom_marked_files_must_really_be_that_encoding(data):
    """A byte-order mark followed by other bytes is a clear error, not a crash."""
    with pytest.raises(ApplicationError) as exc:
        decode_text(data)
    assert (exc.value.code, exc.value.field) == ("bad_encoding", "file")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "utf-16"])
def test_read_csv(encoding, settings):
    data = TEXT.encode(encoding)
    table = read_table(data, "x.csv")
    assert table.headers == ["部门编码", "部门名称"]
    assert table.rows == [["MKT", "市场营销中心"]]


def test_read_csv_with_semicolons_tabs_and_quotes(settings):
    assert read_table(b"a;b\n1;2\n", "x.csv").rows == [["1", "2"]]
    assert read_table(b"a\tb\n1\t2\n", "x.txt").rows == [["1", "2"]]
    assert read_table(b'a,b\n"x, y",2\n', "x.csv").rows == [["x, y", "2"]]


def test_trailing_empty_rows_are_dropped(settings):
    table = read_table(b"a,b\n1,2\n,\n\n", "x.csv")
    assert table.rows == [["1", "2"]]


def test_nul_bytes_are_refused(settings):
    with pytest.raises(ApplicationError) as exc:
        read_table(b"a,b\n1\x002,3\n", "x.csv")
    assert exc.value.code == "bad_file"


@pytest.mark.parametrize(
    "value,text",
    [
        (None, ""),
        (3.0, "3"),
        (13912345678.0, "13912345678"),
        (0.1, "0.1"),
        (1.5e-7, "0.00000015"),
        (True, "1"),
        (False, "0"),
        (" x ", "x"),
        (7, "7"),
        (dt.date(2024, 7, 1), "2024-07-01"),
    ],
)
def test_cell_text(value, text):
    assert _cell_text(value) == text


def test_read_xlsx_values(settings):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["账号", "手机", "排序", "入职"])
    sheet.append(["zhangsan", 13800000000, 2, dt.date(2024, 7, 1)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "p.xlsx")
    assert table.encoding == "xlsx"
    assert table.headers == ["账号", "手机", "排序", "入职"]
    assert table.rows[0][:3] == ["zhangsan", "13800000000", "2"]
    assert table.rows[0][3].startswith("2024-07-01")


def test_xlsx_detected_by_content_whatever_the_name(settings):
    workbook = Workbook()
    workbook.active.append(["a"])
    workbook.active.append(["1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read_table(buffer.getvalue(), "renamed.csv").rows == [["1"]]
