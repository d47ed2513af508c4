"""API schemas of the platform data: /data-sources, /data-sources/{id}/metrics, /metric-imports,
/metric-series (API.md "Resources of the next capabilities")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import WithJsonSchema

from lodestar.core.numbers import amount_str, rate_str
from lodestar.core.schemas import MAX_ID, InputSchema, PageIn

Kind = Literal["platform", "crm", "finance", "panel", "other"]
Aggregation = Literal["sum", "mean"]
Use = Literal["feed", "verify"]
# A tolerance is a fraction from 0 to 1 (0.05 = 5%), kept to 4 places (rounded half up).
Tolerance = Annotated[
    Decimal,
    Field(ge=0, le=1),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 1},
                {"type": "string", "pattern": r"^(0(\.[0-9]+)?|1(\.0+)?)$"},
            ],
            "description": "A fraction: 0.05 = 5%",
        }
    ),
]
ImportStatus = Literal["uploaded", "mapped", "validating", "invalid", "importing", "done", "failed"]


class SourceFilter(PageIn):
    q: str = Field("", max_length=80, description="Part of the source's name")
    kind: Kind | None = None
    department_id: int | None = Field(None, ge=1, le=MAX_ID, description="Sources of this department")


class SourceIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=80)
    kind: Kind = "platform"
    description: str = Field("", max_length=2000)
    department_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The owning department; null for the whole company (admins only)"
    )
    is_active: bool = True


class SourcePatch(InputSchema):
    version: int = Field(..., ge=1, le=2**31 - 1)
    name: str | None = Field(None, min_length=1, max_length=80)
    kind: Kind | None = None
    description: str | None = Field(None, max_length=2000)
    department_id: int | None = Field(None, ge=1, le=MAX_ID)
    is_active: bool | None = None


class SourceOut(Schema):
    id: int
    name: str
    kind: str
    description: str
    department_id: int | None
    is_active: bool
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class SourcePage(Schema):
    items: list[SourceOut]
    count: int
    page: int
    page_size: int


class MetricIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=80)
    unit: str = Field("", max_length=20)
    aggregation: Aggregation = "sum"
    measure_id: int | None = Field(None, ge=1, le=MAX_ID)
    use: Use = "verify"
    tolerance: Tolerance = Decimal("0.05")


class MetricPatch(InputSchema):
    version: int = Field(..., ge=1, le=2**31 - 1)
    name: str | None = Field(None, min_length=1, max_length=80)
    unit: str | None = Field(None, max_length=20)
    aggregation: Aggregation | None = None
    measure_id: int | None = Field(None, ge=1, le=MAX_ID)
    use: Use | None = None
    tolerance: Tolerance | None = None


class MetricOut(Schema):
    id: int
    source_id: int
    name: str
    unit: str
    aggregation: str
    measure_id: int | None
    use: str
    tolerance: str
    version: int

    @staticmethod
    def resolve_tolerance(obj):
        return rate_str(obj.tolerance)


class MetricPage(Schema):
    items: list[MetricOut]
    count: int
    page: int
    page_size: int


class ImportFilter(PageIn):
    source_id: int | None = Field(None, ge=1, le=MAX_ID)
    status: ImportStatus | None = None


class ImportCreated(Schema):
    id: int
    status: str


class RowErrorOut(Schema):
    row: int = Field(description="The file's line; the header is line 1")
    field: str = Field(description="The column's header")
    code: str
    message: str


class MappingColumn(InputSchema):
    column: str = Field(..., min_length=1, max_length=200, description="A header of the file")
    metric: str = Field(..., min_length=1, max_length=80, description="The source's metric (created if new)")
    measure_id: int | None = Field(None, ge=1, le=MAX_ID, description="Bind the metric to this measure")


class MappingIn(InputSchema):
    date_column: str = Field(..., min_length=1, max_length=200)
    channel_column: str = Field("", max_length=200, description="Empty: every row has `channel_id`")
    channel_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The channel of every row, or null for all"
    )
    columns: list[MappingColumn] = Field(..., min_length=1, max_length=200)


class MappingOut(Schema):
    date_column: str = ""
    channel_column: str = ""
    channel_id: int | None = None
    columns: list[MappingColumn] = []


class ImportOut(Schema):
    id: int
    source_id: int
    filename: str
    encoding: str
    headers: list[str]
    status: str
    mapping: MappingOut
    skip_bad_rows: bool
    rows_total: int
    rows_ok: int
    rows_bad: int
    progress: str = Field(description="A fraction with 4 places: 0.5000 is half way")
    points_created: int
    points_updated: int
    points_unchanged: int
    date_from: dt.date | None
    date_to: dt.date | None
    errors: list[RowErrorOut] = Field(description="Every bad cell, the first 1,000 of them")
    errors_total: int
    failure: str
    created_by_id: int | None
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_progress(obj):
        return rate_str(Decimal(obj.progress) / 100)

    @staticmethod
    def resolve_mapping(obj):
        return obj.mapping or {}

    @staticmethod
    def resolve_errors(obj):
        from lodestar.metrics.import_services import error_items

        return error_items(obj)


class ImportPage(Schema):
    items: list[ImportOut]
    count: int
    page: int
    page_size: int


class PreviewValue(Schema):
    column: str
    value: str | None

    @staticmethod
    def resolve_value(obj):
        return amount_str(obj["value"]) if obj["value"] is not None else None


class PreviewError(Schema):
    field: str
    code: str
    message: str


class PreviewRow(Schema):
    row: int
    cells: list[str]
    date: dt.date | None
    channel: str | None
    values: list[PreviewValue]
    errors: list[PreviewError]


class PreviewOut(Schema):
    rows: list[PreviewRow]


class StartIn(InputSchema):
    skip_bad_rows: bool = False


class SeriesFilter(PageIn):
    source_id: int | None = Field(None, ge=1, le=MAX_ID)
    metric_id: int | None = Field(None, ge=1, le=MAX_ID)
    metric: str = Field("", max_length=80, description="The metric's name")
    channel_id: int | None = Field(None, ge=1, le=MAX_ID)
    start: dt.date | None = Field(None, description="From this date (inclusive)")
    end: dt.date | None = Field(None, description="To this date (inclusive)")


class PointOut(Schema):
    id: int
    source_id: int
    metric_id: int
    metric: str
    channel_id: int | None
    channel: str | None
    date: dt.date
    value: str

    @staticmethod
    def resolve_source_id(obj):
        return obj.metric.source_id

    @staticmethod
    def resolve_metric(obj):
        return obj.metric.name

    @staticmethod
    def resolve_channel(obj):
        return str(obj.channel) if obj.channel_id else None

    @staticmethod
    def resolve_value(obj):
        return amount_str(obj.value)


class SeriesPage(Schema):
    items: list[PointOut]
    count: int
    page: int
    page_size: int
