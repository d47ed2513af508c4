"""Workbooks saved by Microsoft Excel itself, read through the import's own entry (`read_sheet`, then
`iter_rows`), and the goal-setting table built inside an Excel package and imported.

Genuine Excel output (fixtures/README.md says where each file comes from and under which licence):

- `excel2013-windows-industry-monthly.xlsx`: saved by Excel 2013 on Windows (app.xml: "Microsoft Excel",
  15.0300): shared strings (an empty one among them), a month-format date column (numFmtId 17, "mmm-yy")
  stored as serials, doubles written with 17 significant digits (-4.5999999999999996), a number kept as
  text ("-4.0", numFmtId 49), a header row with blank cells, and eighteen empty rows of custom height
  after the data;
- `excel2016-mac-deaths.xlsx`: saved by Excel 2016 for Mac (app.xml: "Microsoft Macintosh Excel"): notes
  above and below the table, a shared formula (DATEDIF) with its cached values and Excel's calcChain.xml,
  booleans, dates (numFmtId 14) stored as serials, non-ASCII text.

Every expected value below was checked by hand against the sheet XML: the serials as days since
1899-12-30 (31078 → 1985-01-31, 17175 → 1947-01-08, 42379 → 2016-01-10), the DATEDIF ages against
those dates.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from lodestar.exchange import columns as c
from lodestar.exchange import goal_table
from lodestar.exchange.columns import Column, TableSpec
from lodestar.exchange.models import TableImport
from lodestar.exchange.tests.conftest import run_import
from lodestar.exchange.xlsx_reader import iter_rows, read_sheet
from lodestar.goals.models import Goal
from lodestar.testing.organisation import fresh_user

FIXTURES = Path(__file__).parent / "fixtures"
WINDOWS = FIXTURES / "excel2013-windows-industry-monthly.xlsx"
MAC = FIXTURES / "excel2016-mac-deaths.xlsx"


def _application(path: Path) -> tuple[str, str]:
    with zipfile.ZipFile(path) as archive:
        app = archive.read("docProps/app.xml").decode()
    found = re.search(r"<Application>(.*?)</Application>.*<AppVersion>(.*?)</AppVersion>", app)
    assert found is not None
    return found[1], found[2]


def _spec(*headers: str) -> TableSpec:
    return TableSpec(
        name="excel",
        title_zh="Excel",
        title_en="Excel",
        columns=tuple(Column(f"c{n}", header, header, required=n == 0) for n, header in enumerate(headers)),
    )


def test_a_workbook_saved_by_excel_2013_on_windows():
    assert _application(WINDOWS) == ("Microsoft Excel", "15.0300")
    spec = _spec("INDU.EU.TOT.COF.B.M", "INDU.EU.TOT.7.B.M", "INDU.EA.TOT.COF.B.M", "INDU.CY.TOT.COF.B.M")

    sheet = read_sheet(spec, WINDOWS)

    assert sheet.header_line == 1
    assert sheet.columns == {"c0": 2, "c1": 3, "c2": 5, "c3": 11}
    # The other headers are kept for the report; A1, B1, E1 and H1 are styled but empty, K1 is the
    # empty shared string (<si><t/></si>).
    assert sheet.unknown_headers == ["INDU.BG.TOT.7.B.M", "INDU.IT.TOT.COF.B.M", "INDU.IT.TOT.7.B.M"]
    # Lines 4-21 are rows of custom height with no cell: not data.
    assert sheet.rows == [
        (2, [dt.date(1985, 1, 31), "", "-4.0", -13.2, "", -4.6, "NA", "", -6.0, -33.9, "", "NA"]),
        (3, [dt.date(1985, 2, 28), "", -4.4, -17.2, "", -6.0, "NA", "", -4.3, -33.9, "", "NA"]),
    ]
    first = sheet.rows[0][1]
    assert type(first[2]) is str  # "-4.0" was text in Excel (numFmtId 49): it stays text
    assert first[5] == -4.6  # Excel wrote -4.5999999999999996
    assert list(iter_rows(sheet)) == [
        (2, {"c0": "-4.0", "c1": -13.2, "c2": -4.6, "c3": "NA"}),
        (3, {"c0": -4.4, "c1": -17.2, "c2": -6.0, "c3": "NA"}),
    ]


def test_a_workbook_saved_by_excel_2016_for_mac():
    assert _application(MAC) == ("Microsoft Macintosh Excel", "15.0300")
    spec = _spec("Name", "Profession", "Age", "Has kids", "Date of birth", "Date of death")

    sheet = read_sheet(spec, MAC)

    assert sheet.header_line == 5  # four lines of notes above the header (the first sheet, "arts")
    assert sheet.columns == {"c0": 0, "c1": 1, "c2": 2, "c3": 3, "c4": 4, "c5": 5}
    rows = dict(iter_rows(sheet))
    # Age is DATEDIF(E6,F6,"y"): the value Excel cached when it saved, a double.
    assert rows[6] == {
        "c0": "David Bowie",
        "c1": "musician",
        "c2": 69.0,
        "c3": True,
        "c4": dt.date(1947, 1, 8),
        "c5": dt.date(2016, 1, 10),
    }
    assert rows[8]["c0"] == "Chuck Berry" and rows[8]["c2"] == 90.0 and rows[8]["c4"] == dt.date(1926, 10, 18)
    assert rows[11]["c0"] == "Alan Rickman" and rows[11]["c3"] is False
    assert rows[14]["c0"] == "Zsa Zsa Gábor" and rows[14]["c2"] == 99.0
    assert [line for line in rows if line <= 15] == list(range(6, 16))
    # The notes below the table come as rows too (the import reports them as rows it cannot read).
    assert rows[16] == {"c0": "Some", "c1": None, "c2": None, "c3": None, "c4": None, "c5": None}
    assert max(rows) == 19 and rows[19] == dict.fromkeys(("c0", "c1", "c2", "c3", "c4"), None) | {
        "c5": "too!"
    }


# --- our goal-setting table inside the Windows file's package --------------------------------------


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


class Formula:
    """A formula cell as Excel saves it: the formula and the value it showed (its cached value)."""

    def __init__(self, formula: str, cached: object):
        self.formula, self.cached = formula, cached


def _number(value: float | int | Decimal) -> str:
    """A number as Excel writes it into <v>: integers plainly, other doubles with 17 significant digits
    (the Windows file has -4.5999999999999996 for -4.6)."""
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.17g}"


def _excel_parts(original_sheet: str, rows: list[list[object]], styles: dict[int, str]) -> tuple[str, str]:
    """The sheet and shared-strings XML of `rows` in the dialect of the original sheet: strings shared
    (t="s"), numbers in <v>, a string formula t="str", the header row's cells and the id columns styled
    with style ids of the package's styles.xml; everything around <sheetData> kept as Excel wrote it."""
    strings: list[str] = []
    index: dict[str, int] = {}
    uses = 0

    def shared(text: str) -> int:
        nonlocal uses
        uses += 1
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    width = max(len(row) for row in rows)
    xml_rows = []
    for number, row in enumerate(rows, start=1):
        cells = []
        for position, value in enumerate(row):
            ref = f"{_column_letter(position)}{number}"
            style = styles.get(position if number > 1 else -1)
            s = f' s="{style}"' if style else ""
            if value is None or value == "":
                continue
            if isinstance(value, Formula):
                if isinstance(value.cached, str):
                    cells.append(
                        f'<c r="{ref}"{s} t="str"><f>{escape(value.formula)}</f><v>{escape(value.cached)}</v></c>'
                    )
                else:
                    cells.append(
                        f'<c r="{ref}"{s}><f>{escape(value.formula)}</f><v>{_number(value.cached)}</v></c>'
                    )
            elif isinstance(value, str):
                cells.append(f'<c r="{ref}"{s} t="s"><v>{shared(value)}</v></c>')
            else:
                cells.append(f'<c r="{ref}"{s}><v>{_number(value)}</v></c>')
        xml_rows.append(f'<row r="{number}" spans="1:{width}">{"".join(cells)}</row>')
    sheet_data = f"<sheetData>{''.join(xml_rows)}</sheetData>"
    dimension = f'<dimension ref="A1:{_column_letter(width - 1)}{len(rows)}"/>'
    sheet, count = re.subn(r"<sheetData>.*</sheetData>", lambda _m: sheet_data, original_sheet, flags=re.S)
    assert count == 1
    sheet = re.sub(r'<dimension ref="[^"]*"/>', dimension, sheet)
    sheet = re.sub(r"<cols>.*?</cols>", "", sheet, flags=re.S)  # the original's column widths
    items = "".join(
        f'<si><t xml:space="preserve">{escape(t)}</t></si>'
        if t != t.strip()
        else f"<si><t>{escape(t)}</t></si>"
        for t in strings
    )
    sst = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{uses}" uniqueCount="{len(strings)}">{items}</sst>'
    )
    return sheet, sst


def _inside_the_excel_package(target: Path, sheet_xml: str, shared_strings: str) -> None:
    """The Windows file with its sheet and shared strings replaced; every other part (content types,
    relationships, workbook, styles, theme, printer settings, document properties) as Excel wrote it,
    in Excel's order and compression."""
    with zipfile.ZipFile(WINDOWS) as source, zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            elif item.filename == "xl/sharedStrings.xml":
                data = shared_strings.encode()
            out.writestr(item, data, compress_type=item.compress_type)


def test_the_goal_table_built_inside_an_excel_package_imports(world, goals, tmp_path):
    """Genuine: the package around the sheet — [Content_Types].xml, the relationships, xl/workbook.xml
    (sheet "INDUSTRY MONTHLY", calcId 145621), xl/styles.xml, the theme, the printer settings and
    docProps — and the sheet's own frame (frozen header row, East Asian phonetic settings, page setup)
    are Excel 2013's bytes. Constructed here: the sheet's <sheetData> and xl/sharedStrings.xml, written
    the way Excel writes them (shared strings with t="s", 17-digit doubles, formulas with their cached
    values and t="str" for a text result, style ids 6 (the original header's bold text style) and 1 (its
    "0" number style) from that styles.xml). Excel did not compute these cached values nor write a
    calcChain.xml for the formulas (Excel rebuilds a missing one); a reader that recalculated instead
    of reading the cache would still get the same figures."""
    manager = fresh_user(world.mkt_manager)
    spec = goal_table.SPEC
    keys = [column.key for column in spec.columns]
    position = {key: n for n, key in enumerate(keys)}
    exported = {row["name"]: row for row in goal_table.export_rows(manager)}
    sales, exposure = exported["新品A Q3销售额"], exported["小红书品牌曝光"]

    def line(values: dict) -> list[object]:
        return [values.get(key) for key in keys]

    sales_row = line(
        sales | {"weight": Formula("0.7-0.2", 0.7 - 0.2), "notes": "需提前备货；Excel 2013 修改"}
    )
    exposure_row = line(exposure | {"name": Formula('"小红书品牌曝光"&" Q3"', "小红书品牌曝光 Q3")})
    new_row = line(
        {"name": "新品B Q4线索量", "goal_type": "销售额", "owner": "赵敏", "period": world.q4.name}
        | {"weight": 0.05, "department": "市场部", "measures": "线索量 ≥ 3000"}
    )
    header = [column.header("zh-hans") for column in spec.columns]
    styles = {-1: "6", position[c.ID_KEY]: "1", position[c.VERSION_KEY]: "1"}
    with zipfile.ZipFile(WINDOWS) as source:
        original = source.read("xl/worksheets/sheet1.xml").decode()
    sheet_xml, shared_strings = _excel_parts(original, [header, sales_row, exposure_row, new_row], styles)
    path = tmp_path / "目标设定（Excel 2013）.xlsx"
    _inside_the_excel_package(path, sheet_xml, shared_strings)
    # What the import will see: the cached values, the 17-digit weight, the ids as numbers.
    read = dict(iter_rows(read_sheet(spec, path)))
    assert read[2]["weight"] == 0.49999999999999994 and read[2][c.ID_KEY] == goals["sales"].pk
    assert read[3]["name"] == "小红书品牌曝光 Q3"

    result = run_import(fresh_user(world.mkt_manager), path)

    assert result.status == TableImport.Status.DONE, result.errors
    assert (result.header_line, result.created, result.updated, result.unchanged) == (1, 1, 2, 0)
    sales_goal = Goal.objects.get(pk=goals["sales"].pk)
    assert sales_goal.weight == Decimal("50.00")  # 0.49999999999999994 → 50%
    assert sales_goal.notes == "需提前备货；Excel 2013 修改"
    assert sales_goal.description == "2026年7-9月通过抖音+天猫实现销售额500万元"  # unchanged
    exposure_goal = Goal.objects.get(pk=goals["exposure"].pk)
    assert exposure_goal.name == "小红书品牌曝光 Q3" and exposure_goal.weight == Decimal("30.00")
    created = Goal.objects.get(name="新品B Q4线索量")
    assert created.period == world.q4 and created.owner == world.mkt_manager
    assert created.weight == Decimal("5.00") and str(created.goal_type) == "销售额"
    measure = created.measures.get()
    assert (measure.name, measure.target) == ("线索量", Decimal("3000"))


@pytest.mark.parametrize("path", [WINDOWS, MAC], ids=["windows", "mac"])
def test_the_fixtures_are_the_files_excel_saved(path):
    """Excel's own marks, so a fixture replaced by a file re-saved elsewhere fails here first."""
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        names = archive.namelist()
    assert '<fileVersion appName="xl" lastEdited="6"' in workbook
    assert names[0] == "[Content_Types].xml" and "docProps/app.xml" in names
