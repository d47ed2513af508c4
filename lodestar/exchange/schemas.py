"""API schemas of the seeds' tables in and out (API.md: /exports/{table}, /imports/{table})."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from lodestar.core.schemas import MAX_ID, InputSchema

TableName = Literal["goals", "items", "check-ins", "retrospectives", "appraisals"]
Language = Literal["zh-hans", "en"]


class ExportFilter(Schema):
    language: Language | None = Field(
        None, description="Headers in Chinese (default: the request's language) or English"
    )
    department_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Records of this department and its sub-departments"
    )
    period_id: int | None = Field(None, ge=1, le=MAX_ID, description="goals: of this period")
    owner_id: int | None = Field(None, ge=1, le=MAX_ID, description="goals: owned by this person")
    goal_id: int | None = Field(None, ge=1, le=MAX_ID, description="items, check-ins: of this goal")
    measure_id: int | None = Field(None, ge=1, le=MAX_ID, description="check-ins: on this measure")
    item_id: int | None = Field(None, ge=1, le=MAX_ID, description="check-ins: on this action item")
    cycle_id: int | None = Field(None, ge=1, le=MAX_ID, description="appraisals: of this cycle")


class TableRowErrorOut(Schema):
    row: int = Field(description="The line in the spreadsheet (the header's line + 1 is the first data row)")
    field: str | None
    code: str
    message: str


class ConflictOut(Schema):
    row: int
    id: int | None = Field(description="The record's id in the file's hidden ID column")
    message: str


class TableImportOut(Schema):
    id: int
    table: str
    filename: str
    status: Literal["checking", "checked", "invalid", "applying", "done", "failed"] = Field(
        description="checking → checked (clean: POST …/apply to import) or invalid (bad rows or conflicts); "
        "applying → done; failed when the file could not be processed"
    )
    skip_bad_rows: bool
    header_line: int
    rows_total: int
    rows_bad: int
    created: int = Field(description="Records created (or, before the import, that would be)")
    updated: int
    unchanged: int
    errors: list[TableRowErrorOut] = Field(description="Every problem of every bad row (the first 1,000)")
    conflicts: list[ConflictOut] = Field(description="Rows whose record changed in Lodestar since the export")
    ignored_headers: list[str] = Field(description="Columns of the file that are not the table's")
    failure: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ApplyIn(InputSchema):
    skip_bad_rows: bool = False
