"""API of the seeds' tables in xlsx (API.md: /exports/{table}, /imports/{table}).

- `GET /exports/{table}` streams the table as an xlsx file: the records the caller may see (goals filtered by
  department_id with its sub-departments, period_id, owner_id), headers in the request's language or
  `language`.
- `POST /imports/{table}` (multipart `file`, optional `skip_bad_rows`, `apply`) stores the file and checks
  it on the worker: 202 with the import's status; `GET /imports/{table}/{id}` shows the status, the row
  errors and the conflicts; `POST /imports/{table}/{id}/apply` imports a checked file (`skip_bad_rows` to
  leave out bad and conflicting rows). With `apply=true` the import follows the check when the file is
  clean (or `skip_bad_rows`), in one call for scripts.
Every row is written through the apps' services as the caller (lodestar/exchange/imports.py).
"""

from __future__ import annotations

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router, Status, UploadedFile

from lodestar.core.errors import ApplicationError
from lodestar.core.schemas import LIST_ERRORS, MAX_ID, READ_ERRORS, WRITE_ERRORS
from lodestar.exchange import imports
from lodestar.exchange.columns import current_language
from lodestar.exchange.schemas import ApplyIn, ExportFilter, TableImportOut, TableName
from lodestar.exchange.tables import export_filename, table_named
from lodestar.exchange.xlsx_writer import temporary_export
from lodestar.org.permissions import require_person

router = Router(tags=["exchange"])

ImportId = Path(..., ge=1, le=MAX_ID, description="The import's id")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(handle, filename: str) -> FileResponse:
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


@router.get(
    "/exports/{table}",
    response=LIST_ERRORS,
    summary="The table as an xlsx file",
    openapi_extra={
        "responses": {
            200: {
                "description": "The xlsx workbook (data sheet, column guide)",
                "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def export_table(request, table: TableName, filters: Query[ExportFilter]):
    require_person(request.user)
    found = table_named(table)
    language = current_language(filters.language)
    params = {k: v for k, v in filters.dict().items() if k != "language" and v is not None}
    handle = temporary_export(found.spec, found.export_rows(request.user, params), language=language)
    return xlsx_response(handle, export_filename(found, language, timezone.localdate()))


FORM_FIELDS = {"file", "skip_bad_rows", "apply"}


@router.post(
    "/imports/{table}",
    response={202: TableImportOut, **WRITE_ERRORS},
    summary="Upload a filled-in table (multipart `file`): checked on the worker, then imported on confirm",
    # The form takes exactly its three fields, like every JSON body (InputSchema): a misspelt
    # `skip_bad_row` must not be ignored while the import runs without it.
    openapi_extra={
        "requestBody": {"content": {"multipart/form-data": {"schema": {"additionalProperties": False}}}}
    },
)
def import_table(
    request,
    table: TableName,
    file: File[UploadedFile] = None,
    skip_bad_rows: Form[bool] = False,
    apply: Form[bool] = False,
):
    require_person(request.user)
    for name in sorted(set(request.POST) | set(request.FILES)):
        if name not in FORM_FIELDS:
            raise ApplicationError(
                _("Unknown field “%(field)s”: this request does not take it.") % {"field": name},
                code="unknown_field",
                field=name,
            )
    if file is None:
        raise ApplicationError(_("Choose a file to upload."), code="required", field="file")
    table_import = imports.table_import_upload(
        actor=request.user,
        table=table,
        file=file,
        language=current_language(),
        skip_bad_rows=skip_bad_rows,
        apply_when_checked=apply,
    )
    return Status(202, imports.access_import(request.user, table_import.pk))


@router.get(
    "/imports/{table}/{import_id}",
    response={200: TableImportOut, **READ_ERRORS},
    summary="An import's status, row errors and conflicts",
)
def import_detail(request, table: TableName, import_id: int = ImportId):
    require_person(request.user)
    return imports.access_import(request.user, import_id, table=table)


@router.post(
    "/imports/{table}/{import_id}/apply",
    response={202: TableImportOut, **WRITE_ERRORS},
    summary="Import a checked file (`skip_bad_rows` leaves out bad and conflicting rows)",
)
def import_apply(request, payload: ApplyIn, table: TableName, import_id: int = ImportId):
    require_person(request.user)
    table_import = imports.access_import(request.user, import_id, table=table)
    imports.table_import_apply(
        actor=request.user, table_import=table_import, skip_bad_rows=payload.skip_bad_rows
    )
    return Status(202, imports.access_import(request.user, import_id))
