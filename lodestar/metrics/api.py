"""API of the platform data (API.md: /data-sources, /metric-imports, /metric-series).

- `/data-sources` (CRUD) and a source's metrics at `/data-sources/{id}/metrics` (CRUD under the source).
- `/metric-imports`: a multipart upload (`source_id`, `file`) answers 202 `{id, status}`; `GET` shows the
  status, counts, progress and every row error (the first 1,000); `PUT …/mapping` maps the columns;
  `GET …/preview` reads the first rows with the mapping; `POST …/start` validates and imports on the worker
  (`skip_bad_rows` to import a file with bad rows without them).
- `/metric-series`: the points, filtered by source, metric, channel and date range, paginated.
Permissions: lodestar/metrics/access.py.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router, Status, UploadedFile

from lodestar.core.errors import ApplicationError, NotFound
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS, PageIn, page_out
from lodestar.goals.access import access_measure
from lodestar.metrics import access, import_services, selectors, services
from lodestar.metrics.models import Channel, MetricImport
from lodestar.metrics.schemas import (
    ImportCreated,
    ImportFilter,
    ImportOut,
    ImportPage,
    MappingIn,
    MetricIn,
    MetricOut,
    MetricPage,
    MetricPatch,
    PreviewOut,
    SeriesFilter,
    SeriesPage,
    SourceFilter,
    SourceIn,
    SourceOut,
    SourcePage,
    SourcePatch,
    StartIn,
)
from lodestar.org.permissions import access_department, require_person

router = Router(tags=["metrics"])

SourceId = Path(..., le=MAX_ID, description="The data source's id")
MetricId = Path(..., le=MAX_ID, description="The metric's id")
ImportId = Path(..., le=MAX_ID, description="The import's id")


def _department(user, department_id: int | None):
    return access_department(user, department_id) if department_id is not None else None


# --- data sources ------------------------------------------------------------------------------------


@router.get(
    "/data-sources", response={200: SourcePage, **LIST_ERRORS}, summary="The data sources you can read"
)
def source_list(request, filters: Query[SourceFilter]):
    require_person(request.user)
    queryset = access.visible_sources(request.user)
    if filters.q:
        queryset = queryset.filter(name__icontains=filters.q)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.department_id is not None:
        queryset = queryset.filter(department_id=filters.department_id)
    return page_out(queryset.order_by("name", "id"), filters.page, filters.page_size)


@router.post("/data-sources", response={201: SourceOut, **WRITE_ERRORS}, summary="Add a data source")
def source_create(request, payload: SourceIn):
    data = payload.dict()
    department = _department(request.user, data.pop("department_id"))
    access.require_source_creator(request.user, department)
    source = services.data_source_create(actor=request.user, department=department, **data)
    return Status(201, source)


@router.get("/data-sources/{source_id}", response={200: SourceOut, **READ_ERRORS}, summary="One data source")
def source_detail(request, source_id: int = SourceId):
    return access.access_source(request.user, source_id)


@router.patch(
    "/data-sources/{source_id}", response={200: SourceOut, **WRITE_ERRORS}, summary="Change a source"
)
def source_update(request, payload: SourcePatch, source_id: int = SourceId):
    source = access.access_source(request.user, source_id, write=True)
    data = payload.dict(exclude_unset=True)
    for key in ("name", "kind", "description", "is_active"):
        if key in data and data[key] is None:
            raise ApplicationError(_("This field cannot be empty."), field=key, code="required")
    version = data.pop("version")
    if "department_id" in data:
        department = _department(request.user, data.pop("department_id"))
        access.require_source_creator(request.user, department)
        data["department"] = department
    return services.data_source_update(actor=request.user, source=source, version=version, **data)


@router.delete(
    "/data-sources/{source_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a source with its metrics, points and imports",
)
def source_delete(request, source_id: int = SourceId):
    services.data_source_delete(
        actor=request.user, source=access.access_source(request.user, source_id, write=True)
    )
    return Status(204, None)


# --- a source's metrics ------------------------------------------------------------------------------


def _measure(user, measure_id: int | None):
    return access_measure(user, measure_id) if measure_id is not None else None


@router.get(
    "/data-sources/{source_id}/metrics",
    response={200: MetricPage, **LIST_ERRORS},
    summary="A source's metrics",
)
def metric_list(request, filters: Query[PageIn], source_id: int = SourceId):
    source = access.access_source(request.user, source_id)
    return page_out(source.metrics.order_by("name", "id"), filters.page, filters.page_size)


@router.post(
    "/data-sources/{source_id}/metrics", response={201: MetricOut, **WRITE_ERRORS}, summary="Add a metric"
)
def metric_create(request, payload: MetricIn, source_id: int = SourceId):
    source = access.access_source(request.user, source_id, write=True)
    data = payload.dict()
    data["measure"] = _measure(request.user, data.pop("measure_id"))
    return Status(201, services.source_metric_create(actor=request.user, source=source, **data))


@router.patch(
    "/data-sources/{source_id}/metrics/{metric_id}",
    response={200: MetricOut, **WRITE_ERRORS},
    summary="Change a metric (its unit, aggregation, measure, use, tolerance)",
)
def metric_update(request, payload: MetricPatch, source_id: int = SourceId, metric_id: int = MetricId):
    source = access.access_source(request.user, source_id, write=True)
    metric = access.access_source_metric(request.user, source, metric_id)
    data = payload.dict(exclude_unset=True)
    for key in ("name", "unit", "aggregation", "use", "tolerance"):
        if key in data and data[key] is None:
            raise ApplicationError(_("This field cannot be empty."), field=key, code="required")
    version = data.pop("version")
    if "measure_id" in data:
        data["measure"] = _measure(request.user, data.pop("measure_id"))
    return services.source_metric_update(actor=request.user, metric=metric, version=version, **data)


@router.delete(
    "/data-sources/{source_id}/metrics/{metric_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a metric with its points",
)
def metric_delete(request, source_id: int = SourceId, metric_id: int = MetricId):
    source = access.access_source(request.user, source_id, write=True)
    services.source_metric_delete(
        actor=request.user, metric=access.access_source_metric(request.user, source, metric_id)
    )
    return Status(204, None)


# --- imports -----------------------------------------------------------------------------------------


@router.get("/metric-imports", response={200: ImportPage, **LIST_ERRORS}, summary="Imports you can read")
def import_list(request, filters: Query[ImportFilter]):
    require_person(request.user)
    queryset = selectors.imports_for(request.user)
    if filters.source_id is not None:
        queryset = queryset.filter(source_id=filters.source_id)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    return page_out(queryset.order_by("-created_at", "-id"), filters.page, filters.page_size)


@router.post(
    "/metric-imports",
    response={202: ImportCreated, **WRITE_ERRORS},
    summary="Upload a csv or xlsx export (multipart `source_id`, `file`)",
)
def import_upload(request, source_id: Form[int] = 0, file: File[UploadedFile] = None):
    if source_id < 1 or source_id > MAX_ID:
        raise NotFound(_("Data source not found."), field="source_id")
    source = access.access_source(request.user, source_id, write=True)
    if file is None:
        raise ApplicationError(_("Choose a file to upload."), code="required", field="file")
    metric_import = import_services.metric_import_upload(actor=request.user, source=source, file=file)
    return Status(202, {"id": metric_import.pk, "status": metric_import.status})


@router.get(
    "/metric-imports/{import_id}", response={200: ImportOut, **READ_ERRORS}, summary="An import's status"
)
def import_detail(request, import_id: int = ImportId):
    return access.access_import(request.user, import_id)


@router.put(
    "/metric-imports/{import_id}/mapping",
    response={200: ImportOut, **WRITE_ERRORS},
    summary="Map the file's columns: the date, the channel, each metric",
)
def import_mapping(request, payload: MappingIn, import_id: int = ImportId):
    metric_import = access.access_import(request.user, import_id, write=True)
    channel = None
    if payload.channel_id is not None:
        channel = Channel.objects.filter(pk=payload.channel_id, is_active=True).first()
        if channel is None:
            raise NotFound(_("Channel not found."), field="channel_id")
    columns = [c.dict() for c in payload.columns]
    measures = {
        c["measure_id"]: access_measure(request.user, c["measure_id"], field="columns")
        for c in columns
        if c["measure_id"] is not None
    }
    import_services.metric_import_set_mapping(
        actor=request.user,
        metric_import=metric_import,
        date_column=payload.date_column,
        channel_column=payload.channel_column,
        channel=channel,
        columns=columns,
        measures=measures,
    )
    return access.access_import(request.user, import_id)


@router.get(
    "/metric-imports/{import_id}/preview",
    response={200: PreviewOut, **READ_ERRORS},
    summary="The first rows of the file as the mapping reads them",
)
def import_preview(request, import_id: int = ImportId):
    metric_import = access.access_import(request.user, import_id)
    return {"rows": import_services.metric_import_preview(metric_import=metric_import)}


@router.post(
    "/metric-imports/{import_id}/start",
    response={202: ImportCreated, **WRITE_ERRORS},
    summary="Validate and import on the worker (with `skip_bad_rows`, bad rows are left out)",
)
def import_start(request, payload: StartIn, import_id: int = ImportId):
    metric_import = access.access_import(request.user, import_id, write=True)
    import_services.metric_import_start(
        actor=request.user, metric_import=metric_import, skip_bad_rows=payload.skip_bad_rows
    )
    status = MetricImport.objects.values_list("status", flat=True).get(pk=metric_import.pk)
    return Status(202, {"id": metric_import.pk, "status": status})


# --- series ------------------------------------------------------------------------------------------


@router.get("/metric-series", response={200: SeriesPage, **LIST_ERRORS}, summary="Points of the series")
def series_list(request, filters: Query[SeriesFilter]):
    require_person(request.user)
    if filters.source_id is not None:
        access.access_source(request.user, filters.source_id)
    points = selectors.series(
        request.user,
        source_id=filters.source_id,
        metric_id=filters.metric_id,
        metric=filters.metric,
        channel_id=filters.channel_id,
        start=filters.start,
        end=filters.end,
    )
    return page_out(points, filters.page, filters.page_size)
