"""Pages of the seeds' tables in xlsx under /exchange/: the export download, the upload page, and an import's
report (row errors and conflicts, polled with HTMX while the worker checks) with its confirm step."""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from lodestar.core.http import int_param, page_view, service_errors
from lodestar.exchange import imports
from lodestar.exchange.api import xlsx_response
from lodestar.exchange.columns import current_language
from lodestar.exchange.tables import export_filename, table_named
from lodestar.exchange.xlsx_writer import temporary_export
from lodestar.org.permissions import can_write, require_person
from lodestar.tracking.selectors import parse_week


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Filled-in table (.xlsx)"))


@page_view
def export_table(request, table: str):
    """The table as an xlsx download: the records the user may see, in the page's scope (?department,
    ?period, ?owner, ?goal, ?author, ?cycle, ?week), headers in the page's language."""
    require_person(request.user)
    found = table_named(table)
    params = {}
    for name, key in (
        ("department", "department_id"),
        ("period", "period_id"),
        ("owner", "owner_id"),
        ("goal", "goal_id"),
        ("author", "author_id"),
        ("cycle", "cycle_id"),
    ):
        value = int_param(request.GET.get(name))
        if value:
            params[key] = value
    if request.GET.get("week"):  # a weekly report's week (2026-W49): the check-ins of that week
        week = parse_week(request.GET["week"], timezone.localdate())
        params["start"], params["end"] = week.start, week.end
    language = current_language()
    handle = temporary_export(found.spec, found.export_rows(request.user, params), language=language)
    return xlsx_response(handle, export_filename(found, language, timezone.localdate()))


@page_view
def import_upload(request, table: str):
    require_person(request.user)
    found = table_named(table)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            table_import = imports.table_import_upload(
                actor=request.user, table=table, file=form.cleaned_data["file"], language=current_language()
            )
            return redirect("exchange:import_detail", table_import.pk)
    return render(
        request,
        "exchange/import_upload.html",
        {
            "form": form,
            "table": found,
            "title": found.spec.title(current_language()),
            "can_write": can_write(request.user),
        },
    )


@page_view
def import_detail(request, import_id: int):
    table_import = imports.access_import(request.user, import_id)
    spec = table_named(table_import.table).spec
    headers = {column.key: column.header(current_language()) for column in spec.columns}
    # The report names the file's columns, not our field names.
    table_import.errors = [{**e, "field": headers.get(e["field"], e["field"])} for e in table_import.errors]
    context = {
        "imp": table_import,
        "title": spec.title(current_language()),
        "running": table_import.is_running,
    }
    if request.htmx:
        return render(request, "exchange/import_detail.html#status", context)
    return render(request, "exchange/import_detail.html", context)


@page_view
@require_POST
def import_apply(request, import_id: int):
    table_import = imports.access_import(request.user, import_id)
    with service_errors(request):
        imports.table_import_apply(
            actor=request.user,
            table_import=table_import,
            skip_bad_rows=request.POST.get("skip_bad_rows") == "1",
        )
    return redirect("exchange:import_detail", table_import.pk)
