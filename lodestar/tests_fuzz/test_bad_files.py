"""Bad files sent to the importers and the upload page (wrong encodings, broken and oversized
spreadsheets, a zip bomb): a clear error, nothing imported."""

from __future__ import annotations

import codecs
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from lodestar.core.errors import ApplicationError
from lodestar.exchange.readers import read_table
from lodestar.org import importing
from lodestar.org.models import Person
from lodestar.tests_fuzz.corpus import (
    MIXED,
    count,
    form_errors,
)

pytestmark = pytest.mark.usefixtures("demo_world")

# --- importers --------------------------------------------------------------------------------


def _xlsx(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


PEOPLE_HEADER = ["账号", "姓名", "部门编码"]


def _zip_bomb() -> bytes:
    """A well-formed xlsx whose sheet XML inflates to ~300 MB from a few hundred kB."""
    out = io.BytesIO()
    real = zipfile.ZipFile(io.BytesIO(_xlsx([PEOPLE_HEADER])))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in real.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with bomb.open(info.filename, "w", force_zip64=True) as sheet:
                    sheet.write(b'<?xml version="1.0"?><worksheet><sheetData>')
                    chunk = b"<row>" + b" " * (1024 * 1024 - 11) + b"</row>"
                    for _ in range(300):
                        sheet.write(chunk)
                    sheet.write(b"</sheetData></worksheet>")
            else:
                bomb.writestr(info, real.read(info.filename))
    return out.getvalue()


def _csv(rows: list[list[str]], encoding: str, bom: bool = False) -> bytes:
    text = "\r\n".join(",".join(row) for row in rows) + "\r\n"
    return (codecs.BOM_UTF8 if bom else b"") + text.encode(encoding)


def _person_csv(username: str, name: str, encoding: str, bom: bool = False) -> Callable[[], bytes]:
    return lambda: _csv([["username", "name", "department"], [username, name, "MKT"]], encoding, bom)


def _valid_xlsx() -> bytes:
    return _xlsx([PEOPLE_HEADER, ["newbie", "新同事", "MKT"]])


# label → (file name, the file's bytes)
IMPORT_CASES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "random_bytes_named_xlsx": ("people.xlsx", lambda: bytes(range(256)) * 40),
    "truncated_xlsx": ("people.xlsx", lambda: _valid_xlsx()[:700]),
    "zip_bomb_xlsx": ("people.xlsx", _zip_bomb),
    "empty_file": ("people.csv", lambda: b""),
    "shift_jis_csv": ("people.csv", _person_csv("yamada", "山田太郎ｶﾀｶﾅ", "shift_jis")),
    "latin1_csv": ("people.csv", _person_csv("cafe", "Café Müller", "latin-1")),
    "nul_bytes_csv": ("people.csv", _person_csv("nul", "a\x00b", "utf-8")),
    # Files that must be imported exactly: mixed scripts, GBK with a rare name character, and UTF-16
    # without a byte-order mark (recognised from its NUL bytes).
    "utf16_without_bom_csv": ("people.csv", _person_csv("utf16", "新同事", "utf-16-le")),
    "utf16_be_without_bom_csv": ("people.csv", _person_csv("utf16be", "新同事", "utf-16-be")),
    "emoji_mixed_scripts_csv": ("people.csv", _person_csv("mixed", MIXED, "utf-8", bom=True)),
    "gbk_csv_rare_character": ("people.csv", _person_csv("wangzhe", "王喆", "gbk")),
}
IMPORTED = {
    "emoji_mixed_scripts_csv": ("mixed", MIXED),
    "gbk_csv_rare_character": ("wangzhe", "王喆"),
    "utf16_without_bom_csv": ("utf16", "新同事"),
    "utf16_be_without_bom_csv": ("utf16be", "新同事"),
}


@dataclass
class ImportOutcome:
    error: ApplicationError | None
    people_before: int
    people_after: int


def _assert_import_outcome(label: str, outcome: ImportOutcome) -> None:
    if label in IMPORTED:
        assert outcome.error is None, outcome.error
        username, name = IMPORTED[label]
        assert Person.objects.get(user__username=username).display_name == name
    else:
        assert outcome.error is not None, f"{label} was imported"
        assert outcome.error.message and (outcome.error.field == "file" or outcome.error.errors)
        assert outcome.people_after == outcome.people_before, "a refused import wrote something"


@pytest.mark.parametrize("label", list(IMPORT_CASES))
def test_importer_bad_file(label, demo):
    filename, make = IMPORT_CASES[label]
    data = make()
    before = count("org.Person")
    error = None
    try:
        result = importing.org_import(actor=demo.admin.user, kind="people", data=data, filename=filename)
    except ApplicationError as exc:
        error = exc
    else:
        if not result.committed:
            error = ApplicationError(
                "; ".join(e.message for e in result.errors), errors=result.errors, field="file"
            )
    _assert_import_outcome(label, ImportOutcome(error, before, count("org.Person")))


@pytest.mark.parametrize("label", list(IMPORT_CASES))
def test_import_upload_page_bad_file(label, demo, admin_browser):
    filename, make = IMPORT_CASES[label]
    before = count("org.Person")
    upload = SimpleUploadedFile(filename, make(), content_type="application/octet-stream")
    response = admin_browser.post("/org/import/", {"kind": "people", "file": upload})
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert label in IMPORTED, f"{label} was imported"
        username, name = IMPORTED[label]
        assert Person.objects.get(user__username=username).display_name == name
    else:
        assert label not in IMPORTED, form_errors(response)
        result = response.context.get("result")
        assert form_errors(response) or (result is not None and result.errors), "no error shown"
        assert count("org.Person") == before


def test_zip_bomb_is_refused_before_inflating():
    data = _zip_bomb()
    assert len(data) < 2 * 1024 * 1024  # small on the wire ...
    with pytest.raises(ApplicationError) as caught:
        read_table(data, "people.xlsx")
    assert caught.value.code == "file_too_large"  # ... and refused from its declared size
