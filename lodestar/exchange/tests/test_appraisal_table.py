"""The appraisal results table: export only (the indicators' text, the bonus for HR and admins only)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lodestar.core.errors import ApplicationError
from lodestar.exchange import appraisal_table
from lodestar.exchange.imports import table_import_upload
from lodestar.exchange.tests.conftest import load
from lodestar.exchange.xlsx_writer import write_table
from lodestar.testing.organisation import fresh_user


def test_indicators_text():
    components = [
        {"name": "销售额", "weight": "40", "score": "96"},
        {"name": "团队协作", "weight": "15.00", "score": None},
    ]
    assert appraisal_table._indicators(components) == "销售额 40% / 96.00；团队协作 15% / —"


def test_export_headers_and_import_refused(world, tmp_path):
    path = tmp_path / "appraisals.xlsx"
    write_table(appraisal_table.SPEC, appraisal_table.export_rows(fresh_user(world.hr), None), str(path))
    headers = [cell.value for cell in load(path).worksheets[0][1]]
    assert headers[:7] == ["考核周期", "姓名", "岗位", "部门", "考核指标（权重 / 得分）", "最终得分", "等级"]
    with pytest.raises(ApplicationError) as caught:
        table_import_upload(
            actor=fresh_user(world.hr),
            table="appraisals",
            file=SimpleUploadedFile("a.xlsx", path.read_bytes()),
        )
    assert (caught.value.code, caught.value.field) == ("export_only", "table")
